"""The commit of one batch: file positions (and files forgotten), the detector's snapshot and
the reports it made (into every sink's outbox queue, unless an active silence keeps one back:
then it is recorded as silenced), in one transaction."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from logsentinel.detection.actions import ActionOutcome
from logsentinel.detection.detector import Detector
from logsentinel.detection.events import Event
from logsentinel.dispatch.outbox import Outbox
from logsentinel.dispatch.silences import silencing
from logsentinel.signatures.model import Signature
from logsentinel.state.database import State, read_silences
from logsentinel.state.detector import build_detector

if TYPE_CHECKING:
    from logsentinel.config.load import Config
    from logsentinel.sources.eventlog.follow import EventLogTail
    from logsentinel.sources.files.follow import SourceTail
    from logsentinel.sources.probes.base import ProbeResult

log = logging.getLogger("logsentinel.run")

PRUNE_EVERY_S = 3600.0  # delivered reports older than a day are deleted this often
SILENCED_KEPT_S = 7 * 86400.0  # silenced reports and ended silences are kept this long


def load_detector(state: State, signatures: list[Signature], config: Config) -> Detector:
    """The detector as the state database holds it."""
    snapshot, from_rows = state.load_detector()
    detector = build_detector(signatures, config, snapshot, from_rows)
    if config.radar.enabled:
        detector.radar = state.load_radar(config.radar_settings())
    return detector


DROPS_SAID_EVERY_S = 60.0  # a full outbox is said at most this often, with the count


@dataclass
class RunStats:
    commits: int = 0
    events: int = 0
    reloads: int = 0
    reloads_refused: int = 0
    reloads_unchanged: int = 0  # a request (SIGHUP, a touched file) with the same library content
    records_set_aside: int = 0  # records the detector failed on, in a batch that failed twice
    dropped: int = 0  # reports set aside by a full outbox (max_pending)
    reports: dict = field(default_factory=dict)  # (signature, report) -> count
    silenced: int = 0  # reports kept back by a silence


class Checkpoint:
    """Commits batches to the state database."""

    def __init__(self, state: State, sinks: list[str], max_pending: dict[str, int], stats: RunStats) -> None:
        self.state = state
        self.sinks = sinks
        self.max_pending = max_pending
        self._drops_said_at = float("-inf")  # when the last "outbox full" line was written
        self._unsaid_drops = 0
        self.stats = stats
        self._next_prune = 0.0

    def commit(
        self,
        tails: list[SourceTail],
        detector: Detector,
        events: list[Event],
        now: float,
        mono: float,
        eventlogs: Sequence[EventLogTail] = (),
        probes: Sequence[tuple[int, ProbeResult]] = (),
        actions: Sequence[tuple[int, ActionOutcome]] = (),
    ) -> bool:
        """Write what changed; True if anything was written. ``probes``: (epoch ms, ProbeResult);
        ``actions``: the operator's actions taken in this pass, (id, outcome)."""
        rows = [row for tail in tails for row in tail.dirty_rows()]
        forgotten = [(tail.cfg.name, key) for tail in tails for key in tail.take_forgotten()]
        bookmarks = [row for tail in eventlogs for row in tail.dirty_rows()]
        if not (rows or events or forgotten or bookmarks or probes or actions):
            return False
        state = self.state
        with state.transaction() as db:
            for source, key in forgotten:
                state.forget_file(db, source, key)
            for row in rows:
                state.save_file(db, row, now)
            for bookmark in bookmarks:
                state.save_bookmark(db, bookmark)
            for at, result in probes:
                state.save_probe(db, result.probe, at, result.text, result.ok, result.value)
            state.save_detector(db, detector)
            if detector.radar is not None:
                state.save_radar(db, detector.radar)
            silenced = self._enqueue(db, events, now)
            for action_id, outcome in actions:
                state.finish_action(db, action_id, outcome, int(now * 1000))
            state.set_meta(db, "started", "1")
            if mono >= self._next_prune:
                self._next_prune = mono + PRUNE_EVERY_S
                Outbox.prune_delivered(db, now)
                State.prune_silenced(db, int((now - SILENCED_KEPT_S) * 1000))
        for tail in tails:
            tail.mark_clean()
        for log_tail in eventlogs:
            log_tail.mark_clean()
        self.stats.commits += 1
        self._count(events, silenced)
        for action_id, outcome in actions:
            log.info("operator action %d: %s", action_id, outcome.text)  # the command says it, too
        return True

    def _enqueue(self, db, events: list[Event], now: float) -> dict[str, str]:
        """Queue the reports for every sink, except those an active silence takes (recorded in
        ``silenced``); returns {event id + report: silence id} of these."""
        now_ms = int(now * 1000)
        silences = read_silences(db, now_ms) if events else []
        reports, silenced = [], {}
        for ev in events:
            report = ev.to_dict()
            if ev.report in ("resolved", "closed"):
                State.record_ended(db, report, now_ms)
            silence = silencing(report, silences, now_ms) if silences else None
            if silence is None:
                reports.append(report)
            else:
                State.record_silenced(db, silence.id, report, now_ms)
                silenced[ev.id + ev.report] = silence.id
        dropped = Outbox.enqueue_many(db, self.sinks, reports, now, self.max_pending)
        if dropped:
            self.stats.dropped += dropped
            self._unsaid_drops += dropped
            if now - self._drops_said_at >= DROPS_SAID_EVERY_S:  # a burst: one line per interval, not per report
                log.error(
                    "outbox full: %d lowest-priority report(s) set aside in the last %.0f s (see logsentinel outbox)",
                    self._unsaid_drops,
                    min(now - self._drops_said_at, DROPS_SAID_EVERY_S),
                )
                self._drops_said_at, self._unsaid_drops = now, 0
        return silenced

    def _count(self, events: list[Event], silenced: dict[str, str]) -> None:
        self.stats.events += len(events)
        self.stats.silenced += len(silenced)
        for ev in events:
            key = (ev.signature, ev.report)
            self.stats.reports[key] = self.stats.reports.get(key, 0) + 1
            # the report's kind (fired, overdue, resolved...), not the event's status: an overdue
            # report of a firing event said "firing" a second time
            silence = silenced.get(ev.id + ev.report)
            log.info(
                "event %s %s %s id=%s count=%d %s:%s%s",
                ev.report,
                ev.priority,
                ev.signature,
                ev.id[:12],
                ev.count,
                ev.path,
                ev.line,
                f" (silenced by {silence}: recorded, not sent)" if silence else "",
            )
