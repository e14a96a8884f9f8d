"""The probe interface, and building probes from the config's ``probes:`` list."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from logsentinel.units import parse_duration


@dataclass
class ProbeResult:
    probe: str           # the probe's name
    text: str            # the record: "probe=disk volume=C:\\ free_pct=... level=low"
    ok: bool             # for metrics: True when the measured thing is fine
    value: float | None = None


class Probe:
    """Measures something every ``interval`` seconds and describes it as a record."""

    type = "?"

    def __init__(self, name: str, cfg: dict):
        self.name = name
        self.interval = parse_duration(cfg.get("interval", "60s"))
        self.last: ProbeResult | None = None

    def run(self) -> list[ProbeResult]:
        raise NotImplementedError


PROBE_KEYS = {
    "disk": {"type", "name", "paths", "interval", "low", "near_saturation", "hysteresis"},
    "database": {"type", "name", "database", "files", "max_size", "interval", "low", "near_saturation", "hysteresis"},
    "http": {"type", "name", "url", "interval", "timeout", "failures", "expect", "verify_tls", "ca_file"},
}


def build_probes(configs: list[dict], base: Path, disk_usage=None) -> list[Probe]:
    from logsentinel.sources.probes.database import DatabaseProbe
    from logsentinel.sources.probes.disk import DiskProbe
    from logsentinel.sources.probes.http import HttpProbe
    out: list[Probe] = []
    for i, cfg in enumerate(configs):
        name = cfg.get("name") or f"{cfg['type']}{i}"
        if cfg["type"] == "disk":
            out.append(DiskProbe(name, cfg, disk_usage=disk_usage))
        elif cfg["type"] == "database":
            out.append(DatabaseProbe(name, cfg, base))
        else:
            out.append(HttpProbe(name, cfg))
    return out
