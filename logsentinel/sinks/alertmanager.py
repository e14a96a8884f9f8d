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
import time
from datetime import datetime, timezone

from logsentinel.sinks.base import Sink
from logsentinel.sinks.http import HttpClient, expand_env

SEVERITY = {"P1": "critical", "P2": "error", "P3": "warning", "P4": "info"}
HEARTBEAT_NAME = "LogsentinelHeartbeat"


def _iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def by_fields(event: dict) -> dict:
    """The dedup.by fields, read back from the dedup key (signature|host|name=value...)."""
    out = {}
    for part in event["dedup_key"].split("|")[2:]:
        name, _, value = part.partition("=")
        if name.isidentifier() and name not in ("alertname", "priority", "severity", "host"):
            out[name] = value
    return out


def alert(event: dict, ends_at: str, generator_url: str | None = None) -> dict:
    labels = {
        "alertname": event["signature"], "priority": event["priority"],
        "severity": SEVERITY.get(event["priority"], "warning"), "host": event["host"],
        "application": event.get("application") or "", "source": event.get("source") or "",
    }
    labels.update(by_fields(event))
    path = (event.get("path") or "").replace("\\", "/")
    url = generator_url or (f"file://{event['host']}/{path.lstrip('/')}#L{event.get('line') or 0}" if path else "")
    out = {
        "labels": {k: str(v) for k, v in labels.items() if v != ""},
        "annotations": {
            "summary": f"{event['title']} on {event['host']}" + (f" ({event['count']} times)" if event["count"] > 1 else ""),
            "description": (event.get("message") or "")[:2000],
            "deadline": event["deadline"],
            "count": str(event["count"]),
            "event_id": event["id"],
        },
        "startsAt": event["first_seen"],
        "endsAt": ends_at,
    }
    if url:
        out["generatorURL"] = url
    return out


class AlertmanagerSink(Sink):
    type = "alertmanager"

    def __init__(self, name, cfg, base):
        super().__init__(name, cfg, base)
        self.url = expand_env(cfg["url"]).rstrip("/") + "/api/v2/alerts"
        self.resend = float(cfg.get("resend_interval", 60))
        self.client = HttpClient(float(cfg.get("timeout", 10)), bool(cfg.get("verify_tls", True)),
                                 cfg.get("ca_file"))
        self.active: dict[str, dict] | None = None  # event id -> last report, loaded lazily
        self.last_post = 0.0

    def _load(self, state) -> dict:
        if self.active is None:
            raw = state.get_sink_state(self.name, "active")
            self.active = json.loads(raw) if raw else {}
        return self.active

    def deliver(self, reports, state):
        active = dict(self._load(state))
        now = time.time()
        alerts = []
        for report in reports:
            event = json.loads(report)
            if event["status"] == "resolved" or event.get("report") == "closed":
                end = event.get("resolved_at") or _iso(now)
                alerts.append(alert(event, end))
                active.pop(event["id"], None)
            else:
                alerts.append(alert(event, _iso(now + 4 * self.resend)))
                active[event["id"]] = event
        self.client.post_json(self.url, alerts)
        self.active = active
        self.last_post = now
        return {"active": json.dumps(active)}

    def tick(self, state, now: float):
        active = self._load(state)
        if not active or now - self.last_post < self.resend:
            return None
        self.client.post_json(self.url, [alert(e, _iso(now + 4 * self.resend)) for e in active.values()])
        self.last_post = now
        return None

    def heartbeat(self, host: str, now: float, interval: float = 60.0) -> None:
        self.client.post_json(self.url, [{
            "labels": {"alertname": HEARTBEAT_NAME, "host": host, "severity": "none"},
            "annotations": {"summary": f"logsentinel on {host} is alive (an always-firing alert: "
                                       "route it to a dead man's switch)"},
            "startsAt": _iso(now), "endsAt": _iso(now + 3 * interval)}])

    def close(self) -> None:
        self.client.close()
