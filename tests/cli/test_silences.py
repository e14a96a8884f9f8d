"""``logsentinel silence`` and ``logsentinel silences`` (issue 23), as amtool's silences: the
reports of matching events are recorded and shown as silenced, not sent; the reports that end
an event always go out; a silence works beside a running sidecar and on a stopped one."""

from __future__ import annotations

import json
import sqlite3
import time
from pathlib import Path

import pytest
from conftest import run_cli
from hypothesis import given
from hypothesis import strategies as st
from support.clock import FakeClock
from support.sidecar import read_jsonl, start_run, stop_run, utc_stamp, wait_until, write_config
from support.signatures import slow_answer

from logsentinel.config.load import load_config
from logsentinel.dispatch.silences import Matcher, Silence, parse_matcher, silencing
from logsentinel.runtime.sidecar import Sidecar
from logsentinel.signatures.load import load_effective


def _setup(tmp_path: Path, start_at: str = "beginning", text: str = "") -> Path:
    (tmp_path / "p").mkdir()
    (tmp_path / "p" / "demo.yaml").write_text(slow_answer("1m") + "dedup: {by: [code]}\n")  # an event per code
    log = tmp_path / "app.log"
    log.write_text(text)
    return write_config(tmp_path, log, source="app", start_at=start_at, patterns=tmp_path / "p", bundled=False)


def _silenced_rows(tmp_path: Path) -> list[tuple]:
    db = sqlite3.connect(tmp_path / "state.db")
    try:
        return db.execute(
            "SELECT silence_id, report, json_extract(data, '$.fields.code') FROM silenced ORDER BY id"
        ).fetchall()
    finally:
        db.close()


# ---- the matchers, on their own ---------------------------------------------------------
# a value starting with "~" reads as FIELD=~REGEX, as in amtool
_value = st.text(st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=20).filter(
    lambda v: v.strip() == v and not v.startswith("~")
)


@given(name=st.sampled_from(["signature", "priority", "host", "param1", "component"]), value=_value)
def test_a_matcher_takes_what_it_names_and_nothing_else(name, value):
    m = parse_matcher(f"{name}={value}")
    assert m == Matcher(name, value)
    event = {"signature": "x", "priority": "P1", "host": "h", "fields": {"param1": "a"}}
    event = {**event, name: value} if name in ("signature", "priority", "host") else {**event, "fields": {name: value}}
    assert m.matches(event)
    assert not m.matches(
        {**event, "fields": {}, name: value + "!"}
        if name in ("signature", "priority", "host")
        else {**event, "fields": {name: value + "!"}}
    )


@given(report=st.sampled_from(["fired", "repeated", "overdue", "acknowledged", "resolved", "closed", "updated"]))
def test_an_active_silence_never_keeps_back_the_end_of_an_event(report):
    silence = Silence("abcd0123", (Matcher("signature", "s"),), 0, 10_000, "me", "maintenance", 0)
    event = {"signature": "s", "report": report, "fields": {}}
    assert (silencing(event, [silence], 5_000) is None) is (report in ("resolved", "closed"))
    assert silencing(event, [silence], 10_000) is None  # ended
    assert silencing({**event, "signature": "t"}, [silence], 5_000) is None


@pytest.mark.parametrize(
    "args,needle",
    [
        (["--for", "2h", "--reason", "x"], "say what to silence"),
        (["--match", "param1", "--for", "2h", "--reason", "x"], "expected FIELD=VALUE"),
        (["--match", "code=~(", "--for", "2h", "--reason", "x"], "bad regex"),
        (["--signature", "demo.slow_answer", "--until", "2020-01-01T00:00", "--reason", "x"], "end before it starts"),
        (["--signature", "demo.slow_answer", "--for", "soon", "--reason", "x"], "soon"),
        (["--signature", "demo.slow_answer", "--for", "2h", "--reason", " "], "say why"),
    ],
)
def test_a_wrong_silence_is_one_clear_line(tmp_path, args, needle):
    cfg = _setup(tmp_path)
    res = run_cli("silence", "-c", cfg, *args)
    assert res.returncode == 2 and needle in res.stderr and "Traceback" not in res.stderr, res.stderr


# ---- on a stopped sidecar, then at its start --------------------------------------------
def test_a_silence_set_while_stopped_keeps_back_matching_reports_only(tmp_path):
    cfg = _setup(tmp_path)
    res = run_cli(
        "silence", "-c", cfg, "--signature", "demo.slow_answer", "--match", "code=~7|8", "--for", "100d",
        "--reason", "planned restart, token=abc123secret", "--by", "dave",
    )  # fmt: skip
    assert res.returncode == 0, res.stderr
    silence_id = res.stdout.split()[1].rstrip(":")
    assert "signature=demo.slow_answer, code=~7|8" in res.stdout and "abc123secret" not in res.stdout
    listed = json.loads(run_cli("silences", "-c", cfg, "--json").stdout)
    assert [(s["id"], s["by"], s["state"]) for s in listed] == [(silence_id, "dave", "active")]
    assert "abc123secret" not in json.dumps(listed)

    (tmp_path / "app.log").write_text(
        "".join(f"{utc_stamp()} [1] ERROR Demo - demo failure {code}\n" for code in (7, 9, 8))
        + f"{utc_stamp()} [1] INFO Demo - later\n"  # the last record is complete once the next begins
    )
    config = load_config(cfg)
    clock = FakeClock(time.time())  # the silence runs from now: the sidecar starts at once
    side = Sidecar(config, load_effective(config.patterns, config.bundled_patterns), clock=clock)
    side.step()
    side.dispatcher.start()
    side.dispatcher.stop(timeout=5)
    side.state.close()
    assert [(r["report"], r["fields"]["code"]) for r in read_jsonl(tmp_path / "out.jsonl")] == [("fired", "9")]
    assert _silenced_rows(tmp_path) == [(silence_id, "fired", "7"), (silence_id, "fired", "8")]
    status = json.loads(run_cli("status", "-c", cfg, "--json").stdout)
    by_code = {e["fields"]["code"]: e["silenced_by"] for e in status["events"]}
    assert by_code == {"7": silence_id, "8": silence_id, "9": None}  # shown as silenced
    assert [s["id"] for s in status["silences"]] == [silence_id]
    table = run_cli("status", "-c", cfg).stdout
    assert f"silenced by {silence_id}" in table

    res = run_cli("silences", "-c", cfg, "--expire", silence_id[:4], "--by", "erin")
    assert res.returncode == 0 and f"silence {silence_id} expired" in res.stdout, res.stderr
    assert run_cli("silences", "-c", cfg).stdout.strip() == "no active or pending silences"
    assert run_cli("silences", "-c", cfg, "--expire", silence_id).returncode == 1  # already ended: one line
    status = json.loads(run_cli("status", "-c", cfg, "--json").stdout)
    assert all(e["silenced_by"] is None for e in status["events"])


# ---- beside a running sidecar -------------------------------------------------------------
def test_a_silence_reaches_a_running_sidecar(tmp_path):
    cfg = _setup(tmp_path, start_at="end")
    log, errlog = tmp_path / "app.log", tmp_path / "sidecar.log"
    side = start_run(cfg, errlog)
    try:
        assert wait_until(lambda: "picked up" in errlog.read_text(), timeout=30)
        res = run_cli("silence", "-c", cfg, "--match", "code=5", "--for", "1h", "--reason", "known, ticket 42")
        assert res.returncode == 0, res.stderr
        silence_id = res.stdout.split()[1].rstrip(":")
        with log.open("a") as fh:
            fh.write(f"{utc_stamp()} [1] ERROR Demo - demo failure 5\n{utc_stamp()} [1] ERROR Demo - demo failure 6\n")
            fh.write(f"{utc_stamp()} [1] INFO Demo - later\n")
        assert wait_until(lambda: any(r["report"] == "fired" for r in read_jsonl(tmp_path / "out.jsonl")), timeout=30)
        assert wait_until(lambda: f"silenced by {silence_id}" in errlog.read_text(), timeout=30)
        assert [r["fields"]["code"] for r in read_jsonl(tmp_path / "out.jsonl")] == ["6"]
        assert _silenced_rows(tmp_path) == [(silence_id, "fired", "5")]
    finally:
        stop_run(side)
