"""A matched file that cannot be opened (a lock, an ACL) is warned about once, not on every
sweep (issue 11, item 17), is tried again on each sweep, and is read whole once it opens."""

from __future__ import annotations

import logging

from logsentinel.sources.files import follow
from logsentinel.sources.files.config import SourceConfig
from logsentinel.sources.files.follow import SourceTail


def test_an_unopenable_file_is_warned_about_once_and_read_when_it_opens(tmp_path, monkeypatch, caplog):
    log = tmp_path / "a.log"
    log.write_text("first line\nsecond line\n")
    cfg = SourceConfig(
        name="app", paths=[str(tmp_path / "*.log")], start_at="beginning", every_line=True, flush_after_s=0.0
    )
    tail = SourceTail(cfg, cfg.spec("UTC"), [], first_start=True)
    real_open = follow.open_shared

    def denied(path):
        raise PermissionError(13, "Access is denied", str(path))

    monkeypatch.setattr(follow, "open_shared", denied)
    caplog.set_level(logging.INFO, logger="logsentinel")
    for _ in range(5):
        assert tail.sweep() == [] and tail.read() == []
    warnings = [r for r in caplog.records if "cannot open" in r.getMessage()]
    assert len(warnings) == 1 and str(log) in warnings[0].getMessage()
    assert tail.stats.open_failures == 5

    monkeypatch.setattr(follow, "open_shared", real_open)
    blocks = tail.sweep() + tail.read() + tail.flush_quiet(now=float("inf"))
    text = b"".join(b.data for b in blocks)
    assert text == b"first line\nsecond line\n"
    assert any("can be opened now" in r.getMessage() for r in caplog.records)
    tail.close()
