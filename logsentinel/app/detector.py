"""The detector as the app builds it: for a start, a recovery, a reload and a replay alike,
taking over a snapshot of any release (upgraded on the way: ``app.migrate``)."""

from __future__ import annotations

import logging

from logsentinel.app.migrate import upgrade_snapshot
from logsentinel.detection.detector import Detector
from logsentinel.detection.redact import Redactor
from logsentinel.signatures.model import Signature

log = logging.getLogger("logsentinel.run")


def build_detector(signatures: list[Signature], host: str, redactor: Redactor, snapshot: dict | None) -> Detector:
    """A detector for ``signatures`` that takes over ``snapshot`` (of any release)."""
    detector = Detector(signatures, host, redactor)
    if snapshot:
        snapshot, notes = upgrade_snapshot(snapshot, signatures, host)
        for note in notes:
            log.warning("state upgrade: %s", note)
        detector.restore(snapshot)
    return detector
