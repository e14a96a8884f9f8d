"""logsentinel: detect UCX Suite proactive-support events in logs (check, test, show, new, list, replay, run, validate, outbox, status, ack, resolve, silence, silences, radar, service)."""

from __future__ import annotations

import argparse
import contextlib
import importlib
import sys

from logsentinel import __version__

# command -> the module of logsentinel.cli that defines it (its add_parser or add_parsers)
COMMANDS = {
    "check": "check",
    "replay": "replay",
    "run": "run",
    "validate": "run",
    "coverage": "run",
    "outbox": "outbox",
    "status": "status",
    "test": "tryout",
    "show": "tryout",
    "new": "new",
    "service": "service",
    "test-sinks": "testsinks",
    "ack": "operate",
    "resolve": "operate",
    "list": "catalogue",
    "silence": "silence",
    "silences": "silence",
    "radar": "radar",
}
_GLOBAL_WITH_VALUE = {"--log-format"}


def command_of(argv: list[str]) -> str | None:
    """The command named in ``argv`` (after the global options), if it is one."""
    skip = False
    for arg in argv:
        if skip:
            skip = False
        elif arg in _GLOBAL_WITH_VALUE:
            skip = True
        elif not arg.startswith("-"):
            return arg if arg in COMMANDS else None
    return None


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The parser of every command, or of ``command`` only: a command imports what it needs
    and nothing more (a one-line replay starts without the checks', run's or status's code)."""
    parser = argparse.ArgumentParser(prog="logsentinel", description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--version", action="version", version=f"logsentinel {__version__}")
    parser.add_argument("-v", "--verbose", action="count", default=0, help="more log output on stderr")
    parser.add_argument("--log-format", choices=["text", "json"], help="the sidecar's own log as text or JSON lines")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    wanted = [COMMANDS[command]] if command else list(dict.fromkeys(COMMANDS.values()))
    for name in wanted:
        module = importlib.import_module(f"logsentinel.cli.{name}")
        (module.add_parsers if hasattr(module, "add_parsers") else module.add_parser)(sub)
    return parser


def utf8_streams() -> None:
    """Write UTF-8 whatever the console code page (Windows' cp1252, cp850...): a log line may
    hold any character, and output that cannot be encoded must never stop a command."""
    for stream in (sys.stdout, sys.stderr):
        if hasattr(stream, "reconfigure"):
            with contextlib.suppress(ValueError, OSError):  # a stream that cannot change now: keep it
                stream.reconfigure(encoding="utf-8", errors="backslashreplace")


def main(argv: list[str] | None = None) -> int:
    utf8_streams()
    argv = sys.argv[1:] if argv is None else argv
    command = command_of(argv)
    if command == "run":  # signals are safe from the first instruction: queued until the loop runs
        from logsentinel.runtime import early

        early.install()
    parser = build_parser(command)
    args = parser.parse_args(argv)
    from logsentinel.runtime.logsetup import setup_logging

    setup_logging(["warning", "info", "debug"][min(args.verbose, 2)], args.log_format or "text")
    try:
        return args.func(args)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0
