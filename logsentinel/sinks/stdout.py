"""``stdout`` sink: one JSON line per report on standard output (at least once), as UTF-8
bytes whatever the console's code page."""

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
        data = "".join(r + "\n" for r in reports).encode("utf-8")
        try:
            buffer = getattr(sys.stdout, "buffer", None)
            if buffer is None:  # a replaced stdout (tests, embedding): text it is
                sys.stdout.write(data.decode("utf-8"))
                sys.stdout.flush()
            else:
                sys.stdout.flush()
                buffer.write(data)
                buffer.flush()
        except (OSError, ValueError) as exc:
            raise DeliveryError(f"stdout: {exc}") from None
        return None
