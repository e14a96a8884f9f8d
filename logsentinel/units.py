"""Units people write in config and signatures: durations (``30m``, ``2h``, ``1h30m``, ``45s``)
and sizes (``10GiB``, ``10GB``, ``10737418240``)."""

from __future__ import annotations

import re

_UNITS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
_PART = re.compile(r"(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w)")


def parse_duration(value: object) -> float:
    """Return seconds for a duration written as ``90``, ``90s``, ``30m``, ``1h30m``...

    Raises ValueError with a readable message for anything else.
    """
    if isinstance(value, bool):
        raise ValueError(f"expected a duration like 30m or 2h, got {value!r}")
    if isinstance(value, (int, float)):
        if value < 0:
            raise ValueError(f"duration must not be negative, got {value!r}")
        return float(value)
    if not isinstance(value, str):
        raise ValueError(f"expected a duration like 30m or 2h, got {value!r}")
    text = value.strip().lower()
    pos, total = 0, 0.0
    for m in _PART.finditer(text):
        if text[pos : m.start()].strip():
            break
        total += float(m.group(1)) * _UNITS[m.group(2)]
        pos = m.end()
    if not text or pos == 0 or text[pos:].strip():
        raise ValueError(f"expected a duration like 30m, 2h or 1h30m, got {value!r}")
    return total


_CLOCK = re.compile(r"^(\d+):([0-5]\d):([0-5]\d)(?:[.,]\d+)?$")
_WORDS = {
    "d": 86400, "day": 86400, "days": 86400,
    "h": 3600, "hr": 3600, "hrs": 3600, "hour": 3600, "hours": 3600,
    "m": 60, "min": 60, "mins": 60, "minute": 60, "minutes": 60,
    "s": 1, "sec": 1, "secs": 1, "second": 1, "seconds": 1,
}  # fmt: skip
_ELAPSED_PART = re.compile(r"(\d+(?:[.,]\d+)?)\s*([a-z]+)")


def parse_elapsed(text: str) -> float | None:
    """Seconds of a time span as a log line writes it: ``26:03:11`` (hours:minutes:seconds),
    ``9h 12m``, ``4 hours``, ``1 day 2 hours``, ``90 minutes``, ``14400 s``, ``1.5 h``; None
    for anything else (a span the line did not write in one of these ways says nothing)."""
    text = text.strip().lower()
    m = _CLOCK.match(text)
    if m:
        h, mi, s = (int(g) for g in m.groups())
        return float(h * 3600 + mi * 60 + s)
    pos, total = 0, 0.0
    for part in _ELAPSED_PART.finditer(text):
        unit = _WORDS.get(part.group(2))
        if unit is None or text[pos : part.start()].strip(" ,") not in ("", "and"):
            return None
        total += float(part.group(1).replace(",", ".")) * unit
        pos = part.end()
    if pos == 0 or text[pos:].strip():
        return None
    return total


def format_duration(seconds: float) -> str:
    """Inverse of parse_duration for whole seconds: 5400 -> '1h30m'."""
    seconds = round(seconds)
    if seconds == 0:
        return "0s"
    out = []
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60), ("s", 1)):
        n, seconds = divmod(seconds, size)
        if n:
            out.append(f"{n}{unit}")
    return "".join(out)


_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([KMGT]?i?B?)?\s*$", re.IGNORECASE)
_SIZE_UNITS = {
    "": 1,
    "B": 1,
    "KB": 1e3,
    "MB": 1e6,
    "GB": 1e9,
    "TB": 1e12,
    "KIB": 1024,
    "MIB": 1024**2,
    "GIB": 1024**3,
    "TIB": 1024**4,
}


def parse_size(value) -> int:
    """Bytes from 10737418240, '10GB' (decimal) or '10GiB'. SQL Server's 10 GB is 10 GiB."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return int(value)
    m = _SIZE.match(str(value))
    if not m:
        raise ValueError(f"expected a size like 10GiB or 10737418240, got {value!r}")
    unit = (m.group(2) or "").upper()
    if unit and not unit.endswith("B"):
        unit += "B"
    return int(float(m.group(1)) * _SIZE_UNITS[unit])
