"""The sink interface and the settings every sink has (the table of sink types is ``registry``).

Each sink type declares its settings as a dataclass in its own module (keys, defaults, checks);
the config loader only picks the type and reads that dataclass (``config.sections``).
"""

from __future__ import annotations

import builtins
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from logsentinel.clock import SYSTEM, Clock

POSITIVE = {"positive": True}


class DeliveryError(Exception):
    """A batch was not delivered. ``permanent`` means retrying cannot help (e.g. HTTP 400)."""

    def __init__(
        self,
        message: str,
        permanent: bool = False,
        retry_after: float | None = None,
        status: int | None = None,
        body: str | None = None,
    ) -> None:
        super().__init__(message)
        self.permanent = permanent
        self.retry_after = retry_after
        self.status = status
        self.body = body


@dataclass(frozen=True, kw_only=True)
class SinkSettings:
    """Keys of every sink."""

    type: str
    name: str | None = None
    max_pending: int = field(default=10000, metadata=POSITIVE)
    rate_limit: float | None = field(default=None, metadata=POSITIVE)
    backoff_max: float = field(default=60.0, metadata=POSITIVE)

    def target(self) -> str | None:
        """What the sink writes to, for its default name."""
        return None

    def problems(self) -> list[tuple[str, str]]:
        """Checks beyond the keys' types: (key, message)."""
        return []


class Sink:
    """Base class: one configured destination (one queue in the outbox).

    ``store`` (a ``dispatch.outbox.SinkStore``) keeps what the sink must remember across
    deliveries and restarts: ``get(key)`` and ``put(key, value)``."""

    type = "?"
    settings: builtins.type[SinkSettings] = SinkSettings  # (``type`` above is the type's name)
    batch = 100  # reports per deliver() call
    default_rate_per_min: float | None = None

    def __init__(self, name: str, cfg: SinkSettings, base: Path, clock: Clock = SYSTEM) -> None:
        self.name = name
        self.cfg = cfg
        self.clock = clock
        rate = cfg.rate_limit if cfg.rate_limit is not None else self.default_rate_per_min
        self.rate_per_min = float(rate) if rate else None
        self.max_pending = int(cfg.max_pending)
        self.backoff_max = float(cfg.backoff_max)

    @classmethod
    def members(cls, name: str, cfg: SinkSettings, base: Path, clock: Clock) -> list[Sink]:
        """The queues one configured sink makes (one; an HA cluster makes one per member)."""
        return [cls(name, cfg, base, clock)]

    def tick(self, store, now: float) -> dict | None:
        """Called about every second: re-send what the receiver expects again (Alertmanager).
        May return sink state to save. Failures raise DeliveryError and are only logged."""
        return None

    def heartbeat(self, host: str, now: float, interval: float = 60.0) -> None:
        """Tell the receiver this sidecar is alive (config ``heartbeat``), if the sink can."""

    def recover(self, store) -> None:
        """Called once at start, before any delivery (e.g. drop a half-written batch)."""

    def deliver(self, reports: list[str], store) -> dict | None:
        """Deliver every report or raise DeliveryError. May return sink state to commit with
        the delivery (key -> value)."""
        raise NotImplementedError

    def close(self) -> None:
        pass


_USERINFO = re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://)[^/@\s]*@")


def mask_url(text: str) -> str:
    """URLs with their user info masked (``http://***@host/``): a sink's name, a log line,
    a metric label or an error must never carry the password of a URL."""
    return _USERINFO.sub(r"\1***@", text)


def private_file(path: Path) -> None:
    """Create ``path`` readable by its owner only (0600), if it does not exist: the state
    database and the event files hold log lines."""
    if not path.exists():
        os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))


def sink_name(cfg: SinkSettings, index: int) -> str:
    """A stable name for the sink's queue: its ``name``, else type and target (user info masked)."""
    if cfg.name:
        return cfg.name
    target = cfg.target()
    return f"{cfg.type}:{mask_url(target)}" if target else f"{cfg.type}:{index}"
