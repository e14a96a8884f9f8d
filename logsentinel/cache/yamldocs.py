"""Signature files parsed on earlier starts, kept in the cache folder so that a start whose
library did not change parses no YAML (and never imports PyYAML): each document as JSON with
its lines (``yamlload.encode_doc``), found by the SHA-256 of the file's text.

JSON, never pickle: the folder is only a cache. One file per logsentinel and Python version
and per version of the code that encodes the documents, sealed with that version
(``cache.folder.seal``: an edited file is not read); a cache that cannot be read or written is
no error. An entry is only ever used for the exact text it was made from.
"""

from __future__ import annotations

import atexit
import contextlib
import hashlib
import json
import logging
import sys
from pathlib import Path
from typing import Any

from logsentinel import __version__
from logsentinel.cache.folder import cache_dir, read_cached, seal, unseal, write_atomic

log = logging.getLogger("logsentinel.signatures")

KEEP = 500  # documents kept; beyond that, only those this process read


def _code() -> str:
    """A fingerprint of the code that encodes documents: a changed yamlload is a new file."""
    from logsentinel import yamlload

    try:
        return hashlib.sha256(Path(yamlload.__file__).read_bytes()).hexdigest()[:10]
    except OSError:
        return "unknown"


class YamlDocs:
    """``get(digest)`` / ``put(digest, encoded)`` over one cache file, saved by ``save``."""

    def __init__(self, folder: Path | None = None) -> None:
        version = f"{__version__}-py{sys.version_info[0]}{sys.version_info[1]}-{_code()}"
        self.path = (folder or cache_dir()) / f"yaml-docs-{version}.json"
        self._key = f"yaml-docs {version}"
        data: Any = {}
        raw = unseal(self._key, read_cached(self.path))
        with contextlib.suppress(ValueError):
            data = json.loads(raw) if raw is not None else {}
        self.docs: dict[str, Any] = data if isinstance(data, dict) else {}
        self.used: set[str] = set()
        self.changed = False

    def get(self, key: str) -> Any:
        self.used.add(key)
        return self.docs.get(key)

    def put(self, key: str, encoded: Any) -> None:
        self.used.add(key)
        self.docs[key] = encoded
        self.changed = True

    def save(self) -> None:
        if not self.changed:
            return
        keep = self.docs if len(self.docs) <= KEEP else {k: v for k, v in self.docs.items() if k in self.used}
        try:
            write_atomic(self.path, seal(self._key, json.dumps(keep).encode("utf-8")))
            self.changed = False
        except OSError as exc:
            log.debug("cannot keep parsed signature files in %s: %s", self.path.parent, exc)


_shared: YamlDocs | None = None


def shared() -> YamlDocs:
    """This process's parsed documents, saved when it exits."""
    global _shared
    if _shared is None:
        _shared = YamlDocs()
        atexit.register(_shared.save)
    return _shared
