"""Masking secrets (issue 11, item 8): every format the adversarial test found leaking, and a
property: a value named as a secret, in any of the usual syntaxes, never comes out."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from logsentinel.detection.redact import DEFAULT, MASK

SECRET = "Hunter2xQ"


@pytest.mark.parametrize(
    "line",
    [
        f"login password='{SECRET}' failed",
        f'login password="{SECRET}" failed',
        f'secret: "{SECRET}"',
        f"DB_PASSWORD={SECRET}",
        f"aws_secret_access_key={SECRET}",
        f"passphrase={SECRET}",
        f"Cookie: session={SECRET}; theme=dark",
        f"Set-Cookie: sid={SECRET}; Path=/; HttpOnly",
        f"C: AUTH PLAIN {SECRET}",
        f"-----BEGIN RSA PRIVATE KEY-----\nMII{SECRET}\n-----END RSA PRIVATE KEY-----",
        f"-----BEGIN PRIVATE KEY-----\nMII{SECRET}",  # cut short by the record's end
        f"GET /callback?code=1&access_token%3D{SECRET}&state=2",
        f"config api_key => {SECRET}",
        f"Password is {SECRET}",
        f"Server=sql01;Database=UCX;User Id=sa;Password={SECRET};Encrypt=true",
        f"Driver={{ODBC Driver 18}};PWD={{{SECRET};x}};",
        f'{{"client_secret": "{SECRET}", "user": "bob"}}',
        f"Authorization: Bearer {SECRET}abcdef",
        f"https://alice:{SECRET}@hooks.example.com/x",
    ],
)
def test_the_formats_that_leaked_are_masked(line):
    masked = DEFAULT.text(line)
    assert SECRET not in masked and MASK in masked, masked


@pytest.mark.parametrize(
    "line",
    [
        "tokenizer=fast passed=3 bypass=on compass=north",
        "Password changed for user bob",
        "user=bob host=ucx-01 status=ok",
    ],
)
def test_words_that_only_contain_a_secret_name_are_left_alone(line):
    assert DEFAULT.text(line) == line


_words = st.sampled_from(
    [
        "password",
        "passwd",
        "pass",
        "passphrase",
        "pwd",
        "secret",
        "token",
        "api_key",
        "apikey",
        "api-key",
        "access_key",
        "private_key",
        "credentials",
        "session_id",
    ]
)
_joined = st.sampled_from(["", "db_", "aws_", "x-", "spring.datasource.", "SMTP_", "client_"])
_after = st.sampled_from(["", "_access_key", "_2", "-value", ".enc"])
_case = st.sampled_from([str.lower, str.upper, str.title])
_syntax = st.sampled_from(
    [
        "{k}={v}",
        "{k}: {v}",
        "{k}='{v}'",
        '{k}="{v}"',
        '"{k}": "{v}"',
        "'{k}': '{v}'",
        "{k} => {v}",
        "{k}%3D{v}",
        "{k} is {v}",
        "Server=db;{k}={v};Timeout=5",
        "?a=1&{k}={v}&b=2",
        "{k}={{{v}}}",
    ]
)
# values free of the characters that end an unquoted value (& , ; space and quotes)
_value = st.text(
    alphabet="ABCDEFGHJKLMNPQRSTUVWXYZabcdefghjkmnpqrstuvwxyz23456789!#$%*()+-/.~^@|[]<>", min_size=8, max_size=40
)


@settings(max_examples=400, deadline=None)
@given(
    word=_words,
    before=_joined,
    after=_after,
    case=_case,
    syntax=_syntax,
    value=_value,
    context=st.sampled_from(["", "2026-11-27 10:00:00,123 [7] ERROR Cfg - ", "retrying: "]),
)
def test_a_value_named_as_a_secret_never_comes_out(word, before, after, case, syntax, value, context):
    if ("{" in syntax and "}" in value) or ("'" in syntax and "'" in value):
        return
    name = case(before + word + after)
    line = context + syntax.format(k=name, v=value) + " and more"
    masked, fields = DEFAULT.record(line, {"captured": value})
    assert value not in masked, (line, masked)
    assert fields["captured"] == MASK
    assert name in masked  # what was masked stays readable


def test_a_field_named_as_a_secret_is_masked_whatever_the_message_says():
    """Issue 21, item 1: a 7031 event with <Data Name='password'> and a rendered message kept the
    password in its fields (only values also in the text were masked)."""
    from logsentinel.detection.redact import DEFAULT

    text = "Error Service Control Manager 7031: The Imagicle Call Recording service terminated unexpectedly."
    fields = {
        "param1": "Imagicle Call Recording",
        "password": "hunter2",
        "DB_PASSWORD": "x1",
        "session_token": "t0k",
        "api-key": "k",
        "passwords_reset": "3",
    }
    _masked, out = DEFAULT.record(text, fields)
    assert out["param1"] == "Imagicle Call Recording"
    assert {k: out[k] for k in ("password", "DB_PASSWORD", "session_token", "api-key")} == dict.fromkeys(
        ("password", "DB_PASSWORD", "session_token", "api-key"), "***"
    )


def test_a_huge_field_is_cut_with_a_marker_like_the_message(library):
    """Issue 21, item 11: fields were kept whole (a 200 MB Data value reached every sink)."""
    from logsentinel.detection.detector import Detector
    from logsentinel.detection.events import MESSAGE_MAX_CHARS
    from logsentinel.matching.matcher import Matcher
    from logsentinel.records.eventxml import xml_record

    xml = (
        "<Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'><System>"
        "<Provider Name='Service Control Manager'/><EventID>7031</EventID><Level>2</Level>"
        "<TimeCreated SystemTime='2026-11-27T10:00:00.000Z'/><EventRecordID>9</EventRecordID>"
        "<Channel>System</Channel><Computer>ucx</Computer></System><EventData>"
        f"<Data Name='param1'>Imagicle Call Recording{'x' * 1_000_000}</Data></EventData></Event>"
    )
    rec = xml_record(xml, "eventlog", "eventlog:System")
    matched = Matcher(library.signatures).match_records([rec], "eventlog")
    detector = Detector(library.signatures, "h")
    events = [ev for m in matched for ev in detector.process(m)]
    value = next(e for e in events if e.signature == "app.crash").fields["param1"]
    assert len(value) <= MESSAGE_MAX_CHARS and value.endswith("…")
