"""``disk`` probe: free space of each listed volume against two thresholds (percent free)."""

from __future__ import annotations

import re
import shutil

from logsentinel.sources.probes.base import Probe, ProbeResult
from logsentinel.sources.probes.levels import Levels


class DiskProbe(Probe):
    type = "disk"

    def __init__(self, name, cfg, disk_usage=None):
        super().__init__(name, cfg)
        self.paths = [str(p) for p in cfg.get("paths", [])]
        self.disk_usage = disk_usage or shutil.disk_usage
        self.levels = {p: Levels(float(cfg.get("low", 20)), float(cfg.get("near_saturation", 10)),
                                 float(cfg.get("hysteresis", 2))) for p in self.paths}

    def run(self) -> list[ProbeResult]:
        out = []
        for path in self.paths:
            try:
                usage = self.disk_usage(path)
            except OSError as exc:
                out.append(ProbeResult(self.name, f"probe=disk volume={_volume_name(path)} error={exc.strerror or exc}", False))
                continue
            free_pct = usage.free * 100.0 / usage.total if usage.total else 0.0
            volume = _volume_name(path)
            level = self.levels[path].update(free_pct)
            out.append(ProbeResult(
                self.name,
                f"probe=disk volume={volume} free_pct={free_pct:.1f} free_bytes={usage.free} "
                f"total_bytes={usage.total} level={level}",
                level == "ok", free_pct))
        return out


def _volume_name(path: str) -> str:
    """'C:\\' -> 'C:', as Windows and the suite's alarms name a drive; other paths as given."""
    return path[:2] if re.match(r"^[A-Za-z]:[\\/]?$", path) else path
