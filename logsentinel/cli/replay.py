"""``logsentinel replay``: captured logs through the same matching and detection as the sidecar."""

from __future__ import annotations

import json
import sys
from datetime import tzinfo
from pathlib import Path

from logsentinel.cache.matcher import build_matcher
from logsentinel.cli.common import read_library
from logsentinel.cli.replaytable import EventTable, Summary, in_zone
from logsentinel.config.load import Config, ConfigError, default_config, load_config
from logsentinel.matching.matcher import ENGINES, Matcher
from logsentinel.records.timestamps import get_zone
from logsentinel.tools.replay import Progress, ReplayStats, UnknownFormat, replay


def add_parser(sub) -> None:
    p = sub.add_parser(
        "replay",
        help="replay captured logs and print their reports: a table on a terminal, JSON Lines when piped",
        description="Replay captured logs through the sidecar's matching and detection. Prints one "
        "line per report (an event fired, repeated, went overdue, resolved...): a table on a "
        "terminal (times in the logs' zone), JSON Lines when piped or with -o; then a summary.",
    )
    p.add_argument("files", nargs="+", metavar="FILE", help="log files (plain or .gz); '-' reads stdin")
    p.add_argument(
        "--patterns",
        action="append",
        metavar="DIR",
        help="a patterns folder that adds to the bundled library (repeatable; replaces the config's)",
    )
    p.add_argument("--no-bundled", action="store_true", help="leave the bundled library out")
    p.add_argument("-c", "--config", metavar="FILE", help="config file (sources, host, patterns)")
    p.add_argument("--host", help="host name to put in events (default: config, then this machine)")
    p.add_argument("--timezone", metavar="TZ", help="zone for timestamps without one (e.g. Europe/Rome)")
    p.add_argument("-o", "--output", metavar="FILE", help="write events here instead of stdout")
    p.add_argument("--expect", metavar="FILE", help="compare with these expected events; exit 1 if different")
    p.add_argument("--stats", action="store_true", help="print per-signature statistics on stderr")
    p.add_argument(
        "--format",
        choices=["table", "jsonl", "github"],
        help="table (the default on a terminal) or JSON Lines (the default when piped or with -o); "
        "github: with --expect, differences as GitHub Actions annotations, and no event lines",
    )
    p.add_argument(
        "--junit", metavar="FILE", help="with --expect: the comparison as JUnit XML (one test case per expected event)"
    )
    p.add_argument(
        "--local-time",
        action="store_true",
        help="times in this machine's zone (JSON Lines: instead of UTC; the table: instead of the logs' zone)",
    )
    p.add_argument(
        "--engine", choices=ENGINES, default="auto", help="matching engine (default: hyperscan when installed)"
    )
    p.add_argument(
        "--jobs",
        type=_jobs,
        metavar="N",
        help="worker processes that scan text files (default: every core for a file of 64 MB or more; "
        "1: this process only); the events are the same whatever N",
    )
    p.add_argument(
        "--radar",
        action="store_true",
        help="the new-error radar: error records no signature knows, mined into templates; a template not "
        "seen while learning raises radar.new_error (P4)",
    )
    p.add_argument(
        "--baseline",
        nargs="+",
        metavar="FILE",
        help="with --radar: learn the templates of these known-good logs first (end the list with --: "
        "--baseline old/*.log -- new/*.log)",
    )
    p.set_defaults(func=cmd_replay)


def _jobs(text: str) -> int:
    import argparse

    try:
        n = int(text)
    except ValueError:
        n = 0
    if n < 1:
        raise argparse.ArgumentTypeError(f"expected a number of processes, 1 or more, got {text!r}")
    return n


def cmd_replay(args) -> int:
    config = _config(args)
    if config is None:
        return 2
    lib = read_library(config)
    if lib is None:
        print("replay refused: fix the signatures above (logsentinel check shows all problems)", file=sys.stderr)
        return 2
    stdin_copy = _stdin_file() if "-" in args.files else None
    files = [stdin_copy if f == "-" and stdin_copy is not None else Path(f) for f in args.files]
    missing = [str(f) for f in files if not f.is_file()]
    if missing:
        print(f"no such file: {', '.join(missing)}", file=sys.stderr)
        return 2
    radar = None
    signatures = list(lib.signatures)
    if args.baseline and not args.radar:
        print("--baseline is for the radar: add --radar", file=sys.stderr)
        return 2
    baseline = tuple(Path(f) for f in args.baseline or ())
    missing = [str(f) for f in baseline if not f.is_file()]
    if missing:
        print(f"no such file: {', '.join(missing)}", file=sys.stderr)
        return 2
    if args.radar:
        from logsentinel.detection.radar import Radar, radar_signature

        settings = config.radar_settings()  # the config's rules (learning period, masks...), or the defaults
        radar = Radar(settings)
        signatures.append(radar_signature(settings))
    try:
        matcher = build_matcher(signatures, args.engine)
    except ValueError as exc:
        print(str(exc), file=sys.stderr)
        return 2
    try:
        stats, events = _run(args, config, matcher, files, stdin_copy, radar, baseline)
    except UnknownFormat as exc:
        print(f"replay refused: {exc}", file=sys.stderr)
        return 1
    finally:
        if stdin_copy is not None:
            import shutil

            shutil.rmtree(stdin_copy.parent, ignore_errors=True)
    for line in stats.set_aside:  # always said: an event may be missing there
        print(f"{line}: record set aside, replay goes on", file=sys.stderr)
    if args.stats:
        _print_stats(stats, matcher)
    return _compare(args.expect, events, args) if args.expect else 0


def _config(args) -> Config | None:
    """The config (or the defaults) with the command line's overrides; None after an error."""
    try:
        config = load_config(args.config) if args.config else default_config()
        if args.timezone:
            get_zone(args.timezone)
    except ConfigError as exc:
        for line in exc.problems:
            print(line, file=sys.stderr)
        return None
    except ValueError as exc:
        print(f"--timezone: {exc}", file=sys.stderr)
        return None
    if args.patterns:
        config.patterns = [Path(p) for p in args.patterns]
    if args.no_bundled:
        config.bundled_patterns = False
    if args.host:
        config.host = args.host
    return config


def _stdin_file() -> Path:
    """Standard input, copied to a private temporary file: replay reads files (it merges them by
    time and tells their format from their first bytes)."""
    import shutil
    import tempfile

    folder = Path(tempfile.mkdtemp(prefix="logsentinel-stdin-"))
    path = folder / "stdin.log"
    with open(path, "wb") as fh:
        shutil.copyfileobj(sys.stdin.buffer, fh)
    return path


def _run(
    args,
    config: Config,
    matcher: Matcher,
    files: list[Path],
    stdin_copy: Path | None = None,
    radar=None,
    baseline: tuple[Path, ...] = (),
) -> tuple[ReplayStats, list[dict]]:
    """Replay and write the events; returns the stats and, for --expect, the events."""
    collected: list[dict] = []
    out = open(args.output, "w", encoding="utf-8", newline="\n") if args.output else sys.stdout  # noqa: SIM115 (closed in finally)
    table = (args.format or ("table" if out is sys.stdout and sys.stdout.isatty() else "jsonl")) == "table"
    quiet = args.format == "github"  # CI annotations only
    writer = EventTable(out, table_zone(args, config)) if table else None
    summary = Summary()

    def emit(ev) -> None:
        d = ev.to_dict()
        if stdin_copy is not None and d.get("path") == str(stdin_copy):
            d["path"] = "-"
        if args.expect:
            collected.append(d)
        summary.add(d)
        if quiet:
            return
        if writer is not None:
            writer.row(d)
        else:
            out.write(json.dumps(_in_zone(d, None) if args.local_time else d, ensure_ascii=False) + "\n")

    progress = Progress([f.stat().st_size for f in files])
    try:
        stats = replay(
            files,
            config,
            matcher,
            emit,
            timezone=args.timezone,
            progress=progress,
            radar=radar,
            baseline=baseline,
            jobs=args.jobs,
        )
    finally:
        progress.close()
        if writer is not None:
            writer.end()
        summary.write(out if writer is not None else sys.stderr)
        if out is not sys.stdout:
            out.close()
        else:
            out.flush()
    return stats, collected


TIME_FIELDS = ("detected_at", "deadline", "first_seen", "last_seen", "resolved_at")


def _in_zone(event: dict, zone: tzinfo | None) -> dict:
    """The event with its times in ``zone`` (ISO 8601 with the offset)."""
    return {k: (in_zone(v, zone, iso=True) if k in TIME_FIELDS and v else v) for k, v in event.items()}


def table_zone(args, config: Config) -> tzinfo | None:
    """The one zone of a replay's table: ``--timezone``, else the zone the config's sources
    share (the logs' own), else this machine's (None)."""
    if args.local_time:
        return None
    if args.timezone:
        return get_zone(args.timezone)
    zones = {src.timezone for src in config.sources if src.timezone}
    return get_zone(zones.pop()) if len(zones) == 1 else None


def _compare(expect: str, events: list[dict], args=None) -> int:
    from logsentinel.tools.ci_report import Case, github_annotation, junit_xml  # only with --expect
    from logsentinel.tools.expect import diff_events, differences, load_expected

    try:
        expected = load_expected(Path(expect))
    except (OSError, ValueError) as exc:
        print(f"--expect: {exc}", file=sys.stderr)
        return 2
    diffs = differences(expected, events)
    if args is not None and args.junit:
        cases: dict[int | tuple[str, int], Case] = {
            e.line: Case(expect, f"line {e.line}: {e.event.get('signature')} {e.event.get('report')}") for e in expected
        }
        for d in diffs:
            if d.line is None:
                cases[("extra", len(cases))] = Case(expect, "extra event", [str(d)])
            else:
                cases[d.line].failures.append(str(d))
        Path(args.junit).write_text(junit_xml("logsentinel replay --expect", list(cases.values())), encoding="utf-8")
    if args is not None and args.format == "github":
        for d in diffs:
            print(github_annotation("error", str(d), expect, d.line))
    diff = diff_events(expected, events, label=expect)
    if diff:
        sys.stderr.write(diff)
        return 1
    print(f"ok: {len(events)} reports as expected", file=sys.stderr)
    return 0


def _print_stats(stats: ReplayStats, matcher: Matcher) -> None:
    ms = matcher.stats
    err = sys.stderr
    rate = ms.lines / stats.seconds if stats.seconds else 0.0
    err.write(
        f"replayed {stats.files} file(s), {ms.lines} lines, {stats.bytes_read / 1e6:.1f} MB in "
        f"{stats.seconds:.2f}s ({rate:,.0f} lines/s, engine {matcher.engine}); scan {ms.scan_seconds:.2f}s\n"
    )
    if stats.ignored_times.count:
        err.write(
            f"record times not believed (a day ahead of this clock, or before 2000): {stats.ignored_times.count}\n"
        )
    ev = stats.eventlog
    if ev.events or ev.malformed:
        err.write(
            f"event-log records: {ev.events}; malformed or unreadable, skipped: {ev.malformed}"
            + (f" (first: {ev.first_error})" if ev.first_error else "")
            + "\n"
        )
    if stats.replaced or stats.cut_lines:
        err.write(f"undecodable sequences replaced: {stats.replaced}; lines cut at max_line_bytes: {stats.cut_lines}\n")
    err.write(
        f"{'signature':<44} {'hits':>7} {'events':>6} {'resolves':>8} {'beats':>6} {'cands':>7} {'ms':>8} {'timeouts':>8}\n"
    )
    never = []
    for sig in matcher.signatures:
        st = ms.per_signature.get(sig.id)
        if st is None or (st.hits + st.resolves + st.heartbeats) == 0:
            never.append(sig.id)
        if st is None:
            continue
        err.write(
            f"{sig.id:<44} {st.hits:>7} {stats.events.get(sig.id, 0):>6} {st.resolves:>8} "
            f"{st.heartbeats:>6} {st.candidates:>7} {st.seconds * 1000:>8.1f} {st.timeouts:>8}\n"
        )
    if never:
        err.write(f"never matched ({len(never)}): {', '.join(never)}\n")
