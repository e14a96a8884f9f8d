"""Why a record does or does not raise a signature's event, for pattern authors
(``logsentinel test``): which regex hit, what it captured, which exclude removed the hit, and
for a regex that missed, the longest prefix of it, as written, that still matches the record
(fail2ban-regex's ``--print-all-missed``, but pointed at the place where matching stops).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import regex

from logsentinel.signatures.model import Rx, Signature


@dataclass(frozen=True)
class Verdict:
    """What one signature makes of one record."""

    signature: str
    priority: str
    kind: str  # "hit", "excluded", "resolve" or "heartbeat"
    key: str  # the regex that decided, e.g. "match[1]", "absent.match[0]"
    regex: str  # that regex as written
    fields: dict[str, Any] = field(default_factory=dict)
    excluded_by: str | None = None  # "exclude[0]: <regex>" when kind is "excluded"


@dataclass(frozen=True)
class Missed:
    """How far one ``match`` regex gets on a record."""

    key: str
    regex: str  # as written
    prefix: str  # the longest prefix of ``regex`` that matches somewhere
    matched: str  # the text that prefix matches
    rest: str  # what follows the prefix in the regex: where matching stops


def written(rx: Rx) -> str:
    return rx.written or rx.source


def explain(
    sig: Signature, text: str, attrs: dict[str, Any] | None = None, timeout: float | None = 1.0
) -> list[Verdict]:
    """Every way ``sig`` takes the record ``text``: a hit (or a hit an exclude removed), a
    resolve, a heartbeat of its absence timer. Empty when the record means nothing to it."""
    out: list[Verdict] = []
    selected = sig.event is None or sig.event.selects(attrs)
    if selected:
        for rx in sig.match:
            m = rx.search(text, timeout)
            if m is None:
                continue
            fields = {k: v for k, v in m.groupdict().items() if v is not None}
            if sig.event is not None:
                fields = {**(attrs or {}), **fields}
            excluder = next((x for x in sig.exclude if x.search(text, timeout) is not None), None)
            if excluder is not None:
                out.append(
                    Verdict(
                        sig.id,
                        sig.priority,
                        "excluded",
                        rx.key,
                        written(rx),
                        fields,
                        f"{excluder.key}: {written(excluder)}",
                    )
                )
            else:
                out.append(Verdict(sig.id, sig.priority, "hit", rx.key, written(rx), fields))
            break
    resolving = sig.resolving_selector
    if not any(v.kind == "hit" for v in out) and (resolving is None or resolving.selects(attrs)):
        for rx in sig.resolve:
            m = rx.search(text, timeout)
            if m is not None:
                fields = {k: v for k, v in m.groupdict().items() if v is not None}
                if resolving is not None:
                    fields = {**(attrs or {}), **fields}
                out.append(Verdict(sig.id, sig.priority, "resolve", rx.key, written(rx), fields))
                break
    if sig.absent is not None:
        for rx in sig.absent.match:
            if rx.search(text, timeout) is not None:
                out.append(Verdict(sig.id, sig.priority, "heartbeat", rx.key, written(rx)))
                break
    return out


def why_not(
    sig: Signature, text: str, expand: Callable[[str], str] | None = None, timeout: float | None = 1.0
) -> list[Missed]:
    """For each ``match`` regex of ``sig`` that does not match ``text``: the longest prefix of
    it, as written, that matches somewhere in the record. ``expand`` turns written text with
    {{fragments}} into a regex (identity when the library has none)."""
    expand = expand or (lambda s: s)
    out = []
    for rx in sig.match:
        if rx.search(text, timeout) is not None:
            continue
        source = written(rx)
        prefix, matched = _longest_prefix(source, text, expand, timeout)
        out.append(Missed(rx.key, source, prefix, matched, source[len(prefix) :]))
    return out


def _cuts(source: str) -> list[int]:
    """Places a prefix may end: not inside a {{fragment}} nor after a lone backslash."""
    cuts, i, inside = [], 0, False
    while i < len(source):
        if source.startswith("{{", i):
            inside = True
        if inside and source.startswith("}}", i):
            inside = False
            i += 2
            cuts.append(i)
            continue
        if source[i] == "\\":
            i += 2
            if not inside:
                cuts.append(min(i, len(source)))
            continue
        i += 1
        if not inside:
            cuts.append(i)
    return cuts


def _longest_prefix(source: str, text: str, expand: Any, timeout: Any) -> tuple[str, str]:
    flags = ""
    m = regex.match(r"\(\?[aiLmsux]+\)", source)
    if m:
        flags = m.group(0)
    for cut in reversed(_cuts(source)):
        prefix = source[:cut]
        if len(prefix) <= len(flags):
            break
        try:
            compiled = regex.compile(expand(prefix), flags=regex.V0)
        except regex.error:
            continue  # cut inside a group: not a regex by itself
        try:
            found = compiled.search(text, timeout=timeout)
        except TimeoutError:
            continue
        if found is not None and found.group(0):
            return prefix, found.group(0)
    return flags, ""
