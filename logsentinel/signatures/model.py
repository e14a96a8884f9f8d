"""Signatures: the typed, validated form of one YAML signature, and its record-level matching.

A signature is built from a mapping read by ``yamlload``. Every problem found is reported as a
``Problem`` naming the file, line, signature id and key, so that a pattern author never sees a
traceback. Matching here is the reference semantics (the "naive loop"): the fast matcher must
produce exactly the same hits.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from pathlib import Path

import regex

from logsentinel.units import parse_duration

PRIORITY_RESPONSE_S = {"P1": 3600, "P2": 7200, "P3": 14400, "P4": 28800}
CATEGORIES = ("degradation", "anomaly", "space", "capacity", "cloud")
ARM_MODES = ("seen", "start")
DEFAULT_MATCH_TIMEOUT_S = 0.2
ID_RE = regex.compile(r"^[a-z0-9][a-z0-9_.\-]*$")

TOP_KEYS = {
    "id", "title", "description", "application", "category", "priority", "response_time",
    "sources", "match", "exclude", "dedup", "threshold", "resolve", "absent", "examples",
    "monitored_event", "auto_resolve", "repeat",
}
NESTED_KEYS = {
    "dedup": {"by", "window"},
    "threshold": {"count", "within"},
    "absent": {"match", "for", "arm"},
    "examples": {"match", "no_match", "resolve"},
}


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a signature file or signature."""

    file: str
    line: int | None
    sig_id: str | None
    key: str | None
    message: str
    level: str = "error"  # or "warning"

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        parts = [where]
        if self.sig_id:
            parts.append(self.sig_id)
        if self.key:
            parts.append(self.key)
        prefix = "warning: " if self.level == "warning" else ""
        return ": ".join(parts) + f": {prefix}{self.message}"


@dataclass(frozen=True)
class Rx:
    """One compiled regex of a signature, with where it was written."""

    source: str
    compiled: regex.Pattern
    key: str  # e.g. "match[1]"
    line: int | None

    def search(self, text: str, timeout: float | None):
        return self.compiled.search(text, timeout=timeout)


@dataclass(frozen=True)
class Example:
    text: str
    fields: dict
    line: int | None


@dataclass(frozen=True)
class Threshold:
    count: int
    within_s: float


@dataclass(frozen=True)
class Absent:
    match: tuple[Rx, ...]
    for_s: float
    arm: str = "seen"


@dataclass
class Signature:
    """A monitored event: how to recognise it in a record and how to report it."""

    id: str
    title: str
    priority: str
    response_time_s: int
    category: str
    application: str = ""
    description: str = ""
    monitored_event: str = ""
    sources: tuple[str, ...] | None = None
    match: tuple[Rx, ...] = ()
    exclude: tuple[Rx, ...] = ()
    resolve: tuple[Rx, ...] = ()
    dedup_by: tuple[str, ...] = ()
    dedup_window_s: float = 0.0
    threshold: Threshold | None = None
    absent: Absent | None = None
    auto_resolve_s: float | None = None
    repeat_s: float | None = None
    examples_match: tuple[Example, ...] = ()
    examples_no_match: tuple[Example, ...] = ()
    examples_resolve: tuple[Example, ...] = ()
    file: str = ""
    line: int | None = None
    raw: dict = field(default_factory=dict, repr=False, compare=False)

    # ---- reference matching semantics -------------------------------------------------
    def applies_to(self, source: str) -> bool:
        return self.sources is None or source in self.sources

    def hit(self, text: str, timeout: float | None = DEFAULT_MATCH_TIMEOUT_S) -> dict | None:
        """Fields of a hit if ``text`` (one whole record) matches and is not excluded."""
        for rx in self.match:
            m = rx.search(text, timeout)
            if m is not None:
                break
        else:
            return None
        for rx in self.exclude:
            if rx.search(text, timeout) is not None:
                return None
        return {k: v for k, v in m.groupdict().items() if v is not None}

    def resolves(self, text: str, timeout: float | None = DEFAULT_MATCH_TIMEOUT_S) -> dict | None:
        """Captured fields if ``text`` matches one of the ``resolve`` regexes."""
        for rx in self.resolve:
            m = rx.search(text, timeout)
            if m is not None:
                return {k: v for k, v in m.groupdict().items() if v is not None}
        return None

    def heartbeat(self, text: str, timeout: float | None = DEFAULT_MATCH_TIMEOUT_S) -> bool:
        """True if ``text`` is one of the records whose absence this signature watches."""
        if self.absent is None:
            return False
        return any(rx.search(text, timeout) is not None for rx in self.absent.match)

    def all_regexes(self) -> list[tuple[str, Rx]]:
        """(kind, regex) for every regex that can make a record interesting to this signature."""
        out = [("hit", rx) for rx in self.match]
        out += [("resolve", rx) for rx in self.resolve]
        if self.absent:
            out += [("heartbeat", rx) for rx in self.absent.match]
        return out


# ---- building from YAML ---------------------------------------------------------------

class _Collector:
    def __init__(self, file: str, data: dict):
        self.file = file
        self.data = data
        self.sig_id = data.get("id") if isinstance(data.get("id"), str) else None
        self.problems: list[Problem] = []

    def line(self, container, key) -> int | None:
        getter = getattr(container, "line_of", None)
        return getter(key) if getter else getattr(self.data, "line", None)

    def error(self, key: str | None, message: str, line: int | None = None, level="error"):
        if line is None:
            line = getattr(self.data, "line", None)
        self.problems.append(Problem(self.file, line, self.sig_id, key, message, level))


def _unknown_keys(col: _Collector, mapping: dict, allowed: set, prefix: str = "") -> None:
    for key in mapping:
        if key not in allowed:
            close = difflib.get_close_matches(str(key), sorted(allowed), n=1)
            hint = f"; did you mean '{close[0]}'?" if close else f"; known keys: {', '.join(sorted(allowed))}"
            col.error(f"{prefix}{key}", f"unknown key{hint}", col.line(mapping, key))


def _string_list(col: _Collector, container, key: str, label: str) -> list[tuple[str, int | None]]:
    value = container.get(key)
    if value is None:
        return []
    if isinstance(value, str):
        return [(value, col.line(container, key))]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        col.error(label, "expected a string or a list of strings", col.line(container, key))
        return []
    return [(v, value.line_of(i) if hasattr(value, "line_of") else None) for i, v in enumerate(value)]


def compile_rx(col: _Collector, source: str, key: str, line: int | None) -> Rx | None:
    try:
        compiled = regex.compile(source, flags=regex.V0)
    except regex.error as exc:
        pos = f" at position {exc.pos}" if getattr(exc, "pos", None) is not None else ""
        col.error(key, f"bad regex {source!r}: {exc.msg if hasattr(exc, 'msg') else exc}{pos}", line)
        return None
    if compiled.search("") is not None:
        col.error(key, f"regex {source!r} matches an empty record, so it would match almost anything", line)
        return None
    return Rx(source, compiled, key, line)


def _regex_list(col: _Collector, container, key: str, label: str) -> tuple[Rx, ...]:
    out = []
    for i, (src, line) in enumerate(_string_list(col, container, key, label)):
        rx = compile_rx(col, src, f"{label}[{i}]", line)
        if rx is not None:
            out.append(rx)
    return tuple(out)


def _duration(col: _Collector, container, key: str, label: str) -> float | None:
    if key not in container or container[key] is None:
        return None
    try:
        value = parse_duration(container[key])
    except ValueError as exc:
        col.error(label, str(exc), col.line(container, key))
        return None
    if value <= 0:
        col.error(label, "must be longer than zero", col.line(container, key))
        return None
    return value


def _mapping(col: _Collector, key: str) -> dict | None:
    value = col.data.get(key)
    if value is None:
        return None
    if not isinstance(value, dict):
        col.error(key, "expected a mapping", col.line(col.data, key))
        return None
    _unknown_keys(col, value, NESTED_KEYS[key], prefix=f"{key}.")
    return value


def _examples(col: _Collector, ex: dict, key: str) -> tuple[Example, ...]:
    value = ex.get(key)
    if value is None:
        return ()
    if not isinstance(value, list):
        col.error(f"examples.{key}", "expected a list", col.line(ex, key))
        return ()
    out = []
    for i, item in enumerate(value):
        line = value.line_of(i) if hasattr(value, "line_of") else None
        if isinstance(item, str):
            out.append(Example(item, {}, line))
        elif isinstance(item, dict) and isinstance(item.get("line"), str):
            extra = set(item) - {"line", "fields"}
            if extra:
                col.error(f"examples.{key}[{i}]", f"unknown key(s) {sorted(extra)}; an example has 'line' and 'fields'", line)
            fields = item.get("fields") or {}
            if not isinstance(fields, dict):
                col.error(f"examples.{key}[{i}].fields", "expected a mapping of field: value", line)
                fields = {}
            out.append(Example(item["line"], {str(k): str(v) for k, v in fields.items()}, line))
        else:
            col.error(f"examples.{key}[{i}]", "expected a string or a mapping with 'line' (and 'fields')", line)
    return tuple(out)


def _group_names(rxs) -> set[str]:
    names: set[str] = set()
    for rx in rxs:
        names.update(rx.compiled.groupindex)
    return names


def build_signature(data, file: str) -> tuple[Signature | None, list[Problem]]:
    """Validate one YAML mapping and build its Signature. Returns (signature or None, problems)."""
    if not isinstance(data, dict):
        line = getattr(data, "line", None)
        return None, [Problem(file, line, None, None, "a signature must be a mapping with at least id, title, priority and match")]
    col = _Collector(file, data)
    _unknown_keys(col, data, TOP_KEYS)

    sig_id = data.get("id")
    if not isinstance(sig_id, str) or not sig_id:
        col.error("id", "missing or not a string (e.g. id: webex.cdr_download_failed)")
    elif not ID_RE.match(sig_id):
        col.error("id", f"{sig_id!r}: use lower-case letters, digits, '.', '_' and '-'", col.line(data, "id"))

    for key in ("title", "description", "application", "monitored_event"):
        if key in data and not isinstance(data[key], str):
            col.error(key, "expected a string", col.line(data, key))
    if not isinstance(data.get("title"), str) or not data.get("title", "").strip():
        col.error("title", "missing: a short human title is required")

    priority = data.get("priority")
    if isinstance(priority, str):
        priority = priority.strip().upper()
    if priority not in PRIORITY_RESPONSE_S:
        col.error("priority", f"expected one of P1, P2, P3, P4, got {data.get('priority')!r}", col.line(data, "priority"))
        priority = "P4"
    response = _duration(col, data, "response_time", "response_time")
    response_s = int(response) if response else PRIORITY_RESPONSE_S[priority]

    category = data.get("category", "anomaly")
    if category not in CATEGORIES:
        col.error("category", f"expected one of {', '.join(CATEGORIES)}, got {category!r}", col.line(data, "category"))

    sources = None
    if "sources" in data:
        names = [s for s, _ in _string_list(col, data, "sources", "sources")]
        sources = tuple(names) if names else None

    match = _regex_list(col, data, "match", "match")
    exclude = _regex_list(col, data, "exclude", "exclude")
    resolve = _regex_list(col, data, "resolve", "resolve")

    absent = None
    absent_map = _mapping(col, "absent")
    if absent_map is not None:
        hb = _regex_list(col, absent_map, "match", "absent.match")
        for_s = _duration(col, absent_map, "for", "absent.for")
        arm = absent_map.get("arm", "seen")
        if arm not in ARM_MODES:
            col.error("absent.arm", f"expected one of {', '.join(ARM_MODES)}, got {arm!r}", col.line(absent_map, "arm"))
        if not hb:
            col.error("absent.match", "needs at least one regex (the records whose absence is watched)", col.line(absent_map, "match"))
        if for_s is None:
            col.error("absent.for", "needs a duration (e.g. for: 1h)", col.line(absent_map, "for"))
        if hb and for_s:
            absent = Absent(hb, for_s, arm if arm in ARM_MODES else "seen")

    if not match and absent is None and "match" not in data:
        col.error("match", "missing: a list of regexes (or an 'absent' block)")

    dedup_by: tuple[str, ...] = ()
    window = None
    dedup_map = _mapping(col, "dedup")
    if dedup_map is not None:
        by = [s for s, _ in _string_list(col, dedup_map, "by", "dedup.by")]
        known = _group_names(match)
        for name in by:
            if match and name not in known:
                col.error("dedup.by", f"field {name!r} is not a named group (?P<{name}>...) of any match regex", col.line(dedup_map, "by"))
        dedup_by = tuple(by)
        window = _duration(col, dedup_map, "window", "dedup.window")

    threshold = None
    th_map = _mapping(col, "threshold")
    if th_map is not None:
        count = th_map.get("count")
        within = _duration(col, th_map, "within", "threshold.within")
        if not isinstance(count, int) or isinstance(count, bool) or count < 1:
            col.error("threshold.count", f"expected a whole number >= 1, got {count!r}", col.line(th_map, "count"))
        elif within is None:
            col.error("threshold.within", "needs a duration (e.g. within: 15m)", col.line(th_map, "within"))
        else:
            threshold = Threshold(count, within)

    auto_resolve = _duration(col, data, "auto_resolve", "auto_resolve")
    repeat = _duration(col, data, "repeat", "repeat")

    ex_match: tuple[Example, ...] = ()
    ex_no: tuple[Example, ...] = ()
    ex_res: tuple[Example, ...] = ()
    ex_map = _mapping(col, "examples")
    if ex_map is None:
        col.error("examples", "missing: every signature needs examples.match and examples.no_match")
    else:
        ex_match = _examples(col, ex_map, "match")
        ex_no = _examples(col, ex_map, "no_match")
        ex_res = _examples(col, ex_map, "resolve")
        if not ex_match:
            col.error("examples.match", "needs at least one record that must hit", col.line(ex_map, "match"))
        if not ex_no:
            col.error("examples.no_match", "needs at least one record that must not hit (a near miss)", col.line(ex_map, "no_match"))

    if any(p.level == "error" for p in col.problems):
        return None, col.problems
    sig = Signature(
        id=sig_id, title=data["title"].strip(), priority=priority, response_time_s=response_s,
        category=category, application=data.get("application", "") or "",
        description=(data.get("description") or "").strip(),
        monitored_event=data.get("monitored_event", "") or "", sources=sources,
        match=match, exclude=exclude, resolve=resolve, dedup_by=dedup_by,
        dedup_window_s=window if window else float(response_s), threshold=threshold, absent=absent,
        auto_resolve_s=auto_resolve, repeat_s=repeat,
        examples_match=ex_match, examples_no_match=ex_no, examples_resolve=ex_res,
        file=file, line=getattr(data, "line", None), raw=dict(data),
    )
    return sig, col.problems


def load_file_signatures(data, file: str) -> tuple[list[Signature], list[Problem]]:
    """A file holds one signature (a mapping) or a list of them."""
    if data is None:
        return [], [Problem(file, None, None, None, "empty file: expected a signature or a list of signatures", "warning")]
    items = data if isinstance(data, list) else [data]
    sigs, problems = [], []
    for item in items:
        sig, probs = build_signature(item, file)
        problems.extend(probs)
        if sig is not None:
            sigs.append(sig)
    return sigs, problems


def display_path(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)
