"""Time values: integer milliseconds since the epoch (UTC) and their ISO 8601 form, the one
formatter of every time logsentinel writes (events, sinks, its own log)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import overload


@overload
def iso(ms: int) -> str: ...
@overload
def iso(ms: None) -> None: ...
@overload
def iso(ms: int | None) -> str | None: ...
def iso(ms: int | None) -> str | None:
    """Format epoch milliseconds as ISO 8601 UTC with millisecond precision."""
    if ms is None:
        return None
    try:
        dt = datetime.fromtimestamp(ms // 1000, tz=UTC)
    except (OverflowError, OSError, ValueError):  # beyond year 9999 (or before year 1): the nearest end
        return "9999-12-31T23:59:59.999Z" if ms > 0 else "0001-01-01T00:00:00.000Z"
    # the year by hand: strftime writes year 1 as "1" on some platforms, not ISO 8601's "0001"
    return f"{dt.year:04d}-{dt.month:02d}-{dt.day:02d}T{dt.hour:02d}:{dt.minute:02d}:{dt.second:02d}.{ms % 1000:03d}Z"


def iso_s(seconds: float) -> str:
    """Format epoch seconds (a clock's reading) as ``iso`` does."""
    return iso(int(seconds * 1000))
