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


@pytest.fixture(scope="session")
def event_schema():
    import jsonschema
    schema = json.loads((ROOT / "docs" / "event.schema.json").read_text())
    return jsonschema.Draft202012Validator(schema)


def run_cli(*args, cwd=ROOT, input_bytes=None, timeout=120) -> subprocess.CompletedProcess:
    """Run ``python -m logsentinel ARGS`` as a real process."""
    env = dict(os.environ, PYTHONIOENCODING="utf-8")
    return subprocess.run([sys.executable, "-m", "logsentinel", *map(str, args)], cwd=cwd,
                          capture_output=True, text=True, timeout=timeout, env=env, input=input_bytes)
