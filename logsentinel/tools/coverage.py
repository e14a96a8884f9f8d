"""Which of the monitored events of the proactive-support table a config can raise, given its
sources and probes (``logsentinel validate`` and ``logsentinel coverage -c CONFIG``).

A signature can fire when something it reads is configured: a signature restricted to
``sources:`` needs one of them (the ``probes`` source: a probe of the type its regexes name,
``probe=disk``...); an ``event:`` signature needs an event-log source (or files of exported
events); a text signature needs a file source or an event-log source. A monitored event is
covered when one of its signatures can fire.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from logsentinel.config.load import Config
from logsentinel.signatures.model import Signature
from logsentinel.sources.probes.base import PROBE_SOURCE

_PROBE_TYPE = re.compile(r"probe=(\w+)")


@dataclass(frozen=True)
class Row:
    event: str  # the monitored event (the signatures' monitored_event)
    priority: str
    signatures: tuple[str, ...]
    covered_by: tuple[str, ...]  # the signatures this config lets fire
    needs: str  # what a config needs for it, when it is not covered


def can_fire(sig: Signature, config: Config) -> bool:
    files = {src.name for src in config.sources}
    eventlogs = {ev.name for ev in config.eventlogs}
    probes = {p.type for p in config.probes}
    sources = set(sig.sources) if sig.sources is not None else None
    if sources is not None and PROBE_SOURCE in sources:
        wanted = {t for rx in sig.match for t in _PROBE_TYPE.findall(rx.source)}
        if probes and (not wanted or wanted & probes):
            return True
        sources.discard(PROBE_SOURCE)
        if not sources:
            return False
    readable = files | eventlogs if sources is None else (files | eventlogs) & sources
    if sig.event is not None:
        return bool(readable & (eventlogs | files))  # live, or exported events in files
    return bool(readable)


def reads(sig: Signature) -> str:
    """What one signature reads, for people: the event-log events it selects, the probe its
    regexes name, or the logs (its sources, or any)."""
    if sig.sources and PROBE_SOURCE in sig.sources:
        kinds = sorted({t for rx in sig.match for t in _PROBE_TYPE.findall(rx.source)})
        others = [s for s in sig.sources if s != PROBE_SOURCE]
        probe = f"the {'/'.join(kinds)} probe" if kinds else "a probe"
        return probe + (f" or the sources {', '.join(others)}" if others else "")
    if sig.event is not None:
        sel = sig.event
        parts = []
        if sel.channels:
            parts.append("/".join(sorted(c.title() for c in sel.channels)))
        if sel.provider_names:
            parts.append(" or ".join(sel.provider_names))
        if sel.ids:
            parts.append(", ".join(str(i) for i in sorted(sel.ids)))
        return "the Windows event log: " + " ".join(parts)
    if sig.absent is not None and not sig.match:
        where = f"the sources {', '.join(sig.sources)}" if sig.sources else "any log"
        return f"{where}: the records whose absence it watches"
    return f"the sources {', '.join(sig.sources)}" if sig.sources else "the suite's logs or the event log (any source)"


def _needs(sigs: list[Signature]) -> str:
    if any(s.sources and PROBE_SOURCE in s.sources for s in sigs):
        kinds = sorted({t for s in sigs for rx in s.match for t in _PROBE_TYPE.findall(rx.source)})
        return f"a {'/'.join(kinds) or ''} probe, or the log that reports it".replace("a  probe", "a probe")
    if all(s.event is not None for s in sigs):
        return "an eventlog source (System, Application)"
    return "the suite's log files, or the event log"


def coverage(signatures: list[Signature], config: Config) -> list[Row]:
    rows: dict[str, list[Signature]] = {}
    for sig in signatures:
        if sig.monitored_event:
            rows.setdefault(sig.monitored_event, []).append(sig)
    out = []
    for event, sigs in rows.items():
        covered = tuple(s.id for s in sigs if can_fire(s, config))
        out.append(Row(event, sigs[0].priority, tuple(s.id for s in sigs), covered, _needs(sigs)))
    out.sort(key=lambda r: (r.priority, r.event))
    return out
