"""Helpers shared by the tests that run a sidecar, in-process or as ``logsentinel run``."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

from logsentinel.config.load import load_config
from logsentinel.runtime.sidecar import Sidecar
from logsentinel.signatures.load import load_effective


def wait_until(predicate, timeout: float = 20.0, interval: float = 0.05):
    """Poll ``predicate`` until it returns something true (returned) or ``timeout`` passes (None)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    return None


def utc_stamp() -> str:
    """Now, as a log4net-style timestamp in UTC."""
    return time.strftime("%Y-%m-%d %H:%M:%S,000", time.gmtime())


def write_config(
    tmp_path: Path,
    log: Path,
    source: str = "a",
    start_at: str = "end",
    sinks: str = "[{type: jsonl, path: out.jsonl}]",
    patterns: Path | None = None,
    bundled: bool = True,
    metrics_port: int | None = None,
) -> Path:
    """A sidecar config in ``tmp_path``: one source tailing ``log`` (UTC), the given sinks;
    ``patterns`` with the bundled library, or alone (``bundled=False``); a listener on
    ``metrics_port`` if given."""
    from conftest import PATTERNS

    cfg = tmp_path / "cfg.yaml"
    cfg.write_text(
        textwrap.dedent(f"""
        host: h
        patterns: ['{patterns or PATTERNS}']{"" if bundled else chr(10) + "        bundled_patterns: false"}
        state: state.db
        sources: [{{name: {source}, paths: ['{log}'], timezone: UTC, start_at: {start_at}}}]
        sinks: """)
        + sinks
        + "\n"
        + (f"metrics: {{listen: '127.0.0.1:{metrics_port}'}}\n" if metrics_port else "")
    )
    return cfg


def load_sidecar(config_path: Path) -> Sidecar:
    """A real Sidecar, not started: tests drive it with ``step()``; with the web listener, as
    ``logsentinel run`` builds it."""
    from logsentinel.web.listener import MetricsServer

    config = load_config(config_path)
    return Sidecar(config, load_effective(config.patterns, config.bundled_patterns), listener=MetricsServer)


def fail_first_call(func, exc: Exception):
    """``func``, except that its first call raises ``exc`` (a disk full, a locked database)."""
    calls = {"n": 0}

    def wrapper(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 1:
            raise exc
        return func(*args, **kwargs)

    return wrapper


def start_sidecar(config_path: Path) -> tuple[Sidecar, threading.Thread]:
    """A real Sidecar running in a thread (the way ``logsentinel run`` runs it)."""
    side = load_sidecar(config_path)
    thread = threading.Thread(target=side.run, daemon=True)
    thread.start()
    return side, thread


def wait_following(side: Sidecar, files: int = 1) -> None:
    """Wait until the running sidecar follows ``files`` log files (it has picked them up: lines
    appended from now on are read)."""
    assert wait_until(lambda: sum(len(t.files) for t in side.tails) >= files), "the sidecar picked up no file"


def stop_sidecar(side: Sidecar, thread: threading.Thread) -> None:
    side.stop()
    thread.join(timeout=15)
    assert not thread.is_alive(), "the sidecar did not stop"


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(x) for x in path.read_text().splitlines() if x.strip()] if path.exists() else []


def start_run(config_path: Path, errlog: Path) -> subprocess.Popen:
    """``logsentinel -v run -c CONFIG`` as a real process (it holds the state's lock, as in
    production), its log appended to ``errlog``; stop it with ``stop_run``."""
    from conftest import ROOT

    with open(errlog, "ab") as err:  # the child keeps its own handle
        return subprocess.Popen(
            [sys.executable, "-m", "logsentinel", "-v", "run", "-c", str(config_path)],
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=err,
        )


def stop_run(proc: subprocess.Popen) -> None:
    proc.send_signal(signal.SIGTERM)
    proc.wait(timeout=15)
