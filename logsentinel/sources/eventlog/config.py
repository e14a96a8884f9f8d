"""An event-log source's settings: ``{type: eventlog, name, channels, query, start_at}``."""

from __future__ import annotations

from dataclasses import dataclass, field

from logsentinel.yamlload import did_you_mean

EVENTLOG_KEYS = {"type", "name", "channels", "query", "start_at"}


@dataclass
class EventLogConfig:
    name: str
    channels: list[str] = field(default_factory=lambda: ["Application", "System"])
    query: str | None = None  # an XPath query (default: every event)
    start_at: str = "end"  # end: new events only on first start; beginning: the whole channel


def parse_eventlog(item: dict, label: str) -> tuple[EventLogConfig, list[tuple[object, object, str]]]:
    problems: list[tuple[object, object, str]] = []

    def err(key, message) -> None:
        problems.append((item, key, f"{label}{message}"))

    for key in item:
        if key not in EVENTLOG_KEYS:
            err(key, ": unknown key for an eventlog source" + did_you_mean(key, EVENTLOG_KEYS))
    name = item.get("name")
    if not isinstance(name, str) or not name:
        err("name", ": missing or not a string")
        name = label
    cfg = EventLogConfig(name=name)
    channels = item.get("channels", cfg.channels)
    if isinstance(channels, str):
        channels = [channels]
    if not isinstance(channels, list) or not channels or not all(isinstance(c, str) and c for c in channels):
        err("channels", ": expected a list of channel names (e.g. [Application, System])")
    else:
        cfg.channels = list(channels)
    if item.get("query") is not None:
        if not isinstance(item["query"], str):
            err("query", ": expected an XPath query string")
        elif item["query"].lstrip().startswith("<QueryList"):
            err(
                "query",
                ": a <QueryList> query is not supported: each channel is subscribed on its own, and a "
                "QueryList makes every subscription return every channel's events (each event twice or more); "
                "give an XPath filter such as '*[System[(EventID=7031 or EventID=7034)]]' and list the "
                "channels under channels:",
            )
        else:
            cfg.query = item["query"]
    start_at = item.get("start_at", "end")
    if start_at not in ("end", "beginning"):
        err("start_at", f": expected 'end' or 'beginning', got {start_at!r}")
    else:
        cfg.start_at = start_at
    return cfg, problems
