"""Event messages in the server's language, as Event Viewer shows them: ``EvtFormatMessage`` with
the provider's metadata (``EvtOpenPublisherMetadata``, kept per provider).

- A provider whose metadata cannot be opened (no message file, an update replacing it) is tried
  again after ``RETRY_AFTER_S``, not remembered as broken for the life of the process.
- A message with an insert that does not resolve (15029-15031) is kept as far as Windows
  formatted it: pywin32 raises and drops that text, so the call is made again through
  ``wevtapi.dll`` directly, keeping the buffer (``_partial``).
- Any other failure: None, and the event's data stand in for the text (``records.eventxml``).
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable
from typing import Any

from logsentinel.sources.eventlog.winapi import api, api_error

RETRY_AFTER_S = 300.0  # a provider whose metadata failed to open is tried again after this
PARTIAL = (15029, 15030, 15031)  # ERROR_EVT_UNRESOLVED_VALUE_INSERT, _PARAMETER_INSERT, _MAX_INSERTS_REACHED
ERROR_INSUFFICIENT_BUFFER = 122
FORMAT_MESSAGE_EVENT = 1


class Publishers:
    """Metadata handles by provider, and the formatting of one event's message."""

    def __init__(self, now: Callable[[], float]) -> None:
        self.now = now
        self._open: dict[str, Any] = {}  # provider -> metadata handle
        self._failed: dict[str, float] = {}  # provider -> when to try again
        self.partial = 0  # messages kept partial

    def format(self, provider: str, event: Any) -> str | None:
        ev, error = api(), api_error()
        meta = self._metadata(provider)
        if meta is None:
            return None
        try:
            return str(ev.EvtFormatMessage(meta, event, ev.EvtFormatMessageEvent))
        except error as exc:
            if getattr(exc, "winerror", None) in PARTIAL:
                text = _partial(meta, event)
                if text:
                    self.partial += 1
                return text
            return None

    def _metadata(self, provider: str) -> Any:
        handle = self._open.get(provider)
        if handle is not None:
            return handle
        if self.now() < self._failed.get(provider, 0.0):
            return None
        try:
            handle = self._open[provider] = api().EvtOpenPublisherMetadata(provider)
        except api_error():
            self._failed[provider] = self.now() + RETRY_AFTER_S
            return None
        self._failed.pop(provider, None)
        return handle

    def close(self) -> None:
        for handle in self._open.values():
            with contextlib.suppress(Exception):
                handle.Close()
        self._open.clear()


def _partial(metadata: Any, event: Any) -> str | None:  # pragma: no cover - needs wevtapi.dll
    """``EvtFormatMessage`` through ``wevtapi.dll``: on 15029-15031 the buffer holds the message
    formatted as far as it goes, which pywin32 does not return."""
    if sys.platform != "win32":
        return None
    import ctypes
    from ctypes import wintypes

    try:
        fn = ctypes.WinDLL("wevtapi", use_last_error=True).EvtFormatMessage
        meta, evt = int(metadata), int(event)
    except (OSError, AttributeError, TypeError, ValueError):
        return None
    fn.argtypes = [
        wintypes.HANDLE,
        wintypes.HANDLE,
        wintypes.DWORD,
        wintypes.DWORD,
        ctypes.c_void_p,
        wintypes.DWORD,
        wintypes.DWORD,
        ctypes.c_wchar_p,
        ctypes.POINTER(wintypes.DWORD),
    ]
    fn.restype = wintypes.BOOL
    used = wintypes.DWORD(0)
    size = 0
    buf = None
    for _ in range(3):
        if fn(meta, evt, 0, 0, None, FORMAT_MESSAGE_EVENT, size, buf, ctypes.byref(used)):
            return buf.value if buf is not None else None
        err = ctypes.get_last_error()
        if err == ERROR_INSUFFICIENT_BUFFER and used.value > size:
            size = used.value
            buf = ctypes.create_unicode_buffer(size)
            continue
        if err in PARTIAL and buf is not None:
            return buf.value or None
        return None
    return None
