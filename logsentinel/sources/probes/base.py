"""The probe interface and the settings every probe has (the table of probe types is ``registry``).

Each probe type declares its settings as a dataclass in its own module; the config loader only
picks the type and reads that dataclass (``config.sections``).
"""

from __future__ import annotations

import builtins
from dataclasses import dataclass, field
from pathlib import Path

PROBE_SOURCE = "probes"  # the source name of probe records (signatures select it with sources:)
DURATION = {"duration": True, "positive": True}


@dataclass
class ProbeResult:
    probe: str  # the probe's name
    text: str  # the record: "probe=disk volume=C:\\ free_pct=... level=low"
    ok: bool  # for metrics: True when the measured thing is fine
    value: float | None = None


@dataclass(frozen=True, kw_only=True)
class ProbeSettings:
    """Keys of every probe."""

    type: str
    name: str | None = None
    interval: float = field(default=60.0, metadata=DURATION)


class Probe:
    """Measures something every ``interval`` seconds and describes it as a record."""

    type = "?"
    settings: builtins.type[ProbeSettings] = ProbeSettings  # (``type`` above is the type's name)

    def __init__(self, name: str, cfg: ProbeSettings) -> None:
        self.name = name
        self.interval = cfg.interval
        self.last: ProbeResult | None = None

    @classmethod
    def build(cls, name: str, cfg: ProbeSettings, base: Path) -> Probe:
        """The probe for ``cfg``; ``base`` is the config's folder (for relative paths)."""
        return cls(name, cfg)

    def run(self) -> list[ProbeResult]:
        raise NotImplementedError
