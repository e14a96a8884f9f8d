"""pywin32's event-log modules, imported when a channel is first opened (never at import: the
package is also used for replay on machines without pywin32)."""

from __future__ import annotations

from typing import Any


def api() -> Any:
    """pywin32's ``win32evtlog``."""
    import win32evtlog

    return win32evtlog


def api_error() -> type[Exception]:
    """The exception every pywin32 API function raises: ``pywintypes.error`` (``.winerror``,
    ``.funcname``, ``.strerror``)."""
    import pywintypes

    return pywintypes.error
