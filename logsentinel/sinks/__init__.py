"""Sinks: where event reports go. Each sink has its own outbox queue in the state database.

A sink's ``deliver`` takes a batch of reports (event JSON, exactly as committed to the outbox)
and either delivers all of them or raises ``DeliveryError``; the dispatcher marks them
delivered only after it returns.
"""

from __future__ import annotations

from logsentinel.sinks.base import DeliveryError, Sink, build_sinks, sink_name

__all__ = ["DeliveryError", "Sink", "build_sinks", "sink_name"]
