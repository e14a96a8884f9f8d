"""``webhook`` sink: POSTs each report (the event JSON of docs/events.md) to a URL."""

from __future__ import annotations

import json
import time

from logsentinel.sinks.base import Sink
from logsentinel.sinks.http import HttpClient, expand_env


class WebhookSink(Sink):
    type = "webhook"
    batch = 1  # one report per request: a permanent refusal concerns that report only

    def __init__(self, name, cfg, base):
        super().__init__(name, cfg, base)
        self.url = expand_env(cfg["url"])
        headers = {k: expand_env(str(v)) for k, v in (cfg.get("headers") or {}).items()}
        self.client = HttpClient(float(cfg.get("timeout", 10)), bool(cfg.get("verify_tls", True)),
                                 cfg.get("ca_file"), headers)

    def deliver(self, reports, state):
        for report in reports:
            self.client.post_json(self.url, json.loads(report))
        return None

    def heartbeat(self, host: str, now: float, interval: float = 60.0) -> None:
        self.client.post_json(self.url, {"type": "heartbeat", "host": host,
                                         "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now))})

    def close(self) -> None:
        self.client.close()
