"""A sink that is down logs one short line, a summary every few minutes while it stays down, and
one line when it is back: "recovered after N s, M delivered" (issue 11, sinks)."""

from __future__ import annotations

import logging

from hypothesis import given
from hypothesis import strategies as st
from support.httpserver import Receiver
from support.sidecar import start_sidecar, stop_sidecar, utc_stamp, wait_following, wait_until, write_config

from logsentinel.dispatch.outage import SUMMARY_EVERY_S, Outage

LINE = "{t} [4] WARN StoneVoice.Monitoring - Low database space for database DB{i:02d}\n"


def test_a_sink_down_says_so_once_then_says_it_recovered(tmp_path, caplog):
    caplog.set_level(logging.DEBUG, logger="logsentinel")
    rx = Receiver()  # not started: connections are refused
    (tmp_path / "app.log").write_text("")
    cfg = write_config(
        tmp_path,
        tmp_path / "app.log",
        source="app",
        sinks=f"[{{type: webhook, url: '{rx.url}/hook', timeout: 0.5, backoff_max: 0.05}}]",
    )
    side, thread = start_sidecar(cfg)
    try:
        wait_following(side)
        with open(tmp_path / "app.log", "a") as fh:
            for i in range(5):
                fh.write(LINE.format(t=utc_stamp(), i=i))
        worker = side.dispatcher.workers[0]
        assert wait_until(lambda: worker.counters.failed >= 10), "the sink was never tried"
        rx.start()
        assert rx.wait_for(lambda bodies: len(bodies) >= 5)
        assert wait_until(lambda: any("recovered after" in r.getMessage() for r in caplog.records))
    finally:
        stop_sidecar(side, thread)
        rx.stop()
    said = [r.getMessage() for r in caplog.records if r.name == "logsentinel.dispatch" and r.levelno >= logging.WARNING]
    down = [m for m in said if "is down" in m]
    assert len(down) == 1, said
    assert "Connection refused" in down[0] and len(down[0]) < 200 and "Max retries" not in down[0], down[0]
    recovered = [m for m in said if "recovered after" in m]
    assert len(recovered) == 1 and "5 report(s) delivered" in recovered[0], recovered
    assert len(said) == 2, said


@given(st.lists(st.floats(min_value=0.1, max_value=90.0), min_size=1, max_size=200))
def test_while_down_a_summary_comes_every_few_minutes(gaps):
    outage, now, lines = Outage("hook"), 1000.0, []
    for gap in gaps:
        now += gap
        lines.append(outage.failed(now, "http://x/: cannot connect: Connection refused", 1.0))
    said = [x for x in lines if x]
    down_for = now - (1000.0 + gaps[0])
    assert said[0].startswith("sink hook is down: ")
    assert all("still down after" in x for x in said[1:])
    # one line per SUMMARY_EVERY_S at most, and none missed by more than the longest gap
    assert len(said) - 1 <= down_for // SUMMARY_EVERY_S
    assert len(said) - 1 >= (down_for - max(gaps)) // SUMMARY_EVERY_S - 1
    outage.succeeded(now + 5, 3)
    outage.succeeded(now + 6, 2)
    line = outage.caught_up(now + 7)
    assert line.startswith(f"sink hook recovered after {now + 5 - (1000.0 + gaps[0]):.0f}s")
    assert "5 report(s) delivered" in line
    assert outage.caught_up(now + 8) is None and not outage.down
