"""Replay and the live sidecar share one detection path: the live sidecar catching up on the
sample logs (a backlog of six files) fires and resolves exactly the events replay does."""

from __future__ import annotations

import gzip
import json
import shutil
import textwrap
from datetime import UTC, datetime

from conftest import SAMPLES, run_cli
from support.clock import FakeClock

from logsentinel.config.load import load_config
from logsentinel.runtime.sidecar import Sidecar
from logsentinel.signatures.load import load_effective

END_OF_DAY = datetime(2026, 11, 27, 19, 0, tzinfo=UTC).timestamp()  # 20:00 in Rome


def _key(e: dict):
    # not the id: it names the file, and the live run reads the archive decompressed
    return (e["dedup_key"], e["report"], e["status"], e["count"], e["first_seen"], e["resolved_at"], e["line"])


def test_live_catch_up_matches_replay(tmp_path):
    logs = tmp_path / "logs"
    shutil.copytree(SAMPLES / "logs", logs)
    for gz in logs.glob("*.gz"):  # a live sidecar tails plain files; replay also reads archives
        (logs / gz.name[:-3]).write_bytes(gzip.decompress(gz.read_bytes()))
        gz.unlink()
    for export in logs.glob("*-eventlog.xml"):  # the live event log is another source (sources/eventlog)
        export.unlink()
    cfg = (SAMPLES / "logsentinel.yaml").read_text()
    cfg = cfg.replace("    timezone: Europe/Rome\n", "    timezone: Europe/Rome\n    start_at: beginning\n")
    (tmp_path / "cfg.yaml").write_text(
        cfg
        + textwrap.dedent("""
        state: state.db
        sinks: [{type: jsonl, path: out.jsonl}]
    """)
    )
    config = load_config(tmp_path / "cfg.yaml")
    side = Sidecar(config, load_effective(config.patterns, config.bundled_patterns), clock=FakeClock(END_OF_DAY))
    for _ in range(5):
        side.step()
    side.dispatcher.start()
    side.dispatcher.stop(timeout=5)
    side.state.close()
    live = [json.loads(x) for x in (tmp_path / "out.jsonl").read_text().splitlines()]
    res = run_cli("replay", "-c", tmp_path / "cfg.yaml", *sorted(logs.iterdir()))  # the same files
    assert res.returncode == 0, res.stderr
    replayed = [json.loads(x) for x in res.stdout.splitlines()]
    pick = lambda events: sorted(_key(e) for e in events if e["report"] in ("fired", "resolved"))  # noqa: E731
    assert pick(live) == pick(replayed)
    assert len(pick(live)) >= 20


def test_compressed_archives_are_not_tailed(tmp_path):
    from logsentinel.config.load import SourceConfig
    from logsentinel.sources.files.follow import SourceTail

    (tmp_path / "app.log").write_text("2026-11-27 10:00:00 plain\n")
    (tmp_path / "app.log.1.gz").write_bytes(gzip.compress(b"2026-11-27 09:00:00 archived\n"))
    cfg = SourceConfig(name="a", paths=[str(tmp_path / "app.log*")], start_at="beginning", flush_after_s=0)
    tail = SourceTail(cfg, cfg.spec("UTC"), [], first_start=True)
    tail.sweep()
    blocks = tail.read() + tail.flush_quiet(now=float("inf"))
    assert b"".join(b.data for b in blocks) == b"2026-11-27 10:00:00 plain\n"
    assert len(tail.files) == 1 and len(tail.skipped) == 1
    tail.close()
