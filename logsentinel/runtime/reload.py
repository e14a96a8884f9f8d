"""Reloading signatures without a restart: on SIGHUP or a change under a patterns folder.

The new library is loaded and checked in a thread of its own, exactly as ``logsentinel check``
does (every regex compiles, every example passes, no catastrophic backtracking). Only a library
with no error is handed to the sidecar; otherwise every problem is logged and the running
library stays. The sidecar then carries the detector's state over: open events, threshold
windows and absence timers of every signature that still exists.

Only a created, modified, moved or deleted ``.yaml`` file is a change (reading the files, as a
reload does, is not), and a request whose files hash the same as the running library's is
counted and ignored: a reload never triggers the next one.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from dataclasses import fields, is_dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from logsentinel.clock import SYSTEM, Clock
from logsentinel.signatures.load import YAML_SUFFIXES, Library, effective_folders, signature_files
from logsentinel.signatures.model import Rx, Signature
from logsentinel.signatures.vocabulary import VOCABULARY_FILE
from logsentinel.tools.check import run_check

if TYPE_CHECKING:
    from watchdog.observers.api import BaseObserver

log = logging.getLogger("logsentinel.reload")

DEBOUNCE_S = 0.5
CHANGES = frozenset({"created", "modified", "moved", "deleted"})


def library_digest(folders: list[Path], bundled: bool) -> str:
    """A hash of every signature file's and vocabulary file's name and content, as a reload
    would read them (a changed fragment changes the signatures that use it)."""
    digest = hashlib.sha256()
    for folder in effective_folders(folders, bundled):
        vocabulary = [folder / VOCABULARY_FILE] if folder.is_dir() and (folder / VOCABULARY_FILE).is_file() else []
        for path in vocabulary + (signature_files(folder) if folder.exists() else []):
            digest.update(str(path).encode("utf-8", "surrogateescape") + b"\0")
            try:
                digest.update(path.read_bytes())
            except OSError as exc:
                digest.update(f"unreadable: {exc}".encode("utf-8", "replace"))
            digest.update(b"\0")
    return digest.hexdigest()


def is_change(event) -> bool:
    """A watchdog event that changes a signature file (not one that only reads it)."""
    if event.is_directory or event.event_type not in CHANGES:
        return False
    names = (str(event.src_path), str(getattr(event, "dest_path", "") or ""))
    return any(Path(n).suffix in YAML_SUFFIXES for n in names if n)


def _shape(value):
    """A signature's content without where it was written (a line moved is no change)."""
    if isinstance(value, Rx):
        return (value.key, value.source)  # flags are written in the source
    if isinstance(value, tuple):
        return tuple(_shape(v) for v in value)
    if is_dataclass(value):
        return tuple((f.name, _shape(getattr(value, f.name))) for f in fields(value) if f.name not in ("line", "file"))
    return value


def library_changes(old: list[Signature], new: list[Signature]) -> tuple[list[str], list[str], list[str]]:
    """Ids added, removed and changed from ``old`` to ``new``, sorted."""
    before, after = {s.id: s for s in old}, {s.id: s for s in new}
    changed = [i for i in after.keys() & before.keys() if _shape(after[i]) != _shape(before[i])]
    return sorted(after.keys() - before.keys()), sorted(before.keys() - after.keys()), sorted(changed)


class Reloader(threading.Thread):
    def __init__(
        self,
        folders,
        engine: str,
        wake: threading.Event,
        stop: threading.Event,
        stats,
        clock: Clock = SYSTEM,
        bundled: bool = False,
    ) -> None:
        super().__init__(name="reload", daemon=True)
        self.folders = list(folders)
        self.bundled = bundled  # the bundled library under the folders (also watched)
        self.engine = engine
        self.wake = wake
        self.stop_event = stop
        self.stats = stats
        self.clock = clock
        self.trigger = threading.Event()
        self._hurry = threading.Event()  # SIGHUP during a debounce: stop waiting
        self._lock = threading.Lock()
        self._ready: Library | None = None
        self._observer: BaseObserver | None = None
        self._digest = library_digest(self.folders, bundled)  # of the library the sidecar started with
        self._now = False
        self.last_error: str | None = None  # why the last reload was refused (shown by /healthz)

    def request(self) -> None:
        """SIGHUP: reload at once (the operator has finished writing; no debounce)."""
        self._now = True
        self._hurry.set()
        self.trigger.set()

    def watch(self) -> None:
        """Also reload when a file under a patterns folder changes (watchdog)."""
        try:
            from watchdog.events import FileSystemEventHandler
            from watchdog.observers import Observer
        except ImportError:  # pragma: no cover
            return
        trigger = self.trigger

        class _Handler(FileSystemEventHandler):
            def on_any_event(self, event) -> None:
                if is_change(event):
                    trigger.set()

        self._observer = observer = Observer()
        for folder in effective_folders(self.folders, self.bundled):
            try:
                observer.schedule(_Handler(), str(folder), recursive=True)
            except OSError as exc:
                log.warning("cannot watch %s for changes: %s (SIGHUP still reloads)", folder, exc)
        observer.daemon = True
        observer.start()

    def run(self) -> None:
        while not self.stop_event.is_set():
            if not self.trigger.wait(timeout=1.0):
                continue
            if not self._now:  # an editor writes a file in several steps; a SIGHUP ends the wait
                self.clock.wait(self._hurry, DEBOUNCE_S)
            self._now = False
            self._hurry.clear()
            self.trigger.clear()
            try:
                self._load()
            except Exception as exc:
                self.stats.reloads_refused += 1
                self.last_error = f"{type(exc).__name__}: {str(exc)[:300]}"
                log.error(
                    "reloading the patterns failed (%s); the running library stays, and the next change is tried again",
                    self.last_error,
                    exc_info=not isinstance(exc, (MemoryError, RecursionError)),
                )
        if self._observer is not None:
            self._observer.stop()

    def _load(self) -> None:
        digest = library_digest(self.folders, self.bundled)
        if digest == self._digest:
            self.stats.reloads_unchanged += 1
            log.info("reload requested, but no signature file changed: the running library stays")
            return
        self._digest = digest  # a refused library is not re-checked until it changes again
        result = run_check(self.folders, engine=self.engine, bundled=self.bundled)
        if result.errors:
            self.stats.reloads_refused += 1
            self.last_error = f"{len(result.errors)} problem(s), the first: {result.errors[0]}"
            log.error(
                "patterns changed but the new library is refused (%d problem(s)); the running one stays:",
                len(result.errors),
            )
            for prob in result.errors:
                log.error("  %s", prob)
            return
        with self._lock:
            self._ready = result.library
        self.last_error = None
        self.wake.set()

    def take(self) -> Library | None:
        with self._lock:
            lib, self._ready = self._ready, None
        return lib
