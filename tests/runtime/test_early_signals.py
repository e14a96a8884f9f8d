"""A SIGHUP during start-up (issue 21, item 14): what ``systemctl reload`` sends while the
sidecar checks its library must not kill it (it was rc 129, nothing logged): it is queued and
the patterns are reloaded once the loop runs."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT
from support.sidecar import wait_until, write_config

pytestmark = pytest.mark.skipif(not hasattr(signal, "SIGHUP"), reason="no SIGHUP on Windows")


def _catches_sighup(pid: int) -> bool:
    """True once the process has a handler for SIGHUP (Linux: SigCgt in /proc/PID/status)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False
    mask = next((int(x.split()[1], 16) for x in status.splitlines() if x.startswith("SigCgt:")), 0)
    return bool(mask & (1 << (signal.SIGHUP - 1)))


@pytest.mark.skipif(not os.path.exists("/proc/self/status"), reason="reads /proc to see the handler")
def test_a_sighup_while_starting_is_queued_not_fatal(tmp_path):
    log = tmp_path / "app.log"
    log.write_text("")
    cfg = write_config(tmp_path, log)
    errlog = tmp_path / "sidecar.log"
    env = dict(os.environ, LOGSENTINEL_CACHE_DIR=str(tmp_path / "cold-cache"))  # a cold start: seconds of checks
    with open(errlog, "wb") as err:
        proc = subprocess.Popen(
            [sys.executable, "-m", "logsentinel", "-v", "run", "-c", str(cfg)],
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=err,
            env=env,
        )
    try:
        assert wait_until(lambda: _catches_sighup(proc.pid), timeout=30)
        assert "running on" not in errlog.read_text()  # still starting
        proc.send_signal(signal.SIGHUP)
        assert wait_until(lambda: "SIGHUP before the loop ran" in errlog.read_text(), timeout=120), errlog.read_text()
        assert proc.poll() is None
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
