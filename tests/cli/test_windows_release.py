"""The Windows release: the zip (one command, reproducible, one top folder with the launcher, the
embeddable CPython, pywin32 for the target even when built on Linux, under 80 MB), and what
``service install`` would run where Wine cannot show it (virtual accounts, ACLs). The zip itself
runs under Wine in .ci/windows-release: replay, service install, start, an event, stop, uninstall."""

from __future__ import annotations

import hashlib
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from conftest import ROOT, run_cli

from logsentinel.cli.service import VIRTUAL_ACCOUNT, read_env_file, setup_commands

BUILD = ROOT / "contrib" / "windows" / "build_zip.py"


def _build(out: Path) -> Path:
    res = subprocess.run([sys.executable, str(BUILD), "--out", str(out)], capture_output=True, text=True, timeout=900)
    if res.returncode != 0 and ("Could not find" in res.stderr or "No matching distribution" in res.stderr):
        pytest.skip(f"the package index cannot be reached: {res.stderr[-300:]}")
    assert res.returncode == 0, res.stderr[-3000:]
    (zip_path,) = out.glob("logsentinel-*-win-amd64.zip")
    return zip_path


def test_the_zip_is_built_by_one_command_reproducibly_with_everything_inside(tmp_path):
    first = _build(tmp_path / "a")
    second = _build(tmp_path / "b")
    assert hashlib.sha256(first.read_bytes()).digest() == hashlib.sha256(second.read_bytes()).digest()
    assert first.stat().st_size < 80 * 1024 * 1024
    names = zipfile.ZipFile(first).namelist()
    assert {n.split("/")[0] for n in names} == {"logsentinel"}
    must = [
        "logsentinel/logsentinel.cmd",
        "logsentinel/python/python.exe",
        "logsentinel/python/python313._pth",
        "logsentinel/python/pythonservice.exe",  # pywin32's service host, beside python313.dll
        "logsentinel/python/pywintypes313.dll",
        "logsentinel/lib/win32/win32evtlog.pyd",  # pywin32: judged for Windows on a Linux build
        "logsentinel/lib/logsentinel/cli/main.py",
        "logsentinel/lib/logsentinel/patterns/degradation/application-crash.yaml",
        "logsentinel/logsentinel.example.yaml",
        "logsentinel/docs/windows.md",
    ]
    assert [n for n in must if n not in names] == []
    assert any(n.startswith("logsentinel/lib/tzdata/") for n in names)
    assert any(n.startswith("logsentinel/lib/hyperscan") for n in names)
    assert not [n for n in names if "__pycache__" in n or n.endswith("direct_url.json")]
    pth = zipfile.ZipFile(first).read("logsentinel/python/python313._pth").decode()
    assert "..\\lib" in pth and "import site" not in pth


def test_install_runs_the_acl_and_group_commands_wine_cannot_show(tmp_path):
    folder = Path(r"C:\ProgramData\logsentinel")
    cmds = setup_commands(VIRTUAL_ACCOUNT, folder)
    assert cmds[0][:4] == ["icacls", str(folder), "/inheritance:r", "/grant:r"]
    assert rf"{VIRTUAL_ACCOUNT}:(OI)(CI)M" in cmds[0]
    assert "*S-1-5-32-544:(OI)(CI)F" in cmds[0] and "*S-1-5-18:(OI)(CI)F" in cmds[0]  # Administrators, SYSTEM
    assert cmds[1] == ["net", "localgroup", "Event Log Readers", VIRTUAL_ACCOUNT, "/add"]
    system = setup_commands("LocalSystem", folder)
    assert len(system) == 1 and not any(":(OI)(CI)M" in c for c in system[0])  # SYSTEM reads the logs already


def test_the_env_file_gives_secrets_to_the_service(tmp_path):
    env = tmp_path / "logsentinel.env"
    env.write_text(
        "\ufeff# secrets\nPD_ROUTING_KEY=abc123\n\nHOOK_TOKEN = 'x y'\nnot a line\nBAD-NAME=1\n", encoding="utf-8"
    )
    assert read_env_file(env) == {"PD_ROUTING_KEY": "abc123", "HOOK_TOKEN": "x y"}
    assert read_env_file(tmp_path / "missing.env") == {}


@pytest.mark.skipif(sys.platform == "win32", reason="on Windows the service exists")
def test_the_service_command_says_it_is_for_windows():
    res = run_cli("service", "install", "-c", "x.yaml")
    assert res.returncode == 2 and "Windows" in res.stderr and "Traceback" not in res.stderr
