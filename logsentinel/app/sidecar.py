"""The live sidecar: tail -> records -> matching -> detection -> outbox -> sinks.

One loop reads what the suite wrote (woken by file-system hints, and sweeping every second
anyway), turns it into blocks of records, matches and detects exactly as replay does, and
commits offsets, detector state and new reports in one transaction. Sink threads deliver from
the outbox. A clock tick each second drives absence timers and dedup windows.
"""

from __future__ import annotations

import logging
import signal
import threading
import time
from dataclasses import dataclass, field

from logsentinel.app.config import Config
from logsentinel.detection.detector import Detector
from logsentinel.dispatch.worker import Dispatcher
from logsentinel.signatures.load import Library
from logsentinel.matching.matcher import Matcher
from logsentinel.sources.probes import build_probes
from logsentinel.sources.probes.runner import ProbeRunner
from logsentinel.app.reload import Reloader
from logsentinel.records.blocks import Block, SourceSpec
from logsentinel.sinks import build_sinks
from logsentinel.app.state import State
from logsentinel.sources.files.hints import Hints
from logsentinel.sources.files.follow import SourceTail
from logsentinel.detection.timeline import HOLD, block_items, feed

log = logging.getLogger("logsentinel.run")

POLL_INTERVAL_S = 1.0
SINK_RECENT_S = 300.0      # /readyz: a sink with reports waiting behind errors for longer is not ready
PRUNE_EVERY_S = 3600.0     # delivered reports older than a day are deleted this often
PROBE_SOURCE = "probes"   # the source name of probe records (signatures select it with sources:)
BACKLOG_BUDGET = 1 << 20     # bytes per source and pass
INTERLEAVE_CHUNK = 256 << 10  # bytes read from one file before choosing again (backlogs)


@dataclass
class RunStats:
    commits: int = 0
    events: int = 0
    dropped: int = 0
    reloads: int = 0
    reloads_refused: int = 0
    reports: dict = field(default_factory=dict)   # (signature, report) -> count


class Sidecar:
    """Owns the state, the tails, the detector and the dispatcher of one running sidecar."""

    def __init__(self, config: Config, library: Library, clock=time.time, engine: str = "auto"):
        self.config = config
        self.library = library
        self.clock = clock
        self.engine = engine
        self.last_loop = time.monotonic()
        self._next_prune = 0.0
        self._last_time: dict[str, int] = {}   # per file: the latest record time seen
        self.stop_event = threading.Event()
        self.wake = threading.Event()
        self.stats = RunStats()
        self.state = State(config.state)
        first_start = self.state.get_meta("started") is None
        self.matcher = Matcher(library.signatures, engine=engine)
        for src in config.sources:
            self.matcher.plan(src.name)  # compile before reading anything
        self.detector = Detector(library.signatures, config.host, config.redactor)
        snap = self.state.load_detector()
        if snap:
            self.detector.restore(snap)
        self.tails = [SourceTail(src, src.spec(), self.state.load_files(src.name), first_start)
                      for src in config.sources]
        base = config.path.parent if config.path else config.state.parent
        self.sinks = build_sinks(config.sinks, base)
        self.dispatcher = Dispatcher(self.sinks, config.state, config.host, config.heartbeat_s)
        self.hints: Hints | None = None
        self.probes = build_probes(config.probes, base)
        self.probe_runner = ProbeRunner(self.probes, self.wake, self.stop_event) if self.probes else None
        self.probe_spec = SourceSpec.build(PROBE_SOURCE, every_line=True, timezone="UTC")
        self.reloader = Reloader(config.patterns, engine, self.wake, self.stop_event, self.stats)
        self.metrics = None

    # ---- life cycle ----------------------------------------------------------------------
    def install_signal_handlers(self) -> None:
        def _stop(signum, _frame):
            log.info("signal %s: stopping", signum)
            self.stop()

        def _reload(signum, _frame):
            log.info("SIGHUP: reloading the patterns")
            self.reloader.trigger.set()
        handlers = [(signal.SIGTERM, _stop), (signal.SIGINT, _stop)]
        if hasattr(signal, "SIGHUP"):
            handlers.append((signal.SIGHUP, _reload))
        for sig, handler in handlers:
            try:
                signal.signal(sig, handler)
            except (ValueError, OSError):  # not the main thread / not on this platform
                pass

    def stop(self) -> None:
        self.stop_event.set()
        self.wake.set()

    def run(self) -> None:
        log.info("logsentinel running on %s: %d signatures, %d sources, %d sinks, state %s",
                 self.config.host, len(self.library.signatures), len(self.tails), len(self.sinks),
                 self.config.state)
        self.dispatcher.start()
        if self.probe_runner is not None:
            self.probe_runner.start()
        self.reloader.watch()
        self.reloader.start()
        if self.config.metrics:
            from logsentinel.app.metrics import MetricsServer
            self.metrics = MetricsServer(self, self.config.metrics["host"], self.config.metrics["port"])
            self.metrics.start()
        self.hints = Hints([p for src in self.config.sources for p in src.paths], self.wake)
        try:
            while not self.stop_event.is_set():
                self.last_loop = time.monotonic()
                try:
                    busy = self.step()
                except Exception:  # never die on what the logs or the disk do: recover and go on
                    log.exception("the main loop failed; going back to the last committed state and on")
                    self._recover()
                    self.stop_event.wait(1.0)
                    continue
                if not busy:
                    self.wake.wait(timeout=self._idle_timeout())
                    self.wake.clear()
        finally:
            self.shutdown()

    def shutdown(self) -> None:
        if self.metrics is not None:
            self.metrics.stop()
        if self.hints is not None:
            self.hints.stop()
        self.dispatcher.stop(timeout=3.0)
        for tail in self.tails:
            tail.close()
        self.state.close()
        log.info("logsentinel stopped")

    def _read_in_time_order(self, budget: int) -> list[Block]:
        """Read waiting files a chunk at a time, always from the file whose records are the
        oldest so far: a backlog of several files is then detected in time order, as replay
        merges them (an absence or a threshold sees every source at the same point in time)."""
        blocks: list[Block] = []
        left = budget * max(len(self.tails), 1)
        while left > 0:
            waiting = [(tail, ff) for tail in self.tails for ff in tail.waiting()]
            if not waiting:
                break
            tail, ff = min(waiting, key=lambda p: (p[1].cutter.prev_time if p[1].cutter.prev_time is not None
                                                   else -1, p[1].path))
            before = ff.offset
            blocks += tail.read_file(ff, INTERLEAVE_CHUNK)
            left -= max(ff.offset - before, 1)
        return blocks

    def _recover(self) -> None:
        """Forget what was read and detected since the last commit: the tails and the detector
        start again from the state database, so nothing is lost or reported twice."""
        for tail in self.tails:
            tail.close()
        try:
            self.tails = [SourceTail(src, src.spec(), self.state.load_files(src.name), False)
                          for src in self.config.sources]
            detector = Detector(self.library.signatures, self.config.host, self.config.redactor)
            snap = self.state.load_detector()
            if snap:
                detector.restore(snap)
            self.detector = detector
        except Exception:
            log.exception("cannot read the state database yet; will try again")

    def apply_library(self, library: Library) -> None:
        """Take a checked library; open events, windows and timers of kept signatures carry over."""
        old = {s.id for s in self.library.signatures}
        new = {s.id for s in library.signatures}
        self.config.apply_defaults(library.signatures)
        matcher = Matcher(library.signatures, engine=self.engine)
        for src in self.config.sources:
            matcher.plan(src.name)
        snap = self.detector.snapshot()
        detector = Detector(library.signatures, self.config.host, self.config.redactor)
        detector.restore(snap)
        self.library, self.matcher, self.detector = library, matcher, detector
        self.stats.reloads += 1
        log.info("patterns reloaded: %d signatures (%d added, %d removed); %d open events carried over",
                 len(new), len(new - old), len(old - new), len(detector.open))

    def outbox_view(self):
        """(counts per (sink, status), oldest pending time per sink), for metrics."""
        import sqlite3
        con = sqlite3.connect(str(self.config.state), timeout=2)
        try:
            counts = {(r[0], r[1]): r[2] for r in con.execute("SELECT sink, status, COUNT(*) FROM outbox GROUP BY sink, status")}
            oldest = {r[0]: r[1] for r in con.execute("SELECT sink, MIN(created) FROM outbox WHERE status = 'pending' GROUP BY sink")}
        finally:
            con.close()
        return counts, oldest

    def readiness(self) -> list[str]:
        """Why the sidecar is not ready ([] when it is): state writable, sinks delivering."""
        import sqlite3
        problems = []
        try:
            con = sqlite3.connect(str(self.config.state), timeout=2)
            try:
                con.execute("BEGIN IMMEDIATE")
                con.execute("ROLLBACK")
            finally:
                con.close()
        except sqlite3.Error as exc:
            problems.append(f"state database {self.config.state} is not writable: {exc}")
        try:
            counts, _oldest = self.outbox_view()
        except sqlite3.Error:
            counts = {}
        now = time.time()
        for w in self.dispatcher.workers:
            pending = counts.get((w.sink.name, "pending"), 0)
            if pending and w.last_error and (w.last_ok is None or now - w.last_ok > SINK_RECENT_S):
                problems.append(f"sink {w.sink.name}: {pending} report(s) waiting; last error: {w.last_error}")
        return problems

    def _idle_timeout(self) -> float:
        timeout = POLL_INTERVAL_S
        now = time.monotonic()
        for tail in self.tails:
            for ff in tail.files.values():
                if ff.cutter.pending:
                    timeout = min(timeout, max(ff.last_data + tail.cfg.flush_after_s - now, 0.005))
        return timeout

    # ---- one pass ------------------------------------------------------------------------
    def step(self) -> bool:
        """Sweep, read, match, detect, commit. True while a backlog remains."""
        new_library = self.reloader.take()
        if new_library is not None:
            self.apply_library(new_library)
        blocks = []
        for tail in self.tails:
            blocks += tail.sweep()
        blocks += self._read_in_time_order(BACKLOG_BUDGET)
        caught_up = not any(tail.waiting() for tail in self.tails)
        for tail in self.tails:
            if caught_up:
                blocks += tail.read(BACKLOG_BUDGET)  # whatever was appended since the sweep
            blocks += tail.flush_quiet()
        if self.probe_runner is not None:
            for at, result in self.probe_runner.drain():
                blocks.append(Block((result.text + "\n").encode("utf-8"), 1, f"probe:{result.probe}",
                                    self.probe_spec, at))
        # one timeline per file, merged by time (as replay does)
        streams: dict[str, list] = {}
        for block in blocks:
            items, self._last_time[block.path] = block_items(block, self.matcher, self._last_time.get(block.path, 0))
            streams.setdefault(block.path, []).extend(items)
        waiting = [ff for tail in self.tails for ff in tail.waiting()]
        if waiting:
            # catching up on a backlog: time follows the records, but only up to the point every
            # file still being read has reached (no file read ahead may judge an absence alone)
            reached = [ff.cutter.prev_time for ff in waiting]
            cap = min(reached) if None not in reached else HOLD
            events = list(feed(self.detector, streams.values(), cap=cap))
        else:
            events = list(feed(self.detector, streams.values()))
            # caught up: the wall clock drives absence timers and windows
            events += self.detector.advance(int(self.clock() * 1000))
        backlog = bool(waiting)
        rows = [row for tail in self.tails for row in tail.dirty_rows()]
        forgotten = [(tail.cfg.name, key) for tail in self.tails for key in tail.take_forgotten()]
        if rows or events or blocks or forgotten:
            with self.state.transaction() as db:
                for source, key in forgotten:
                    self.state.forget_file(db, source, key)
                for row in rows:
                    self.state.save_file(db, row)
                self.state.save_detector(db, self.detector.snapshot())
                for ev in events:
                    dropped = self.state.enqueue(db, self.dispatcher.names, ev.to_dict(), self.dispatcher.max_pending)
                    if dropped:
                        self.stats.dropped += dropped
                        log.error("outbox full: %d lowest-priority report(s) set aside (see logsentinel outbox)", dropped)
                self.state.set_meta(db, "started", "1")
                if time.monotonic() >= self._next_prune:
                    self._next_prune = time.monotonic() + PRUNE_EVERY_S
                    self.state.prune_delivered(db)
            for tail in self.tails:
                tail.mark_clean()
            self.stats.commits += 1
        if events:
            self.stats.events += len(events)
            for ev in events:
                key = (ev.signature, ev.report)
                self.stats.reports[key] = self.stats.reports.get(key, 0) + 1
                log.info("event %s %s %s count=%d %s:%s", ev.status, ev.priority, ev.signature, ev.count,
                         ev.path, ev.line)
            self.dispatcher.poke()
        return backlog
