"""Tools for pattern authors (issue 12, items 4, 6 and 7): ``logsentinel test`` on lines and
stdin, with --json, -s and --why-not; ``replay -``; ``logsentinel new``; ``check`` as JUnit
XML and GitHub annotations; the pre-commit hook definition."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import yaml
from conftest import ROOT, run_cli

SYNC = "2026-11-28 11:00:00,001 [11] ERROR Imagicle.Webex.UserSync - Users synchronization with Cisco Webex failed"
TRACE = "System.Net.WebException: The remote server returned an error: (403) Forbidden."
FINE = "2026-11-28 11:00:05,001 [11] INFO Imagicle.Webex.UserSync - User sync error report: 0 errors"


def test_test_says_what_each_record_raises_and_why(tmp_path):
    res = run_cli("test", SYNC, TRACE, FINE)
    assert res.returncode == 0, res.stderr
    out = res.stdout
    assert "record 1 (line 1)" in out and "raises webex.user_sync_failed (P2) by match[0]" in out
    assert "{{users}}{{sep}}{{sync}}" in out  # the regex as written
    assert "record 2 (line 3)" in out  # the stack line joined record 1
    assert "hit but excluded" in out and "excluded by exclude[0]" in out


def test_test_reads_stdin_and_gives_json():
    res = run_cli("test", "--json", "-", input_bytes=f"{SYNC}\n{TRACE}\n")
    assert res.returncode == 0, res.stderr
    [rec] = [json.loads(x) for x in res.stdout.splitlines()]
    assert rec["record"] == 1 and TRACE in rec["text"]
    [hit] = rec["results"]
    assert hit["signature"] == "webex.user_sync_failed" and hit["kind"] == "hit" and hit["key"] == "match[0]"


def test_test_counts_resolves_and_heartbeats():
    res = run_cli(
        "test",
        "--json",
        "2026-11-27T08:05:00.120+01:00 INFO  [CdrDownloader] Downloaded 42 CDRs from analytics.webexapis.com",
        "2026-11-27T12:20:00.001+01:00 INFO  [PresenceSync] Presence subscription restored for 37 users",
    )
    kinds = {(r["signature"], r["kind"]) for x in res.stdout.splitlines() for r in json.loads(x)["results"]}
    assert ("webex.cdr_not_downloaded", "heartbeat") in kinds and ("webex.presence_failed", "resolve") in kinds
    assert res.returncode == 1  # nothing raised


def test_why_not_points_at_where_matching_stops():
    res = run_cli(
        "test",
        "--why-not",
        "webex.user_sync_failed",
        "2026-11-28 11:00:00,001 [11] ERROR Imagicle.Webex.UserSync - Users synchronization with Cisco Webex went wrong",
    )
    assert res.returncode == 1
    assert "match[0] of webex.user_sync_failed misses: matches up to" in res.stdout
    assert "on 'UserSync', then stops at\n      (?:{{fail}}|completed with errors)\\b" in res.stdout


def test_signature_filter_and_unknown_id():
    assert "raises" not in run_cli("test", "-s", "disk.space_low", SYNC).stdout
    res = run_cli("test", "-s", "no.such", SYNC)
    assert res.returncode == 2 and "no signature 'no.such'" in res.stderr


def test_replay_reads_stdin(tmp_path):
    res = run_cli("replay", "--host", "h", "--timezone", "UTC", "-", input_bytes=f"{SYNC}\n{TRACE}\n")
    assert res.returncode == 0, res.stderr
    [ev] = [json.loads(x) for x in res.stdout.splitlines()]
    assert ev["signature"] == "webex.user_sync_failed" and ev["path"] == "-" and ev["line"] == 1


def test_new_writes_a_skeleton_that_check_passes(tmp_path):
    res = run_cli(
        "new",
        "demo.presence_lost",
        "--priority",
        "P2",
        "--dir",
        tmp_path / "p",
        "--from-line",
        "2026-11-28 08:00:00,001 [8] ERROR Imagicle.Webex.Presence - Presence feed lost for 42 users",
    )
    assert res.returncode == 0, res.stderr
    [path] = list((tmp_path / "p").glob("*.yaml"))
    text = path.read_text()
    assert text.startswith("# yaml-language-server: $schema=") and "priority: P2" in text
    assert "{{gap}}" in text and "Presence feed lost for 42 users" in text
    checked = run_cli("check", tmp_path / "p")
    assert checked.returncode == 0, checked.stderr
    again = run_cli("new", "demo.presence_lost", "--dir", tmp_path / "p")
    assert again.returncode == 2 and "exists" in again.stderr
    assert run_cli("new", "Bad Id", "--dir", tmp_path / "p").returncode == 2


def test_check_writes_junit_and_github_annotations(tmp_path):
    (tmp_path / "sig.yaml").write_text(
        "id: demo.bad\ntitle: Bad\npriority: P3\nmatch: ['disk (failed']\n"
        "examples: {match: ['disk failed'], no_match: ['ok']}\n"
    )
    junit = tmp_path / "junit.xml"
    res = run_cli("check", "--format", "github", "--junit", junit, tmp_path)
    assert res.returncode == 1
    assert ",line=4::demo.bad: match[0]: bad regex" in res.stdout and "%0A" in res.stdout  # the caret lines, escaped
    suite = ET.parse(junit).getroot().find("testsuite")
    assert suite.get("failures") == "1"
    case = suite.find("testcase")
    assert case.get("name") == "demo.bad" and "bad regex" in case.find("failure").get("message")
    ok = run_cli("check", "--junit", tmp_path / "all.xml")
    assert ok.returncode == 0
    assert ET.parse(tmp_path / "all.xml").getroot().find("testsuite").get("failures") == "0"


def test_pre_commit_hook_runs_check():
    [hook] = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    assert hook["id"] == "logsentinel-check" and hook["entry"].startswith("logsentinel check")
    assert hook["pass_filenames"] is False and hook["files"] == r"\.ya?ml$"
