"""``logsentinel run`` (the sidecar) and ``logsentinel validate`` (its config and library)."""

from __future__ import annotations

import argparse
import glob
import itertools
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from logsentinel.cli.common import read_config, read_library
from logsentinel.matching.matcher import ENGINES
from logsentinel.sources.probes.base import PROBE_SOURCE

COMMAND_LOCK_WAIT_S = 30.0  # an ack or resolve on a stopped sidecar holds the state's lock this long at most


def add_parsers(sub) -> None:
    p = sub.add_parser("run", help="run the sidecar: tail the configured logs and send events")
    p.add_argument("-c", "--config", required=True, metavar="FILE", help="config file")
    p.add_argument("--engine", choices=ENGINES, default="auto", help=argparse.SUPPRESS)
    p.set_defaults(func=cmd_run)
    v = sub.add_parser("validate", help="check a config file and the patterns it names")
    v.add_argument("-c", "--config", required=True, metavar="FILE", help="config file")
    v.set_defaults(func=cmd_validate)
    c = sub.add_parser("coverage", help="which monitored events a config can raise, given its sources and probes")
    c.add_argument("-c", "--config", required=True, metavar="FILE", help="config file")
    c.set_defaults(func=cmd_coverage)


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
        for folder in sorted({_folder_of(p) for p in src.paths}):
            if not folder.is_dir():
                print(
                    f"warning: source {src.name}: the folder {folder} does not exist: check the path (a log "
                    "folder created later is picked up once it exists)"
                )
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
    if not config.sinks:
        print("warning: no sinks: events are detected and kept in the state, but go nowhere (docs/sinks.md)")
    for line in _unresolved_hosts(config):
        print(f"warning: {line}")
    _print_coverage(lib.signatures, config)
    print(
        f"ok: {len(lib.signatures)} signatures, {len(config.sources)} sources, {len(config.sinks)} sinks; "
        f"host {config.host}, state {config.state}"
    )
    return 0


def _folder_of(pattern: str) -> Path:
    """The folder a glob looks in: its path up to the first part with a wildcard."""
    parts = Path(pattern).parts
    fixed = list(itertools.takewhile(lambda p: not any(c in p for c in "*?["), parts))
    return Path(*fixed[:-1]) if len(fixed) == len(parts) else Path(*fixed) if fixed else Path(".")


def _unresolved_hosts(config) -> list[str]:
    """Sinks whose URL's host name does not resolve from here (a typo, or no DNS on this server)."""
    import socket
    from urllib.parse import urlparse

    from logsentinel.sinks.base import mask_url, sink_name

    out = []
    for i, cfg in enumerate(config.sinks):
        urls = list(getattr(cfg, "urls", None) or ()) + ([cfg.url] if getattr(cfg, "url", None) else [])
        for url in urls:
            host = urlparse(url).hostname
            if not host or "${" in url:
                continue
            try:
                socket.getaddrinfo(host, None)
            except (OSError, UnicodeError) as exc:
                out.append(f"sink {sink_name(cfg, i)}: the host of {mask_url(url)} does not resolve here ({exc})")
    return out


def _print_coverage(signatures, config) -> int:
    from logsentinel.tools.coverage import coverage

    rows = coverage(signatures, config)
    covered = [r for r in rows if r.covered_by]
    print(f"monitored events this config can raise: {len(covered)} of {len(rows)}")
    for r in rows:
        if r.covered_by:
            print(f"  yes  {r.priority}  {r.event}  ({', '.join(r.covered_by)})")
        else:
            print(f"  NO   {r.priority}  {r.event}  (needs {r.needs})")
    return len(rows) - len(covered)


def cmd_coverage(args) -> int:
    config = read_config(args.config)
    lib = read_library(config) if config is not None else None
    if config is None or lib is None:
        return 2
    missing = _print_coverage(lib.signatures, config)
    return 1 if missing else 0


def _listener(telemetry, health, config):
    from logsentinel.web.listener import MetricsServer  # the web layer sits above the loop

    return MetricsServer(telemetry, health, config)


def cmd_run(args) -> int:
    return run_sidecar(args.config, args.verbose, args.log_format, args.engine)


def run_sidecar(
    config_path: str,
    verbose: int = 0,
    log_format: str | None = None,
    engine: str = "auto",
    log_file: Path | None = None,
    started: Callable[[Any], None] | None = None,
) -> int:
    """``logsentinel run``, also as the Windows service runs it (``cli.winservice``): its log in
    ``log_file``, and ``started(sidecar)`` told the sidecar it can stop."""
    from logsentinel.dispatch.outbox import StateError
    from logsentinel.runtime.logsetup import setup_logging
    from logsentinel.runtime.sidecar import Sidecar

    config = read_config(config_path)
    lib = read_library(config, checked=True) if config is not None else None
    if config is None or lib is None:
        print("not started: fix the problems above (logsentinel validate -c FILE)", file=sys.stderr)
        return 2
    refusal = eventlog_refusal(config)
    if refusal:
        print(refusal, file=sys.stderr)
        return 2
    if not config.sources and not config.probes and not config.eventlogs:
        print(f"{config_path}: no sources and no probes configured: nothing to watch", file=sys.stderr)
        return 2
    from logsentinel.state.lock import StateInUse, StateLock

    lock = StateLock(config.state)
    waited_until = time.monotonic() + COMMAND_LOCK_WAIT_S
    while True:
        try:
            lock.acquire()  # before anything binds a port or reads a log
            break
        except StateInUse as exc:
            # an ack or resolve applying itself to a stopped sidecar's state: a moment, not a sidecar
            if exc.role == "command" and time.monotonic() < waited_until:
                time.sleep(0.2)
                continue
            print(str(exc), file=sys.stderr)
            return 2
        except OSError as exc:
            print(str(exc), file=sys.stderr)
            return 2
    try:
        setup_logging("debug" if verbose >= 2 else config.log.level, log_format or config.log.format, file=log_file)
        try:
            sidecar = Sidecar(config, lib, engine=engine, listener=_listener)
        except StateError as exc:
            print(str(exc), file=sys.stderr)
            return 2
        try:
            sidecar.listen()
        except OSError as exc:
            where = f"{config.metrics.host}:{config.metrics.port}" if config.metrics else "?"
            print(
                f"{config_path}: metrics: cannot listen on {where}: {exc.strerror or exc}",
                file=sys.stderr,
            )
            return 2
        sidecar.install_signal_handlers()
        if started is not None:
            started(sidecar)
        sidecar.run()
        return 0
    finally:
        lock.release()
