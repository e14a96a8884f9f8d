"""``logsentinel ack`` and ``logsentinel resolve``: a support engineer takes an open event (it
stops escalating) or closes it by hand (every sink gets a resolve). They work whether the
sidecar runs or not: ``runtime.operator``."""

from __future__ import annotations

import getpass
import sys

from logsentinel.cli.common import read_config, read_library
from logsentinel.clock import SYSTEM


def add_parsers(sub) -> None:
    for name, helptext in (
        ("ack", "acknowledge an open event: someone works on it, it no longer escalates"),
        ("resolve", "resolve an open event by hand: it is closed and every sink gets a resolve"),
    ):
        p = sub.add_parser(name, help=helptext, description=helptext)
        p.add_argument("event", metavar="EVENT", help="the event's id, or its first characters (logsentinel status)")
        p.add_argument("-c", "--config", required=True, metavar="FILE", help="config file")
        p.add_argument("--by", metavar="NAME", help="who (default: this user's login name)")
        p.add_argument("--note", metavar="TEXT", default="", help="why, or what was done")
        p.add_argument(
            "--wait", metavar="SECONDS", type=float, default=15.0, help="how long to wait for a running sidecar"
        )
        p.set_defaults(func=cmd_action, kind=name)


def login_name() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no login name in this environment (a service account without one)
        return "unknown"


def perform(config, kind: str, target: str, by: str | None, note: str, wait_s: float):
    """Record one action and see it applied (``runtime.operator.ask``), printing why not on
    stderr: (exit code, the result when it was applied)."""
    from logsentinel.detection.actions import OperatorAction
    from logsentinel.dispatch.outbox import StateError
    from logsentinel.runtime.operator import ask

    def signatures():
        library = read_library(config)
        if library is None:
            raise SystemExit(2)  # its errors are printed
        return config.with_radar(library.signatures)  # the radar's open events are kept too

    who = (by or login_name()).strip() or "unknown"
    masked = config.redactor().text(note)  # a pasted password is masked before it is stored or sent
    action = OperatorAction(kind, target, who[:100], int(SYSTEM.time() * 1000), masked)
    try:
        result = ask(config, action, signatures, wait_s=wait_s)
    except StateError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2, None
    if not result.ok:
        print(f"error: {result.text}", file=sys.stderr)
        return 1, None
    return 0, result


def cmd_action(args) -> int:
    config = read_config(args.config)
    if config is None:
        return 2
    code, result = perform(config, args.kind, args.event, args.by, args.note, args.wait)
    if result is None:
        return code
    where = (
        "the running sidecar"
        if result.applied_by == "sidecar"
        else "the state (the sidecar is not running: its reports go out at its next start)"
    )
    print(f"{result.text}; applied by {where}")
    return 0
