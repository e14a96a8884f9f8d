"""``stdout`` sink: one JSON line per report on standard output (at least once)."""

from __future__ import annotations

import sys
from dataclasses import dataclass

from logsentinel.sinks.base import DeliveryError, Sink, SinkSettings


@dataclass(frozen=True, kw_only=True)
class StdoutSettings(SinkSettings):
    pass


class StdoutSink(Sink):
    type = "stdout"
    settings = StdoutSettings

    def deliver(self, reports, store):
        try:
            sys.stdout.write("".join(r + "\n" for r in reports))
            sys.stdout.flush()
        except (OSError, ValueError) as exc:
            raise DeliveryError(f"stdout: {exc}") from None
        return None
