"""The hyperscan engine: one block-mode database per scan plan, compiled or loaded from a cache
the caller hands in (``load(key) -> bytes | None``, ``store(key, bytes)``; the app keeps it on
disk). Hyperscan is optional: wheels exist for the common platforms only."""

from __future__ import annotations

import hashlib
from typing import Any

hs: Any
try:  # the fast engine is optional
    import hyperscan as hs
except ImportError:  # pragma: no cover - depends on the platform
    hs = None

__all__ = ["accepts", "database", "hs"]


class NoCache:
    def load(self, key: str) -> bytes | None:
        return None

    def store(self, key: str, data: bytes) -> None:
        pass


def _hs_flags(pf: Any) -> int:
    flags: int = hs.HS_FLAG_MULTILINE | hs.HS_FLAG_UTF8 | hs.HS_FLAG_UCP | hs.HS_FLAG_PREFILTER
    if pf.caseless:
        flags |= hs.HS_FLAG_CASELESS
    if pf.dotall:
        flags |= hs.HS_FLAG_DOTALL
    return flags


def accepts(pf: Any) -> bool:
    """True if hyperscan accepts this pattern on its own."""
    try:
        database([(0, pf)])
        return True
    except Exception:  # hyperscan.error (pattern too large, unsupported construct...)
        return False


def database(exprs: Any, cache: Any = None) -> Any:
    """A block-mode database for (id, superset pattern) pairs; raises hyperscan.error."""
    patterns = [pf.pattern.encode("utf-8") for _i, pf in exprs]
    ids = [i for i, _pf in exprs]
    flags = [_hs_flags(pf) for _i, pf in exprs]
    cache = cache or NoCache()
    key = hashlib.sha256(repr((getattr(hs, "__version__", ""), patterns, ids, flags)).encode()).hexdigest()[:32]
    data = cache.load(key)
    if data is not None:
        try:
            db = hs.loadb(data, mode=hs.HS_MODE_BLOCK)
            db.scratch = hs.Scratch(db)  # a loaded database comes without scratch space
            db.scan(b"probe\n", match_event_handler=lambda *a: None)
            return db
        except Exception:  # unreadable or from another hyperscan: compile again
            pass
    db = hs.Database(mode=hs.HS_MODE_BLOCK)
    db.compile(expressions=patterns, ids=ids, elements=len(exprs), flags=flags)
    cache.store(key, hs.dumpb(db))
    return db
