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
from dataclasses import dataclass, field
from pathlib import Path

from logsentinel.sources.probes.base import Probe, ProbeResult, ProbeSettings
from logsentinel.sources.probes.levels import Levels


@dataclass(frozen=True, kw_only=True)
class DatabaseSettings(ProbeSettings):
    files: list[str] = field(
        metadata={"non_empty": True, "one_or_many": True, "path": True}
    )  # globs of .mdf/.ndf files
    database: str | None = None
    max_size: int = field(default=10 * 1024**3, metadata={"size": True})  # SQL Server Express: 10 GiB
    low: float = 80.0  # percent used
    near_saturation: float = 90.0
    hysteresis: float = 2.0


class FileSize:
    """Size of a database as the sum of its data files."""

    def __init__(self, patterns: list[str], base: Path) -> None:
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
    settings = DatabaseSettings

    def __init__(self, name, cfg: DatabaseSettings, source) -> None:
        super().__init__(name, cfg)
        self.database = cfg.database or name
        self.max_bytes = cfg.max_size
        self.source = source
        # thresholds are given as percent used; levels work on percent free
        self.levels = Levels(100 - cfg.low, 100 - cfg.near_saturation, cfg.hysteresis)

    @classmethod
    def build(cls, name, cfg: DatabaseSettings, base: Path):  # type: ignore[override]  # the registry pairs each type with its settings
        return cls(name, cfg, FileSize(cfg.files, base))

    def run(self) -> list[ProbeResult]:
        try:
            used = self.source.measure()
        except OSError as exc:
            return [ProbeResult(self.name, f"probe=database name={self.database} error={exc}", False)]
        used_pct = used * 100.0 / self.max_bytes
        level = self.levels.update(100 - used_pct)
        return [
            ProbeResult(
                self.name,
                f"probe=database name={self.database} used_bytes={used} "
                f"max_bytes={self.max_bytes} used_pct={used_pct:.1f} level={level}",
                level == "ok",
                used_pct,
            )
        ]
