"""Whole-record matching (issue 22, item 1): a signature's regexes see the whole multi-line record,
the message line and the exception and stack lines under it, as replay and ``run`` join them.
The vocabulary's gaps cross one line break, so the reason a request failed, written on the
exception line, is read with it; the same words in the next record are not."""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from logsentinel.config.load import default_config
from logsentinel.matching.matcher import Matcher
from logsentinel.tools.replay import replay

# .NET's wording of an HTTP refusal, as HttpWebRequest and HttpClient write it
REFUSALS = [
    "System.Net.WebException: The remote server returned an error: (401) Unauthorized.",
    "System.Net.WebException: The remote server returned an error: (403) Forbidden.",
    "System.Net.Http.HttpRequestException: Response status code does not indicate success: 401 (Unauthorized).",
    "System.Net.Http.HttpRequestException: Response status code does not indicate success: 403 (Forbidden).",
]
STACK = [
    "   at System.Net.HttpWebRequest.GetResponse()",
    "   at Imagicle.Webex.Xsi.XsiClient.Send(XsiRequest request)",
    "   --- End of inner exception stack trace ---",
]
words = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789/._-", min_size=1, max_size=40)


_MATCHERS: dict[int, Matcher] = {}


def _events(tmp: Path, lines: list[str], library) -> list[str]:
    log = tmp / "Webex.log"
    log.write_text("\n".join(lines) + "\n", encoding="utf-8")
    found: list[str] = []
    if id(library) not in _MATCHERS:  # built once
        _MATCHERS[id(library)] = Matcher(library.signatures, timeout=None)
    matcher = _MATCHERS[id(library)]
    replay([log], default_config(), matcher, lambda ev: found.append(ev.signature), host="h", timezone="UTC")
    return found


@settings(max_examples=60, deadline=None)
@given(
    path=words,
    method=st.sampled_from(["GET", "POST", "PUT", "DELETE"]),
    refusal=st.sampled_from(REFUSALS),
    stack=st.lists(st.sampled_from(STACK), max_size=3),
    thread=st.integers(1, 99),
)
def test_the_refusal_on_the_exception_line_is_found_and_not_in_the_next_record(
    library, path, method, refusal, stack, thread
):
    head = f"2026-12-03 10:00:00,000 [{thread}] ERROR Imagicle.Webex.Xsi - XSI request {method} /com.broadsoft.xsi-actions/v2.0/{path}"
    quiet = f"2026-12-03 10:00:01,000 [{thread}] INFO Imagicle.Webex.Calls - {refusal}"
    with tempfile.TemporaryDirectory() as tmp:
        # the reason on the exception line of the same record
        assert "webex.xsi_auth_failed" in _events(Path(tmp), [head, refusal, *stack], library)
        # the same words as the next record, from another part of the suite: not this XSI request's
        assert "webex.xsi_auth_failed" not in _events(Path(tmp), [head, *stack, quiet], library)
