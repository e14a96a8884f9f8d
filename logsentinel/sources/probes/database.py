"""``database`` probe: a database's size against its limit (SQL Server Express: 10 GB).

The size comes from a *size source*. ``FileSize`` adds up the data files (``.mdf``/``.ndf``)
matched by globs; another source (a SQL query on ``sys.database_files``, say) plugs in by
implementing ``measure() -> bytes``. The level uses the free share of the limit, with the same
two thresholds and hysteresis as the disk probe (defaults: low at 80 % used, near saturation at
90 % used).
"""

from __future__ import annotations

import glob
import os
import re
from pathlib import Path

from logsentinel.sources.probes.base import Probe, ProbeResult
from logsentinel.sources.probes.levels import Levels

_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([KMGT]?i?B?)?\s*$", re.IGNORECASE)
_UNITS = {"": 1, "B": 1, "KB": 1e3, "MB": 1e6, "GB": 1e9, "TB": 1e12,
          "KIB": 1024, "MIB": 1024**2, "GIB": 1024**3, "TIB": 1024**4}


def parse_size(value) -> int:
    """Bytes from 10737418240, '10GB' (decimal) or '10GiB'. SQL Server's 10 GB is 10 GiB."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return int(value)
    m = _SIZE.match(str(value))
    if not m:
        raise ValueError(f"expected a size like 10GiB or 10737418240, got {value!r}")
    unit = (m.group(2) or "").upper()
    if unit and not unit.endswith("B"):
        unit += "B"
    return int(float(m.group(1)) * _UNITS[unit])


class FileSize:
    """Size of a database as the sum of its data files."""

    def __init__(self, patterns: list[str], base: Path):
        self.patterns = [p if os.path.isabs(p) else str(base / p) for p in patterns]

    def measure(self) -> int:
        total, found = 0, False
        for pattern in self.patterns:
            for path in glob.glob(pattern):
                total += os.path.getsize(path)
                found = True
        if not found:
            raise OSError(f"no data file matches {', '.join(self.patterns)}")
        return total


class DatabaseProbe(Probe):
    type = "database"

    def __init__(self, name, cfg, base: Path, source=None):
        super().__init__(name, cfg)
        self.database = cfg.get("database") or name
        self.max_bytes = parse_size(cfg.get("max_size", "10GiB"))
        self.source = source or FileSize(cfg.get("files", []), base)
        # thresholds are given as percent used; levels work on percent free
        self.levels = Levels(100 - float(cfg.get("low", 80)), 100 - float(cfg.get("near_saturation", 90)),
                             float(cfg.get("hysteresis", 2)))

    def run(self) -> list[ProbeResult]:
        try:
            used = self.source.measure()
        except OSError as exc:
            return [ProbeResult(self.name, f"probe=database name={self.database} error={exc}", False)]
        used_pct = used * 100.0 / self.max_bytes
        level = self.levels.update(100 - used_pct)
        return [ProbeResult(self.name, f"probe=database name={self.database} used_bytes={used} "
                                       f"max_bytes={self.max_bytes} used_pct={used_pct:.1f} level={level}",
                            level == "ok", used_pct)]
