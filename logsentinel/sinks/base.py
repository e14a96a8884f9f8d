"""The sink interface and the table of sink types."""

from __future__ import annotations

from pathlib import Path


class DeliveryError(Exception):
    """A batch was not delivered. ``permanent`` means retrying cannot help (e.g. HTTP 400)."""

    def __init__(self, message: str, permanent: bool = False, retry_after: float | None = None):
        super().__init__(message)
        self.permanent = permanent
        self.retry_after = retry_after


class Sink:
    """Base class: one configured destination."""

    type = "?"

    def __init__(self, name: str, cfg: dict, base: Path):
        self.name = name
        self.cfg = cfg

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
    target = cfg.get("path") or cfg.get("url") or (cfg.get("urls") or [None])[0]
    return f"{cfg.get('type')}:{target}" if target else f"{cfg.get('type')}:{index}"


def sink_types() -> dict[str, type]:
    from .jsonl import JsonlSink
    from .stdout import StdoutSink
    return {"jsonl": JsonlSink, "stdout": StdoutSink}


def build_sinks(configs: list[dict], base: Path) -> list[Sink]:
    """Sinks from the config's ``sinks:`` list (validated by config.validate_sinks)."""
    types = sink_types()
    return [types[cfg["type"]](sink_name(cfg, i), cfg, base) for i, cfg in enumerate(configs)]
