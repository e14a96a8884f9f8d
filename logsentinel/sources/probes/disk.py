"""``disk`` probe: free space of each listed volume against two thresholds (percent free)."""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass, field

from logsentinel.sources.probes.base import Probe, ProbeResult, ProbeSettings
from logsentinel.sources.probes.levels import Levels


@dataclass(frozen=True, kw_only=True)
class DiskSettings(ProbeSettings):
    paths: list[str] = field(metadata={"non_empty": True, "one_or_many": True, "path": True})  # volumes or folders
    low: float = 20.0  # percent free
    near_saturation: float = 10.0
    hysteresis: float = 2.0


class DiskProbe(Probe):
    type = "disk"
    settings = DiskSettings

    def __init__(self, name, cfg: DiskSettings, disk_usage=None) -> None:
        super().__init__(name, cfg)
        self.paths = list(cfg.paths)
        self.disk_usage = disk_usage or shutil.disk_usage
        self.levels = {p: Levels(cfg.low, cfg.near_saturation, cfg.hysteresis) for p in self.paths}

    def run(self) -> list[ProbeResult]:
        out = []
        for path in self.paths:
            try:
                usage = self.disk_usage(path)
            except OSError as exc:
                out.append(
                    ProbeResult(self.name, f"probe=disk volume={_volume_name(path)} error={exc.strerror or exc}", False)
                )
                continue
            free_pct = usage.free * 100.0 / usage.total if usage.total else 0.0
            volume = _volume_name(path)
            level = self.levels[path].update(free_pct)
            out.append(
                ProbeResult(
                    self.name,
                    f"probe=disk volume={volume} free_pct={free_pct:.1f} free_bytes={usage.free} "
                    f"total_bytes={usage.total} level={level}",
                    level == "ok",
                    free_pct,
                )
            )
        return out


def _volume_name(path: str) -> str:
    """'C:\\' -> 'C:', as Windows and the suite's alarms name a drive; other paths as given."""
    return path[:2] if re.match(r"^[A-Za-z]:[\\/]?$", path) else path
