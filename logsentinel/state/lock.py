"""One sidecar per state database: an OS file lock (``STATE.lock`` beside it) held for the
life of ``logsentinel run``. A second ``run`` on the same state stops at once, naming the pid
that holds it; ``status``, ``outbox`` and ``validate`` take no lock and work meanwhile."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import BinaryIO

LOCK_OFFSET = 1 << 20  # Windows locks bytes: lock one far from the pid, which stays readable


class StateInUse(Exception):
    """Another process holds this state: a sidecar, or for a moment a command (``role``)."""

    def __init__(self, text: str, role: str = "sidecar") -> None:
        super().__init__(text)
        self.role = role


class StateLock:
    def __init__(self, state_path: Path, role: str = "sidecar") -> None:
        self.state = Path(state_path)
        self.role = role  # "sidecar", or "command": ack or resolve applying itself for a moment
        self.path = Path(str(state_path) + ".lock")
        self.fh: BinaryIO | None = None

    def acquire(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fh = open(self.path, "a+b")  # noqa: SIM115 (held for the life of the sidecar: release() closes it)
        try:
            _lock(fh)
        except OSError:
            fh.seek(0)
            words = fh.read(64).decode("ascii", "replace").split() or ["unknown"]
            fh.close()
            raise StateInUse(
                f"state {self.state} is in use by pid {words[0]}: one sidecar per state "
                "(logsentinel status shows what it does)",
                words[1] if len(words) > 1 else "sidecar",
            ) from None
        fh.seek(0)
        fh.truncate()
        tag = "" if self.role == "sidecar" else f" {self.role}"  # a sidecar's file holds its pid alone
        fh.write(f"{os.getpid()}{tag}\n".encode("ascii"))
        fh.flush()
        self.fh = fh

    def release(self) -> None:
        if self.fh is not None:
            self.fh.close()  # closing lets go of the lock
            self.fh = None


def _lock(fh: BinaryIO) -> None:
    if sys.platform == "win32":  # pragma: no cover - Windows only
        import msvcrt

        fh.seek(LOCK_OFFSET)
        msvcrt.locking(fh.fileno(), msvcrt.LK_NBLCK, 1)
    else:
        import fcntl

        fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
