"""Wake-ups from the file system (watchdog: inotify, ReadDirectoryChangesW, FSEvents...).

The events are hints only: watchdog drops inotify queue overflows silently and network shares
may send nothing, so the tail loop also sweeps every few seconds whatever it hears.
"""

from __future__ import annotations

import glob
import logging
import os
import threading
from pathlib import Path

log = logging.getLogger("logsentinel.tail")


def watch_roots(patterns: list[str]) -> list[tuple[str, bool]]:
    """(folder, recursive) to watch for each glob: its longest prefix without wildcards."""
    roots: dict[str, bool] = {}
    for pattern in patterns:
        parts = Path(pattern).parts
        fixed = []
        for part in parts:
            if glob.has_magic(part):
                break
            fixed.append(part)
        folder = str(Path(*fixed)) if fixed else "."
        if len(fixed) == len(parts):  # a plain file name
            folder = str(Path(pattern).parent)
        recursive = "**" in pattern or len(fixed) < len(parts) - 1
        roots[folder] = roots.get(folder, False) or recursive
    return sorted(roots.items())


class Hints:
    """Sets ``wake`` whenever something changes under the watched folders."""

    def __init__(self, patterns: list[str], wake: threading.Event) -> None:
        self.wake = wake
        self.observer = None
        try:
            from watchdog.events import FileSystemEventHandler
            from watchdog.observers import Observer
        except ImportError:  # pragma: no cover - watchdog is a dependency
            log.warning("watchdog is not installed: relying on periodic sweeps only")
            return

        hints = self

        class _Handler(FileSystemEventHandler):
            def on_any_event(self, event) -> None:
                hints.wake.set()

        self.observer = Observer()
        for folder, recursive in watch_roots(patterns):
            if not os.path.isdir(folder):
                log.info("not watching %s (no such folder yet): the periodic sweep will find it", folder)
                continue
            try:
                self.observer.schedule(_Handler(), folder, recursive=recursive)
            except OSError as exc:
                log.warning("cannot watch %s: %s (periodic sweeps go on)", folder, exc)
        self.observer.daemon = True
        self.observer.start()

    def stop(self) -> None:
        if self.observer is not None:
            self.observer.stop()
            self.observer.join(timeout=5)
