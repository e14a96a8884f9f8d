"""The live sidecar: sources -> records -> matching -> detection -> outbox -> sinks.

One loop reads what the suite wrote (woken by file-system hints, sweeping every second anyway:
``reading``), matches and detects exactly as replay does (``detection.timeline``), and commits
positions, detector state and new reports in one transaction (``checkpoint``). Sink threads
deliver from the outbox (``dispatch``). Caught up, the wall clock drives absence timers and
dedup windows.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import signal
import threading
from collections.abc import Callable
from typing import Any

from logsentinel.cache.matcher import build_matcher
from logsentinel.clock import SYSTEM, Clock
from logsentinel.config.load import Config
from logsentinel.detection.timeline import block_items, feed, place, record_items
from logsentinel.dispatch.worker import Dispatcher
from logsentinel.records.blocks import Block, SourceSpec
from logsentinel.runtime import early
from logsentinel.runtime.checkpoint import Checkpoint, RunStats, load_detector
from logsentinel.runtime.health import Health
from logsentinel.runtime.operator import take_actions
from logsentinel.runtime.reading import read_batch
from logsentinel.runtime.reload import Reloader, library_changes
from logsentinel.runtime.telemetry import Telemetry
from logsentinel.signatures.load import Library
from logsentinel.signatures.model import Signature
from logsentinel.sinks.registry import build_sinks
from logsentinel.sources.eventlog.follow import EventLogTail
from logsentinel.sources.eventlog.query import default_query
from logsentinel.sources.files.follow import SourceTail
from logsentinel.sources.files.handles import per_source_budget, raise_open_limit
from logsentinel.sources.files.hints import Hints
from logsentinel.sources.files.timehints import IgnoredTimes
from logsentinel.sources.probes.base import PROBE_SOURCE
from logsentinel.sources.probes.registry import build_probes
from logsentinel.sources.probes.runner import ProbeRunner
from logsentinel.state.database import State
from logsentinel.state.detector import build_detector

log = logging.getLogger("logsentinel.run")

POLL_INTERVAL_S = 1.0
CAREFUL_AFTER = 2  # the loop failing this many times in a row: the next pass goes record by record
ALIVE_EVERY_S = 10.0  # how often the state database is told the sidecar is alive (status)


class Sidecar:
    """Wires the stages of one running sidecar and runs its loop."""

    def __init__(
        self,
        config: Config,
        library: Library,
        clock: Clock = SYSTEM,
        engine: str = "auto",
        listener: Callable[[Telemetry, Health, Config], Any] | None = None,
    ) -> None:
        self.config = config
        self.make_listener = listener  # the web listener's class (``web.listener``), given by ``run``
        self.library = library
        self.clock = clock
        self.engine = engine
        self.stop_event = threading.Event()
        self.wake = threading.Event()
        self.stats = RunStats()
        self.state = State(config.state)
        if self.state.reset_note:
            log.warning("%s", self.state.reset_note)
        signatures = self._signatures(library)  # one radar signature for the matcher and the detector
        self.matcher = build_matcher(signatures, engine, [src.name for src in config.sources])
        self.detector = load_detector(self.state, signatures, config)
        first_start = self.state.get_meta("started") is None
        self.tails = self._open_tails(first_start)
        self.eventlogs = self._open_eventlogs(first_start)
        self.sinks = build_sinks(config.sinks, config.base, clock)
        self.dispatcher = Dispatcher(self.sinks, config.state, config.host, config.heartbeat_s, clock)
        self.checkpoint = Checkpoint(self.state, self.dispatcher.names, self.dispatcher.max_pending, self.stats)
        self.health = Health(config.state, self.dispatcher.workers, clock)
        self.probes = build_probes(config.probes, config.base)
        self.probe_runner = ProbeRunner(self.probes, self.wake, self.stop_event, clock) if self.probes else None
        self.probe_spec = SourceSpec.build(PROBE_SOURCE, every_line=True, timezone="UTC")
        self.reloader = Reloader(
            config.patterns, engine, self.wake, self.stop_event, self.stats, clock, bundled=config.bundled_patterns
        )
        self._last_time: dict[str, int] = {}  # per file: the latest record time seen
        self.ignored_times = IgnoredTimes()
        self.hints: Hints | None = None
        self.metrics = None
        self._must_recover = False
        self._channels_said: str | None = None  # the channel states last written to the state
        self.health.source_problems = self._source_problems
        self.health.notes = self._notes

    def _open_tails(self, first_start: bool) -> list[SourceTail]:
        limit = raise_open_limit()
        budget = per_source_budget(limit, len(self.config.sources))
        if self.config.sources:
            log.info("open files: at most %d per source (descriptor limit %s)", budget, limit or "none")
        return [
            SourceTail(src, src.spec(), self.state.load_files(src.name), first_start, self.clock, budget)
            for src in self.config.sources
        ]

    def _open_eventlogs(self, first_start: bool) -> list[EventLogTail]:
        return [
            EventLogTail(cfg, self.state.load_bookmarks(cfg.name), first_start, self.clock, self._query(cfg.name))
            for cfg in self.config.eventlogs
        ]

    def _query(self, source: str) -> str | None:
        """The query a channel needs when the config gives none (``sources.eventlog.query``)."""
        return default_query(self.library.signatures, source)

    # ---- life cycle ----------------------------------------------------------------------
    def install_signal_handlers(self) -> None:
        def _stop(signum, _frame) -> None:
            log.info("signal %s: stopping", signum)
            self.stop()

        def _reload(signum, _frame) -> None:
            log.info("SIGHUP: reloading the patterns")
            self.reloader.request()

        handlers = [(signal.SIGTERM, _stop), (signal.SIGINT, _stop)]
        if hasattr(signal, "SIGBREAK"):  # Ctrl+Break on Windows
            handlers.append((signal.SIGBREAK, _stop))
        if hasattr(signal, "SIGHUP"):
            handlers.append((signal.SIGHUP, _reload))
        for sig, handler in handlers:
            with contextlib.suppress(ValueError, OSError):  # not the main thread / not on this platform
                signal.signal(sig, handler)
        queued = early.take()  # what came while it was starting (runtime/early.py)
        if "reload" in queued:
            log.info("SIGHUP before the loop ran: the patterns are reloaded now")
            self.reloader.request()
        if "stop" in queued:
            log.info("a stop was asked while starting: stopping")
            self.stop()

    def stop(self) -> None:
        self.stop_event.set()
        self.wake.set()

    def run(self) -> None:
        log.info(
            "logsentinel running on %s: %d signatures, %d sources, %d sinks, state %s",
            self.config.host,
            len(self.library.signatures),
            len(self.tails),
            len(self.sinks),
            self.config.state,
        )
        self._start_threads()
        self._announce()
        try:
            while not self.stop_event.is_set():
                self.health.beat()
                self._still_alive()
                try:
                    busy = self.step()
                    self.health.loop_ok()
                except Exception as exc:  # never die on what the logs or the disk do: recover and go on
                    log.exception("the main loop failed; going back to the last committed state and on")
                    self.health.loop_failed(exc)
                    self.recover()
                    self.clock.wait(self.stop_event, 1.0)
                    continue
                if not busy:
                    self.clock.wait(self.wake, self._idle_timeout())
                    self.wake.clear()
        finally:
            self.shutdown()

    def _announce(self) -> None:
        """Say in the state database that this process runs it (``logsentinel status``)."""
        now = self.clock.time()
        self._alive_said = now
        with self.state.transaction() as db:
            self.state.set_meta(
                db, "sidecar", json.dumps({"pid": os.getpid(), "since": int(now * 1000), "host": self.config.host})
            )
            self.state.set_meta(db, "alive_at", str(int(now * 1000)))

    def _still_alive(self) -> None:
        now = self.clock.time()
        if now - self._alive_said < ALIVE_EVERY_S:
            return
        self._alive_said = now
        try:
            with self.state.transaction() as db:
                self.state.set_meta(db, "alive_at", str(int(now * 1000)))
        except Exception:  # a busy or full disk: health says so; status only shows an older time
            log.debug("cannot note that the sidecar is alive", exc_info=True)

    def listen(self) -> None:
        """Bind the metrics and status listener, if configured and given (OSError: the port is
        taken...): ``run`` does it before it says it runs."""
        if self.config.metrics and self.metrics is None and self.make_listener is not None:
            telemetry = Telemetry(
                self.tails,
                self.matcher,
                self.stats,
                self.dispatcher.workers,
                self.probes,
                self.config.state,
                self.clock,
                self.detector,
                self.ignored_times,
                self.eventlogs,
                self.health,
            )
            self.telemetry = telemetry
            self.metrics = self.make_listener(telemetry, self.health, self.config)

    def _start_threads(self) -> None:
        self.dispatcher.start()
        if self.probe_runner is not None:
            self.probe_runner.start()
        self.reloader.watch()
        self.reloader.start()
        self.listen()
        if self.metrics is not None:
            self.metrics.start()
        self.hints = Hints([p for src in self.config.sources for p in src.paths], self.wake)

    def shutdown(self) -> None:
        if self.metrics is not None:
            self.metrics.stop()
        if self.hints is not None:
            self.hints.stop()
        self.dispatcher.stop(timeout=3.0)
        for tail in self.tails + self.eventlogs:
            tail.close()
        try:
            with self.state.transaction() as db:
                db.execute("DELETE FROM meta WHERE key = 'sidecar'")
        except Exception:
            log.debug("cannot note that the sidecar stopped", exc_info=True)
        self.state.close()
        log.info("logsentinel stopped")

    def _signatures(self, library: Library) -> list[Signature]:
        """The library's signatures, and the new-error radar's when the config runs it."""
        return self.config.with_radar(library.signatures)

    def recover(self) -> None:
        """Forget what was read and detected since the last commit: the tails and the detector
        start again from the state database, so nothing is lost or reported twice. The new tails
        and detector are made before the old ones go; if they cannot be (the state database cannot
        be read yet), nothing is read until a later pass manages it."""
        try:
            tails = self._open_tails(first_start=False)
            eventlogs = self._open_eventlogs(first_start=False)
            detector = load_detector(self.state, self._signatures(self.library), self.config)
        except Exception:
            log.exception("cannot read the state database yet; will try again")
            self._must_recover = True
            return
        for tail in self.tails + self.eventlogs:
            tail.close()
        self.tails, self.eventlogs, self.detector = tails, eventlogs, detector
        self._must_recover = False
        self._telemetry_follows()

    def apply_library(self, library: Library) -> None:
        """Take a checked library; open events, windows and timers of kept signatures carry over."""
        self.config.defaults.apply(library.signatures)
        for problem in self.config.limits.apply(library.signatures):
            log.warning("%s", problem)  # the reloaded library dropped a signature the config sets a limit on
        added, removed, changed = library_changes(self.library.signatures, library.signatures)
        signatures = self._signatures(library)
        self.matcher = build_matcher(signatures, self.engine, [src.name for src in self.config.sources])
        radar = self.detector.radar  # its templates carry over whole
        self.detector = build_detector(signatures, self.config, self.detector.snapshot())
        self.detector.radar = radar
        self.library = library
        if any(tail.query != (tail.cfg.query or self._query(tail.cfg.name)) for tail in self.eventlogs):
            # the signatures need other events: subscribe again from the committed bookmarks (a
            # reload comes between two passes, so nothing is read and not yet committed)
            eventlogs = self._open_eventlogs(first_start=False)
            for tail in self.eventlogs:
                tail.close()
            self.eventlogs = eventlogs
        self.stats.reloads += 1
        self._telemetry_follows()
        log.info(
            "patterns reloaded: %d signatures; added: %s; removed: %s; changed: %s; %d open events carried over",
            len(library.signatures),
            ", ".join(added) or "none",
            ", ".join(removed) or "none",
            ", ".join(changed) or "none",
            len(self.detector.open),
        )

    def _telemetry_follows(self) -> None:
        telemetry = getattr(self, "telemetry", None)
        if telemetry is not None:
            telemetry.tails, telemetry.matcher, telemetry.detector = self.tails, self.matcher, self.detector
            telemetry.eventlogs = self.eventlogs

    def _idle_timeout(self) -> float:
        due = [t for t in (tail.next_flush() for tail in self.tails) if t is not None]
        if not due:
            return POLL_INTERVAL_S
        return min(POLL_INTERVAL_S, max(min(due) - self.clock.monotonic(), 0.005))

    # ---- one pass ------------------------------------------------------------------------
    def step(self) -> bool:
        """Sweep, read, match, detect, commit. True while a backlog remains."""
        if self._must_recover:
            self.recover()
            if self._must_recover:
                return False
        new_library = self.reloader.take()
        if new_library is not None:
            self.apply_library(new_library)
        batch = read_batch(self.tails)
        radar = self.detector.radar  # the detector's (a recovery or reload makes a new one)
        self.matcher.gate = radar.gate if radar is not None else None
        probes = self.probe_runner.drain() if self.probe_runner is not None else []
        blocks = batch.blocks + self._probe_blocks(probes)
        streams, more_events = self._streams(blocks), False
        for tail in self.eventlogs:
            per_channel, fetched = tail.read()
            more_events |= fetched > 0  # fetched, not kept: a backlog of filtered events is read at once
            for records in per_channel.values():  # one time-ordered stream per channel, merged in feed
                streams.append(record_items(records, self.matcher, tail.cfg.name))
        self._note_channels()
        # caught up, the detector's clock follows the wall clock: a record dated ahead of it (a
        # wrong clock on the writer's side) does not move absence timers and windows forward
        now_ms = int(self.clock.time() * 1000)
        careful = self.health.failures_in_row >= CAREFUL_AFTER  # the same batch failed: record by record
        events = list(
            feed(
                self.detector,
                streams,
                cap=now_ms if batch.cap is None else batch.cap,
                set_aside=self._set_aside if careful else None,
            )
        )
        if batch.cap is None:  # caught up: the wall clock drives absence timers and windows
            events += self.detector.advance(int(self.clock.time() * 1000))
        acted, actions = take_actions(self.state, self.detector)  # ack and resolve from a command or the page
        events += acted
        if (
            self.checkpoint.commit(
                self.tails,
                self.detector,
                events,
                self.clock.time(),
                self.clock.monotonic(),
                self.eventlogs,
                probes,
                actions,
            )
            and events
        ):
            self.dispatcher.poke()
        return batch.backlog or more_events

    def _channel_states(self) -> list[dict]:
        return [state for tail in self.eventlogs for state in tail.channel_states()]

    def _note_channels(self) -> None:
        """Write the event-log channels' states to the state database when they change (``status``
        reads them there, also while the sidecar is stopped)."""
        if not self.eventlogs:
            return
        said = json.dumps([{k: v for k, v in s.items() if k != "retry_in_s"} for s in self._channel_states()])
        if said == self._channels_said:
            return
        try:
            with self.state.transaction() as db:
                self.state.set_meta(db, "eventlog_channels", said)
            self._channels_said = said
        except Exception:  # a busy disk: said again at the next pass
            log.debug("cannot note the event-log channels' states", exc_info=True)

    def _notes(self) -> list[str]:
        error = self.reloader.last_error
        return [f"the last pattern reload was refused, the running library stays: {error}"] if error else []

    def _source_problems(self) -> list[str]:
        return [
            f"event-log channel {s['channel']} ({s['source']}) cannot be read: {s['error']}"
            for s in self._channel_states()
            if s["state"] != "open"
        ]

    def _set_aside(self, item, error: Exception) -> None:
        where = place(item)
        self.stats.records_set_aside += 1
        log.error(
            "%s: set aside (the batch failed twice; the record still fails: %s: %s); reading goes on",
            where,
            type(error).__name__,
            str(error)[:300],
        )

    def _probe_blocks(self, probes: list) -> list[Block]:
        return [
            Block((result.text + "\n").encode("utf-8"), 1, f"probe:{result.probe}", self.probe_spec, at)
            for at, result in probes
        ]

    def _streams(self, blocks: list[Block]) -> list[list]:
        """One timeline per file (merged by time in ``feed``, as replay does)."""
        streams: dict[str, list] = {}
        for block in blocks:
            items, self._last_time[block.path] = block_items(block, self.matcher, self._last_time.get(block.path, 0))
            self.ignored_times.note(block.spec.name, block.path, block.ignored_times)
            streams.setdefault(block.path, []).extend(items)
        return list(streams.values())
