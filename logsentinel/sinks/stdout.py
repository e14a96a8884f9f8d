"""``stdout`` sink: one JSON line per report on standard output (at least once)."""

from __future__ import annotations

import sys

from logsentinel.sinks.base import DeliveryError, Sink


class StdoutSink(Sink):
    type = "stdout"

    def deliver(self, reports, state):
        try:
            sys.stdout.write("".join(r + "\n" for r in reports))
            sys.stdout.flush()
        except (OSError, ValueError) as exc:
            raise DeliveryError(f"stdout: {exc}") from None
        return None
