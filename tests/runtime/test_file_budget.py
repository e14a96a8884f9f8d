"""Open files are a budget: `logsentinel run` with a descriptor limit far below the number of
watched files still reads each file once and delivers each event once (#11, item 5)."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import textwrap

import pytest
from conftest import PATTERNS, ROOT
from support.sidecar import utc_stamp, wait_until

resource = pytest.importorskip("resource")  # POSIX descriptor limits; Windows has no such limit per process

LIMIT = 96
FILES = 240


def _low_limit() -> None:
    resource.setrlimit(resource.RLIMIT_NOFILE, (LIMIT, LIMIT))


def test_more_files_than_descriptors_reads_each_file_once(tmp_path):
    logs = tmp_path / "logs"
    logs.mkdir()
    for i in range(FILES):
        (logs / f"db{i:03d}.log").write_text(
            f"{utc_stamp()} [4] WARN StoneVoice.Monitoring - Low database space for database DB{i:03d}\n"
        )
    cfg = tmp_path / "cfg.yaml"
    cfg.write_text(
        textwrap.dedent(f"""
        host: fd
        patterns: ['{PATTERNS}']
        state: state.db
        sources: [{{name: many, paths: ['{logs}/*.log'], timezone: UTC, start_at: beginning}}]
        sinks: [{{type: jsonl, path: out.jsonl}}]
    """)
    )
    errlog = tmp_path / "sidecar.log"
    out = tmp_path / "out.jsonl"

    def reports() -> list[dict]:
        return [json.loads(x) for x in out.read_text().splitlines() if x.strip()] if out.exists() else []

    proc = subprocess.Popen(
        [sys.executable, "-m", "logsentinel", "-v", "run", "-c", str(cfg)],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=open(errlog, "wb"),  # noqa: SIM115 (the child holds it)
        preexec_fn=_low_limit,
    )
    try:
        assert wait_until(lambda: len(reports()) >= FILES, timeout=60), errlog.read_text()[-3000:]
        appended = logs / "db000.log"
        with appended.open("a") as fh:
            fh.write(f"{utc_stamp()} [4] WARN StoneVoice.Monitoring - Low database space for database LATE\n")
        assert wait_until(lambda: any("LATE" in r["dedup_key"] for r in reports()), timeout=30), (
            "a file closed while idle is read again when it grows"
        )
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=20)
    text = errlog.read_text()
    keys = [r["dedup_key"] for r in reports()]
    assert len(keys) == len(set(keys)) == FILES + 1, text[-3000:]
    assert "left the watched paths" not in text and "vanished" not in text, text[-3000:]
    assert "Too many open files" not in text, text[-3000:]
