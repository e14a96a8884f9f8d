"""Priority to the severity words receivers know (Alertmanager labels, PagerDuty's severity)."""

SEVERITY = {"P1": "critical", "P2": "error", "P3": "warning", "P4": "info"}
LADDER = ["info", "warning", "error", "critical"]


def raised(severity: str) -> str:
    """One step up (an overdue event): info -> warning -> error -> critical."""
    return LADDER[min(LADDER.index(severity) + 1, len(LADDER) - 1)] if severity in LADDER else severity
