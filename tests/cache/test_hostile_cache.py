"""Caches are hints, never truth (issue 21, item 15), through ``replay`` of the samples as CI runs
it: a valid scan database of another library copied over the cache file, an edited regex-facts
file, a forged ReDoS verdict, a cache linked to /dev/zero or a FIFO, a link planted where a cache
file will be written. Each costs time, never results (4 events instead of 24 before)."""

from __future__ import annotations

import json
import os
import shutil
import sys

import pytest
from conftest import SAMPLES, run_cli

from logsentinel.cache.folder import read_cached, seal, unseal, write_atomic
from logsentinel.cache.scandb import DiskCache

posix_only = pytest.mark.skipif(sys.platform == "win32", reason="symlinks and FIFOs: POSIX")

SIG = """\
id: other.one
title: another library's only signature
priority: P4
match: ['(?i)\\bsomething else entirely\\b']
examples:
  match: ['something else entirely', 'x something else entirely', 'y something else entirely']
  no_match: ['nothing']
"""


def _replay_samples(cache):
    logs = sorted(str(p) for p in (SAMPLES / "logs").iterdir())
    return run_cli(
        "replay", "-c", "logsentinel.yaml", "--expect", "expected/events.jsonl", *logs,
        cwd=SAMPLES, env={"LOGSENTINEL_CACHE_DIR": str(cache)}, timeout=300,
    )  # fmt: skip


def _as_expected(res) -> None:
    assert res.returncode == 0, res.stdout[-2000:] + res.stderr[-3000:]
    assert "reports as expected" in res.stderr and "Traceback" not in res.stderr


def test_a_foreign_scan_database_or_edited_facts_change_nothing(tmp_path):
    ours, theirs = tmp_path / "ours", tmp_path / "theirs"
    _as_expected(_replay_samples(ours))
    dbs = list(ours.glob("hs-*.db"))
    if not dbs:
        pytest.skip("no hyperscan here (the python engine keeps no scan database)")
    (tmp_path / "p").mkdir()
    (tmp_path / "p" / "other.yaml").write_text(SIG)
    log = tmp_path / "x.log"
    log.write_text("2026-11-27 10:00:00 something else entirely\n")
    other = run_cli(
        "replay", "--no-bundled", "--patterns", tmp_path / "p", "--host", "h", "--timezone", "UTC", log,
        env={"LOGSENTINEL_CACHE_DIR": str(theirs)},
    )  # fmt: skip
    assert other.returncode == 0, other.stderr
    (foreign,) = theirs.glob("hs-*.db")
    for db in dbs:  # a valid database of another library under our key
        shutil.copyfile(foreign, db)
    for facts in ours.glob("regex-facts-*.json"):  # every widened form made to match nothing
        raw = facts.read_bytes()
        facts.write_bytes(raw.replace(b'"forms": {', b'"forms": {"forged": 1, ', 1))
    _as_expected(_replay_samples(ours))
    check = run_cli(
        "validate", "-c", SAMPLES / "logsentinel.yaml", cwd=SAMPLES, env={"LOGSENTINEL_CACHE_DIR": str(ours)}
    )
    assert check.returncode == 0, check.stderr  # it blamed the bundled pattern files


def test_an_edited_verdict_does_not_let_a_catastrophic_regex_in(tmp_path):
    from logsentinel.cache.verdicts import FILE_NAME

    cache = tmp_path / "cache"
    (tmp_path / "p").mkdir()
    (tmp_path / "p" / "slow.yaml").write_text(
        "id: t.slow\ntitle: slow\npriority: P3\nmatch: ['^(a|aa)+$']\n"
        "examples:\n  match: ['aaaa']\n  no_match: ['aab']\n"
    )
    env = {"LOGSENTINEL_CACHE_DIR": str(cache)}
    first = run_cli("check", tmp_path / "p", env=env)
    assert first.returncode == 1 and "backtrack catastrophically" in first.stderr
    path = cache / FILE_NAME
    payload = unseal(FILE_NAME, path.read_bytes())
    assert payload is not None
    forged = dict.fromkeys(json.loads(payload))  # every regex "linear"
    path.write_bytes(path.read_bytes()[: -len(payload)] + json.dumps(forged).encode())  # the seal left as it was
    again = run_cli("check", tmp_path / "p", env=env)
    assert again.returncode == 1 and "backtrack catastrophically" in again.stderr


@posix_only
def test_a_cache_linked_to_dev_zero_or_a_fifo_is_skipped(tmp_path):
    cache = tmp_path / "cache"
    _as_expected(_replay_samples(cache))
    names = [p.name for p in cache.iterdir() if p.is_file()]
    assert names
    for i, name in enumerate(names):
        (cache / name).unlink()
        if i % 2:
            os.mkfifo(cache / name)  # opened for reading, it would wait for a writer for ever
        else:
            (cache / name).symlink_to("/dev/zero")  # read whole, it never ends
    _as_expected(_replay_samples(cache))


@posix_only
def test_a_planted_link_is_replaced_not_followed(tmp_path):
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me")
    cache = DiskCache(tmp_path / "cache")
    (tmp_path / "cache").mkdir()
    (tmp_path / "cache" / "hs-k.db").symlink_to(victim)
    assert cache.load("k") is None  # a link is not read
    cache.store("k", b"data")
    assert victim.read_text() == "keep me"
    assert cache.load("k") == b"data" and not (tmp_path / "cache" / "hs-k.db").is_symlink()


def test_sealed_files_open_only_with_their_key(tmp_path):
    path = tmp_path / "f"
    write_atomic(path, seal("key-a", b"payload"))
    data = read_cached(path)
    assert unseal("key-a", data) == b"payload"
    assert unseal("key-b", data) is None
    assert unseal("key-a", data[:-1] + b"X") is None and unseal("key-a", b"payload") is None
    assert read_cached(path, max_bytes=10) is None and read_cached(tmp_path / "missing") is None
