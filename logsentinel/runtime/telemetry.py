"""What a running sidecar shows the outside: the live objects the metrics read when scraped,
handed over by the sidecar (which replaces matcher, detector and tails on reload and recovery)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from logsentinel.clock import Clock
from logsentinel.detection.detector import Detector
from logsentinel.matching.matcher import Matcher
from logsentinel.runtime.checkpoint import RunStats
from logsentinel.sources.files.timehints import IgnoredTimes


@dataclass
class Telemetry:
    """The counters metrics read when scraped, handed in by the sidecar (nothing is counted
    twice on the hot path): per source, the tail's stats and lag; the matcher's, the run's and
    each sink worker's counters; the probes' last results."""

    tails: list  # SourceTail: .cfg.name, .stats, .lag()
    matcher: Matcher  # replaced on reload
    run: RunStats
    workers: list  # SinkWorker: .sink.name, .counters
    probes: list  # Probe: .name, .last
    state_path: Path
    clock: Clock
    detector: Detector  # replaced on reload and recovery
    ignored_times: IgnoredTimes | None = None
    eventlogs: list = field(default_factory=list)  # EventLogTail: .channel_states(), .stats (replaced on recovery)
    health: object | None = None  # runtime.health.Health: .last_loop_wall (the heartbeat metric)
