"""The table of probe types: the one module that knows every probe; ``base`` imports none."""

from __future__ import annotations

from pathlib import Path

from logsentinel.sources.probes.base import Probe, ProbeSettings
from logsentinel.sources.probes.database import DatabaseProbe
from logsentinel.sources.probes.disk import DiskProbe
from logsentinel.sources.probes.http import HttpProbe

PROBE_TYPES: dict[str, type[Probe]] = {cls.type: cls for cls in (DiskProbe, DatabaseProbe, HttpProbe)}


def build_probes(configs: list[ProbeSettings], base: Path) -> list[Probe]:
    return [PROBE_TYPES[cfg.type].build(cfg.name or f"{cfg.type}{i}", cfg, base) for i, cfg in enumerate(configs)]
