"""The outbox: bounded per sink (lowest priority set aside first), due reports in priority
order, delivered ones pruned after a day, sink state kept per sink."""

from __future__ import annotations

import json

from logsentinel.dispatch.outbox import Outbox
from logsentinel.state.database import State

EVENT = {"id": "0" * 32, "signature": "s", "priority": "P3", "report": "fired", "dedup_key": "k"}
NOW = 1_795_773_600.0


def _outbox(tmp_path) -> Outbox:
    State(tmp_path / "s.db").close()  # the state database, with its schema
    return Outbox.open(tmp_path / "s.db")


def test_outbox_is_bounded_lowest_priority_first(tmp_path):
    outbox = _outbox(tmp_path)
    with outbox.transaction() as db:
        for i, pri in enumerate(["P4", "P1", "P3", "P4", "P2"]):
            outbox.enqueue(db, ["hook"], dict(EVENT, id=f"{i:032d}", priority=pri), NOW, {"hook": 3})
    kept = [json.loads(r[1])["priority"] for r in outbox.pending("hook", 10, NOW)]
    assert kept == ["P1", "P2", "P3"]
    dropped = outbox.listing(("dropped",))
    assert len(dropped) == 2 and all("outbox full" in r.last_error for r in dropped)
    outbox.close()


def test_delivered_reports_are_pruned_after_a_day(tmp_path):
    outbox = _outbox(tmp_path)
    with outbox.transaction() as db:
        outbox.enqueue(db, ["a", "b"], EVENT, NOW)
    seq_a = outbox.pending("a", 10, NOW)[0][0]
    with outbox.transaction() as db:
        outbox.mark_delivered(db, [seq_a])
        assert outbox.prune_delivered(db, NOW + 86399) == 0  # not a day old yet
        assert outbox.prune_delivered(db, NOW + 86401) == 1  # delivered and old: gone
    assert outbox.counts() == {("b", "pending"): 1}  # pending: kept
    outbox.close()


def test_sink_state_is_per_sink(tmp_path):
    outbox = _outbox(tmp_path)
    a, b = outbox.sink_store("a"), outbox.sink_store("b")
    a.put("file", "1")
    assert (a.get("file"), b.get("file")) == ("1", None)
    outbox.close()
