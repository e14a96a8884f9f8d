"""The sink interface and the table of sink types."""

from __future__ import annotations

from pathlib import Path


class DeliveryError(Exception):
    """A batch was not delivered. ``permanent`` means retrying cannot help (e.g. HTTP 400)."""

    def __init__(self, message: str, permanent: bool = False, retry_after: float | None = None,
                 status: int | None = None, body: str | None = None):
        super().__init__(message)
        self.permanent = permanent
        self.retry_after = retry_after
        self.status = status
        self.body = body


class Sink:
    """Base class: one configured destination (one queue in the outbox)."""

    type = "?"
    batch = 100               # reports per deliver() call
    default_rate_per_min: float | None = None

    def __init__(self, name: str, cfg: dict, base: Path):
        self.name = name
        self.cfg = cfg
        rate = cfg.get("rate_limit", self.default_rate_per_min)
        self.rate_per_min = float(rate) if rate else None
        self.max_pending = int(cfg.get("max_pending", 10000))

    def tick(self, state, now: float) -> dict | None:
        """Called about every second: re-send what the receiver expects again (Alertmanager).
        May return sink state to save. Failures raise DeliveryError and are only logged."""
        return None

    def heartbeat(self, host: str, now: float, interval: float = 60.0) -> None:
        """Tell the receiver this sidecar is alive (config ``heartbeat``), if the sink can."""

    def recover(self, state) -> None:
        """Called once at start, before any delivery (e.g. drop a half-written batch)."""

    def deliver(self, reports: list[str], state) -> dict | None:
        """Deliver every report or raise DeliveryError. May return sink state to commit with
        the delivery (key -> value)."""
        raise NotImplementedError

    def close(self) -> None:
        pass


def sink_name(cfg: dict, index: int) -> str:
    """A stable name for the sink's queue: its ``name``, else type and target."""
    if cfg.get("name"):
        return str(cfg["name"])
    target = cfg.get("path") or cfg.get("url") or ("cluster" if cfg.get("urls") else None)
    return f"{cfg.get('type')}:{target}" if target else f"{cfg.get('type')}:{index}"


def sink_types() -> dict[str, type]:
    from logsentinel.sinks.alertmanager import AlertmanagerSink
    from logsentinel.sinks.jsonl import JsonlSink
    from logsentinel.sinks.pagerduty import PagerDutySink
    from logsentinel.sinks.stdout import StdoutSink
    from logsentinel.sinks.webhook import WebhookSink
    return {"jsonl": JsonlSink, "stdout": StdoutSink, "webhook": WebhookSink,
            "alertmanager": AlertmanagerSink, "pagerduty": PagerDutySink}


def build_sinks(configs: list[dict], base: Path) -> list[Sink]:
    """Sinks from the config's ``sinks:`` list (validated by the config loader). An
    Alertmanager HA cluster becomes one queue per member: each member gets every alert, and
    one member down does not hold the others back."""
    types = sink_types()
    out: list[Sink] = []
    for i, cfg in enumerate(configs):
        name = sink_name(cfg, i)
        if cfg["type"] == "alertmanager":
            for url in cfg["urls"]:
                member = dict(cfg, url=url)
                out.append(types["alertmanager"](f"{name}@{url}", member, base))
        else:
            out.append(types[cfg["type"]](name, cfg, base))
    return out
