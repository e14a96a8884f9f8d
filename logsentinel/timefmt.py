"""Time values: integer milliseconds since the epoch (UTC) and their ISO 8601 form."""

from __future__ import annotations

from datetime import datetime, timezone


def iso(ms: int | None) -> str | None:
    """Format epoch milliseconds as ISO 8601 UTC with millisecond precision."""
    if ms is None:
        return None
    dt = datetime.fromtimestamp(ms / 1000, tz=timezone.utc)
    return dt.strftime("%Y-%m-%dT%H:%M:%S.") + f"{ms % 1000:03d}Z"


def from_iso(text: str) -> int:
    """Parse an ISO 8601 time (as written by iso()) back to epoch milliseconds."""
    dt = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=timezone.utc)
    return round(dt.timestamp() * 1000)
