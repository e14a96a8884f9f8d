"""Replay on several cores (issue 25): a file's blocks scanned by worker processes give exactly
the events, counts and order of a one-core run, whatever the signatures and the log."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import SAMPLES, run_cli
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from support.strategies import log_lines, signatures

from logsentinel.cache.matcher import build_matcher
from logsentinel.config.load import default_config
from logsentinel.sources.files.config import SourceConfig
from logsentinel.tools import parallel
from logsentinel.tools.replay import replay

CONFIG = SAMPLES / "logsentinel.yaml"
EXPECTED = SAMPLES / "expected" / "events.jsonl"
LOGS = sorted((SAMPLES / "logs").iterdir())


def test_the_samples_give_the_expected_events_on_two_workers():
    res = run_cli("replay", "-c", CONFIG, "--jobs", "2", "--radar", *LOGS)
    one = run_cli("replay", "-c", CONFIG, "--jobs", "1", "--radar", *LOGS)
    assert res.returncode == 0 and one.returncode == 0, res.stderr + one.stderr
    assert res.stdout == one.stdout and res.stdout
    res = run_cli("replay", "-c", CONFIG, "--jobs", "2", *LOGS, "--expect", EXPECTED)
    assert res.returncode == 0, res.stderr + res.stdout


@pytest.mark.parametrize("bad", ["0", "two", "-1"])
def test_jobs_must_be_a_number_of_processes(bad):
    res = run_cli("replay", "--jobs", bad, LOGS[0])
    assert res.returncode == 2 and "--jobs" in res.stderr and "1 or more" in res.stderr


def _run(sigs, path: Path, jobs: int) -> tuple[list, dict]:
    config = default_config()
    config.sources = [SourceConfig(name="a", paths=["*.log"], timezone="UTC", max_line_bytes=4096)]
    matcher = build_matcher(list(sigs), "auto", timeout=None)  # a regex timing out on a busy machine differs
    reports: list = []
    replay([path], config, matcher, lambda ev: reports.append(json.dumps(ev.to_dict(), sort_keys=True)), jobs=jobs)
    counts = {k: (v.hits, v.resolves, v.heartbeats, v.candidates) for k, v in matcher.stats.per_signature.items()}
    return reports, {"signatures": counts, "lines": matcher.stats.lines}


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture]
)
@given(
    sigs=signatures(),
    parts=st.lists(log_lines(max_records=40), min_size=1, max_size=6),
    copies=st.integers(30, 120),
    ranges=st.booleans(),
)
def test_two_workers_give_what_one_process_gives(tmp_path, monkeypatch, sigs, parts, copies, ranges):
    """A log of many 4 KB blocks (the source's line limit sets the read size), read and scanned
    by two workers (whole, or cut into ranges: of 4 KB and more here) and by this process
    alone: the same reports in the same order (their line numbers and times too), and the same
    counts per signature and lines (``--stats``). The log's times jump back at each copy, so
    the clock's ticks (a block's end) must fall where a whole read puts them."""
    monkeypatch.setattr(parallel, "RANGE_MIN_BYTES", 4096 if ranges else 2**40)
    path = tmp_path / "a.log"
    lines = [line for _ in range(copies) for part in parts for line in part]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    if ranges and path.stat().st_size >= 3 * 4096:
        assert parallel.split(path, SourceConfig(name="a", timezone="UTC").spec(), "auto", 2, 4096) is not None
    assert _run(sigs, path, 2) == _run(sigs, path, 1)
