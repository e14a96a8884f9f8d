"""Signals that arrive before the sidecar's loop exists: ``run`` installs these handlers first
thing (before the config, the library check and the state), so a SIGHUP during start-up (what
``systemctl reload`` sends) is queued, not fatal, and a SIGTERM stops the sidecar as soon as it
can. The sidecar takes over the signals and replays what was queued (``Sidecar.install_signal_handlers``)."""

from __future__ import annotations

import contextlib
import signal
from types import FrameType

_pending: set[str] = set()  # "reload", "stop"


def _queue(signum: int, _frame: FrameType | None) -> None:
    _pending.add("reload" if signum == getattr(signal, "SIGHUP", None) else "stop")


def install() -> None:
    for name in ("SIGHUP", "SIGTERM", "SIGINT", "SIGBREAK"):
        sig = getattr(signal, name, None)
        if sig is not None:
            with contextlib.suppress(ValueError, OSError):  # not the main thread / not here
                signal.signal(sig, _queue)


def take() -> set[str]:
    """What was queued (and forget it)."""
    out = set(_pending)
    _pending.clear()
    return out
