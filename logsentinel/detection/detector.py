"""Detection: from matched records to events. Pure and deterministic.

No I/O and no wall clock: time arrives with each record and with ``advance(now)`` (a clock
tick in live mode, the time reached in the logs during replay). Replay and the live sidecar
feed the same ``Detector``.

Rules (docs/patterns.md has the author's view):
* a hit opens an event keyed by signature + host + ``dedup.by`` fields; while it is open,
  hits of the same key within ``dedup.window`` of its ``last_seen`` fold into it;
* with ``threshold``, the event opens at the hit that makes ``count`` hits within ``within``;
* a ``resolve`` record resolves the open events of its signature (of the same ``by`` fields
  where it captures them); ``auto_resolve`` resolves after that much quiet time;
* an ``absent`` signature fires when its records have not been seen for ``for``, and
  resolves when one is seen again;
* an open event that keeps occurring is reported again every ``repeat`` (default: its
  response time) with its new count;
* an event whose window passes without a hit is closed: it is reported once more if it
  changed since it was last reported.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass
from functools import lru_cache
from pathlib import PurePath
from typing import Any

from logsentinel.detection.events import MESSAGE_MAX_CHARS, Event, EventKey, cut_message, event_id
from logsentinel.detection.openevents import OpenEvents
from logsentinel.detection.radar import Radar
from logsentinel.detection.redact import DEFAULT as DEFAULT_REDACTOR
from logsentinel.detection.redact import Redactor
from logsentinel.matching.model import MatchedRecord
from logsentinel.records.blocks import Record
from logsentinel.signatures.model import Absent, Signature, Threshold
from logsentinel.timefmt import iso
from logsentinel.units import format_duration

NEVER = float("inf")


SNAPSHOT_VERSION = 2


@dataclass
class Window:
    """The hit times of a threshold not reached yet, for one event key."""

    signature: str
    times: list[int]


@dataclass
class AbsentState:
    armed: bool = False
    last: int | None = None  # last heartbeat (or arming) time
    source: str = ""
    path: str | None = None
    line: int | None = None


class Detector:
    """Holds open events, threshold windows and absence timers for one host."""

    def __init__(
        self,
        signatures: list[Signature],
        host: str,
        redactor: Redactor = DEFAULT_REDACTOR,
        escalation_repeat_s: float | None = None,
        radar: Radar | None = None,
    ) -> None:
        self.host = host
        self.radar = radar  # the new-error radar: mines the records the radar's rule found unmatched
        self.escalation_repeat_ms = int(escalation_repeat_s * 1000) if escalation_repeat_s else None
        self.redactor = redactor
        self.signatures = {s.id: s for s in signatures}
        self.open = OpenEvents()
        self.pending: dict[str, Window] = {}  # threshold windows per event key text
        self.absent: dict[str, AbsentState] = {s.id: AbsentState() for s in signatures if s.absent is not None}
        self._absent_keys = {sid: EventKey(sid, host).text() for sid in self.absent}  # looked up at every due
        self.clock: int | None = None
        self.fired: dict[str, int] = {}  # events fired per signature id
        self._next_due: float = NEVER

    # ---- time ---------------------------------------------------------------------
    def advance(self, now: int | None) -> list[Event]:
        """Move the clock to ``now``; close, auto-resolve and fire what is due by then."""
        if now is None:
            return []
        if self.clock is None:
            self.clock = now
            for sid, st in self.absent.items():
                if _absent(self.signatures[sid]).arm == "start" and not st.armed:
                    st.armed, st.last = True, now
            self._next_due = self._compute_due()
        elif now > self.clock:
            self.clock = now
        if self.clock < self._next_due:
            return []
        out = self._due(self.clock)
        self._next_due = self._compute_due()
        return out

    def _compute_due(self) -> float:
        due = NEVER
        for ev in self.open.values():
            due = min(due, self._event_due(ev))
        for sid, st in self.absent.items():
            if st.armed and st.last is not None and self._absent_event(sid) is None:
                due = min(due, st.last + _absent(self.signatures[sid]).for_s * 1000)
        for win in self.pending.values():
            if win.times:
                due = min(due, self._window_end(win) + 1)
        return due

    def _window_end(self, win: Window) -> float:
        return win.times[-1] + _threshold(self.signatures[win.signature]).within_s * 1000

    def _event_due(self, ev: Event) -> float:
        """A lower bound of when the event reports next (``_event_reports`` decides)."""
        sig = self.signatures[ev.signature]
        due = min(self._overdue_at(ev), self._close_at(ev, sig))
        if ev.kind == "absent":
            return due
        if sig.auto_resolve_s:
            due = min(due, ev.last_seen + sig.auto_resolve_s * 1000)
        if ev.last_seen > ev.reported_at:
            due = min(due, ev.reported_at + _repeat_ms(sig))
        return due

    @staticmethod
    def _close_at(ev: Event, sig: Signature) -> float:
        """When a quiet window closes the event: the millisecond after the window has passed.
        An overdue or acknowledged event is not closed by quiet: it waits for its resolve (a
        record, auto-resolve, or the person who took it)."""
        if ev.kind == "absent" or ev.overdue or ev.acknowledged_at is not None:
            return NEVER
        return ev.last_seen + int(sig.dedup_window_s * 1000) + 1

    def _overdue_at(self, ev: Event) -> float:
        """When the event is (again) reported overdue if it still fires then: once its deadline
        has passed (the millisecond after it: resolved at the deadline is in time), then every
        ``escalation_repeat_s`` if set. The report carries the deadline (or the repeat's time).
        An acknowledged event is never (again) overdue."""
        if ev.acknowledged_at is not None:
            return NEVER  # someone took it: it no longer escalates
        if not ev.overdue:
            return ev.deadline + 1
        if self.escalation_repeat_ms and ev.escalated_at is not None:
            return ev.escalated_at + self.escalation_repeat_ms + 1
        return NEVER

    def _due(self, now: int) -> list[Event]:
        fired: list[tuple[int, str, Event]] = []
        for key, ev in list(self.open.items()):
            if self._event_due(ev) <= now:  # most open events have nothing due: a quick look first
                fired.extend((at, key, snap) for at, snap in self._event_reports(key, ev, now))
                self.open.touch(key)
        for sid, st in self.absent.items():
            sig = self.signatures[sid]
            if not st.armed or st.last is None or self._absent_event(sid) is not None:
                continue
            at = st.last + int(_absent(sig).for_s * 1000)
            if now >= at:
                ev = self._fire_absent(sig, st, at)
                fired.append((at, ev.dedup_key, ev.snapshot("fired", at)))
                fired.extend((t, ev.dedup_key, snap) for t, snap in self._event_reports(ev.dedup_key, ev, now))
                self.open.touch(ev.dedup_key)
        for key in [k for k, win in self.pending.items() if not win.times or now > self._window_end(win)]:
            del self.pending[key]
        fired.sort(key=lambda item: (item[0], item[2].signature, item[1]))  # same time: a stable order
        return [ev for _at, _key, ev in fired]

    def _event_reports(self, key: str, ev: Event, now: int) -> list[tuple[int, Event]]:
        """What one open event reports by ``now``, in time order whatever the clock skipped:
        repeats and overdue reports due before its end, then its end (auto-resolve, else the
        close of a window that passed without a hit, reported if it changed since its last
        report). An absent event ends only when its records come back (``_heartbeat``)."""
        sig = self.signatures[ev.signature]
        out = []
        if ev.kind == "absent":
            resolve_at = NEVER
        else:
            resolve_at = ev.last_seen + int(sig.auto_resolve_s * 1000) if sig.auto_resolve_s else NEVER
        while True:
            close_at = self._close_at(ev, sig)
            repeat_at = (
                ev.reported_at + _repeat_ms(sig) if ev.last_seen > ev.reported_at and ev.kind != "absent" else NEVER
            )
            if not ev.overdue and repeat_at >= ev.deadline:
                repeat_at = NEVER  # a repeat due at the deadline is the overdue report
            overdue_at = self._overdue_at(ev)
            if overdue_at > close_at or overdue_at >= resolve_at:
                overdue_at = NEVER  # it ends first (a quiet close at the deadline itself does not)
            if repeat_at >= min(resolve_at, close_at):
                repeat_at = NEVER
            at = min(repeat_at, overdue_at)
            if at > now:
                break
            if overdue_at <= repeat_at:  # the deadline first: its report carries the count so far
                at = int(overdue_at) - 1
                ev.overdue, ev.escalated_at = True, at
                out.append((at, ev.snapshot("overdue", at)))
            else:
                out.append((int(repeat_at), ev.snapshot("repeated", int(repeat_at))))
        close_at = self._close_at(ev, sig)
        if now >= resolve_at:
            ev.status, ev.resolved_at = "resolved", int(resolve_at)
            del self.open[key]
            out.append((int(resolve_at), ev.snapshot("resolved", int(resolve_at))))
        elif now >= close_at:
            del self.open[key]
            # always reported: a sink holding the event open (an Alertmanager alert, a PagerDuty
            # incident) learns that it ended, whether or not it changed since its last report
            out.append((int(close_at) - 1, ev.snapshot("closed", int(close_at) - 1)))
        return out

    # ---- records --------------------------------------------------------------------
    def process(self, matched: MatchedRecord, advance: bool = True) -> list[Event]:
        """Apply one record's matches; returns the events to report now.

        With ``advance`` (replay: records come merged in time order) the clock first moves to the
        record's time. The live sidecar passes False and moves the clock itself, to the point in
        time that every source has reached."""
        rec = matched.record
        out = self.advance(rec.time) if advance else []
        t = rec.time if rec.time is not None else (self.clock or 0)
        for m in matched.matches:
            if m.kind == "hit":
                ev = self._hit(m.signature, m.fields, rec, t)
            elif m.kind == "resolve":
                out.extend(self._resolve(m.signature, m.fields, t))
                continue
            elif m.kind == "radar":
                fields = (
                    self.radar.observe(rec.source, rec.text, t, rec.attrs, self.redactor.text) if self.radar else None
                )
                ev = self._hit(m.signature, fields, rec, t) if fields is not None else None
            else:
                ev = self._heartbeat(m.signature, rec, t)
            if ev is not None:
                out.append(ev)
        return out

    def reschedule(self) -> None:
        """Recompute when something is next due, after an open event was changed from outside
        (an operator's action: ``detection.actions``)."""
        self._next_due = self._compute_due()

    def _lower_due(self, due: float) -> None:
        """Keep ``_next_due`` a lower bound of every due time (recomputed when reached)."""
        if due < self._next_due:
            self._next_due = due

    def _hit(self, sig: Signature, fields: dict[str, Any], rec: Record, t: int) -> Event | None:
        text, masked = rec.text[: MESSAGE_MAX_CHARS * 2], None
        if fields:  # a field may hold a secret only its context shows: mask both at once
            masked, fields = self.redactor.record(text, fields)
            # a field is cut as the message is (a 200 MB event value would reach every sink)
            fields = {k: cut_message(v) if isinstance(v, str) else v for k, v in fields.items()}
        event_key = EventKey.of(sig, self.host, fields)
        key = event_key.text()
        ev = self.open.get(key)
        if ev is not None:
            if t - ev.last_seen <= sig.dedup_window_s * 1000:
                ev.count += 1
                ev.last_seen = max(ev.last_seen, t)
                ev.dirty = True
                self.open.touch(key)
                self._lower_due(ev.reported_at + _repeat_ms(sig))
                return None
            del self.open[key]  # a quiet gap: a new event follows
        first, count, kind = t, 1, "match"
        if sig.threshold is not None:
            times = self.pending.setdefault(key, Window(sig.id, [])).times
            bisect.insort(times, t)
            horizon = t - sig.threshold.within_s * 1000
            while times and times[0] < horizon:
                times.pop(0)
            if len(times) < sig.threshold.count:
                self._lower_due(times[-1] + sig.threshold.within_s * 1000 + 1)
                return None
            first, count, kind = times[0], len(times), "threshold"
            del self.pending[key]
        ev = Event(
            id=event_id(event_key, first, f"{rec.source}|{_file_name(rec.path)}|{rec.line}"),
            signature=sig.id,
            title=sig.title,
            application=sig.application,
            category=sig.category,
            priority=sig.priority,
            response_time_s=sig.response_time_s,
            status="firing",
            detected_at=t,
            first_seen=first,
            last_seen=t,
            count=count,
            host=self.host,
            source=rec.source,
            path=rec.path,
            line=rec.line,
            message=cut_message(masked if masked is not None else self.redactor.text(text)),
            fields=dict(fields),
            dedup_key=key,
            kind=kind,
            description=sig.description,
            runbook=sig.runbook,
        )
        self.open[key] = ev
        self.fired[sig.id] = self.fired.get(sig.id, 0) + 1
        snap = ev.snapshot("fired", t)
        self._lower_due(self._event_due(ev))
        return snap

    def _resolve(self, sig: Signature, captured: dict[str, Any], t: int) -> list[Event]:
        out = []
        for key, ev in list(self.open.items()):
            if ev.signature != sig.id or ev.kind == "absent":
                continue
            if any(ev.fields.get(name) != captured[name] for name in sig.dedup_by if name in captured):
                continue
            ev.status, ev.resolved_at = "resolved", max(t, ev.last_seen)
            del self.open[key]
            out.append(ev.snapshot("resolved", ev.resolved_at))
        for key in [k for k, win in self.pending.items() if win.signature == sig.id]:
            del self.pending[key]
        return out

    def rearm_absent(self, sid: str, at: int) -> None:
        """Start an absence timer again from ``at`` (its event was resolved by hand while its
        records are still missing: it fires again after another ``for``, not at once)."""
        st = self.absent.get(sid)
        if st is not None:
            st.armed, st.last = True, max(at, st.last or at)

    def _absent_event(self, sid: str) -> Event | None:
        return self.open.get(self._absent_keys[sid])

    def _heartbeat(self, sig: Signature, rec: Record, t: int) -> Event | None:
        st = self.absent[sig.id]
        st.armed = True
        st.last = t if st.last is None else max(st.last, t)
        st.source, st.path, st.line = rec.source, rec.path, rec.line
        self._lower_due(st.last + _absent(sig).for_s * 1000)
        ev = self._absent_event(sig.id)
        if ev is None or ev.kind != "absent":
            return None
        ev.status, ev.resolved_at = "resolved", max(t, ev.detected_at)
        del self.open[ev.dedup_key]
        return ev.snapshot("resolved", ev.resolved_at)

    def _fire_absent(self, sig: Signature, st: AbsentState, at: int) -> Event:
        event_key = EventKey(sig.id, self.host)
        key = event_key.text()
        last = iso(st.last)
        message = (
            f"no record matching the {sig.id} heartbeat for {format_duration(_absent(sig).for_s)} (last seen {last})"
        )
        ev = Event(
            id=event_id(event_key, at, "absent"),
            signature=sig.id,
            title=sig.title,
            application=sig.application,
            category=sig.category,
            priority=sig.priority,
            response_time_s=sig.response_time_s,
            status="firing",
            detected_at=at,
            first_seen=at,
            last_seen=at,
            count=1,
            host=self.host,
            source=st.source,
            path=st.path,
            line=st.line,
            message=message,
            fields={"last_heartbeat": last or ""},
            dedup_key=key,
            kind="absent",
            description=sig.description,
            runbook=sig.runbook,
        )
        self.open[key] = ev
        self.fired[sig.id] = self.fired.get(sig.id, 0) + 1
        return ev

    # ---- persistence ------------------------------------------------------------------
    def snapshot(self, with_open: bool = True) -> dict[str, Any]:
        """The whole state as JSON-ready data (open events, threshold windows, absence timers);
        without ``open`` when the state writes the open events a row each (``open.take_changes``)."""
        return {
            "clock": self.clock,
            "fired": dict(self.fired),
            **({"open": [dict(vars(ev)) for ev in self.open.values()]} if with_open else {}),
            "version": SNAPSHOT_VERSION,
            "pending": [{"key": k, "signature": w.signature, "times": list(w.times)} for k, w in self.pending.items()],
            "absent": {sid: dict(vars(st)) for sid, st in self.absent.items()},
        }

    def restore(self, snap: dict[str, Any], rewrite: bool = True) -> None:
        """Take over a snapshot; state of signatures that no longer exist is dropped. Without
        ``rewrite`` the snapshot's open events are the state's rows: only what is dropped is
        noted as changed."""
        self.clock = snap.get("clock")
        self.fired = {k: v for k, v in snap.get("fired", {}).items() if k in self.signatures}
        self.open = OpenEvents(rewrite)
        for data in snap.get("open", []):
            if data.get("signature") in self.signatures:
                ev = Event(**data)
                dict.__setitem__(self.open, ev.dedup_key, ev)
            elif isinstance(data.get("dedup_key"), str):
                self.open.touch(data["dedup_key"])
        self.pending = {}
        for item in snap.get("pending", []):
            sig = self.signatures.get(item["signature"])
            if sig is not None and sig.threshold is not None:
                self.pending[item["key"]] = Window(sig.id, list(item["times"]))
        for sid, data in snap.get("absent", {}).items():
            if sid in self.absent:
                self.absent[sid] = AbsentState(**data)
        self._next_due = self._compute_due()

    # ---- end of input -----------------------------------------------------------------
    def finish(self) -> list[Event]:
        """Open events that changed since they were last reported (end of a replay)."""
        at = self.clock or 0
        return [ev.snapshot("updated", at) for _k, ev in sorted(self.open.items()) if ev.dirty]


@lru_cache(maxsize=256)
def _file_name(path: str | None) -> str:
    return PurePath(path or "").name


def _repeat_ms(sig: Signature) -> int:
    return int((sig.repeat_s or sig.response_time_s) * 1000)


def _absent(sig: Signature) -> Absent:
    """The absence rule of a signature the detector keeps a heartbeat for (only those have one)."""
    assert sig.absent is not None
    return sig.absent


def _threshold(sig: Signature) -> Threshold:
    """The threshold of a signature the detector keeps a window for (only those have one)."""
    assert sig.threshold is not None
    return sig.threshold
