"""The table of sink types: the one module that knows every sink. ``base`` imports none of them,
so no sink module and its interface import each other."""

from __future__ import annotations

from pathlib import Path

from logsentinel.clock import SYSTEM, Clock
from logsentinel.sinks.alertmanager import AlertmanagerSink
from logsentinel.sinks.base import Sink, SinkSettings, sink_name
from logsentinel.sinks.jsonl import JsonlSink
from logsentinel.sinks.pagerduty import PagerDutySink
from logsentinel.sinks.smtp import EmailSink
from logsentinel.sinks.stdout import StdoutSink
from logsentinel.sinks.webhook import WebhookSink

SINK_TYPES: dict[str, type[Sink]] = {
    cls.type: cls for cls in (JsonlSink, StdoutSink, WebhookSink, AlertmanagerSink, PagerDutySink, EmailSink)
}


def build_sinks(configs: list[SinkSettings], base: Path, clock: Clock = SYSTEM) -> list[Sink]:
    """Sinks from the config's validated ``sinks:``. An Alertmanager HA cluster becomes one
    queue per member: each member gets every alert, and one member down does not hold the
    others back."""
    out: list[Sink] = []
    for i, cfg in enumerate(configs):
        out.extend(SINK_TYPES[cfg.type].members(sink_name(cfg, i), cfg, base, clock))
    return out
