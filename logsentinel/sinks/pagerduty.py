"""``pagerduty`` sink: PagerDuty Events API v2.

Fired and repeated reports are ``trigger`` events, an acknowledged report an ``acknowledge``
event, resolved reports ``resolve`` events, all with
the event's ``dedup_key``, so PagerDuty keeps one incident per event and drops repeats. A
``closed`` report (quiet for a window) sends nothing: an incident is resolved by a person or by a
resolve record, not by silence. PagerDuty accepts about 120 events a minute per routing key:
that is this sink's default rate limit.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from logsentinel.sinks.base import Sink
from logsentinel.sinks.http import HttpSettings, expand_env
from logsentinel.sinks.severity import SEVERITY, raised

DEFAULT_URL = "https://events.pagerduty.com/v2/enqueue"
SUMMARY_MAX = 1024
DEDUP_MAX = 255


def pagerduty_event(event: dict, routing_key: str) -> dict | None:
    """The Events API v2 body for one report, or None when nothing is to be sent."""
    report = event.get("report", "fired")
    if report == "closed":
        return None
    if event["status"] == "resolved":
        action = "resolve"
    elif report == "acknowledged":
        action = "acknowledge"  # logsentinel ack (or the page): the incident is taken
    else:
        action = "trigger"
    body = {"routing_key": routing_key, "event_action": action, "dedup_key": event["dedup_key"][:DEDUP_MAX]}
    if action == "trigger":
        summary = f"[{event['priority']}] {event['title']} on {event['host']}"
        if event.get("count", 1) > 1:
            summary += f" ({event['count']} times)"
        severity = SEVERITY.get(event["priority"], "warning")
        if event.get("overdue"):  # its deadline passed while it was still firing: one step up
            severity = raised(severity)
            summary = "OVERDUE " + summary
        body["payload"] = {
            "summary": summary[:SUMMARY_MAX],
            "source": event["host"],
            "severity": severity,
            "timestamp": event["detected_at"],
            "component": event.get("application") or None,
            "group": event.get("category"),
            "class": event["signature"],
            "custom_details": {
                "priority": event["priority"],
                "deadline": event["deadline"],
                "count": event["count"],
                "first_seen": event["first_seen"],
                "last_seen": event["last_seen"],
                "fields": event.get("fields", {}),
                "message": event.get("message", ""),
                "source": event.get("source"),
                "path": event.get("path"),
                "line": event.get("line"),
                "event_id": event["id"],
                "description": event.get("description"),
            },
        }
        if event.get("runbook"):
            body["links"] = [{"href": event["runbook"], "text": "Runbook"}]
    return body


@dataclass(frozen=True, kw_only=True)
class PagerDutySettings(HttpSettings):
    routing_key: str
    url: str | None = None  # the Events API v2 endpoint, DEFAULT_URL when not set

    def target(self) -> str | None:
        return self.url

    def env_values(self) -> list[tuple[str, str]]:
        return [("routing_key", self.routing_key)] + ([("url", self.url)] if self.url else [])


class PagerDutySink(Sink):
    type = "pagerduty"
    settings = PagerDutySettings
    batch = 1
    default_rate_per_min = 120.0

    def __init__(self, name, cfg: PagerDutySettings, base, clock) -> None:
        super().__init__(name, cfg, base, clock)
        self.routing_key = expand_env(cfg.routing_key)
        self.url = expand_env(cfg.url or DEFAULT_URL)
        self.client = cfg.client(clock)

    def deliver(self, reports, store):
        for report in reports:
            body = pagerduty_event(json.loads(report), self.routing_key)
            if body is not None:
                self.client.post_json(self.url, body)
        return None

    def close(self) -> None:
        self.client.close()
