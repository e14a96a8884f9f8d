"""A file source's settings (``sources:`` in the config): its globs, encoding, time zone and how
its lines join into records. ``parse_source`` reads one entry and reports every problem."""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path, PurePath

from logsentinel.records.blocks import DEFAULT_MAX_RECORD_BYTES, SourceSpec
from logsentinel.records.decoding import DEFAULT_MAX_LINE_BYTES, normal_encoding
from logsentinel.records.timestamps import check_time_format, get_zone
from logsentinel.units import parse_duration
from logsentinel.yamlload import control_character_problem, did_you_mean

SOURCE_KEYS = {
    "type",
    "name",
    "paths",
    "encoding",
    "timezone",
    "multiline",
    "time_format",
    "start_at",
    "max_line_bytes",
    "exclude_paths",
    "level",
}
MULTILINE_KEYS = {"start", "flush_after", "max_bytes"}
_ROTATION = re.compile(r"(\.gz|\.\d+|\.\d{4}-?\d{2}-?\d{2}(?:[-_.]\d+)?)+$")

Problem = tuple[object, object, str]  # (container, key, message): the loader adds file and line


@dataclass
class SourceConfig:
    name: str
    paths: list[str] = field(default_factory=list)
    encoding: str = "auto"
    timezone: str | None = None
    multiline_start: str | None = None
    every_line: bool = False
    flush_after_s: float = 0.1
    max_record_bytes: int = DEFAULT_MAX_RECORD_BYTES
    time_format: str | None = None
    start_at: str = "end"
    max_line_bytes: int = DEFAULT_MAX_LINE_BYTES
    exclude_paths: list[str] = field(default_factory=list)
    level: str | None = None  # the regex that finds a record's level word (the new-error radar)

    def spec(self, timezone: str | None = None) -> SourceSpec:
        return SourceSpec.build(
            self.name,
            self.multiline_start,
            timezone or self.timezone,
            self.time_format,
            self.max_record_bytes,
            self.every_line,
        )

    def claims(self, path: str | Path) -> bool:
        """True if ``path`` matches one of this source's globs (by full path or by name)."""
        p = PurePath(path)
        full = p.as_posix()
        for pattern in self.paths:
            pat = PurePath(pattern).as_posix()
            if fnmatch.fnmatch(full, pat) or fnmatch.fnmatch(full, "*/" + pat.lstrip("./")):
                return True
            if fnmatch.fnmatch(p.name, PurePath(pat).name) or fnmatch.fnmatch(unrotated(p.name), PurePath(pat).name):
                return True
        return False


def unrotated(name: str) -> str:
    """'app.log.1.gz' -> 'app.log'."""
    return _ROTATION.sub("", name)


def source_name_from_path(path: str | Path) -> str:
    """'logs/WebexConnector.log.1.gz' -> 'WebexConnector'."""
    name = unrotated(PurePath(path).name)
    for ext in (".log", ".txt", ".evtx"):
        if name.lower().endswith(ext):
            name = name[: -len(ext)]
    return name or "log"


def parse_source(item: dict, label: str, rel: Callable[[str], Path]) -> tuple[SourceConfig, list[Problem]]:
    """One ``sources:`` entry; ``rel`` makes a path relative to the config's folder."""
    problems: list[Problem] = []

    def err(container, key, message) -> None:
        problems.append((container, key, f"{label}{message}"))

    for key in item:
        if key not in SOURCE_KEYS:
            err(item, key, ": unknown key" + did_you_mean(key, SOURCE_KEYS))
    name = item.get("name")
    if not isinstance(name, str) or not name:
        err(item, "name", ": missing or not a string")
        name = label
    src = SourceConfig(name=name)
    src.paths = [str(rel(p)) for p in _globs(item, "paths", err)]
    src.exclude_paths = [str(rel(p)) for p in _globs(item, "exclude_paths", err)]
    for key, normalise in _TEXT_KEYS.items():
        if item.get(key) is not None:
            try:
                setattr(src, key, normalise(str(item[key])))
            except ValueError as exc:
                err(item, key, f": {exc}")
    _multiline(item, src, err)
    start_at = item.get("start_at", "end")
    if start_at not in ("end", "beginning"):
        err(item, "start_at", f": expected 'end' or 'beginning', got {start_at!r}")
    else:
        src.start_at = start_at
    if item.get("max_line_bytes") is not None:
        src.max_line_bytes = _positive_int(item, "max_line_bytes", ".max_line_bytes", err, src.max_line_bytes)
    return src, problems


def _checked(check):
    """The value as written, once ``check`` (which raises ValueError) accepts it."""

    def keep(value: str) -> str:
        check(value)
        return value

    return keep


def _regex(value: str) -> None:
    try:
        re.compile(value)
    except re.error as exc:
        raise ValueError(f"bad regex: {exc}") from None


_TEXT_KEYS = {
    "encoding": normal_encoding,
    "timezone": _checked(get_zone),
    "time_format": _checked(check_time_format),
    "level": _checked(_regex),
}


def _globs(item, key, err) -> list[str]:
    value = item.get(key, [])
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(p, str) for p in value):
        err(item, key, ": expected a list of globs")
        return []
    bad = [m for m in map(control_character_problem, value) if m]
    for message in bad:
        err(item, key, f": {message}")
    return [] if bad else value


def _multiline(item, src: SourceConfig, err) -> None:
    ml = item.get("multiline")
    if ml in (False, "none", "off"):
        src.every_line = True
        return
    if ml is None:
        return
    if not isinstance(ml, dict):
        err(item, "multiline", ": expected a mapping ({start: REGEX}) or 'none'")
        return
    for key in ml:
        if key not in MULTILINE_KEYS:
            err(ml, key, ".multiline: unknown key" + did_you_mean(key, MULTILINE_KEYS))
    if ml.get("start") is not None:
        try:
            re.compile(str(ml["start"]).encode("utf-8"), re.MULTILINE)
            src.multiline_start = str(ml["start"])
        except re.error as exc:
            err(ml, "start", f".multiline.start: bad regex: {exc}")
    if ml.get("flush_after") is not None:
        try:
            src.flush_after_s = parse_duration(ml["flush_after"])
        except ValueError as exc:
            err(ml, "flush_after", f".multiline.flush_after: {exc}")
    if ml.get("max_bytes") is not None:
        src.max_record_bytes = _positive_int(ml, "max_bytes", ".multiline.max_bytes", err, src.max_record_bytes)


def _positive_int(container, key, label, err, default):
    value = container.get(key)
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        err(container, key, f"{label}: expected a whole number of bytes >= 1, got {value!r}")
        return default
    return value
