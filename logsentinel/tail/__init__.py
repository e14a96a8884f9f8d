"""Following log files as they grow, rotate and vanish (the live sidecar's source stage)."""
