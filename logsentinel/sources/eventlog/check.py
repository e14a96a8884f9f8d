"""``validate`` on Windows: can each configured channel be read with the configured query? Asks
the event log itself (``EvtQuery``), with the error policy of the reader: a channel that does
not exist yet or cannot be read is a warning (the sidecar starts and retries it), a query that
does not parse is an error."""

from __future__ import annotations

from logsentinel.sources.eventlog.config import EventLogConfig
from logsentinel.sources.eventlog.follow import describe_error, error_hint
from logsentinel.sources.eventlog.subscription import check_channel
from logsentinel.sources.eventlog.winapi import api_error

BAD_QUERY = (15001,)


def channel_problems(cfg: EventLogConfig, query: str | None = None) -> tuple[list[str], list[str]]:
    """(errors, warnings) for the channels of one eventlog source."""
    errors: list[str] = []
    warnings: list[str] = []
    error = api_error()
    for channel in cfg.channels:
        try:
            check_channel(channel, cfg.query or query)
        except error as exc:
            code = getattr(exc, "winerror", None)
            line = f"source {cfg.name}: channel {channel}: {describe_error(exc)}{error_hint(code)}"
            (errors if code in BAD_QUERY else warnings).append(line)
    return errors, warnings
