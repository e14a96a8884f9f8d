"""Reloading signatures without a restart: on SIGHUP or a change under a patterns folder.

The new library is loaded and checked in a thread of its own, exactly as ``logsentinel check``
does (every regex compiles, every example passes, no catastrophic backtracking). Only a library
with no error is handed to the sidecar; otherwise every problem is logged and the running
library stays. The sidecar then carries the detector's state over: open events, threshold
windows and absence timers of every signature that still exists.
"""

from __future__ import annotations

import logging
import threading

from logsentinel.app.check import run_check
from logsentinel.clock import SYSTEM, Clock
from logsentinel.signatures.load import Library, effective_folders

log = logging.getLogger("logsentinel.reload")

DEBOUNCE_S = 0.5


class Reloader(threading.Thread):
    def __init__(self, folders, engine: str, wake: threading.Event, stop: threading.Event, stats,
                 clock: Clock = SYSTEM, bundled: bool = False):
        super().__init__(name="reload", daemon=True)
        self.folders = list(folders)
        self.bundled = bundled   # the bundled library under the folders (also watched)
        self.engine = engine
        self.wake = wake
        self.stop_event = stop
        self.stats = stats
        self.clock = clock
        self.trigger = threading.Event()
        self._lock = threading.Lock()
        self._ready: Library | None = None
        self._observer = None

    def watch(self) -> None:
        """Also reload when a file under a patterns folder changes (watchdog)."""
        try:
            from watchdog.events import FileSystemEventHandler
            from watchdog.observers import Observer
        except ImportError:  # pragma: no cover
            return
        trigger = self.trigger

        class _Handler(FileSystemEventHandler):
            def on_any_event(self, event):
                names = (str(event.src_path), str(getattr(event, "dest_path", "") or ""))
                if not event.is_directory and any(n.endswith((".yaml", ".yml")) for n in names):
                    trigger.set()

        self._observer = Observer()
        for folder in effective_folders(self.folders, self.bundled):
            try:
                self._observer.schedule(_Handler(), str(folder), recursive=True)
            except OSError as exc:
                log.warning("cannot watch %s for changes: %s (SIGHUP still reloads)", folder, exc)
        self._observer.daemon = True
        self._observer.start()

    def run(self) -> None:
        while not self.stop_event.is_set():
            if not self.trigger.wait(timeout=1.0):
                continue
            self.clock.wait(self.stop_event, DEBOUNCE_S)  # an editor writes a file in several steps
            self.trigger.clear()
            self._load()
        if self._observer is not None:
            self._observer.stop()

    def _load(self) -> None:
        result = run_check(self.folders, engine=self.engine, bundled=self.bundled)
        if result.errors:
            self.stats.reloads_refused += 1
            log.error("patterns changed but the new library is refused (%d problem(s)); the running one stays:",
                      len(result.errors))
            for prob in result.errors:
                log.error("  %s", prob)
            return
        with self._lock:
            self._ready = result.library
        self.wake.set()

    def take(self) -> Library | None:
        with self._lock:
            lib, self._ready = self._ready, None
        return lib
