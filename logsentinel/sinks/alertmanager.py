"""``alertmanager`` sink: Prometheus Alertmanager API v2 (``POST /api/v2/alerts``).

One queue per cluster member (every member of an HA cluster expects every alert). An event is
an alert labelled ``alertname`` (the signature id), ``priority``, ``severity``, ``host``,
``application``, ``source`` and its ``dedup.by`` fields, so repeats of one event are one alert.
As Alertmanager's clients must, firing alerts are posted again while they are open (every
``resend_interval``, 60 s by default) with ``endsAt`` four intervals ahead, the way Prometheus
does; a resolved or closed event is posted once more with ``endsAt`` at its end and then
dropped. The set of open alerts is kept in the state database, so a restart goes on re-posting.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from logsentinel.sinks.base import POSITIVE, Sink, mask_url
from logsentinel.sinks.http import HttpSettings, expand_env
from logsentinel.sinks.severity import SEVERITY
from logsentinel.timefmt import iso_s as _iso

HEARTBEAT_NAME = "LogsentinelHeartbeat"


@dataclass(frozen=True, kw_only=True)
class AlertmanagerSettings(HttpSettings):
    urls: list[str] = field(metadata={"non_empty": True})  # every member of the HA cluster
    resend_interval: float = field(default=60.0, metadata=POSITIVE)
    generator_url: str | None = None

    def target(self) -> str:
        return "cluster"

    def env_values(self) -> list[tuple[str, str]]:
        return [("urls", u) for u in self.urls]


RESERVED_LABELS = ("alertname", "priority", "severity", "host", "application", "source", "overdue")


LABEL_VALUE_MAX = 128


def field_labels(event: dict) -> dict:
    """The event's fields as labels, with their true values: those whose names are valid label
    names (and not ours) and whose values are short single lines (a stack trace or an event's
    whole text is no label; it is in the description)."""
    return {
        name: str(value)
        for name, value in (event.get("fields") or {}).items()
        if name.isidentifier()
        and name.isascii()
        and name not in RESERVED_LABELS
        and not name.startswith("__")
        and len(str(value)) <= LABEL_VALUE_MAX
        and "\n" not in str(value)
    }


def alert(event: dict, ends_at: str, generator_url: str | None = None) -> dict:
    labels = {
        "alertname": event["signature"],
        "priority": event["priority"],
        "severity": SEVERITY.get(event["priority"], "warning"),
        "host": event["host"],
        "application": event.get("application") or "",
        "source": event.get("source") or "",
    }
    labels.update(field_labels(event))
    if event.get("overdue"):
        labels["overdue"] = "true"  # routes can escalate on it
    path = (event.get("path") or "").replace("\\", "/")
    url = generator_url or (f"file://{event['host']}/{path.lstrip('/')}#L{event.get('line') or 0}" if path else "")
    out = {
        "labels": {k: str(v) for k, v in labels.items() if v != ""},
        "annotations": {
            "summary": f"{event['title']} on {event['host']}"
            + (f" ({event['count']} times)" if event["count"] > 1 else ""),
            # what it means (the signature's description), then the record
            "description": "\n\n".join(t for t in (event.get("description"), event.get("message")) if t)[:2000],
            "deadline": event["deadline"],
            "count": str(event["count"]),
            "event_id": event["id"],
        },
        "startsAt": event["first_seen"],
        "endsAt": ends_at,
    }
    for key in ("acknowledged_by", "resolved_by", "note"):  # annotations: the label set stays the alert's
        if event.get(key):
            out["annotations"][key] = str(event[key])[:500]
    if event.get("runbook"):
        out["annotations"]["runbook_url"] = event["runbook"]  # the name Prometheus alerting rules use
    if url:
        out["generatorURL"] = url
    return out


class AlertmanagerSink(Sink):
    type = "alertmanager"
    settings = AlertmanagerSettings

    @classmethod
    def members(cls, name, cfg: AlertmanagerSettings, base, clock):  # type: ignore[override]  # the registry pairs each type with its settings
        return [cls(f"{name}@{mask_url(url)}", cfg, base, clock, url) for url in cfg.urls]

    def __init__(self, name, cfg: AlertmanagerSettings, base, clock, url: str) -> None:
        super().__init__(name, cfg, base, clock)
        self.url = expand_env(url).rstrip("/") + "/api/v2/alerts"
        self.resend = cfg.resend_interval
        self.generator_url = cfg.generator_url
        self.client = cfg.client(clock)
        self.active: dict[str, dict] | None = None  # event id -> last report, loaded lazily
        self.last_post = 0.0

    def _load(self, store) -> dict:
        if self.active is None:
            raw = store.get("active")
            self.active = json.loads(raw) if raw else {}
        return self.active

    def deliver(self, reports, store):
        active = dict(self._load(store))
        now = self.clock.time()
        alerts = []
        for report in reports:
            event = json.loads(report)
            if event["status"] == "resolved" or event.get("report") == "closed":
                end = event.get("resolved_at") or _iso(now)
                alerts.append(alert(event, end, self.generator_url))
                active.pop(event["id"], None)
            else:
                before = active.get(event["id"])
                if event.get("overdue") and before is not None and not before.get("overdue"):
                    # the label set changes: end the alert without the label, or it would linger
                    alerts.append(alert(before, _iso(now), self.generator_url))
                alerts.append(alert(event, _iso(now + 4 * self.resend), self.generator_url))
                active[event["id"]] = event
        self.client.post_json(self.url, alerts)
        self.active = active
        self.last_post = now
        return {"active": json.dumps(active)}

    def tick(self, store, now: float):
        active = self._load(store)
        if not active or now - self.last_post < self.resend:
            return None
        self.client.post_json(
            self.url, [alert(e, _iso(now + 4 * self.resend), self.generator_url) for e in active.values()]
        )
        self.last_post = now
        return None

    def heartbeat(self, host: str, now: float, interval: float = 60.0) -> None:
        self.client.post_json(
            self.url,
            [
                {
                    "labels": {"alertname": HEARTBEAT_NAME, "host": host, "severity": "none"},
                    "annotations": {
                        "summary": f"logsentinel on {host} is alive (an always-firing alert: "
                        "route it to a dead man's switch)"
                    },
                    "startsAt": _iso(now),
                    "endsAt": _iso(now + 3 * interval),
                }
            ],
        )

    def close(self) -> None:
        self.client.close()
