"""Compiled hyperscan scan databases kept in the cache folder, by the key the matcher gives (a
digest of the patterns, ids, flags and hyperscan version), each file sealed with its key."""

from __future__ import annotations

import logging
from pathlib import Path

from logsentinel.cache.folder import cache_dir, read_cached, seal, unseal, write_atomic

log = logging.getLogger("logsentinel.matching")

CACHE_KEEP = 16  # compiled databases kept


class DiskCache:
    """Compiled hyperscan databases by key, in files; a cache that fails is no error."""

    def __init__(self, folder: Path | None = None, keep: int = CACHE_KEEP) -> None:
        self.folder = folder or cache_dir()
        self.keep = keep
        self.forms: dict | None = None  # widened forms by regex, kept by the caller (regexfacts)

    def load(self, key: str) -> bytes | None:
        """The database stored under ``key``; None if there is none, or if the file was not
        written for this key (another library's database copied over it)."""
        return unseal(key, read_cached(self.folder / f"hs-{key}.db"))

    def store(self, key: str, data: bytes) -> None:
        """Write atomically; keep the newest ``keep`` databases."""
        path = self.folder / f"hs-{key}.db"
        try:
            write_atomic(path, seal(key, data))
            old = sorted(path.parent.glob("hs-*.db"), key=lambda p: p.stat().st_mtime, reverse=True)[self.keep :]
            for p in old:
                p.unlink(missing_ok=True)
        except OSError as exc:
            log.debug("cannot cache the scan database in %s: %s", path.parent, exc)
