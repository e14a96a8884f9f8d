"""Every row of the proactive-support table is detected, with its priority and response time."""

from __future__ import annotations

from logsentinel.signatures.model import PRIORITY_RESPONSE_S

# The seed table (ImagicleCare Proactive Support Implementation): row -> (priority, category)
SEED_ROWS = {
    "VoIP stack crash": ("P1", "degradation"),
    "Application crash": ("P1", "degradation"),
    "High reliability encountering a problem in the replication process": ("P3", "degradation"),
    "Failure to save recordings due to database problems (Call Recording)": ("P2", "anomaly"),
    "Webex CDRs not downloaded": ("P1", "anomaly"),
    "Webex presence failed": ("P2", "anomaly"),
    "Webex XSI authorization failed": ("P2", "anomaly"),
    "Problems with tokens or downloading Webex CDR (Call Analytics)": ("P2", "anomaly"),
    "Webex user synchronization failed": ("P2", "anomaly"),
    "Running out of available disk space": ("P4", "space"),
    "Available disk space near saturation": ("P3", "space"),
    "Space available on the database running low": ("P4", "space"),
    "Available database space near saturation": ("P3", "space"),
    "Channel Exhaustion (Call Recording)": ("P3", "capacity"),
    "License Exhaustion (Advanced Queueing)": ("P3", "capacity"),
    "License Exhaustion (Auto Attendant)": ("P3", "capacity"),
    "Recording Too Long (Call Recording)": ("P3", "capacity"),
    "UCX Suite is unable to communicate with api.imagicle.com.": ("P1", "cloud"),
}


def test_every_seed_row_has_a_signature_with_its_priority(library):
    assert len(SEED_ROWS) == 18
    by_row: dict[str, list] = {}
    for sig in library.signatures:
        if sig.category == "sidecar":  # the sidecar's own health (records lost...), not a row
            assert not sig.monitored_event, sig.id
            continue
        assert sig.monitored_event in SEED_ROWS, f"{sig.id}: monitored_event {sig.monitored_event!r} is not a seed row"
        by_row.setdefault(sig.monitored_event, []).append(sig)
    assert set(by_row) == set(SEED_ROWS)
    for row, sigs in by_row.items():
        priority, category = SEED_ROWS[row]
        for sig in sigs:
            assert (sig.priority, sig.category) == (priority, category), sig.id
            assert sig.response_time_s == PRIORITY_RESPONSE_S[priority], sig.id


def test_every_signature_has_enough_examples(library):
    for sig in library.signatures:
        assert len(sig.examples_match) >= 3, sig.id
        assert len(sig.examples_no_match) >= 3, sig.id
        assert sig.title and sig.description and sig.application, sig.id
