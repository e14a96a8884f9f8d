"""The reload thread cannot die (issue 21, item 3): a reload that raises (a MemoryError, a
RecursionError in a parser) is logged, counted and said by /healthz; the running library stays;
the next change is reloaded."""

from __future__ import annotations

import logging
import textwrap

from support.sidecar import start_sidecar, stop_sidecar, wait_until, write_config

import logsentinel.runtime.reload as reload_module

SIG = """
id: t.{name}
title: test {name}
priority: P3
match: ['(?i)\\b{name} failed\\b']
examples:
  match: ['x {name} failed', 'y {name} failed', 'z {name} failed']
  no_match: ['{name} ok']
"""


def test_a_reload_that_raises_does_not_stop_later_reloads(tmp_path, monkeypatch, caplog):
    patterns = tmp_path / "patterns"
    patterns.mkdir()
    (patterns / "one.yaml").write_text(textwrap.dedent(SIG.format(name="alpha")))
    log = tmp_path / "app.log"
    log.write_text("")
    cfg = write_config(tmp_path, log, patterns=patterns, bundled=False)
    real = reload_module.run_check
    calls = {"n": 0}

    def run_check_failing_once(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 1:
            raise MemoryError("a YAML alias bomb")
        return real(*args, **kwargs)

    monkeypatch.setattr(reload_module, "run_check", run_check_failing_once)
    side, thread = start_sidecar(cfg)
    try:
        with caplog.at_level(logging.ERROR, logger="logsentinel"):
            (patterns / "two.yaml").write_text(textwrap.dedent(SIG.format(name="beta")))
            side.reloader.request()
            assert wait_until(lambda: side.stats.reloads_refused == 1)
        assert side.reloader.last_error and "MemoryError" in side.reloader.last_error
        assert any("MemoryError" in n for n in side.health.notes())
        assert {s.id for s in side.library.signatures} == {"t.alpha"}  # the running library stays
        (patterns / "three.yaml").write_text(textwrap.dedent(SIG.format(name="gamma")))
        side.reloader.request()
        assert wait_until(lambda: {s.id for s in side.library.signatures} == {"t.alpha", "t.beta", "t.gamma"})
        assert side.reloader.last_error is None and side.health.notes() == []
    finally:
        stop_sidecar(side, thread)


def test_a_changed_fragment_reloads_the_signatures_that_use_it(tmp_path):
    """Issue 21, item 6: editing only ``_vocabulary.yaml`` is a change (it was "no signature file
    changed")."""
    patterns = tmp_path / "patterns"
    patterns.mkdir()
    (patterns / "_vocabulary.yaml").write_text("fragments:\n  word: 'alpha'\n")
    (patterns / "one.yaml").write_text(
        textwrap.dedent("""
        id: t.fragment
        title: fragment
        priority: P3
        match: ['(?i)\\b{{word}} failed\\b']
        examples:
          match: ['x alpha failed', 'y alpha failed', 'z alpha failed']
          no_match: ['alpha ok']
    """)
    )
    log = tmp_path / "app.log"
    log.write_text("")
    side, thread = start_sidecar(write_config(tmp_path, log, patterns=patterns, bundled=False))
    try:
        (patterns / "_vocabulary.yaml").write_text("fragments:\n  word: '(?:alpha|beta)'\n")
        side.reloader.request()
        assert wait_until(lambda: side.stats.reloads == 1)
        assert side.stats.reloads_unchanged == 0
        (sig,) = side.library.signatures
        assert sig.hit("2026-11-27 10:00:00 beta failed") is not None
    finally:
        stop_sidecar(side, thread)
