"""What Windows CPython showed: output that the console code page cannot encode, and Windows
paths written in double quotes (where YAML reads \\n as a newline)."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

from conftest import PATTERNS, ROOT, run_cli


def test_replay_writes_utf8_whatever_the_code_page(tmp_path):
    log = tmp_path / "app.log"
    log.write_text("2026-11-27 10:00:00,000 [1] WARN Mon - Low database space for database 数据库✓\n", encoding="utf-8")
    env = dict(os.environ, PYTHONIOENCODING="cp1252")  # a console that cannot print the name
    out = tmp_path / "out.jsonl"
    with open(out, "wb") as fh:
        res = subprocess.run(
            [sys.executable, "-m", "logsentinel", "replay", "--patterns", str(PATTERNS), str(log)],
            cwd=ROOT,
            stdout=fh,
            stderr=subprocess.PIPE,
            env=env,
            timeout=120,
        )
    assert res.returncode == 0, res.stderr.decode("utf-8", "replace")
    assert "数据库✓" in out.read_bytes().decode("utf-8")


def test_the_stdout_sink_writes_utf8_bytes(tmp_path, capfdbinary):
    from logsentinel.clock import SYSTEM
    from logsentinel.sinks.stdout import StdoutSettings, StdoutSink

    sink = StdoutSink("out", StdoutSettings(type="stdout"), tmp_path, SYSTEM)
    sink.deliver(['{"message": "数据库✓"}'], None)
    assert capfdbinary.readouterr().out == '{"message": "数据库✓"}\n'.encode()


def test_a_double_quoted_windows_path_is_an_error_with_a_hint(tmp_path):
    cfg = tmp_path / "cfg.yaml"
    cfg.write_text(
        textwrap.dedent(r"""
        state: "D:\new\tmp.db"
        sources: [{name: a, paths: ["C:\new\run.log"]}]
        sinks: [{type: jsonl, path: "C:\bin\abc.jsonl"}]
    """)
    )
    res = run_cli("validate", "-c", cfg)
    assert res.returncode == 1
    assert res.stderr.count("holds a control character") == 3 and "single quotes" in res.stderr
    cfg.write_text(
        textwrap.dedent(r"""
        state: 'D:\new\tmp.db'
        sources: [{name: a, paths: ['C:\new\run.log']}]
    """)
    )
    res = run_cli("validate", "-c", cfg)
    assert "control character" not in res.stderr
