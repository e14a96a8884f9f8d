"""Building signatures from YAML: every key checked, every problem reported as a ``Problem``
naming the file, line, signature id and key, so that a pattern author never sees a traceback."""

from __future__ import annotations

import re as _std_re
from typing import Any

import regex

from logsentinel.records.eventxml import EventSystem, event_record, level_name
from logsentinel.signatures.model import (
    ARM_MODES,
    CATEGORIES,
    EXAMPLE_EVENT_KEYS,
    ID_RE,
    NESTED_KEYS,
    PRIORITY_RESPONSE_S,
    TOP_KEYS,
    Absent,
    EventSelector,
    Example,
    Problem,
    Rx,
    Signature,
    Threshold,
)
from logsentinel.signatures.vocabulary import MAX_EXPANDED, REF, Vocabulary, caret_under
from logsentinel.units import parse_duration
from logsentinel.yamlload import did_you_mean


class _Collector:
    def __init__(
        self, file: str, data: dict[str, Any], vocab: Vocabulary | None = None, facts: dict[str, Any] | None = None
    ) -> None:
        self.file = file
        self.data = data
        self.vocab = vocab
        self.facts = facts  # regex text -> [its group names, matches the empty string]: known good
        self.sig_id = data.get("id") if isinstance(data.get("id"), str) else None
        self.problems: list[Problem] = []

    def line(self, container: Any, key: Any) -> int | None:
        getter = getattr(container, "line_of", None)
        return getter(key) if getter else getattr(self.data, "line", None)

    def error(self, key: str | None, message: str, line: int | None = None, level: str = "error") -> None:
        if line is None:
            line = getattr(self.data, "line", None)
        self.problems.append(Problem(self.file, line, self.sig_id, key, message, level))


def _unknown_keys(col: _Collector, mapping: dict[str, Any], allowed: set[Any], prefix: str = "") -> None:
    for key in mapping:
        if key not in allowed:
            col.error(f"{prefix}{key}", "unknown key" + did_you_mean(key, allowed), col.line(mapping, key))


def _string_list(col: _Collector, container: Any, key: str, label: str) -> list[tuple[str, int | None]]:
    value = container.get(key)
    if value is None:
        return []
    if isinstance(value, str):
        return [(value, col.line(container, key))]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        col.error(label, "expected a string or a list of strings", col.line(container, key))
        return []
    return [(v, value.line_of(i) if hasattr(value, "line_of") else None) for i, v in enumerate(value)]


MAX_GROUP_DEPTH = 50  # groups nested deeper than this are refused before any parser sees them


def group_depth(source: str) -> int:
    """How deep the groups of a regex nest (escapes and character classes skipped)."""
    depth = deepest = i = 0
    in_class = False
    while i < len(source):
        c = source[i]
        if c == "\\":
            i += 2
            continue
        if in_class:
            if c == "]":
                in_class = False
        elif c == "[":
            in_class = True
            if source[i + 1 : i + 2] == "^":
                i += 1
            if source[i + 1 : i + 2] == "]":  # a ] first in a class is a literal
                i += 1
        elif c == "(":
            depth += 1
            deepest = max(deepest, depth)
        elif c == ")":
            depth = max(0, depth - 1)
        i += 1
    return deepest


def compile_rx(col: _Collector, source: str, key: str, line: int | None) -> Rx | None:
    written, expansion = source, None
    if REF.search(source):
        vocab = col.vocab or Vocabulary()
        expansion = vocab.expand(source)
        for name in expansion.unknown:
            col.error(
                key,
                f"unknown fragment {{{{{name}}}}}{vocab.suggest(name)} (fragments are defined in _vocabulary.yaml)",
                line,
            )
        if expansion.cycle:
            col.error(key, "fragments use each other in a cycle: " + " -> ".join(expansion.cycle), line)
        for name in dict.fromkeys(expansion.broken):
            frag = vocab.fragments[name]
            col.error(key, f"uses the broken fragment {{{{{name}}}}} (see {frag.file}:{frag.line})", line)
        if expansion.too_big and not expansion.broken:
            col.error(key, f"expands to more than {MAX_EXPANDED} characters through its fragments", line)
        if expansion.unknown or expansion.cycle or expansion.broken or expansion.too_big:
            return None
        source = expansion.source
    known = col.facts.get(source) if col.facts is not None else None
    if known is not None and not known[1]:
        # compiled and checked on an earlier start (the shell keeps these facts on disk)
        return Rx(source, None, key, line, written if expansion else None, frozenset(known[0]))
    depth = group_depth(source)
    if depth > MAX_GROUP_DEPTH:
        col.error(
            key,
            f"groups nest {depth} deep: at most {MAX_GROUP_DEPTH} are allowed (deeper cannot be parsed safely)",
            line,
        )
        return None
    compiled: regex.Pattern[str] | None = None
    probe: _std_re.Pattern[str] | regex.Pattern[str]
    try:
        # the standard parser reads what both read alike, several times faster; the regex
        # module compiles it when the signature is first used (or at once, for its own syntax)
        probe = _std_re.compile(source)
    except (_std_re.error, OverflowError, RecursionError):
        try:
            probe = compiled = regex.compile(source, flags=regex.V0)
        except (RecursionError, MemoryError, OverflowError) as exc:
            col.error(key, f"bad regex: too large to compile ({type(exc).__name__})", line)
            return None
        except regex.error as exc:
            msg, pos = _regex_error(source, exc)
            shown = col.vocab.caret(expansion, written, pos) if expansion and col.vocab else caret_under(written, pos)
            col.error(key, f"bad regex: {msg}{shown}", line)
            return None
    empty = probe.search("") is not None
    if col.facts is not None:
        col.facts[source] = [sorted(probe.groupindex), empty]
    if empty:
        col.error(key, f"regex {written!r} matches an empty record, so it would match almost anything", line)
        return None
    return Rx(source, compiled, key, line, written if expansion else None, frozenset(probe.groupindex))


def regex_problem(source: str) -> tuple[str, int | None] | None:
    """Why ``source`` is not a regex (message, position), or None."""
    try:
        regex.compile(source, flags=regex.V0)
    except regex.error as exc:
        return _regex_error(source, exc)
    return None


def _regex_error(source: str, exc: regex.error) -> tuple[str, int | None]:
    """The message and position of a compile error. Python's own parser places some errors
    better (an unterminated group at its opening parenthesis, not at the end of the text)."""
    import re

    try:
        re.compile(source)
    except re.error as std:
        if std.pos is not None:
            return std.msg, std.pos
    except (OverflowError, RecursionError):
        pass
    return getattr(exc, "msg", str(exc)), getattr(exc, "pos", None)


def _regex_list(col: _Collector, container: Any, key: str, label: str) -> tuple[Rx, ...]:
    out = []
    for i, (src, line) in enumerate(_string_list(col, container, key, label)):
        rx = compile_rx(col, src, f"{label}[{i}]", line)
        if rx is not None:
            out.append(rx)
    return tuple(out)


def _duration(col: _Collector, container: Any, key: str, label: str) -> float | None:
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


def _mapping(col: _Collector, key: str) -> dict[str, Any] | None:
    value = col.data.get(key)
    if value is None:
        return None
    if not isinstance(value, dict):
        col.error(key, "expected a mapping", col.line(col.data, key))
        return None
    if key in NESTED_KEYS:  # at_least's keys are the signature's own fields
        _unknown_keys(col, value, NESTED_KEYS[key], prefix=f"{key}.")
    return value


def _examples(col: _Collector, ex: dict[str, Any], key: str) -> tuple[Example, ...]:
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
        elif isinstance(item, dict) and isinstance(item.get("event"), dict):
            example = _event_example(col, item, f"examples.{key}[{i}]", line)
            if example is not None:
                out.append(example)
        elif isinstance(item, dict) and isinstance(item.get("line"), str):
            extra = set(item) - {"line", "fields"}
            if extra:
                col.error(
                    f"examples.{key}[{i}]", f"unknown key(s) {sorted(extra)}; an example has 'line' and 'fields'", line
                )
            fields = item.get("fields") or {}
            if not isinstance(fields, dict):
                col.error(f"examples.{key}[{i}].fields", "expected a mapping of field: value", line)
                fields = {}
            out.append(Example(item["line"], {str(k): str(v) for k, v in fields.items()}, line))
        elif isinstance(item, dict) and item:
            wrong = [k for k in item if k not in ("line", "fields", "event", "message")]
            hint = did_you_mean(wrong[0], ("line", "fields", "event", "message")) if wrong else ""
            col.error(
                f"examples.{key}[{i}]",
                f"unknown key {wrong[0]!r}{hint}"
                if wrong
                else "expected 'line' (and 'fields') or 'event' (and 'message', 'fields')",
                line,
            )
        else:
            col.error(
                f"examples.{key}[{i}]",
                "expected a string, a mapping with 'line' (and 'fields') or one with 'event' (and 'message', 'fields')",
                line,
            )
    return tuple(out)


def _event_example(col: _Collector, item: dict[str, Any], label: str, line: int | None) -> Example | None:
    """An example written as an event: ``{event: {channel, provider, id, level, data}, message,
    fields}``, made into its record by the event-log converter."""
    ev = item["event"]
    problems = (
        [f"unknown key(s) {sorted(set(item) - {'event', 'message', 'fields'})}"]
        if set(item) - {"event", "message", "fields"}
        else []
    )
    if set(ev) - EXAMPLE_EVENT_KEYS:
        problems.append(
            f"event: unknown key(s) {sorted(set(ev) - EXAMPLE_EVENT_KEYS)}; an event has "
            f"{', '.join(sorted(EXAMPLE_EVENT_KEYS))}"
        )
    if not isinstance(ev.get("provider"), str) or not str(ev.get("id", "")).isdigit():
        problems.append("event: needs 'provider' and a numeric 'id'")
    data = ev.get("data") or {}
    if not isinstance(data, (dict, list)):
        problems.append("event.data: expected a mapping of name: value (or a list of unnamed values)")
    for problem in problems:
        col.error(label, problem, line)
    if problems:
        return None
    pairs: list[tuple[str | None, str]] = (
        [(str(k), str(v)) for k, v in data.items()] if isinstance(data, dict) else [(None, str(v)) for v in data]
    )
    system = EventSystem(
        channel=str(ev.get("channel", "Application")),
        provider=ev["provider"],
        event_id=int(ev["id"]),
        level=level_name(ev.get("level", "Information")),
        record_id=int(ev.get("record_id", 1)),
        computer=str(ev.get("computer", "ucx-example")),
        time=None,
    )
    message = item.get("message")
    rec = event_record(system, pairs, str(message) if message is not None else None, "example", "<example>")
    fields = item.get("fields") or {}
    return Example(rec.text, {str(k): str(v) for k, v in fields.items()}, line, rec.attrs)


def _group_names(rxs: Any) -> set[str]:
    names: set[str] = set()
    for rx in rxs:
        names.update(rx.groups)
    return names


def build_signature(
    data: Any, file: str, vocab: Vocabulary | None = None, facts: dict[str, Any] | None = None
) -> tuple[Signature | None, list[Problem]]:
    """Validate one YAML mapping and build its Signature. Returns (signature or None, problems).
    ``facts``: what earlier builds learnt of regexes (read, and added to)."""
    if not isinstance(data, dict):
        line = getattr(data, "line", None)
        return None, [
            Problem(file, line, None, None, "a signature must be a mapping with at least id, title, priority and match")
        ]
    col = _Collector(file, data, vocab, facts)
    _unknown_keys(col, data, TOP_KEYS)
    sig_id = _identity(col, data)
    priority, response_s = _priority(col, data)
    category = data.get("category", "anomaly")
    if category not in CATEGORIES:
        col.error("category", f"expected one of {', '.join(CATEGORIES)}, got {category!r}", col.line(data, "category"))
    sources = None
    if "sources" in data:
        names = [s for s, _ in _string_list(col, data, "sources", "sources")]
        sources = tuple(names) if names else None
    match = _regex_list(col, data, "match", "match")
    absent = _absent(col)
    event = _event(col)
    resolve_event = _event(col, "resolve_event")
    if not match and absent is None and event is None and "match" not in data:
        col.error("match", "missing: a list of regexes (or an 'absent' or 'event' block)")
    exclude = _regex_list(col, data, "exclude", "exclude")
    resolve = _regex_list(col, data, "resolve", "resolve")
    if resolve_event is not None and (event is None or not resolve):
        col.error(
            "resolve_event",
            "selects the event-log records that resolve: it needs an 'event' selector and 'resolve' regexes",
            col.line(data, "resolve_event"),
        )
    dedup_by, window = _dedup(col, match)
    threshold = _threshold(col)
    at_least = _at_least(col, match)
    auto_resolve = _duration(col, data, "auto_resolve", "auto_resolve")
    repeat = _duration(col, data, "repeat", "repeat")
    runbook = _runbook(col, data)
    examples = _all_examples(col)
    if sig_id is None or any(p.level == "error" for p in col.problems):
        return None, col.problems
    sig = Signature(
        id=sig_id,
        title=data["title"].strip(),
        priority=priority,
        response_time_s=response_s,
        category=category,
        application=data.get("application", "") or "",
        description=(data.get("description") or "").strip(),
        monitored_event=data.get("monitored_event", "") or "",
        sources=sources,
        match=match,
        exclude=exclude,
        resolve=resolve,
        dedup_by=dedup_by,
        dedup_window_s=window if window else float(response_s),
        threshold=threshold,
        absent=absent,
        event=event,
        resolve_event=resolve_event,
        auto_resolve_s=auto_resolve,
        repeat_s=repeat,
        at_least=at_least,
        runbook=runbook,
        examples_match=examples[0],
        examples_no_match=examples[1],
        examples_resolve=examples[2],
        file=file,
        line=getattr(data, "line", None),
    )
    return sig, col.problems


def _runbook(col: _Collector, data: dict[str, Any]) -> str | None:
    """``runbook:``: an http(s) link (a wiki page, a KB article) to what to do."""
    value = data.get("runbook")
    if value is None:
        return None
    if not isinstance(value, str) or not _std_re.match(r"^https?://[^\s/]+\S*$", value.strip()):
        col.error(
            "runbook",
            f"expected an http(s) link (e.g. https://wiki.example/ucx/crash), got {value!r}",
            col.line(data, "runbook"),
        )
        return None
    return value.strip()


def _identity(col: _Collector, data: dict[str, Any]) -> str | None:
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
    return sig_id


def _priority(col: _Collector, data: dict[str, Any]) -> tuple[str, int]:
    priority = data.get("priority")
    if (
        isinstance(priority, str)
        and priority.strip().upper() in PRIORITY_RESPONSE_S
        and priority != priority.strip().upper()
    ):
        col.error(
            "priority",
            f"{priority!r} taken as {priority.strip().upper()} (write it so)",
            col.line(data, "priority"),
            level="warning",
        )
        priority = priority.strip().upper()
    if priority not in PRIORITY_RESPONSE_S:
        col.error(
            "priority", f"expected one of P1, P2, P3, P4, got {data.get('priority')!r}", col.line(data, "priority")
        )
        priority = "P4"
    response = _duration(col, data, "response_time", "response_time")
    return priority, int(response) if response else PRIORITY_RESPONSE_S[priority]


def _absent(col: _Collector) -> Absent | None:
    absent_map = _mapping(col, "absent")
    if absent_map is None:
        return None
    hb = _regex_list(col, absent_map, "match", "absent.match")
    for_s = _duration(col, absent_map, "for", "absent.for")
    arm = absent_map.get("arm", "seen")
    if arm not in ARM_MODES:
        col.error("absent.arm", f"expected one of {', '.join(ARM_MODES)}, got {arm!r}", col.line(absent_map, "arm"))
    if not hb:
        col.error(
            "absent.match",
            "needs at least one regex (the records whose absence is watched)",
            col.line(absent_map, "match"),
        )
    if for_s is None:
        col.error("absent.for", "needs a duration (e.g. for: 1h)", col.line(absent_map, "for"))
    return Absent(hb, for_s, arm if arm in ARM_MODES else "seen") if hb and for_s else None


def _event(col: _Collector, name: str = "event") -> EventSelector | None:
    """``event: {provider, id, channel}`` (or ``resolve_event:``): each a value or a list."""
    ev = _mapping(col, name)
    if ev is None:
        return None
    values: dict[str, Any] = {}
    for key in ("provider", "id", "channel"):
        if ev.get(key) is None:
            continue
        items = ev[key] if isinstance(ev[key], list) else [ev[key]]
        if key == "id":
            if not all(isinstance(v, int) and not isinstance(v, bool) for v in items):
                col.error(f"{name}.id", f"expected an event id or a list of them, got {ev[key]!r}", col.line(ev, key))
                continue
            values["ids"] = frozenset(items)
        elif not all(isinstance(v, str) for v in items):
            col.error(f"{name}.{key}", f"expected a name or a list of names, got {ev[key]!r}", col.line(ev, key))
        else:
            values[key + "s"] = frozenset(v.casefold() for v in items)
            if key == "provider":
                values["provider_names"] = tuple(sorted(set(items)))  # as written: for event-log queries
    if not values:
        col.error(name, "select at least one of provider, id or channel", col.line(col.data, name))
        return None
    return EventSelector(**values)


def _dedup(col: _Collector, match: tuple[Rx, ...]) -> tuple[tuple[str, ...], float | None]:
    dedup_map = _mapping(col, "dedup")
    if dedup_map is None:
        return (), None
    by = [s for s, _ in _string_list(col, dedup_map, "by", "dedup.by")]
    known = _group_names(match)
    for name in by:
        if match and name not in known and "event" not in col.data:  # event fields are known at run time
            col.error(
                "dedup.by",
                f"field {name!r} is not a named group (?P<{name}>...) of any match regex",
                col.line(dedup_map, "by"),
            )
    return tuple(by), _duration(col, dedup_map, "window", "dedup.window")


def _at_least(col: _Collector, match: tuple[Rx, ...]) -> tuple[tuple[str, float], ...]:
    """``at_least: {field: DURATION}``: a hit that captures the named group needs a time span
    that long in it."""
    limits = _mapping(col, "at_least")
    if limits is None:
        return ()
    known = _group_names(match)
    out = []
    for name in limits:
        label = f"at_least.{name}"
        if name not in known:
            col.error(
                label, f"field {name!r} is not a named group (?P<{name}>...) of any match regex", col.line(limits, name)
            )
            continue
        seconds = _duration(col, limits, name, label)
        if seconds is not None:
            out.append((str(name), seconds))
    return tuple(out)


def _threshold(col: _Collector) -> Threshold | None:
    th_map = _mapping(col, "threshold")
    if th_map is None:
        return None
    count = th_map.get("count")
    within = _duration(col, th_map, "within", "threshold.within")
    if not isinstance(count, int) or isinstance(count, bool) or count < 1:
        col.error("threshold.count", f"expected a whole number >= 1, got {count!r}", col.line(th_map, "count"))
    elif within is None:
        col.error("threshold.within", "needs a duration (e.g. within: 15m)", col.line(th_map, "within"))
    else:
        return Threshold(count, within)
    return None


def _all_examples(col: _Collector) -> tuple[tuple[Example, ...], tuple[Example, ...], tuple[Example, ...]]:
    ex_map = _mapping(col, "examples")
    if ex_map is None:
        col.error("examples", "missing: every signature needs examples.match and examples.no_match")
        return (), (), ()
    ex_match = _examples(col, ex_map, "match")
    ex_no = _examples(col, ex_map, "no_match")
    if not ex_match:
        col.error("examples.match", "needs at least one record that must hit", col.line(ex_map, "match"))
    if not ex_no:
        col.error(
            "examples.no_match",
            "needs at least one record that must not hit (a near miss)",
            col.line(ex_map, "no_match"),
        )
    return ex_match, ex_no, _examples(col, ex_map, "resolve")


def load_file_signatures(
    data: Any, file: str, vocab: Vocabulary | None = None, facts: dict[str, Any] | None = None
) -> tuple[list[Signature], list[Problem]]:
    """A file holds one signature (a mapping) or a list of them."""
    if data is None:
        return [], [
            Problem(file, None, None, None, "empty file: expected a signature or a list of signatures", "warning")
        ]
    items = data if isinstance(data, list) else [data]
    sigs, problems = [], []
    for item in items:
        sig, probs = build_signature(item, file, vocab, facts)
        problems.extend(probs)
        if sig is not None:
            sigs.append(sig)
    return sigs, problems


def build_records(items: Any, file: str) -> tuple[list[Example], list[Problem]]:
    """Records written as a signature's examples are (a string, ``{line, fields}`` or ``{event,
    message, fields}``), outside any signature: for test corpora and ``logsentinel test``."""
    col = _Collector(file, {})
    return list(_examples(col, {"records": items}, "records")), col.problems
