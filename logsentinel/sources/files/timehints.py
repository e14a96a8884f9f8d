"""Record times are hints, not masters: a time more than a day ahead of this machine's clock, or
before 2000, is not taken (``records.blocks.Block``). This reports it: once per file, with the
line, and counts it (``/metrics``, ``replay --stats``)."""

from __future__ import annotations

import logging

from logsentinel.timefmt import iso

log = logging.getLogger("logsentinel.records")


class IgnoredTimes:
    def __init__(self) -> None:
        self.count = 0
        self.per_source: dict[str, int] = {}
        self._warned: set[str] = set()

    def note(self, source: str, path: str, ignored_times: list) -> None:
        """The record times a block of ``path`` did not believe (``Block.ignored_times``)."""
        if not ignored_times:
            return
        n = len(set(ignored_times))  # a line's time may be read more than once
        self.count += n
        self.per_source[source] = self.per_source.get(source, 0) + n
        if path not in self._warned:
            self._warned.add(path)
            line, t = ignored_times[0]
            log.warning(
                "%s: a record dated %s is more than a day ahead of this machine's clock, or before 2000: "
                "it takes the time of the record before it (said once per file): %s",
                path,
                iso(t),
                line[:120],
            )
