"""Priority to the severity words receivers know (Alertmanager labels, PagerDuty's severity)."""

SEVERITY = {"P1": "critical", "P2": "error", "P3": "warning", "P4": "info"}
