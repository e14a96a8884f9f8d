"""The Windows service itself: the class ``pythonservice.exe`` hosts (pywin32's service
framework), installed by ``logsentinel service install``. It runs exactly what
``logsentinel run`` runs, with the config and folder ``install`` stored in the service's
parameters, the secrets of ``logsentinel.env`` in its environment, and its log in
``logs\\logsentinel.log`` (rotated). A stop request ends the loop as SIGTERM does: the batch is
committed, the sinks flushed, and the service reports stopped within 5 seconds.

Imported only by pythonservice.exe on Windows."""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Any

import servicemanager  # pywin32
import win32service
import win32serviceutil

from logsentinel.cli.service import SERVICE, data_dir, read_env_file

STOP_HINT_MS = 5000


class LogsentinelService(win32serviceutil.ServiceFramework):
    _svc_name_ = SERVICE
    _svc_display_name_ = "logsentinel (UCX Suite proactive support)"

    def __init__(self, args: Any) -> None:
        super().__init__(args)
        self.sidecar: Any = None
        self.stopping = threading.Event()
        self.ready = threading.Event()

    def SvcStop(self) -> None:
        self.ReportServiceStatus(win32service.SERVICE_STOP_PENDING, waitHint=STOP_HINT_MS)
        self.stopping.set()
        if self.sidecar is not None:
            self.sidecar.stop()

    def SvcDoRun(self) -> None:
        from logsentinel.cli.run import run_sidecar

        config = win32serviceutil.GetServiceCustomOption(SERVICE, "config")
        folder = Path(win32serviceutil.GetServiceCustomOption(SERVICE, "data") or data_dir())
        os.environ.update(read_env_file(folder / "logsentinel.env"))
        servicemanager.LogInfoMsg(f"logsentinel starting: {config}")
        self.ReportServiceStatus(win32service.SERVICE_RUNNING)
        code = run_sidecar(str(config), log_file=folder / "logs" / "logsentinel.log", started=self._started)
        servicemanager.LogInfoMsg(f"logsentinel stopped (exit {code})")
        if code != 0 and not self.stopping.is_set():
            raise SystemExit(code)  # the SCM sees a failure and applies the recovery actions

    def _started(self, sidecar: Any) -> None:
        self.sidecar = sidecar
        if self.stopping.is_set():  # a stop asked while it was starting
            sidecar.stop()


if __name__ == "__main__":  # pragma: no cover
    win32serviceutil.HandleCommandLine(LogsentinelService)
