"""Record timestamps: recognise the usual log layouts and turn them into epoch milliseconds.

Recognised without configuration (searched in the first 256 characters of a record's first
line):

* ISO 8601 and its log variants: ``2026-11-28T15:48:47Z``, ``2026-11-28 15:48:47,123``
  (log4net), ``2026-11-28 15:48:47.1234`` (NLog), ``2026/11/28 15:48:47``, with or without
  a zone (``Z``, ``+01:00``, ``+0100``);
* day-first dates ``28/11/2026 15:48:47`` and ``28.11.2026 15:48:47``, and month-first dates
  with AM/PM as Windows writes them in English: ``11/28/2026 3:48:47 PM``. Without AM/PM a
  slashed date is read day first unless its first number cannot be a day-of-month pair that
  way (``11/28/2026`` is read month first).

A source may instead give a ``time_format`` (``strptime`` directives). Times without a zone
are read in the source's ``timezone``.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

_ISO = re.compile(
    r"(?P<Y>\d{4})[-/.](?P<mo>\d{1,2})[-/.](?P<d>\d{1,2})[T ]+"
    r"(?P<H>\d{1,2}):(?P<M>\d{2})(?::(?P<S>\d{2})(?:[.,](?P<f>\d{1,9}))?)?"
    r"(?:\s?(?P<z>Z(?![A-Za-z])|[+-]\d{2}:?\d{2}|UTC(?![A-Za-z])|GMT(?![A-Za-z])))?"
)
_SLASHED = re.compile(
    r"(?<!\d)(?P<a>\d{1,2})[/.](?P<b>\d{1,2})[/.](?P<Y>\d{4})[T ]+"
    r"(?P<H>\d{1,2}):(?P<M>\d{2})(?::(?P<S>\d{2})(?:[.,](?P<f>\d{1,9}))?)?"
    r"(?:\s?(?P<p>[AaPp]\.?[Mm]\.?))?"
)
# Default record start: a line that begins (after at most 3 of "[(<") with a recognised date.
DEFAULT_START = (
    rb"^[\[(<]{0,3}(?:\d{4}[-/.]\d{1,2}[-/.]\d{1,2}[T ]+\d{1,2}:\d{2}"
    rb"|\d{1,2}[/.]\d{1,2}[/.]\d{4}[T ]+\d{1,2}:\d{2})"
)
HEAD_CHARS = 256

_STRPTIME_PIECES = {
    "Y": r"\d{4}",
    "y": r"\d{2}",
    "m": r"\d{1,2}",
    "d": r"\d{1,2}",
    "H": r"\d{1,2}",
    "I": r"\d{1,2}",
    "M": r"\d{2}",
    "S": r"\d{2}",
    "f": r"\d{1,6}",
    "p": r"[AaPp][Mm]",
    "b": r"[A-Za-z]{3}",
    "B": r"[A-Za-z]+",
    "a": r"[A-Za-z]{3}",
    "A": r"[A-Za-z]+",
    "z": r"(?:Z|[+-]\d{2}:?\d{2})",
    "j": r"\d{1,3}",
    "e": r"\s?\d{1,2}",
    "%": "%",
}


def get_zone(name: str | None) -> tzinfo | None:
    """The zone for a name ('UTC', 'Europe/Rome'); None means the machine's local zone."""
    if name in (None, "", "local"):
        return None
    if name.upper() in ("UTC", "Z"):
        return UTC
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown time zone {name!r} (use an IANA name such as Europe/Rome, or UTC)") from None


def _to_ms(dt: datetime, zone: tzinfo | None) -> int:
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=zone) if zone is not None else dt.astimezone()
    return round(dt.timestamp() * 1000)


def _zone_of(text: str | None) -> tzinfo | None:
    if not text or text in ("UTC", "GMT", "Z"):
        return UTC if text else None
    sign = 1 if text[0] == "+" else -1
    digits = text[1:].replace(":", "")
    return timezone(sign * timedelta(hours=int(digits[:2]), minutes=int(digits[2:4])))


class TimeParser:
    """Find and parse the timestamp at the head of a record's first line."""

    def __init__(self, zone: str | None = None, time_format: str | None = None) -> None:
        self.zone = get_zone(zone)
        self.time_format = time_format
        self._format_re = _format_regex(time_format) if time_format else None

    def parse(self, first_line: str) -> int | None:
        """Epoch milliseconds of the line's timestamp, or None when it has none that parses."""
        head = first_line[:HEAD_CHARS]
        if self._format_re is not None and self.time_format is not None:
            m = self._format_re.search(head)
            if not m:
                return None
            try:
                return _to_ms(datetime.strptime(m.group(0), self.time_format), self.zone)
            except ValueError:
                return None
        m = _ISO.search(head)
        s = _SLASHED.search(head) if m is None or m.start() > 0 else None
        if s is not None and (m is None or s.start() < m.start()):
            return self._slashed(s)
        if m is None:
            return None
        try:
            dt = datetime(
                int(m["Y"]),
                int(m["mo"]),
                int(m["d"]),
                int(m["H"]),
                int(m["M"]),
                int(m["S"] or 0),
                _micros(m["f"]),
                tzinfo=_zone_of(m["z"]),
            )
        except ValueError:
            return None
        return _to_ms(dt, self.zone)

    def _slashed(self, m: re.Match[str]) -> int | None:
        a, b = int(m["a"]), int(m["b"])
        hour = int(m["H"])
        ampm = (m["p"] or "").replace(".", "").lower()
        if ampm:  # Windows' English layout: month first with AM/PM
            month, day = a, b
            if hour == 12:
                hour = 0
            if ampm == "pm":
                hour += 12
        elif a > 12 >= b or a <= 12 < b:
            day, month = (a, b) if a > 12 else (b, a)
        else:
            day, month = a, b
        try:
            dt = datetime(int(m["Y"]), month, day, hour, int(m["M"]), int(m["S"] or 0), _micros(m["f"]))
        except ValueError:
            return None
        return _to_ms(dt, self.zone)


def _micros(frac: str | None) -> int:
    if not frac:
        return 0
    return int((frac + "000000")[:6])


@lru_cache(maxsize=64)
def _format_regex(fmt: str) -> re.Pattern[str]:
    out, i = [], 0
    while i < len(fmt):
        ch = fmt[i]
        if ch == "%" and i + 1 < len(fmt):
            piece = _STRPTIME_PIECES.get(fmt[i + 1])
            if piece is None:
                raise ValueError(f"time_format {fmt!r}: unsupported directive %{fmt[i + 1]}")
            out.append(piece)
            i += 2
        else:
            out.append(r"\s+" if ch == " " else re.escape(ch))
            i += 1
    return re.compile("".join(out))


def check_time_format(fmt: str) -> None:
    """Raise ValueError if ``fmt`` is not a usable strptime format."""
    _format_regex(fmt)
