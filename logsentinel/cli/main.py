"""logsentinel: detect UCX Suite proactive-support events in logs (check, test, show, new, replay, run, validate, outbox, status)."""

from __future__ import annotations

import argparse
import sys

from logsentinel import __version__
from logsentinel.cli import check, new, outbox, replay, run, status, tryout


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="logsentinel", description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--version", action="version", version=f"logsentinel {__version__}")
    parser.add_argument("-v", "--verbose", action="count", default=0, help="more log output on stderr")
    parser.add_argument("--log-format", choices=["text", "json"], help="the sidecar's own log as text or JSON lines")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    check.add_parser(sub)
    replay.add_parser(sub)
    run.add_parsers(sub)
    outbox.add_parser(sub)
    status.add_parser(sub)
    tryout.add_parsers(sub)
    new.add_parser(sub)
    return parser


def utf8_streams() -> None:
    """Write UTF-8 whatever the console code page (Windows' cp1252, cp850...): a log line may
    hold any character, and output that cannot be encoded must never stop a command."""
    for stream in (sys.stdout, sys.stderr):
        if hasattr(stream, "reconfigure"):
            try:
                stream.reconfigure(encoding="utf-8", errors="backslashreplace")
            except (ValueError, OSError):  # a stream that cannot change now: keep it
                pass


def main(argv: list[str] | None = None) -> int:
    utf8_streams()
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
