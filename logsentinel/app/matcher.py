"""The matcher as the shells use it: compiled scan databases cached on disk, the time spent per
signature measured, regex timeouts logged. The matcher itself (``matching``) does no I/O."""

from __future__ import annotations

import logging
import os
import time
from pathlib import Path

from logsentinel.matching.matcher import Matcher
from logsentinel.records.blocks import Record
from logsentinel.signatures.model import DEFAULT_MATCH_TIMEOUT_S, Signature

log = logging.getLogger("logsentinel.matching")

CACHE_KEEP = 16   # compiled databases kept


def cache_dir() -> Path:
    """Where compiled scan databases are kept (LOGSENTINEL_CACHE_DIR overrides)."""
    env = os.environ.get("LOGSENTINEL_CACHE_DIR")
    if env:
        return Path(env)
    if os.name == "nt":
        return Path(os.environ.get("LOCALAPPDATA", Path.home())) / "logsentinel" / "cache"
    return Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "logsentinel"


class DiskCache:
    """Compiled hyperscan databases by key, in files; a cache that fails is no error."""

    def __init__(self, folder: Path | None = None, keep: int = CACHE_KEEP):
        self.folder = folder or cache_dir()
        self.keep = keep
        self.forms: dict | None = None   # widened forms by regex, kept by the caller (regexfacts)

    def load(self, key: str) -> bytes | None:
        try:
            return (self.folder / f"hs-{key}.db").read_bytes()
        except OSError:
            return None

    def store(self, key: str, data: bytes) -> None:
        """Write atomically; keep the newest ``keep`` databases."""
        path = self.folder / f"hs-{key}.db"
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(f".{os.getpid()}.tmp")
            tmp.write_bytes(data)
            os.replace(tmp, path)
            old = sorted(path.parent.glob("hs-*.db"), key=lambda p: p.stat().st_mtime, reverse=True)[self.keep:]
            for p in old:
                p.unlink(missing_ok=True)
        except OSError as exc:
            log.debug("cannot cache the scan database in %s: %s", path.parent, exc)


def log_timeout(timeout: float):
    def on_timeout(sig: Signature, rec: Record, count: int) -> None:
        if count <= 5 or count % 1000 == 0:
            log.warning("signature %s: regex timed out after %ss on %s line %s (%d so far); record skipped",
                        sig.id, timeout, rec.path, rec.line, count)
    return on_timeout


_warned_slow = False


def build_matcher(signatures: list[Signature], engine: str = "auto", sources: list[str] = (),
                  timeout: float = DEFAULT_MATCH_TIMEOUT_S) -> Matcher:
    """A matcher with the disk cache, a timer and logged timeouts; the plans of ``sources`` are
    compiled now (before anything is read). Says once when the fast engine is missing."""
    global _warned_slow
    from logsentinel.app.regexfacts import shared
    cache = DiskCache()
    cache.forms = shared().forms     # widened forms worked out on earlier starts
    matcher = Matcher(signatures, engine=engine, timeout=timeout, cache=cache, timer=time.perf_counter,
                      on_timeout=log_timeout(timeout))
    if engine == "auto" and matcher.engine != "hyperscan" and not _warned_slow:
        _warned_slow = True
        log.warning("the hyperscan engine is not installed on this platform: matching uses the pure-Python "
                    "engine, many times slower on large logs (pip install hyperscan where a wheel exists)")
    for name in sources:
        matcher.plan(name)
    return matcher
