"""The ``radar:`` section: the new-error radar's rules (``detection.radar``), as config keys.

radar:
  enabled: true            # the sidecar mines unmatched error records (replay: --radar)
  learn: 7d                # a source's learning period, from its first error record
  count: 1                 # a new template raises radar.new_error at its count-th occurrence
  within: 1h               #   within this window
  quiet: 1d                # the event resolves when its template stays quiet this long
  burst_count: 5           # past this many new templates of one source
  burst_within: 10m        #   within this window, the next fold into one event
  max_templates: 10000     # per source; the least recently seen are forgotten
  similarity: 0.4          # Drain's similarity threshold (0..1)
  masks: {TICKET: 'INC\\d+', QUOTED: 'off'}   # add, replace, or turn off a mask
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from logsentinel.detection.radar import DEFAULT_MASKS, LEVEL, RadarSettings

DURATION = {"duration": True, "positive": True}
POSITIVE = {"positive": True}


@dataclass(frozen=True, kw_only=True)
class RadarSection:
    enabled: bool = True
    learn: float = field(default=7 * 86400.0, metadata=DURATION)
    count: int = field(default=1, metadata=POSITIVE)
    within: float = field(default=3600.0, metadata=DURATION)
    quiet: float = field(default=86400.0, metadata=DURATION)
    burst_count: int = field(default=5, metadata=POSITIVE)
    burst_within: float = field(default=600.0, metadata=DURATION)
    max_templates: int = field(default=10000, metadata=POSITIVE)
    similarity: float = field(default=0.4, metadata=POSITIVE)
    masks: dict[str, str] = field(default_factory=dict)
    level: str | None = None  # the regex that finds a record's level word (default: LEVEL)

    def problems(self) -> list[tuple[str, str]]:
        out = []
        if self.similarity > 1:
            out.append(("similarity", f"expected a number from 0 to 1, got {self.similarity}"))
        for name, rx in self.masks.items():
            if not re.fullmatch(r"[A-Z][A-Z0-9_]*", name):
                out.append(("masks", f"{name!r}: a mask's name is upper case (it becomes <{name.upper()}>)"))
            elif rx != "off":
                try:
                    re.compile(rx)
                except re.error as exc:
                    out.append(("masks", f"{name}: bad regex: {exc}"))
        if self.level is not None:
            try:
                re.compile(self.level)
            except re.error as exc:
                out.append(("level", f"bad regex: {exc}"))
        return out

    def settings(self, levels: tuple[tuple[str, str], ...] = ()) -> RadarSettings:
        """The radar's rules; ``levels``: (source, regex) of the sources that say where their
        level word is (``level:`` of a source)."""
        masks = dict(DEFAULT_MASKS)
        for name, rx in self.masks.items():
            if rx == "off":
                masks.pop(name, None)
            else:
                masks[name] = rx  # a new name comes after the defaults; a known one keeps its place
        return RadarSettings(
            learn_s=self.learn,
            count=int(self.count),
            within_s=self.within,
            quiet_s=self.quiet,
            burst_count=int(self.burst_count),
            burst_within_s=self.burst_within,
            max_templates=int(self.max_templates),
            similarity=self.similarity,
            masks=tuple(masks.items()),
            level=self.level or LEVEL,
            levels=levels,
        )
