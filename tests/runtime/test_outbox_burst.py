"""A burst into a full outbox (issue 21, item 13): the reports set aside are said once per
interval with their count, not one ERROR line each (41,900 lines), and counted for /metrics."""

from __future__ import annotations

import logging

from logsentinel.cli.testsinks import marked_events
from logsentinel.detection.events import Event
from logsentinel.runtime.checkpoint import DROPS_SAID_EVERY_S, Checkpoint, RunStats
from logsentinel.state.database import State


def _event(i: int) -> Event:
    fired, _ = marked_events("h", 1_795_773_600_000)
    data = {k: v for k, v in fired.items() if k in Event.__dataclass_fields__}
    data.update(id=f"e{i}", priority="P4", detected_at=1, first_seen=1, last_seen=1, dedup_key=f"k{i}")
    return Event(**data)


def test_a_burst_into_a_full_outbox_is_one_line_per_interval(tmp_path, caplog):
    state = State(tmp_path / "state.db")
    stats = RunStats()
    checkpoint = Checkpoint(state, ["support"], {"support": 10}, stats)
    now = 1_795_773_600.0
    with caplog.at_level(logging.ERROR, logger="logsentinel"):
        with state.transaction() as db:
            for i in range(2000):
                checkpoint._enqueue(db, [_event(i)], now + i * 0.01)  # 2,000 reports in 20 s
        lines = [r.getMessage() for r in caplog.records if "outbox full" in r.getMessage()]
        assert len(lines) == 1 and stats.dropped == 1990
        with state.transaction() as db:
            checkpoint._enqueue(db, [_event(5000)], now + DROPS_SAID_EVERY_S + 1)
    lines = [r.getMessage() for r in caplog.records if "outbox full" in r.getMessage()]
    said = [int(line.split()[2]) for line in lines]  # "outbox full: N ..."
    assert len(lines) == 2 and said == [1, 1990] and sum(said) == stats.dropped  # the burst's count said once
    state.close()
