"""A command imports only its own code: replay starts without the checks' tools, the sidecar
loop or the sinks, and the command is found past the global options."""

from __future__ import annotations

import subprocess
import sys

from conftest import ROOT

from logsentinel.cli.main import COMMANDS, build_parser, command_of


def test_the_command_is_found_past_global_options():
    assert command_of(["-v", "--log-format", "json", "replay", "x.log"]) == "replay"
    assert command_of(["--log-format", "replay", "check"]) == "check"  # "replay" is the option's value
    assert command_of(["--help"]) is None and command_of(["bogus"]) is None


def test_every_command_still_has_its_parser():
    import argparse

    for command in COMMANDS:
        sub = next(a for a in build_parser(command)._actions if isinstance(a, argparse._SubParsersAction))
        assert command in sub.choices
    full = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    assert set(full.choices) == set(COMMANDS)


def test_a_replay_imports_neither_the_checks_nor_the_sidecar(tmp_path):
    log = tmp_path / "a.log"
    log.write_text("2026-11-27 10:00:00 ok\n", encoding="utf-8")
    code = (
        "import sys\nfrom logsentinel.cli.main import main\n"
        f"main(['replay', '--host', 'h', '--timezone', 'UTC', '-o', {str(tmp_path / 'out.jsonl')!r}, {str(log)!r}])\n"
        "print(sorted(m for m in sys.modules if m in ('logsentinel.tools.check', 'logsentinel.runtime.sidecar', "
        "'logsentinel.cli.run', 'logsentinel.cli.status', 'requests', 'watchdog')))\n"
    )
    res = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, res.stderr
    assert res.stdout.strip().splitlines()[-1] == "[]"
