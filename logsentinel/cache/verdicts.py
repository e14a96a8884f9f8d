"""Catastrophic-backtracking verdicts cached on disk, so a reload, ``validate`` or ``run``
re-tests only the regexes that changed.

A verdict is keyed by the regex text, its flags, the logsentinel version and the ``regex``
module's version; a verdict from another version is never used. The cache is one small JSON
file beside the scan-database cache; a cache that cannot be read or written is no error (the
regex is then tested again).
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
from pathlib import Path

import regex

from logsentinel import __version__
from logsentinel.cache.folder import cache_dir, read_cached, seal, unseal, write_atomic
from logsentinel.signatures.model import Rx
from logsentinel.signatures.redos import VERSION as REDOS_VERSION
from logsentinel.signatures.redos import find_slow_input

log = logging.getLogger("logsentinel.check")

FILE_NAME = "redos-verdicts.json"
MAX_ENTRIES = 20_000  # a pattern author edits regexes; old verdicts go, oldest first


def verdict_key(rx: Rx) -> str:
    text = f"{__version__}\0{REDOS_VERSION}\0{regex.__version__}\0{rx.compiled.flags}\0{rx.source}"
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


class VerdictCache:
    """``slow_input(rx)``: the slow input found for ``rx`` (None when it is linear), tested once
    per regex and version. ``tested`` counts the regexes actually run."""

    def __init__(self, folder: Path | None = None) -> None:
        self.path = (folder or cache_dir()) / FILE_NAME
        self._lock = threading.Lock()
        self._verdicts: dict[str, str | None] = self._read()
        self._dirty = False
        self.tested = 0

    def _read(self) -> dict[str, str | None]:
        raw = unseal(FILE_NAME, read_cached(self.path))
        try:
            data = json.loads(raw) if raw is not None else {}
        except ValueError:
            return {}
        if not isinstance(data, dict):
            return {}
        return {k: v for k, v in data.items() if isinstance(k, str) and (v is None or isinstance(v, str))}

    def slow_input(self, rx: Rx) -> str | None:
        key = verdict_key(rx)
        with self._lock:
            if key in self._verdicts:
                return self._verdicts[key]
        verdict = find_slow_input(rx.compiled, rx.source)
        with self._lock:
            self._verdicts[key] = verdict
            self._dirty = True
            self.tested += 1
        return verdict

    def save(self) -> None:
        with self._lock:
            if not self._dirty:
                return
            items = list(self._verdicts.items())[-MAX_ENTRIES:]
            self._dirty = False
        try:
            write_atomic(self.path, seal(FILE_NAME, json.dumps(dict(items)).encode("utf-8")))
        except OSError as exc:
            log.debug("cannot cache the ReDoS verdicts in %s: %s", self.path.parent, exc)
