"""``logsentinel silence`` and ``logsentinel silences``: keep back the reports of matching events
for a while (a planned restart of the suite, a known problem), as ``amtool silence`` does for
Alertmanager. A silence is a row of the state database: the running sidecar applies it at its
next commit, a stopped one at its start; the reports it keeps back are recorded, and the page
and ``status`` show the events as silenced."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime

from logsentinel.cli.common import read_config, read_library
from logsentinel.cli.operate import login_name
from logsentinel.clock import SYSTEM
from logsentinel.state.database import State
from logsentinel.units import format_duration, parse_duration


def add_parsers(sub) -> None:
    p = sub.add_parser(
        "silence",
        help="silence the events that match, for a time: their reports are recorded, not sent",
        description="Silence the events that match every matcher, for a time (like amtool silence "
        "add): their reports are recorded and shown as silenced, not sent. Reports that end an "
        "event (resolved, closed) are always sent.",
    )
    p.add_argument("-c", "--config", required=True, metavar="FILE", help="config file")
    p.add_argument("--signature", metavar="ID", help="the events of this signature (signature=ID)")
    p.add_argument(
        "--match",
        action="append",
        default=[],
        metavar="FIELD=VALUE",
        help="an event label (signature, priority, host, category, application, source, title) or field "
        "(param1, component, volume...) equal to VALUE, or FIELD=~REGEX; repeatable: all must match",
    )
    span = p.add_mutually_exclusive_group(required=True)
    span.add_argument("--for", dest="duration", metavar="DURATION", help="how long: 30m, 2h, 1d")
    span.add_argument(
        "--until", metavar="TIME", help="until this time: 2026-12-04T18:00 (this machine's zone) or with +01:00"
    )
    p.add_argument("--reason", required=True, metavar="TEXT", help="why (shown with the silence)")
    p.add_argument("--by", metavar="NAME", help="who (default: this user's login name)")
    p.set_defaults(func=cmd_silence)

    q = sub.add_parser(
        "silences", help="the active and pending silences; --expire ID ends one now", description="List silences."
    )
    q.add_argument("-c", "--config", required=True, metavar="FILE", help="config file")
    q.add_argument("--expire", metavar="ID", help="end this silence now (its id, or its first characters)")
    q.add_argument("--by", metavar="NAME", help="who expires it (default: this user's login name)")
    q.add_argument("--json", action="store_true", help="as JSON")
    q.set_defaults(func=cmd_silences)


def parse_until(text: str) -> int:
    """Epoch ms of an ISO 8601 time (without a zone: this machine's)."""
    try:
        dt = datetime.fromisoformat(text.strip())
    except ValueError:
        raise ValueError(
            f"--until {text!r}: expected a time such as 2026-12-04T18:00 or 2026-12-04T18:00+01:00"
        ) from None
    if dt.tzinfo is None:
        dt = dt.astimezone()  # this machine's zone
    return int(dt.timestamp() * 1000)


@contextmanager
def _state(config) -> Iterator[State]:
    """The config's state database for a moment (a StateError ends the command with one line)."""
    from logsentinel.dispatch.outbox import StateError

    try:
        state = State(config.state)
    except StateError as exc:
        print(f"error: {exc}", file=sys.stderr)
        raise SystemExit(2) from None
    try:
        yield state
    finally:
        state.close()


def cmd_silence(args) -> int:
    from logsentinel.dispatch.silences import new_silence, parse_matcher

    config = read_config(args.config)
    if config is None:
        return 2
    now_ms = int(SYSTEM.time() * 1000)
    try:
        matchers = [parse_matcher(f"signature={args.signature}")] if args.signature else []
        matchers += [parse_matcher(m) for m in args.match]
        ends = now_ms + int(parse_duration(args.duration) * 1000) if args.duration else parse_until(args.until)
        by = (args.by or login_name()).strip() or "unknown"
        silence = new_silence(matchers, ends, args.reason, by, now_ms, config.redactor().text)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.signature:
        library = read_library(config)
        if library is not None and args.signature not in {s.id for s in library.signatures}:
            print(
                f"warning: no signature {args.signature!r} in this config's library (logsentinel list)", file=sys.stderr
            )
    with _state(config) as state:
        state.add_silence(silence)
    print(
        f"silence {silence.id}: {', '.join(str(m) for m in silence.matchers)} for "
        f"{format_duration((silence.ends_at - now_ms) / 1000)} (until {_local(silence.ends_at)}), by {silence.by}: "
        f"{silence.reason}"
    )
    return 0


def cmd_silences(args) -> int:
    config = read_config(args.config)
    if config is None:
        return 2
    now_ms = int(SYSTEM.time() * 1000)
    with _state(config) as state:
        if args.expire:
            ended, why = state.expire_silence(args.expire, (args.by or login_name()).strip() or "unknown", now_ms)
            if ended is None:
                print(f"error: {why}", file=sys.stderr)
                return 1
            print(f"silence {ended.id} expired: its events' reports are sent again")
            return 0
        silences = state.silences(now_ms)
    if args.json:
        print(json.dumps([s.to_dict(now_ms) for s in silences], ensure_ascii=False, indent=2))
        return 0
    if not silences:
        print("no active or pending silences")
        return 0
    rows = [("ID", "MATCHERS", "STATE", "ENDS", "BY", "REASON")]
    rows += [
        (s.id, ", ".join(str(m) for m in s.matchers), s.state(now_ms), _local(s.ends_at), s.by, s.reason)
        for s in silences
    ]
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    for row in rows:
        print("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip())
    return 0


def _local(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000).astimezone().strftime("%Y-%m-%d %H:%M:%S %Z")
