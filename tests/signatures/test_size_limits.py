"""Nothing read is trusted for size (issue 21, item 4): a fragment bomb in ``_vocabulary.yaml``,
a YAML alias bomb in a signature or in the config, are refused with one line naming the file,
in well under a second, instead of minutes and gigabytes; a running sidecar keeps its library."""

from __future__ import annotations

import textwrap
import time

from conftest import run_cli
from support.sidecar import start_sidecar, stop_sidecar, wait_until, write_config

SIG = """\
id: t.disk
title: Disk
priority: P3
match: ['(?i)\\bdisk failed\\b']
examples:
  match: ['a disk failed', 'b disk failed', 'c disk failed']
  no_match: ['disk ok']
"""


def fragment_bomb(depth: int) -> str:
    """``fN: '{{fN+1}}{{fN+1}}'``: 2**depth copies once expanded; no signature uses it."""
    lines = ["fragments:"]
    lines += [f"  f{i}: '{{{{f{i + 1}}}}}{{{{f{i + 1}}}}}'" for i in range(depth)]
    lines.append(f"  f{depth}: 'ab'")
    return "\n".join(lines) + "\n"


def alias_bomb(key: str) -> str:
    """Nine lists of nine aliases: 9**9 values from 450 bytes."""
    lines = ["a0: &a0 ['lol']"] + [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]" for i in range(1, 10)]
    return "\n".join(lines) + f"\n{key}: *a9\n"


def test_a_fragment_bomb_is_refused_at_once(tmp_path):
    (tmp_path / "_vocabulary.yaml").write_text(fragment_bomb(20))
    (tmp_path / "sig.yaml").write_text(SIG)
    started = time.monotonic()
    res = run_cli("check", tmp_path, timeout=60)
    took = time.monotonic() - started
    assert res.returncode == 1, res.stdout + res.stderr
    assert "_vocabulary.yaml:2: fragments.f0: expands to more than 32768 characters" in res.stderr
    assert "Traceback" not in res.stderr
    assert took < 30  # 120 s and 1.4 GB before; the bound is loose for a loaded CI machine


def test_a_signature_using_a_bomb_names_the_fragment(tmp_path):
    (tmp_path / "_vocabulary.yaml").write_text(fragment_bomb(18))
    (tmp_path / "sig.yaml").write_text(SIG.replace("disk failed", "disk {{f0}}"))
    res = run_cli("check", tmp_path, timeout=60)
    assert res.returncode == 1
    assert "sig.yaml:4: t.disk: match[0]: uses the broken fragment {{f0}}" in res.stderr


def test_a_yaml_alias_bomb_in_a_signature_is_refused(tmp_path):
    (tmp_path / "sig.yaml").write_text(SIG.replace("priority: P3\n", "priority: P3\n" + _bomb_as_key()))
    res = run_cli("check", tmp_path, timeout=60)
    assert res.returncode == 1
    assert "sig.yaml:1: YAML error: its aliases (*name) expand it past 100000 values" in res.stderr
    assert "Traceback" not in res.stderr and len(res.stderr) < 2000


def _bomb_as_key() -> str:
    """The alias bomb as keys of a signature: ``x_a0 ... x_a9`` (unknown keys) and ``category``."""
    return alias_bomb("category").replace("a0: &a0", "x_a0: &a0").replace("\na", "\nx_a")


def test_a_yaml_alias_bomb_in_the_config_is_refused(tmp_path):
    log = tmp_path / "app.log"
    log.write_text("")
    cfg = tmp_path / "logsentinel.yaml"
    cfg.write_text(f"sources:\n  - path: '{log}'\n" + _bomb_as_key())
    res = run_cli("validate", "-c", cfg, timeout=60)
    assert res.returncode == 1, res.stdout + res.stderr
    assert "logsentinel.yaml:1: YAML error: its aliases (*name) expand it past 100000 values" in res.stderr
    assert "Traceback" not in res.stderr


def test_yaml_anchors_of_reasonable_size_still_work(tmp_path):
    (tmp_path / "sig.yaml").write_text(
        textwrap.dedent("""\
        id: t.anchored
        title: &t Disk
        priority: P3
        description: *t
        match: &m ['(?i)\\bdisk failed\\b']
        examples:
          match: ['a disk failed', 'b disk failed', 'c disk failed']
          no_match: ['disk ok']
        """)
    )
    res = run_cli("check", tmp_path)
    assert res.returncode == 0, res.stderr


def test_a_running_sidecar_refuses_a_fragment_bomb_and_keeps_its_library(tmp_path):
    patterns = tmp_path / "patterns"
    patterns.mkdir()
    (patterns / "sig.yaml").write_text(SIG)
    log = tmp_path / "app.log"
    log.write_text("")
    side, thread = start_sidecar(write_config(tmp_path, log, patterns=patterns, bundled=False))
    try:
        (patterns / "_vocabulary.yaml").write_text(fragment_bomb(20))
        side.reloader.request()
        assert wait_until(lambda: side.stats.reloads_refused == 1, timeout=60)
        assert [s.id for s in side.library.signatures] == ["t.disk"]
        assert "expands to more than" in (side.reloader.last_error or "")
    finally:
        stop_sidecar(side, thread)
