"""An operator's actions on open events: acknowledge (someone took it: no more escalation) and
resolve (closed by hand: every sink gets a resolve); and on the new-error radar's templates:
ignore (a known kind from now on; its open event, if any, is resolved). Pure, like the detector they change: an
action arrives as data with its own time, whether the live sidecar or a command applies it."""

from __future__ import annotations

from dataclasses import dataclass, field

from logsentinel.detection.detector import Detector
from logsentinel.detection.events import Event
from logsentinel.detection.radar import RADAR_ID

KINDS = ("ack", "resolve", "ignore")
MIN_PREFIX = 6  # an event id may be given by its first characters, as status prints them
NOTE_MAX = 500


@dataclass(frozen=True)
class OperatorAction:
    kind: str  # "ack", "resolve" or "ignore"
    target: str  # an event id, or its first characters; for ignore, a template: SOURCE:ID
    by: str
    at: int  # epoch ms the operator asked
    note: str = ""


@dataclass
class ActionOutcome:
    ok: bool
    text: str  # one line: what was done, or why not
    reports: list[Event] = field(default_factory=list)
    event_id: str | None = None


def find_event(detector: Detector, target: str) -> tuple[Event | None, str]:
    """The open event an id (or an id's first characters) names, or None and why not."""
    target = target.strip().lower()
    if len(target) < MIN_PREFIX:
        return None, f"event id {target!r} is too short: give at least {MIN_PREFIX} characters"
    found = [ev for ev in detector.open.values() if ev.id.startswith(target)]
    if not found:
        return None, f"no open event has the id {target!r} (logsentinel status lists them)"
    if len(found) > 1:
        return None, f"{len(found)} open events have ids starting {target!r}: give more characters"
    return found[0], ""


def apply_action(detector: Detector, action: OperatorAction) -> ActionOutcome:
    """Apply one action; the reports it makes go to the sinks like any other."""
    if action.kind not in KINDS:
        return ActionOutcome(False, f"unknown action {action.kind!r}")
    if action.kind == "ignore":
        return _ignore(detector, action)
    ev, why = find_event(detector, action.target)
    if ev is None:
        return ActionOutcome(False, why)
    note = action.note.strip()[:NOTE_MAX]
    at = max(action.at, ev.detected_at)
    what = f"{ev.signature} {ev.priority} (event {ev.id[:12]})"
    if action.kind == "ack":
        if ev.acknowledged_at is not None:
            return ActionOutcome(True, f"{what} was already acknowledged by {ev.acknowledged_by}", event_id=ev.id)
        ev.acknowledged_by, ev.acknowledged_at, ev.note = action.by, at, note
        detector.open.touch(ev.dedup_key)
        detector.reschedule()
        return ActionOutcome(True, f"acknowledged {what} as {action.by}", [ev.snapshot("acknowledged", at)], ev.id)
    ev.status, ev.resolved_at, ev.resolved_by = "resolved", max(at, ev.last_seen), action.by
    if note:
        ev.note = note
    del detector.open[ev.dedup_key]
    if ev.kind == "absent":  # its records are still missing: the timer starts again from now
        detector.rearm_absent(ev.signature, at)
    detector.reschedule()
    return ActionOutcome(True, f"resolved {what} as {action.by}", [ev.snapshot("resolved", ev.resolved_at)], ev.id)


def _ignore(detector: Detector, action: OperatorAction) -> ActionOutcome:
    """A radar template (``SOURCE:ID``) is ignored: never new again; its open event resolved."""
    source, _, tid = action.target.strip().rpartition(":")
    if detector.radar is None:
        return ActionOutcome(False, "the new-error radar is off in this config (radar: {enabled: false})")
    if not source or not tid.isdigit() or not detector.radar.set_status(source, int(tid), "ignored"):
        return ActionOutcome(False, f"no radar template {action.target!r} (logsentinel radar lists them as SOURCE:ID)")
    reports = []
    for ev in list(detector.open.values()):
        if ev.signature == RADAR_ID and ev.fields.get("source") == source and ev.fields.get("template_id") == tid:
            ev.status, ev.resolved_at, ev.resolved_by = "resolved", max(action.at, ev.last_seen), action.by
            if action.note.strip():
                ev.note = action.note.strip()[:NOTE_MAX]
            del detector.open[ev.dedup_key]
            reports.append(ev.snapshot("resolved", ev.resolved_at))
    detector.reschedule()
    return ActionOutcome(True, f"radar template {source}:{tid} ignored by {action.by}", reports)
