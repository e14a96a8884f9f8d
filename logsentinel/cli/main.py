"""logsentinel: detect UCX Suite proactive-support events in logs (check, replay, run, validate)."""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from logsentinel import __version__
from logsentinel.app.check import run_check
from logsentinel.app.config import Config, ConfigError, default_config, load_config
from logsentinel.app.expect import diff_events, load_expected
from logsentinel.signatures.load import load_library
from logsentinel.matching.matcher import ENGINES, Matcher
from logsentinel.app.replay import Progress, replay
from logsentinel.records.timestamps import get_zone


def _add_check(sub) -> None:
    p = sub.add_parser("check", help="load, compile and test every signature")
    p.add_argument("dirs", nargs="*", default=["patterns"], metavar="DIR",
                   help="patterns folders or files (default: patterns)")
    p.add_argument("--engine", choices=ENGINES, default="auto", help=argparse.SUPPRESS)
    p.add_argument("--no-redos", action="store_true", help="skip the catastrophic-backtracking test")
    p.add_argument("-q", "--quiet", action="store_true", help="print problems only")
    p.set_defaults(func=cmd_check)


def _add_replay(sub) -> None:
    p = sub.add_parser("replay", help="replay captured logs and print events as JSON Lines")
    p.add_argument("files", nargs="+", metavar="FILE", help="log files (plain or .gz)")
    p.add_argument("--patterns", action="append", metavar="DIR", help="patterns folder (repeatable)")
    p.add_argument("-c", "--config", metavar="FILE", help="config file (sources, host, patterns)")
    p.add_argument("--host", help="host name to put in events (default: config, then this machine)")
    p.add_argument("--timezone", metavar="TZ", help="zone for timestamps without one (e.g. Europe/Rome)")
    p.add_argument("-o", "--output", metavar="FILE", help="write events here instead of stdout")
    p.add_argument("--expect", metavar="FILE", help="compare with these expected events; exit 1 if different")
    p.add_argument("--stats", action="store_true", help="print per-signature statistics on stderr")
    p.add_argument("--engine", choices=ENGINES, default="auto",
                   help="matching engine (default: hyperscan when installed)")
    p.set_defaults(func=cmd_replay)


def _add_run(sub) -> None:
    p = sub.add_parser("run", help="run the sidecar: tail the configured logs and send events")
    p.add_argument("-c", "--config", required=True, metavar="FILE", help="config file")
    p.add_argument("--engine", choices=ENGINES, default="auto", help=argparse.SUPPRESS)
    p.set_defaults(func=cmd_run)
    v = sub.add_parser("validate", help="check a config file and the patterns it names")
    v.add_argument("-c", "--config", required=True, metavar="FILE", help="config file")
    v.set_defaults(func=cmd_validate)


def _add_outbox(sub) -> None:
    p = sub.add_parser("outbox", help="list pending and dead-lettered deliveries; retry or purge them")
    p.add_argument("-c", "--config", required=True, metavar="FILE", help="config file")
    p.add_argument("--sink", help="only this sink (its name as listed)")
    p.add_argument("--retry", action="store_true", help="queue dead-lettered and dropped reports again")
    p.add_argument("--purge", action="store_true", help="delete dead-lettered and dropped reports")
    p.set_defaults(func=cmd_outbox)


def cmd_outbox(args) -> int:
    from logsentinel.app.state import State, StateError
    try:
        config = load_config(args.config)
    except ConfigError as exc:
        for line in exc.problems:
            print(line, file=sys.stderr)
        return 2
    if not config.state.exists():
        print(f"no state database yet at {config.state}")
        return 0
    try:
        state = State(config.state)
    except StateError as exc:
        print(str(exc), file=sys.stderr)
        return 2
    try:
        if args.retry:
            with state.transaction() as db:
                n = state.retry(db, args.sink)
            print(f"{n} report(s) queued again (a running sidecar sends them within a second)")
            return 0
        if args.purge:
            with state.transaction() as db:
                n = state.purge(db, args.sink)
            print(f"{n} report(s) deleted")
            return 0
        counts = state.counts()
        oldest = state.oldest_pending()
        sinks = sorted({s for s, _ in counts})
        if not sinks:
            print("outbox empty")
        for sink in sinks:
            if args.sink and sink != args.sink:
                continue
            parts = ", ".join(f"{counts.get((sink, st), 0)} {st}" for st in ("pending", "delivered", "dead", "dropped"))
            age = f"; oldest pending {time.time() - oldest[sink]:.0f}s ago" if sink in oldest else ""
            print(f"{sink}: {parts}{age}")
        rows = state.listing(sink=args.sink)
        if rows:
            print(f"\n{'seq':>6} {'sink':<28} {'pri':<3} {'status':<8} {'tries':>5}  event / last error")
        for seq, sink, rank, _eid, status, attempts, error, _created, report in rows:
            ev = json.loads(report)
            print(f"{seq:>6} {sink[:28]:<28} P{rank:<2} {status:<8} {attempts:>5}  {ev['signature']} "
                  f"{ev['report']} {ev['dedup_key']}")
            if error:
                print(f"{'':>58}{error[:200]}")
    finally:
        state.close()
    return 0


def _load_for_run(path: str):
    """(config, library) or (None, None) after printing every problem."""
    try:
        config = load_config(path)
    except ConfigError as exc:
        for line in exc.problems:
            print(line, file=sys.stderr)
        return None, None
    lib = load_library(config.patterns)
    config.apply_defaults(lib.signatures)
    if lib.errors:
        for prob in lib.errors:
            print(prob, file=sys.stderr)
        return config, None
    return config, lib


def cmd_validate(args) -> int:
    config, lib = _load_for_run(args.config)
    if config is None or lib is None:
        print(f"{args.config}: not valid", file=sys.stderr)
        return 1
    import glob
    for src in config.sources:
        n = sum(len(glob.glob(p, recursive=True)) for p in src.paths)
        note = "" if n else "  (nothing matches yet: files created later are picked up)"
        print(f"source {src.name}: {len(src.paths)} glob(s), {n} file(s) now{note}")
    from logsentinel.app.sidecar import PROBE_SOURCE
    known = {src.name for src in config.sources} | {PROBE_SOURCE}
    for sig in lib.signatures:
        missing = [name for name in (sig.sources or ()) if name not in known]
        if missing and not set(sig.sources) & known:
            print(f"warning: {sig.file}: {sig.id}: sources {', '.join(missing)} are not configured here: "
                  "this signature will never match")
    print(f"ok: {len(lib.signatures)} signatures, {len(config.sources)} sources, {len(config.sinks)} sinks; "
          f"host {config.host}, state {config.state}")
    return 0


def cmd_run(args) -> int:
    from logsentinel.app.sidecar import Sidecar
    from logsentinel.app.state import StateError
    config, lib = _load_for_run(args.config)
    if config is None or lib is None:
        print("not started: fix the problems above (logsentinel validate -c FILE)", file=sys.stderr)
        return 2
    if not config.sources and not config.probes:
        print(f"{args.config}: no sources and no probes configured: nothing to watch", file=sys.stderr)
        return 2
    from logsentinel.app.logsetup import setup_logging
    level = "debug" if args.verbose >= 2 else (config.log.get("level") or "info")
    setup_logging(level, args.log_format or config.log.get("format", "text"))
    try:
        sidecar = Sidecar(config, lib, engine=args.engine)
    except StateError as exc:
        print(str(exc), file=sys.stderr)
        return 2
    sidecar.install_signal_handlers()
    sidecar.run()
    return 0


def cmd_check(args) -> int:
    result = run_check([Path(d) for d in args.dirs], engine=args.engine, redos=not args.no_redos)
    for prob in result.problems:
        print(prob, file=sys.stderr if prob.level == "error" else sys.stdout)
    n_sig, n_files = len(result.library.signatures), len(result.library.files)
    if result.errors:
        print(f"check failed: {len(result.errors)} problem(s) in {n_files} file(s), "
              f"{n_sig} signature(s) loaded", file=sys.stderr)
        return 1
    if not args.quiet:
        n_ex = sum(len(s.examples_match) + len(s.examples_no_match) + len(s.examples_resolve)
                   for s in result.library.signatures)
        print(f"ok: {n_sig} signatures in {n_files} files, {n_ex} examples passed")
    return 0


def _replay_config(args) -> Config:
    config = load_config(args.config) if args.config else default_config()
    if args.patterns:
        config.patterns = [Path(p) for p in args.patterns]
    if args.host:
        config.host = args.host
    return config


def cmd_replay(args) -> int:
    try:
        config = _replay_config(args)
        if args.timezone:
            get_zone(args.timezone)
    except ConfigError as exc:
        for line in exc.problems:
            print(line, file=sys.stderr)
        return 2
    except ValueError as exc:
        print(f"--timezone: {exc}", file=sys.stderr)
        return 2
    lib = load_library(config.patterns)
    config.apply_defaults(lib.signatures)
    if lib.errors:
        for prob in lib.errors:
            print(prob, file=sys.stderr)
        print("replay refused: fix the signatures above (logsentinel check shows all problems)", file=sys.stderr)
        return 2
    files = [Path(f) for f in args.files]
    missing = [str(f) for f in files if not f.is_file()]
    if missing:
        print(f"no such file: {', '.join(missing)}", file=sys.stderr)
        return 2
    try:
        matcher = Matcher(lib.signatures, engine=args.engine)
    except ValueError as exc:
        print(str(exc), file=sys.stderr)
        return 2

    collected: list[dict] = []
    out = open(args.output, "w", encoding="utf-8", newline="\n") if args.output else sys.stdout

    def emit(ev) -> None:
        d = ev.to_dict()
        if args.expect:
            collected.append(d)
        out.write(json.dumps(d, ensure_ascii=False) + "\n")

    progress = Progress(sum(f.stat().st_size for f in files))
    try:
        stats = replay(files, config, matcher, emit, timezone=args.timezone, progress=progress)
    finally:
        progress.close()
        if out is not sys.stdout:
            out.close()
        else:
            out.flush()
    if args.stats:
        _print_stats(stats, matcher)
    if args.expect:
        try:
            expected = load_expected(Path(args.expect))
        except (OSError, ValueError) as exc:
            print(f"--expect: {exc}", file=sys.stderr)
            return 2
        diff = diff_events(expected, collected, label=args.expect)
        if diff:
            sys.stderr.write(diff)
            return 1
        print(f"ok: {len(collected)} events as expected", file=sys.stderr)
    return 0


def _print_stats(stats, matcher: Matcher) -> None:
    ms = matcher.stats
    err = sys.stderr
    rate = ms.lines / stats.seconds if stats.seconds else 0.0
    err.write(f"replayed {stats.files} file(s), {ms.lines} lines, {stats.bytes_read / 1e6:.1f} MB in "
              f"{stats.seconds:.2f}s ({rate:,.0f} lines/s, engine {matcher.engine}); scan {ms.scan_seconds:.2f}s\n")
    if stats.replaced or stats.cut_lines:
        err.write(f"undecodable sequences replaced: {stats.replaced}; lines cut at max_line_bytes: {stats.cut_lines}\n")
    err.write(f"{'signature':<44} {'hits':>7} {'events':>6} {'resolves':>8} {'beats':>6} {'cands':>7} {'ms':>8} {'timeouts':>8}\n")
    never = []
    for sig in matcher.signatures:
        st = ms.per_signature.get(sig.id)
        if st is None or (st.hits + st.resolves + st.heartbeats) == 0:
            never.append(sig.id)
        if st is None:
            continue
        err.write(f"{sig.id:<44} {st.hits:>7} {stats.events.get(sig.id, 0):>6} {st.resolves:>8} "
                  f"{st.heartbeats:>6} {st.candidates:>7} {st.seconds * 1000:>8.1f} {st.timeouts:>8}\n")
    if never:
        err.write(f"never matched ({len(never)}): {', '.join(never)}\n")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="logsentinel", description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--version", action="version", version=f"logsentinel {__version__}")
    parser.add_argument("-v", "--verbose", action="count", default=0, help="more log output on stderr")
    parser.add_argument("--log-format", choices=["text", "json"], help="the sidecar's own log as text or JSON lines")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    _add_check(sub)
    _add_replay(sub)
    _add_run(sub)
    _add_outbox(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    from logsentinel.app.logsetup import setup_logging
    setup_logging(["warning", "info", "debug"][min(args.verbose, 2)], args.log_format or "text")
    try:
        return args.func(args)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0
