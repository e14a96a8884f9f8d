"""Shared fixtures: paths of the repository and a loaded pattern library."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PATTERNS = ROOT / "patterns"
SAMPLES = ROOT / "samples"


@pytest.fixture(scope="session")
def library():
    from logsentinel.signatures.load import load_library

    lib = load_library([PATTERNS])
    assert not lib.errors, lib.errors
    return lib


@pytest.fixture(scope="session", autouse=True)
def redos_verdicts():
    """Test the bundled library's regexes for catastrophic backtracking once per session (the
    verdicts are cached on disk), so that the first ``run`` a test starts does not pay for it
    while the test waits for "running"."""
    from logsentinel.tools.check import run_check

    run_check([PATTERNS])


def rust_extension(module: str):
    """Import ``module`` or skip: under Wine, Rust extension modules (evtx, rpds for jsonschema)
    fail to load (they need ProcessPrng from bcryptprimitives.dll, which Wine lacks)."""
    try:
        return __import__(module)
    except ImportError as exc:
        pytest.skip(f"{module} cannot be loaded here ({exc}); Windows itself loads it")


@pytest.fixture(scope="session")
def event_schema():
    jsonschema = rust_extension("jsonschema")
    schema = json.loads((ROOT / "docs" / "event.schema.json").read_text())
    return jsonschema.Draft202012Validator(schema)


def run_cli(
    *args, cwd=ROOT, input_bytes=None, timeout=120, env_tz: str | None = None, env: dict | None = None
) -> subprocess.CompletedProcess:
    """Run ``python -m logsentinel ARGS`` as a real process (``env_tz``: its local time zone;
    ``env``: variables to add)."""
    env = dict(os.environ, PYTHONIOENCODING="utf-8", **(env or {}))
    if env_tz:
        env["TZ"] = env_tz
    return subprocess.run(
        [sys.executable, "-m", "logsentinel", *map(str, args)],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
        input=input_bytes,
    )


FAKE_PYWIN32 = ("pywintypes", "win32event", "win32evtlog", "fake_eventlog_service")


@pytest.fixture
def fake_pywin32(monkeypatch):
    """pywin32's event-log modules replaced by the doubles in ``tests/support/fakewin`` (put
    ahead of the real ones, which Windows CPython has), so the real reader runs against a Windows
    Event Log that raises what Windows raises. Yields the simulated service."""
    saved = {name: sys.modules.pop(name) for name in FAKE_PYWIN32 if name in sys.modules}
    monkeypatch.syspath_prepend(str(ROOT / "tests" / "support" / "fakewin"))
    from fake_eventlog_service import SERVICE

    SERVICE.__init__()
    yield SERVICE
    for name in FAKE_PYWIN32:
        sys.modules.pop(name, None)
    sys.modules.update(saved)
