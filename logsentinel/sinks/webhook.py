"""``webhook`` sink: POSTs each report (the event JSON of docs/events.md) to a URL."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from logsentinel.sinks.base import Sink
from logsentinel.sinks.http import HttpSettings, expand_env
from logsentinel.timefmt import iso_s


@dataclass(frozen=True, kw_only=True)
class WebhookSettings(HttpSettings):
    url: str
    headers: dict[str, str] = field(default_factory=dict)

    def target(self) -> str:
        return self.url

    def env_values(self) -> list[tuple[str, str]]:
        return [("url", self.url)] + [(f"headers.{k}", v) for k, v in self.headers.items()]


class WebhookSink(Sink):
    type = "webhook"
    settings = WebhookSettings
    batch = 1  # one report per request: a permanent refusal concerns that report only

    def __init__(self, name, cfg: WebhookSettings, base, clock):
        super().__init__(name, cfg, base, clock)
        self.url = expand_env(cfg.url)
        self.client = cfg.client(clock, {k: expand_env(v) for k, v in cfg.headers.items()})

    def deliver(self, reports, store):
        for report in reports:
            self.client.post_json(self.url, json.loads(report))
        return None

    def heartbeat(self, host: str, now: float, interval: float = 60.0) -> None:
        self.client.post_json(self.url, {"type": "heartbeat", "host": host, "time": iso_s(now)})

    def close(self) -> None:
        self.client.close()
