"""Replaying the bundled samples reproduces the reviewed expected events, every time."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from conftest import ROOT, SAMPLES, run_cli

CONFIG = SAMPLES / "logsentinel.yaml"
EXPECTED = SAMPLES / "expected" / "events.jsonl"
LOGS = sorted((SAMPLES / "logs").iterdir())


@pytest.fixture(scope="module")
def replayed():
    res = run_cli("replay", "-c", CONFIG, *LOGS, "--expect", EXPECTED)
    assert res.returncode == 0, res.stderr
    return [json.loads(line) for line in res.stdout.splitlines()]


def test_samples_match_expected_twice_in_a_row(replayed):
    again = run_cli("replay", "-c", CONFIG, *LOGS, "--expect", EXPECTED)
    assert again.returncode == 0, again.stderr
    assert [json.loads(line) for line in again.stdout.splitlines()] == replayed


def test_every_event_validates_against_the_schema(replayed, event_schema):
    assert replayed
    for event in replayed:
        event_schema.validate(event)


def test_every_signature_fires_on_the_samples(replayed, library):
    """Every signature of a seed row; the sidecar's own (records lost) come from the live reader,
    not from captured logs (tests/sources/test_eventlog_reader.py)."""
    fired = {e["signature"] for e in replayed if e["status"] == "firing"}
    assert fired == {s.id for s in library.signatures if s.category != "sidecar"}


def test_scenario_facts(replayed):
    """What the samples were written to show, checked field by field."""
    by_sig: dict[str, list[dict]] = {}
    for e in replayed:
        by_sig.setdefault(e["signature"], []).append(e)
    # repeats fold: three failed saves make one event whose final count is 3
    saves = by_sig["recording.db_save_failed"]
    assert len({e["id"] for e in saves}) == 1 and saves[-1]["count"] == 3
    # a threshold that trips: 2 CDR errors within the hour, the two 429s at 13:05/13:20 local (two
    # polls in a row, 15 minutes apart); the 15:00-15:15 failures count into the same event
    cdr = by_sig["webex.cdr_download_error"]
    assert cdr[0]["kind"] == "threshold" and cdr[0]["count"] == 2
    assert cdr[0]["first_seen"].startswith("2026-11-27T12:05:04") and cdr[0]["detected_at"].startswith(
        "2026-11-27T12:20"
    )
    assert cdr[-1]["count"] == 6
    # a threshold that must not trip: the single api.imagicle.com timeout at 10:00 (09:00Z)
    cloud = by_sig["cloud.api_unreachable"]
    assert len({e["id"] for e in cloud}) == 1 and cloud[0]["first_seen"].startswith("2026-11-27T18:00")
    # a resolve
    assert [e["status"] for e in by_sig["webex.presence_failed"]] == ["firing", "resolved"]
    assert [e["status"] for e in by_sig["ha.replication_problem"]] == ["firing", "resolved"]
    # an absence: last CDR download 15:55 local, fired an hour later, resolved at 18:30
    absent = by_sig["webex.cdr_not_downloaded"]
    assert [(e["report"], e["kind"]) for e in absent] == [
        ("fired", "absent"),
        ("overdue", "absent"),
        ("resolved", "absent"),
    ]
    assert absent[0]["detected_at"].startswith("2026-11-27T15:55:04")
    assert absent[1]["overdue"] and absent[2]["overdue"] and absent[2]["resolved_at"].startswith("2026-11-27T17:30")
    # the UTF-16 event log was read: its events carry the eventlog source
    assert by_sig["voip.stack_crash"][0]["source"] == "eventlog"
    # the gzip file was read
    assert cloud[0]["path"].endswith("CloudConnector.log.1.gz")


def test_no_secret_in_any_event(replayed):
    from support.samples_token import FAKE_BEARER

    text = json.dumps(replayed)
    assert "invalid_grant" in text  # the record that carried the token was reported
    assert FAKE_BEARER not in text and FAKE_BEARER[:20] not in text


def test_each_file_replays_on_its_own():
    for path in LOGS:
        res = run_cli("replay", "-c", CONFIG, path)
        assert res.returncode == 0, (path, res.stderr)
        assert res.stdout.strip(), path


def test_expect_shows_a_per_field_diff_and_writes_junit_and_annotations(tmp_path):
    lines = EXPECTED.read_text().splitlines()
    changed = json.loads(lines[0])
    changed["count"] = 99
    bad = tmp_path / "expected.jsonl"
    bad.write_text("\n".join([json.dumps(changed), *lines[1:4], *lines[5:]]) + "\n")  # line 5 left out
    junit = tmp_path / "junit.xml"
    res = run_cli("replay", "-c", CONFIG, *LOGS, "--expect", bad, "--junit", junit, "--format", "github")
    assert res.returncode == 1
    missing_one = json.loads(lines[4])
    assert "0 missing, 1 extra, 1 field(s) differ" in res.stderr
    assert f"(expected line 1): count: expected 99, got {json.loads(lines[0])['count']}" in res.stderr
    assert f"extra: {missing_one['signature']} {missing_one['report']}" in res.stderr
    assert len(res.stderr) < 2000, "a per-field diff, not whole events"
    # GitHub annotations on the expected file's line, and no event lines on stdout
    [note] = [x for x in res.stdout.splitlines() if ",line=1::" in x]
    assert note.startswith("::error file=") and "count: expected 99" in note
    assert not any(x.startswith("{") for x in res.stdout.splitlines())
    import xml.etree.ElementTree as ET

    suite = ET.parse(junit).getroot().find("testsuite")
    assert suite.get("tests") == str(len(lines))  # one case per expected event, and the extra one
    assert suite.get("failures") == "2"


def test_stats_and_output_file(tmp_path):
    out = tmp_path / "events.jsonl"
    res = run_cli("replay", "-c", CONFIG, *LOGS, "--stats", "-o", out)
    assert res.returncode == 0, res.stderr
    assert res.stdout == ""
    assert len(out.read_text().splitlines()) == len(EXPECTED.read_text().splitlines())
    assert "recording.db_save_failed" in res.stderr and "lines/s" in res.stderr


@pytest.mark.skipif(os.name == "nt", reason="the README's command is a POSIX shell command")
def test_readme_demo_command_runs():
    """The README's first command, run as written (with this environment's bin folder for
    .venv/bin): it replays the samples and prints the expected events."""
    import re
    import subprocess
    import sys

    readme = (ROOT / "README.md").read_text()
    first = re.search(r"```sh\n(.*?)\n```", readme, re.S).group(1)
    demo = first.split("&&")[-1].strip()
    assert demo.startswith(".venv/bin/logsentinel replay"), demo
    command = demo.replace(".venv/bin/", str(Path(sys.executable).parent) + "/", 1)
    res = subprocess.run(["bash", "-c", command], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, res.stderr
    got = [json.loads(line) for line in res.stdout.splitlines()]
    want = [json.loads(line) for line in EXPECTED.read_text().splitlines()]
    assert [(e["signature"], e["report"], e["id"]) for e in got] == [
        (e["signature"], e["report"], e["id"]) for e in want
    ]
