"""Open files are a budget, identities are remembered by time, and an identity reused by a new
file is not a copy-truncate (issue 11, items 5, 9 and 17)."""

from __future__ import annotations

import errno
import logging
import os

from support.clock import FakeClock

from logsentinel.sources.files import follow
from logsentinel.sources.files.config import SourceConfig
from logsentinel.sources.files.follow import FORGET_GONE_AFTER_S, IDLE_CLOSE_S, SourceTail


def _tail(folder, max_open=8, clock=None, pattern="*.log"):
    cfg = SourceConfig(
        name="app", paths=[str(folder / pattern)], start_at="beginning", every_line=True, flush_after_s=0.0
    )
    return SourceTail(cfg, cfg.spec("UTC"), [], first_start=True, clock=clock or FakeClock(), max_open=max_open)


def _text(tail, blocks) -> list[bytes]:
    blocks = blocks + tail.flush_quiet(now=float("inf"))
    return sorted(line for b in blocks for line in b.data.splitlines())


def _drain(tail) -> list[bytes]:
    return _text(tail, tail.sweep() + tail.read())


def test_no_more_files_are_held_open_than_the_budget_and_growth_is_read(tmp_path):
    for i in range(40):
        (tmp_path / f"f{i:02d}.log").write_text(f"first {i}\n")
    tail = _tail(tmp_path, max_open=8)
    assert _drain(tail) == sorted(f"first {i}".encode() for i in range(40))
    assert tail.open_handles() <= 8
    for i in range(0, 40, 3):
        with open(tmp_path / f"f{i:02d}.log", "a") as fh:
            fh.write(f"second {i}\n")
        assert tail.open_handles() <= 8
    assert _drain(tail) == sorted(f"second {i}".encode() for i in range(0, 40, 3))
    assert _drain(tail) == []
    assert tail.open_handles() <= 8 and tail.stats.closed_idle > 0
    tail.close()


def test_idle_files_are_closed_and_reopened_on_growth(tmp_path):
    clock = FakeClock()
    log = tmp_path / "a.log"
    log.write_text("one\n")
    tail = _tail(tmp_path, clock=clock)
    assert _drain(tail) == [b"one"]
    assert tail.open_handles() == (0 if follow.RELEASE_AT_EOF else 1)  # Windows lets go at the end at once
    clock.advance(IDLE_CLOSE_S + 1)
    assert _drain(tail) == [] and tail.open_handles() == 0
    with log.open("a") as fh:
        fh.write("two\n")
    assert _drain(tail) == [b"two"]
    tail.close()


def test_running_out_of_descriptors_is_not_taken_for_files_that_left(tmp_path, monkeypatch, caplog):
    for i in range(5):
        (tmp_path / f"f{i}.log").write_text(f"line {i}\n")
    tail = _tail(tmp_path, max_open=2)
    assert len(_drain(tail)) == 5
    caplog.set_level(logging.INFO, logger="logsentinel")

    def no_descriptors(*_args, **_kwargs):
        raise OSError(errno.EMFILE, "Too many open files")

    monkeypatch.setattr(follow.glob, "glob", lambda *a, **k: [])  # glob swallows EMFILE: it lists nothing
    monkeypatch.setattr(follow.os, "scandir", no_descriptors)
    monkeypatch.setattr(follow, "open_shared", no_descriptors)
    for _ in range(3):
        assert tail.sweep() + tail.read() == []
    assert not any(ff.gone for ff in tail.files.values()) and not tail.take_forgotten()
    assert not any("left the watched paths" in r.getMessage() or "vanished" in r.getMessage() for r in caplog.records)
    monkeypatch.undo()
    with open(tmp_path / "f1.log", "a") as fh:
        fh.write("more 1\n")
    assert _drain(tail) == [b"more 1"]  # nothing read twice
    tail.close()


def test_a_folder_renamed_away_and_back_is_not_read_again(tmp_path):
    logs = tmp_path / "logs"
    logs.mkdir()
    for i in range(300):
        (logs / f"f{i:03d}.log").write_text(f"line {i}\n")
    clock = FakeClock()
    tail = _tail(logs, max_open=16, clock=clock)
    assert len(_drain(tail)) == 300
    away = tmp_path / "away"
    os.rename(logs, away)
    assert _drain(tail) == []
    clock.advance(2.5)
    os.rename(away, logs)
    assert _drain(tail) == [], "files that came back were read again"
    assert not tail.take_forgotten()
    tail.close()


def test_files_that_left_are_forgotten_after_a_day(tmp_path):
    logs = tmp_path / "logs"
    logs.mkdir()
    (logs / "a.log").write_text("one\n")
    clock = FakeClock()
    tail = _tail(logs, clock=clock)
    assert _drain(tail) == [b"one"]
    (logs / "a.log").rename(logs / "a.old")
    assert _drain(tail) == [] and len(tail.files) == 1
    clock.advance(FORGET_GONE_AFTER_S - 60)
    assert _drain(tail) == [] and len(tail.files) == 1
    clock.advance(120)
    assert _drain(tail) == [] and tail.files == {} and len(tail.take_forgotten()) == 1
    tail.close()


def test_a_new_file_on_a_reused_identity_is_read_from_the_start_without_a_truncation_warning(tmp_path, caplog):
    """Rotation by rename with a glob on the live name only: the rotated file leaves, is deleted,
    and its inode goes to the next live file. Simulated exactly: the same inode, other bytes."""
    log = tmp_path / "app.log"
    log.write_text("2026-11-29 08:00:00,000 a long first file line\nand its second line\n")
    tail = _tail(tmp_path, pattern="app.log")
    assert len(_drain(tail)) == 2
    log.rename(tmp_path / "app.log.1")
    assert _drain(tail) == []
    with open(tmp_path / "app.log.1", "w") as fh:  # same inode, new content, shorter
        fh.write("2026-11-29 09:00:00,000 new\n")
    os.rename(tmp_path / "app.log.1", log)
    caplog.set_level(logging.INFO, logger="logsentinel")
    assert _drain(tail) == [b"2026-11-29 09:00:00,000 new"]
    assert tail.stats.truncations == 0
    assert not any("copy-truncate" in r.getMessage() for r in caplog.records)
    assert any("reused" in r.getMessage() for r in caplog.records)
    tail.close()


def test_a_tiny_file_written_again_while_away_is_read_again(tmp_path):
    """Two bytes of first content tell nothing: a tiny file deleted and replaced by one that
    starts alike, on the same identity (Windows under Wine hands the inode on), is read whole."""
    log = tmp_path / "app.log"
    log.write_text("\n")
    tail = _tail(tmp_path, pattern="app.log")
    assert _drain(tail) == [b""]
    tail.close()
    for ff in tail.files.values():
        ff.read_to_end = True
    log.rename(tmp_path / "away")
    assert _drain(tail) == []
    st = os.stat(tmp_path / "away")
    with open(tmp_path / "away", "w") as fh:  # same inode, new content, starting alike
        fh.write("\nsecond\n")
    os.utime(tmp_path / "away", ns=(st.st_atime_ns, st.st_mtime_ns + 10**9))
    os.rename(tmp_path / "away", log)
    assert _drain(tail) == [b"", b"second"]
    tail.close()
