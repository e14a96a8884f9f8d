"""``logsentinel run`` (the sidecar) and ``logsentinel validate`` (its config and library)."""

from __future__ import annotations

import argparse
import glob
import os
import sys

from logsentinel.cli.common import read_config, read_library
from logsentinel.matching.matcher import ENGINES
from logsentinel.sources.probes.base import PROBE_SOURCE


def add_parsers(sub) -> None:
    p = sub.add_parser("run", help="run the sidecar: tail the configured logs and send events")
    p.add_argument("-c", "--config", required=True, metavar="FILE", help="config file")
    p.add_argument("--engine", choices=ENGINES, default="auto", help=argparse.SUPPRESS)
    p.set_defaults(func=cmd_run)
    v = sub.add_parser("validate", help="check a config file and the patterns it names")
    v.add_argument("-c", "--config", required=True, metavar="FILE", help="config file")
    v.set_defaults(func=cmd_validate)


def eventlog_refusal(config) -> str | None:
    """Why this machine cannot run the config's event-log sources (they read its own log)."""
    if config.eventlogs and os.name != "nt":
        names = ", ".join(e.name for e in config.eventlogs)
        return (
            f"{config.path}: source {names} (type eventlog) reads the Windows event log of the machine it runs "
            f"on, and this is not Windows; to test signatures here, replay .evtx or XML exports "
            f"(logsentinel replay FILE.evtx)"
        )
    return None


def cmd_validate(args) -> int:
    config = read_config(args.config)
    lib = read_library(config, checked=True) if config is not None else None
    refusal = eventlog_refusal(config) if config is not None else None
    if refusal:
        print(refusal, file=sys.stderr)
    if config is None or lib is None or refusal:
        print(f"{args.config}: not valid", file=sys.stderr)
        return 1
    for src in config.sources:
        n = sum(len(glob.glob(p, recursive=True)) for p in src.paths)
        note = "" if n else "  (nothing matches yet: files created later are picked up)"
        print(f"source {src.name}: {len(src.paths)} glob(s), {n} file(s) now{note}")
    bad_query = False
    for ev in config.eventlogs:
        print(f"source {ev.name}: the Windows event log, channels {', '.join(ev.channels)}")
        from logsentinel.sources.eventlog.check import channel_problems
        from logsentinel.sources.eventlog.query import default_query

        errors, warnings = channel_problems(ev, default_query(lib.signatures, ev.name))
        for line in warnings:
            print(f"warning: {line}")
        for line in errors:
            print(line, file=sys.stderr)
        bad_query |= bool(errors)
    if bad_query:
        print(f"{args.config}: not valid", file=sys.stderr)
        return 1
    known = {src.name for src in config.sources} | {ev.name for ev in config.eventlogs} | {PROBE_SOURCE}
    for sig in lib.signatures:
        missing = [name for name in (sig.sources or ()) if name not in known]
        if missing and not set(sig.sources or ()) & known:
            print(
                f"warning: {sig.file}: {sig.id}: sources {', '.join(missing)} are not configured here: "
                "this signature will never match"
            )
    print(
        f"ok: {len(lib.signatures)} signatures, {len(config.sources)} sources, {len(config.sinks)} sinks; "
        f"host {config.host}, state {config.state}"
    )
    return 0


def _listener(telemetry, health, config):
    from logsentinel.web.listener import MetricsServer  # the web layer sits above the loop

    return MetricsServer(telemetry, health, config)


def cmd_run(args) -> int:
    from logsentinel.dispatch.outbox import StateError
    from logsentinel.runtime.logsetup import setup_logging
    from logsentinel.runtime.sidecar import Sidecar

    config = read_config(args.config)
    lib = read_library(config, checked=True) if config is not None else None
    if config is None or lib is None:
        print("not started: fix the problems above (logsentinel validate -c FILE)", file=sys.stderr)
        return 2
    refusal = eventlog_refusal(config)
    if refusal:
        print(refusal, file=sys.stderr)
        return 2
    if not config.sources and not config.probes and not config.eventlogs:
        print(f"{args.config}: no sources and no probes configured: nothing to watch", file=sys.stderr)
        return 2
    from logsentinel.state.lock import StateInUse, StateLock

    lock = StateLock(config.state)
    try:
        lock.acquire()  # before anything binds a port or reads a log
    except (StateInUse, OSError) as exc:
        print(str(exc), file=sys.stderr)
        return 2
    try:
        setup_logging("debug" if args.verbose >= 2 else config.log.level, args.log_format or config.log.format)
        try:
            sidecar = Sidecar(config, lib, engine=args.engine, listener=_listener)
        except StateError as exc:
            print(str(exc), file=sys.stderr)
            return 2
        try:
            sidecar.listen()
        except OSError as exc:
            where = f"{config.metrics.host}:{config.metrics.port}" if config.metrics else "?"
            print(
                f"{args.config}: metrics: cannot listen on {where}: {exc.strerror or exc}",
                file=sys.stderr,
            )
            return 2
        sidecar.install_signal_handlers()
        sidecar.run()
        return 0
    finally:
        lock.release()
