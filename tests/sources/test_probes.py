"""Probes with real inputs: a real small file system (tmpfs) filled and emptied, a database's
data files growing, a local HTTP server that goes down and comes back; their events reach a
sink with the seed's priorities."""

from __future__ import annotations

import os
import shutil
import subprocess
import textwrap
from collections import namedtuple

import pytest
from conftest import PATTERNS
from hypothesis import given
from hypothesis import strategies as st
from support.httpserver import Receiver
from support.sidecar import read_jsonl, start_sidecar, stop_sidecar, wait_until

from logsentinel.sources.probes.disk import DiskProbe, DiskSettings
from logsentinel.sources.probes.levels import Levels

Usage = namedtuple("Usage", "total used free")


@given(st.lists(st.floats(0, 100), max_size=60))
def test_levels_follow_thresholds_with_hysteresis(values):
    lv = Levels(20, 10, 2)
    for v in values:
        before = lv.level
        after = lv.update(v)
        if v < 10:
            assert after == "near_saturation"
        elif v < 20:
            assert after in ("low", "near_saturation") and (after == "low" or v < 12)
        elif v >= 22:
            assert after == "ok"
        else:  # 20 <= v < 22: inside the margin, nothing gets better
            assert after == before or (before == "near_saturation" and after == "low")


def test_no_flapping_at_the_threshold():
    lv = Levels(20, 10, 2)
    seen = [lv.update(v) for v in [19.9, 20.1, 19.95, 21.9, 19.99, 21.5]]
    assert seen == ["low"] * 6
    assert lv.update(22.0) == "ok"


def _sidecar(tmp_path, body: str):
    cfg = tmp_path / "cfg.yaml"
    cfg.write_text(
        textwrap.dedent(f"""
        host: h
        patterns: ['{PATTERNS}']
        state: state.db
        sinks: [{{type: jsonl, path: out.jsonl}}]
    """)
        + textwrap.dedent(body)
    )
    return start_sidecar(cfg)


@pytest.fixture
def small_fs(tmp_path):
    """A real 8 MiB tmpfs when this machine lets us mount one, else None."""
    mnt = tmp_path / "vol"
    mnt.mkdir()
    if os.name == "nt" or shutil.which("mount") is None:
        yield None
        return
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=8m", "tmpfs", str(mnt)], capture_output=True)
    if done.returncode != 0:
        yield None
        return
    yield mnt
    subprocess.run(["umount", "-l", str(mnt)], capture_output=True)


def _fill(mnt, free_target_pct: float):
    """Grow or shrink a filler file until about ``free_target_pct`` of the volume is free."""
    usage = shutil.disk_usage(mnt)
    filler = mnt / "filler.bin"
    current = filler.stat().st_size if filler.exists() else 0
    want = max(current + usage.free - int(usage.total * free_target_pct / 100), 0)
    with open(filler, "wb") as fh:
        fh.write(b"\0" * want)


def test_disk_probe_on_a_real_volume(tmp_path, small_fs):
    if small_fs is None:
        pytest.skip("cannot mount a tmpfs here; test_disk_probe_injected covers the logic")
    side, thread = _sidecar(
        tmp_path,
        f"""
        probes:
          - {{type: disk, name: vol, paths: ['{small_fs}'], interval: 0.2s}}
    """,
    )
    try:
        _fill(small_fs, 15)  # below 20 % free: running out (P4)
        assert wait_until(lambda: any(e["signature"] == "disk.space_low" for e in read_jsonl(tmp_path / "out.jsonl")))
        _fill(small_fs, 5)  # below 10 %: near saturation (P3)
        assert wait_until(
            lambda: any(e["signature"] == "disk.space_near_saturation" for e in read_jsonl(tmp_path / "out.jsonl"))
        )
        (small_fs / "filler.bin").unlink()  # space comes back: both resolve
        assert wait_until(lambda: sum(e["status"] == "resolved" for e in read_jsonl(tmp_path / "out.jsonl")) == 2)
    finally:
        stop_sidecar(side, thread)
    fired = {e["signature"]: e for e in read_jsonl(tmp_path / "out.jsonl") if e["report"] == "fired"}
    assert fired["disk.space_low"]["priority"] == "P4" and fired["disk.space_near_saturation"]["priority"] == "P3"
    assert fired["disk.space_low"]["fields"]["volume"] == str(small_fs)
    assert fired["disk.space_low"]["source"] == "probes"


def test_disk_probe_injected():
    free = {"v": 50.0}
    probe = DiskProbe(
        "d",
        DiskSettings(type="disk", paths=["X:"], interval=1.0),
        disk_usage=lambda p: Usage(1000, 1000 - int(free["v"] * 10), int(free["v"] * 10)),
    )
    levels = []
    for v in (50, 19.5, 20.5, 9.0, 11.0, 12.5, 21.0, 23.0):
        free["v"] = v
        text = probe.run()[0].text
        levels.append(text.rsplit("level=", 1)[1])
    assert levels == ["ok", "low", "low", "near_saturation", "near_saturation", "low", "low", "ok"]


def test_database_probe_files_against_the_limit(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    (data / "UCX_CallRecording.mdf").write_bytes(b"\0" * 700_000)
    side, thread = _sidecar(
        tmp_path,
        f"""
        probes:
          - {{type: database, database: UCX_CallRecording, files: ['{data}/UCX_CallRecording*.?df'], max_size: 1MB, interval: 0.2s}}
    """,
    )
    try:
        assert wait_until(
            lambda: side.probes[0].last is not None and side.matcher.stats.lines >= 1
        )  # measured, matched
        assert not read_jsonl(tmp_path / "out.jsonl")  # 70 % used: fine
        (data / "UCX_CallRecording_1.ndf").write_bytes(b"\0" * 150_000)  # 85 %: low (P4)
        assert wait_until(
            lambda: any(e["signature"] == "database.space_low" for e in read_jsonl(tmp_path / "out.jsonl"))
        )
        (data / "UCX_CallRecording_2.ndf").write_bytes(b"\0" * 100_000)  # 95 %: near saturation (P3)
        assert wait_until(
            lambda: any(e["signature"] == "database.space_near_saturation" for e in read_jsonl(tmp_path / "out.jsonl"))
        )
    finally:
        stop_sidecar(side, thread)
    fired = {e["signature"]: e for e in read_jsonl(tmp_path / "out.jsonl") if e["report"] == "fired"}
    assert fired["database.space_low"]["priority"] == "P4"
    assert fired["database.space_near_saturation"]["fields"]["database"] == "UCX_CallRecording"


def test_http_probe_down_and_back(tmp_path):
    rx = Receiver()
    side, thread = _sidecar(
        tmp_path,
        f"""
        probes:
          - {{type: http, name: cloud, url: '{rx.url}/test', interval: 0.2s, timeout: 0.5s, failures: 3,
              expect: 'successfully connected'}}
    """,
    )
    try:  # the receiver is not started: connections are refused
        assert wait_until(
            lambda: any(e["signature"] == "cloud.api_probe_failed" for e in read_jsonl(tmp_path / "out.jsonl"))
        )
        rx.start()
        assert wait_until(lambda: any(e["status"] == "resolved" for e in read_jsonl(tmp_path / "out.jsonl")))
    finally:
        stop_sidecar(side, thread)
        rx.stop()
    events = read_jsonl(tmp_path / "out.jsonl")
    assert [(e["signature"], e["priority"], e["status"]) for e in events if e["report"] in ("fired", "resolved")] == [
        ("cloud.api_probe_failed", "P1", "firing"),
        ("cloud.api_probe_failed", "P1", "resolved"),
    ]
    assert events[0]["fields"]["url"] == f"{rx.url}/test"
