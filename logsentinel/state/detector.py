"""The detector as the app builds it: for a start, a recovery, a reload and a replay alike,
with the config's host, redaction rules and escalation, taking over a snapshot of any release
(upgraded on the way: ``app.migrate``)."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from logsentinel.detection.detector import Detector
from logsentinel.signatures.model import Signature
from logsentinel.state.migrate import upgrade_snapshot

if TYPE_CHECKING:
    from logsentinel.config.load import Config

log = logging.getLogger("logsentinel.run")


def build_detector(
    signatures: list[Signature], config: Config, snapshot: dict | None = None, from_rows: bool = False
) -> Detector:
    """A detector for ``signatures`` that takes over ``snapshot`` (of any release). ``from_rows``:
    its open events are the state database's rows, so only what changes is written back."""
    detector = Detector(signatures, config.host, config.redactor(), config.escalation_repeat_s)
    if snapshot:
        upgraded, notes = upgrade_snapshot(snapshot, signatures, config.host)
        for note in notes:
            log.warning("state upgrade: %s", note)
        detector.restore(upgraded, rewrite=not (from_rows and upgraded is snapshot))
    return detector
