"""The wheel: every package of the tree is in pyproject's list, the bundled signature library
ships inside it, and a fresh venv that installs it replays the samples with no --patterns."""

from __future__ import annotations

import json
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest
from conftest import ROOT, SAMPLES


def test_pyproject_lists_every_package():
    listed = set(tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])
    on_disk = {".".join(p.parent.relative_to(ROOT).parts) for p in (ROOT / "logsentinel").rglob("__init__.py")}
    assert listed == on_disk | {"logsentinel.patterns"}


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(out), str(ROOT)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    return next(out.glob("logsentinel-*.whl"))


def test_the_wheel_carries_the_bundled_library(wheel):
    names = zipfile.ZipFile(wheel).namelist()
    shipped = {n.split("logsentinel/patterns/", 1)[1] for n in names if n.startswith("logsentinel/patterns/")}
    in_repo = {p.relative_to(ROOT / "patterns").as_posix() for p in (ROOT / "patterns").rglob("*.yaml")}
    assert shipped == in_repo and len(in_repo) >= 20


def test_a_fresh_install_replays_the_samples_with_the_bundled_library(wheel, tmp_path):
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    py = venv / ("Scripts/python.exe" if sys.platform == "win32" else "bin/python")
    res = subprocess.run(
        [str(py), "-m", "pip", "install", "-q", str(wheel)], capture_output=True, text=True, timeout=600
    )
    assert res.returncode == 0, res.stderr[-2000:]
    res = subprocess.run(
        [
            str(py),
            "-m",
            "logsentinel",
            "replay",
            "-c",
            str(SAMPLES / "logsentinel.yaml"),
            *map(str, sorted((SAMPLES / "logs").iterdir())),
            "--expect",
            str(SAMPLES / "expected" / "events.jsonl"),
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert res.returncode == 0, res.stderr[-3000:]
    assert len([json.loads(x) for x in res.stdout.splitlines()]) == len(
        (SAMPLES / "expected" / "events.jsonl").read_text().splitlines()
    )
