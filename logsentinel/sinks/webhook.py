"""``webhook`` sink: POSTs each report to a URL: the event JSON of docs/events.md (``format:
event``, the default), or a chat message for Slack or Teams (``sinks.chat``)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from logsentinel.sinks.base import Sink
from logsentinel.sinks.chat import FORMATS
from logsentinel.sinks.http import HttpSettings, expand_env
from logsentinel.timefmt import iso_s


@dataclass(frozen=True, kw_only=True)
class WebhookSettings(HttpSettings):
    url: str
    headers: dict[str, str] = field(default_factory=dict)
    format: str = "event"  # event, slack or teams

    def problems(self) -> list[tuple[str, str]]:
        bad = (
            []
            if self.format in ("event", *FORMATS)
            else [("format", f"expected event, slack or teams, got {self.format!r}")]
        )
        return bad + super().problems()

    def target(self) -> str:
        return self.url

    def env_values(self) -> list[tuple[str, str]]:
        return [("url", self.url)] + [(f"headers.{k}", v) for k, v in self.headers.items()]


class WebhookSink(Sink):
    type = "webhook"
    settings = WebhookSettings
    batch = 1  # one report per request: a permanent refusal concerns that report only

    def __init__(self, name, cfg: WebhookSettings, base, clock) -> None:
        super().__init__(name, cfg, base, clock)
        self.url = expand_env(cfg.url)
        self.client = cfg.client(clock, {k: expand_env(v) for k, v in cfg.headers.items()})
        self.body = FORMATS.get(cfg.format)

    def deliver(self, reports, store):
        for report in reports:
            event = json.loads(report)
            self.client.post_json(self.url, self.body(event) if self.body else event)
        return None

    def heartbeat(self, host: str, now: float, interval: float = 60.0) -> None:
        if self.body is not None:
            return  # a chat channel is no dead man's switch: heartbeats go to machine receivers
        self.client.post_json(self.url, {"type": "heartbeat", "host": host, "time": iso_s(now)})

    def close(self) -> None:
        self.client.close()
