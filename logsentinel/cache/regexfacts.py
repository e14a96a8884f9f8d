"""What earlier starts learnt about regexes, kept in the cache folder so that a start does not
parse and compile them again: which regex texts compile (with their group names), and each
regex's widened block-scan form. A start of a replay with the bundled library spends about
half its time on those otherwise.

JSON (never pickle: the folder is only a cache), one file per logsentinel, Python and regex
version, sealed with that version (``cache.folder.seal``: an edited file is not read); a cache
that cannot be read or written is no error, and a start only ever trusts an entry for the exact
regex text it was made from.
"""

from __future__ import annotations

import atexit
import contextlib
import hashlib
import json
import logging
import sys
from pathlib import Path

import regex

from logsentinel import __version__
from logsentinel.cache.folder import cache_dir, read_cached, seal, unseal, write_atomic

log = logging.getLogger("logsentinel.matching")

KEEP = 5000  # entries kept; beyond that, only those this process used


class _Used(dict):
    """A dict that remembers which keys were asked for or set."""

    def __init__(self, *args) -> None:
        super().__init__(*args)
        self.used: set = set()
        self.changed = False

    def get(self, key, default=None):
        self.used.add(key)
        return super().get(key, default)

    def __contains__(self, key) -> bool:
        self.used.add(key)
        return super().__contains__(key)

    def __getitem__(self, key):
        self.used.add(key)
        return super().__getitem__(key)

    def __setitem__(self, key, value) -> None:
        self.used.add(key)
        if super().get(key, object()) != value:
            self.changed = True
        super().__setitem__(key, value)


def _code() -> str:
    """A fingerprint of the code that makes the widened forms: a changed prefilter is a new file."""
    from logsentinel.matching import prefilter

    try:
        return hashlib.sha256(Path(prefilter.__file__).read_bytes()).hexdigest()[:10]
    except OSError:
        return "unknown"


class RegexFacts:
    def __init__(self, folder: Path | None = None) -> None:
        version = f"{__version__}-py{sys.version_info[0]}{sys.version_info[1]}-regex{regex.__version__}-{_code()}"
        self.path = (folder or cache_dir()) / f"regex-facts-{version}.json"
        self._key = f"regex-facts {version}"
        data: dict = {}
        raw = unseal(self._key, read_cached(self.path))
        with contextlib.suppress(ValueError):
            data = json.loads(raw) if raw is not None else {}
        if not isinstance(data, dict):
            data = {}
        valid, forms = data.get("valid"), data.get("forms")
        self.valid = _Used(valid if isinstance(valid, dict) else {})  # regex -> [groups, matches empty]
        self.forms = _Used(forms if isinstance(forms, dict) else {})  # dialect NUL regex -> form or None

    def save(self) -> None:
        if not (self.valid.changed or self.forms.changed):
            return
        out = {}
        for name, table in (("valid", self.valid), ("forms", self.forms)):
            keep = table if len(table) <= KEEP else {k: v for k, v in table.items() if k in table.used}
            out[name] = dict(keep)
        try:
            write_atomic(self.path, seal(self._key, json.dumps(out).encode("utf-8")))
            self.valid.changed = self.forms.changed = False
        except OSError as exc:
            log.debug("cannot keep regex facts in %s: %s", self.path.parent, exc)


_shared: RegexFacts | None = None


def shared() -> RegexFacts:
    """This process's facts, saved when it exits."""
    global _shared
    if _shared is None:
        _shared = RegexFacts()
        atexit.register(_shared.save)
    return _shared
