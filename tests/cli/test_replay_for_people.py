"""Replay for people: a table (on a terminal, or --format table) in local time, JSON Lines when
piped, a summary at the end, and progress on stderr for long replays at a terminal."""

from __future__ import annotations

import io
import json

from conftest import SAMPLES, run_cli
from support.clock import FakeClock

from logsentinel.tools.replay import Progress

ARGS = ["replay", "-c", SAMPLES / "logsentinel.yaml", *sorted((SAMPLES / "logs").iterdir())]
EXPECTED = [json.loads(x) for x in (SAMPLES / "expected" / "events.jsonl").read_text().splitlines()]


def test_piped_output_is_json_lines_and_the_summary_goes_to_stderr():
    res = run_cli(*ARGS)
    assert res.returncode == 0
    assert [json.loads(x)["id"] for x in res.stdout.splitlines()] == [e["id"] for e in EXPECTED]
    fired = [e for e in EXPECTED if e["report"] == "fired"]
    assert f"{len(fired)} event(s): P1 {sum(e['priority'] == 'P1' for e in fired)}" in res.stderr
    assert "fired: app.crash" in res.stderr


def test_the_table_is_one_line_per_report_in_local_time():
    res = run_cli(*ARGS, "--format", "table", env_tz="Europe/Rome")
    lines = res.stdout.splitlines()
    assert lines[0].split() == ["TIME", "REPORT", "PRI", "SIGNATURE", "COUNT", "FIELDS", "RECORD"]
    rows = [row for row in lines[1:] if row[:4] == "2026"]
    assert len(rows) == len(EXPECTED)
    first = rows[0]
    assert first.startswith("2026-11-27 09:00:05 CET fired") and "webex.user_sync_failed" in first
    assert any(" overdue " in r and "P1!" in r for r in rows)
    assert lines[-2].startswith(f"{sum(e['report'] == 'fired' for e in EXPECTED)} event(s):")


def test_json_lines_in_local_time_on_request():
    res = run_cli(*ARGS, "--local-time", env_tz="Europe/Rome")
    first = json.loads(res.stdout.splitlines()[0])
    assert first["detected_at"] == "2026-11-27T09:00:05.001+01:00"


class _Tty(io.StringIO):
    def isatty(self):
        return True


def test_progress_shows_after_two_seconds_with_files_rate_and_time_left():
    clock, out = FakeClock(), _Tty()
    progress = Progress([100_000_000, 100_000_000], stream=out, clock=clock)
    progress(10_000_000)
    assert out.getvalue() == ""  # a short replay says nothing
    clock.advance(4.0)
    progress(120_000_000)
    line = out.getvalue()
    assert "60.0%" in line and "1/2 files" in line and "30.0 MB/s" in line and "3s left" in line  # 80 MB at 30 MB/s
    progress.close()
    quiet = io.StringIO()  # not a terminal: nothing at all
    p = Progress([1], stream=quiet, clock=clock)
    clock.advance(10)
    p(1)
    p.close()
    assert quiet.getvalue() == ""
