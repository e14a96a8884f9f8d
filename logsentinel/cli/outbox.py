"""``logsentinel outbox``: what waits for each sink, what was refused; retry or purge it."""

from __future__ import annotations

import json
import sys
from typing import TYPE_CHECKING

from logsentinel.cli.common import read_config
from logsentinel.clock import SYSTEM

if TYPE_CHECKING:
    from logsentinel.dispatch.outbox import Outbox

STATUSES = ("pending", "delivered", "dead", "dropped")


def add_parser(sub) -> None:
    p = sub.add_parser("outbox", help="list pending and dead-lettered deliveries; retry or purge them")
    p.add_argument("-c", "--config", required=True, metavar="FILE", help="config file")
    p.add_argument("--sink", help="only this sink (its name as listed)")
    p.add_argument("--retry", action="store_true", help="queue dead-lettered and dropped reports again")
    p.add_argument("--purge", action="store_true", help="delete dead-lettered and dropped reports")
    p.set_defaults(func=cmd_outbox)


def cmd_outbox(args) -> int:
    from logsentinel.dispatch.outbox import Outbox, StateError

    config = read_config(args.config)
    if config is None:
        return 2
    if not config.state.exists():
        print(f"no state database yet at {config.state}")
        return 0
    try:
        outbox = Outbox.open(config.state)
    except StateError as exc:
        print(str(exc), file=sys.stderr)
        return 2
    try:
        if args.retry or args.purge:
            with outbox.transaction() as db:
                n = (outbox.retry if args.retry else outbox.purge)(db, args.sink)
            print(
                f"{n} report(s) queued again (a running sidecar sends them within a second)"
                if args.retry
                else f"{n} report(s) deleted"
            )
            return 0
        _summary(outbox, args.sink)
        _listing(outbox, args.sink)
    finally:
        outbox.close()
    return 0


def _summary(outbox: Outbox, only: str | None) -> None:
    counts = outbox.counts()
    oldest = outbox.oldest_pending()
    sinks = sorted({s for s, _ in counts})
    if not sinks:
        print("outbox empty")
    now = SYSTEM.time()
    for sink in sinks:
        if only and sink != only:
            continue
        parts = ", ".join(f"{counts.get((sink, st), 0)} {st}" for st in STATUSES)
        age = f"; oldest pending {now - oldest[sink]:.0f}s ago" if sink in oldest else ""
        print(f"{sink}: {parts}{age}")


def _listing(outbox: Outbox, only: str | None) -> None:
    rows = outbox.listing(sink=only)
    if rows:
        print(f"\n{'seq':>6} {'sink':<28} {'pri':<3} {'status':<8} {'tries':>5}  event / last error")
    for row in rows:
        try:
            ev = json.loads(row.report)
            what = f"{ev['signature']} {ev['report']} {ev['dedup_key']}"
        except (TypeError, ValueError, KeyError):
            what = "(damaged: not an event's JSON)"
        print(f"{row.seq:>6} {row.sink[:28]:<28} P{row.rank:<2} {row.status:<8} {row.attempts:>5}  {what}")
        if row.last_error:
            print(f"{'':>58}{row.last_error[:200]}")
