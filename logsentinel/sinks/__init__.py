"""Sinks: where event reports go. Each sink has its own outbox queue in the state database.

A sink's ``deliver`` takes a batch of reports (event JSON, exactly as committed to the outbox)
and either delivers all of them or raises ``DeliveryError`` (``base``); the dispatcher marks
them delivered only after it returns. ``registry`` lists the sink types.
"""
