"""Replay for people: a table (on a terminal, or --format table) in the logs' zone, with a legend,
JSON Lines when piped, a summary at the end (once), and progress on stderr for long replays at a
terminal."""

from __future__ import annotations

import io
import json

from conftest import SAMPLES, run_cli
from support.clock import FakeClock

from logsentinel.tools.replay import Progress

ARGS = ["replay", "-c", SAMPLES / "logsentinel.yaml", *sorted((SAMPLES / "logs").iterdir())]
EXPECTED = [json.loads(x) for x in (SAMPLES / "expected" / "events.jsonl").read_text().splitlines()]


def _summary(fired: list[dict]) -> str:
    events = {e["id"]: e["priority"] for e in EXPECTED}
    return f"{len(events)} events (P1 {sum(p == 'P1' for p in events.values())}"


def test_piped_output_is_json_lines_and_the_summary_goes_to_stderr_once():
    res = run_cli(*ARGS)
    assert res.returncode == 0
    assert [json.loads(x)["id"] for x in res.stdout.splitlines()] == [e["id"] for e in EXPECTED]
    fired = [e for e in EXPECTED if e["report"] == "fired"]
    assert res.stderr.count(_summary(fired)) == 1
    assert f"in {len(EXPECTED)} reports (fired {len(fired)}, " in res.stderr  # events and reports apart
    assert res.stderr.count("signatures that fired: app.crash") == 1


def test_the_table_is_one_line_per_report_in_the_logs_zone_with_a_legend():
    """Issue 23: on a machine in UTC, the table shows the logs' zone (the config's sources'),
    so TIME and the record's own time agree; the zone is named, the reports explained, the
    summary printed once, and a cut field or record ends with an ellipsis."""
    res = run_cli(*ARGS, "--format", "table", env_tz="UTC")
    lines = res.stdout.splitlines()
    assert lines[0] == "times in Europe/Rome"
    assert lines[1].split() == ["TIME", "REPORT", "PRI", "SIGNATURE", "COUNT", "FIELDS", "RECORD"]
    rows = [row for row in lines[2:] if row[:4] == "2026"]
    assert len(rows) == len(EXPECTED)
    first = rows[0]
    assert first.startswith("2026-11-27 09:00:05 CET fired") and "2026-11-27T09:00:05.001+01:00 ERROR" in first
    assert any(" overdue " in r and "P1!" in r for r in rows)
    assert any(
        "REPORT: fired = a new event" in line and "overdue = " in line and "(PRI marked !)" in line for line in lines
    )
    assert (res.stdout + res.stderr).count(_summary([])) == 1
    cut = [r for r in rows if "api.imagicle.com/…" in r]
    assert cut and any(r.endswith("…") for r in rows)
    assert all(len(r) <= 114 + 100 for r in rows)  # the fixed columns, then at most 100 characters of record
    assert not [
        r for r in rows if "cloud.api_probe_failed" in r and "url=" not in r
    ]  # a long field is cut, not dropped


def test_a_timezone_option_sets_the_tables_zone():
    res = run_cli(*ARGS, "--format", "table", "--timezone", "UTC", env_tz="Europe/Rome")
    assert res.stdout.splitlines()[0] == "times in UTC"
    assert "2026-11-27 08:00:05 UTC fired" in res.stdout


def test_help_says_what_replay_prints():
    text = " ".join(run_cli("replay", "--help").stdout.split())
    assert "a table on a terminal" in text and "JSON Lines when piped" in text
    top = run_cli("--help")
    assert "print events as JSON Lines" not in top.stdout


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
