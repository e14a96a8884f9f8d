"""What ``logsentinel replay`` prints for people: the report table (one line per report, all
times in one zone, named above it, with a legend below) and the summary (events and reports
counted apart), written once at the end."""

from __future__ import annotations

from datetime import datetime, tzinfo
from typing import ClassVar

from logsentinel.cli.common import fit
from logsentinel.records.eventxml import SYSTEM_FIELDS as EVENT_SYSTEM_FIELDS

REPORTS = ("fired", "repeated", "overdue", "acknowledged", "resolved", "closed", "updated")
LEGEND = (
    "REPORT: fired = a new event; repeated = still happening (new count); overdue = its response "
    "deadline passed while it was open (PRI marked !); acknowledged = someone took it; resolved = "
    "it ended (a resolve record, auto_resolve, heartbeats back, or a person); closed = quiet for its "
    "dedup window; updated = its state when the replay ended.\n"
    "TIME: when the report was made (fired: detected; overdue: the deadline; resolved: the resolve; "
    "else the last record); COUNT: records folded into the event so far."
)


def zone_label(zone: tzinfo | None) -> str:
    """How the header names the zone: its IANA key, UTC, or this machine's zone."""
    if zone is None:
        local = datetime.now().astimezone().tzinfo
        return f"this machine's zone ({local.tzname(None) if local else 'local'})"
    return str(getattr(zone, "key", None) or zone.tzname(None) or zone)


def in_zone(value: str, zone: tzinfo | None, iso: bool = False) -> str:
    """An event time (ISO 8601, UTC) in ``zone`` (None: this machine's zone)."""
    dt = datetime.fromisoformat(value.replace("Z", "+00:00"))
    dt = dt.astimezone(zone) if zone is not None else dt.astimezone()
    return dt.isoformat(timespec="milliseconds") if iso else dt.strftime("%Y-%m-%d %H:%M:%S %Z")


class EventTable:
    """One line per report, as they come: time, report, priority, signature, count, fields, record."""

    HEAD = ("TIME", "REPORT", "PRI", "SIGNATURE", "COUNT", "FIELDS", "RECORD")
    WHEN: ClassVar[dict[str, str]] = {
        "fired": "detected_at",
        "overdue": "deadline",
        "resolved": "resolved_at",
    }  # else last_seen
    WIDTHS = (23, 12, 4, 34, 5, 30, 0)
    RECORD_CHARS = 100

    def __init__(self, out, zone: tzinfo | None) -> None:
        self.out = out
        self.zone = zone
        self.out.write(f"times in {zone_label(zone)}\n")
        self.out.write(self._line(self.HEAD))

    def row(self, ev: dict) -> None:
        at = ev[self.WHEN.get(ev["report"], "last_seen")]
        fields = ", ".join(
            f"{k}={' '.join(str(v).split())}"
            for k, v in ev["fields"].items()
            if k not in EVENT_SYSTEM_FIELDS and not k.startswith("data")
        )
        first_line = (ev.get("message") or "").split("\n", 1)[0]
        self.out.write(
            self._line(
                (
                    in_zone(at, self.zone),
                    ev["report"],
                    ev["priority"] + ("!" if ev.get("overdue") else ""),
                    ev["signature"],
                    str(ev["count"]),
                    fields,
                    fit(first_line, self.RECORD_CHARS),
                )
            )
        )

    def end(self) -> None:
        self.out.write("\n" + LEGEND + "\n\n")

    def _line(self, cells) -> str:
        return " ".join(fit(c, w).ljust(w) if w else c for c, w in zip(cells, self.WIDTHS, strict=True)).rstrip() + "\n"


class Summary:
    """Events (each counted once, by id) per priority, reports per kind, and the signatures
    that fired, at the end of a replay."""

    def __init__(self) -> None:
        self.fired: dict[str, int] = {}
        self.events: dict[str, str] = {}  # event id -> priority
        self.reports: dict[str, int] = {}
        self.overdue: set[str] = set()

    def add(self, ev: dict) -> None:
        self.events.setdefault(ev["id"], ev["priority"])
        self.reports[ev["report"]] = self.reports.get(ev["report"], 0) + 1
        if ev["report"] == "fired":
            self.fired[ev["signature"]] = self.fired.get(ev["signature"], 0) + 1
        elif ev["report"] == "overdue":
            self.overdue.add(ev["id"])

    def write(self, out) -> None:
        per = {p: sum(1 for q in self.events.values() if q == p) for p in ("P1", "P2", "P3", "P4")}
        n_reports = sum(self.reports.values())
        kinds = ", ".join(f"{k} {self.reports[k]}" for k in REPORTS if k in self.reports)
        out.write(
            f"{len(self.events)} event{'s' if len(self.events) != 1 else ''} ("
            + ", ".join(f"{p} {n}" for p, n in per.items())
            + (f"; {len(self.overdue)} went overdue" if self.overdue else "")
            + f") in {n_reports} report{'s' if n_reports != 1 else ''}"
            + (f" ({kinds})" if kinds else "")
            + "\n"
        )
        if self.fired:
            out.write(
                "signatures that fired: "
                + ", ".join(f"{s} ({n})" if n > 1 else s for s, n in sorted(self.fired.items()))
                + "\n"
            )
