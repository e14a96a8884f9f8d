"""An event with a short response time makes exactly one ``overdue`` report, in the live
sidecar (its clock driven by the test) and in replay (deadlines follow event time)."""

from __future__ import annotations

import json

from conftest import run_cli
from support.clock import FakeClock
from support.sidecar import read_jsonl, write_config
from support.signatures import slow_answer

from logsentinel.config.load import load_config
from logsentinel.runtime.sidecar import Sidecar
from logsentinel.signatures.load import load_effective

SIG = slow_answer("1m")
T0 = 1_795_773_600.0  # 2026-11-27 10:00:00 UTC


def _files(tmp_path):
    (tmp_path / "p").mkdir()
    (tmp_path / "p" / "demo.yaml").write_text(SIG)
    log = tmp_path / "app.log"
    log.write_text(
        "2026-11-27 10:00:00,000 [1] ERROR Demo - demo failure 7\n"
        "2026-11-27 10:00:30,000 [1] ERROR Demo - demo failure 7\n"
        "2026-11-27 10:30:00,000 [1] INFO Demo - later\n"
    )
    cfg = write_config(tmp_path, log, source="app", start_at="beginning", patterns=tmp_path / "p", bundled=False)
    return cfg, log


def test_exactly_one_overdue_report_in_replay(tmp_path):
    cfg, log = _files(tmp_path)
    res = run_cli("replay", "-c", cfg, log)
    reports = [(e["report"], e["count"]) for e in map(json.loads, res.stdout.splitlines())]
    assert reports.count(("overdue", 2)) == 1 and [r for r, _ in reports].count("overdue") == 1
    assert reports[0] == ("fired", 1)


def test_exactly_one_overdue_report_live(tmp_path, caplog):
    caplog.set_level("INFO", logger="logsentinel.run")
    cfg, _log = _files(tmp_path)
    clock = FakeClock(T0 + 10)  # the wall clock the sidecar's detector follows
    config = load_config(cfg)
    side = Sidecar(config, load_effective(config.patterns, config.bundled_patterns), clock=clock)
    side.step()
    for _ in range(6):  # ten minutes pass, a step a minute
        clock.advance(60)
        side.step()
    side.dispatcher.start()
    side.dispatcher.stop(timeout=5)
    side.state.close()
    reports = [e["report"] for e in read_jsonl(tmp_path / "out.jsonl")]
    assert reports.count("overdue") == 1 and reports[0] == "fired"
    # the sidecar's log names each report (it said "firing" twice: the event's status)
    said = [r.getMessage().split()[1] for r in caplog.records if r.getMessage().startswith("event ")]
    assert said == reports
