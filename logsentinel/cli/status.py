"""``logsentinel status -c CONFIG [--json]``: what is open right now, and the time left."""

from __future__ import annotations

import json
import sys
from datetime import datetime

from logsentinel.cli.common import fit, read_config
from logsentinel.clock import SYSTEM
from logsentinel.units import format_duration


def add_parser(sub) -> None:
    p = sub.add_parser("status", help="the open events and their deadlines, sinks, sources, probes")
    p.add_argument("-c", "--config", required=True, metavar="FILE", help="config file")
    p.add_argument("--json", action="store_true", help="one JSON object (events, sinks, sources, probes, sidecar)")
    p.set_defaults(func=cmd_status)


def cmd_status(args) -> int:
    from logsentinel.web.status import collect

    config = read_config(args.config)
    if config is None:
        return 2
    status = collect(config, SYSTEM.time())
    if args.json:
        print(json.dumps(status, ensure_ascii=False, indent=2))
    else:
        sys.stdout.write(render_table(status))
    return 0


def time_left(seconds: float) -> str:
    """'in 42m' or 'overdue by 1h3m'."""
    if seconds >= 0:
        return f"in {format_duration(seconds)}"
    return f"overdue by {format_duration(-seconds)}"


def local(iso_time: str | None) -> str:
    """An event time (UTC, ISO 8601) in this machine's zone, with the zone shown."""
    if not iso_time:
        return "-"
    dt = datetime.fromisoformat(iso_time.replace("Z", "+00:00")).astimezone()
    return dt.strftime("%Y-%m-%d %H:%M:%S %Z")


def render_table(status: dict) -> str:
    lines = []
    side = status["sidecar"]
    lines.append(
        f"sidecar: {'running since ' + local(side['since']) + ' (pid ' + str(side['pid']) + ')' if side['running'] else 'not running'}"
        + (f"; last seen alive {local(side['alive_at'])}" if side.get("alive_at") and not side["running"] else "")
    )
    for problem in status.get("problems", []):
        lines.append(f"PROBLEM: {problem}")
    events = status["events"]
    lines.append("")
    lines.append(f"open events: {len(events)}" + ("" if events else " (nothing open)"))
    rows = [("ID", "PRI", "EVENT", "SIGNATURE", "FIELDS", "COUNT", "LAST SEEN", "DEADLINE", "TIME LEFT", "TAKEN BY")]
    for e in events:
        fields = ", ".join(f"{k}={' '.join(str(v).split())}" for k, v in e["fields"].items())
        taken = e.get("acknowledged_by") or "-"
        if e.get("silenced_by"):
            taken = f"{taken} (silenced by {e['silenced_by']})"
        rows.append(
            (
                e["id"][:8],  # logsentinel ack / resolve take it
                e["priority"] + ("!" if e.get("overdue") else ""),
                fit(e["title"], 40),
                e["signature"],
                fit(fields, 40),
                str(e["count"]),
                local(e["last_seen"]),
                local(e["deadline"]),
                time_left(e["seconds_to_deadline"]),
                taken,
            )
        )
    if events:
        lines += _table(rows)
    if status.get("silences"):
        lines.append("")
        lines.append("silences:")
        lines += _table(
            [("ID", "MATCHERS", "STATE", "ENDS", "BY", "REASON")]
            + [
                (s["id"], ", ".join(s["matchers"]), s["state"], local(s["ends_at"]), s["by"], fit(s["reason"], 60))
                for s in status["silences"]
            ]
        )
    if status.get("recently_resolved"):
        lines.append("")
        lines.append("resolved in the last 24 h:")
        lines += _table(
            [("ID", "PRI", "EVENT", "SIGNATURE", "ENDED", "HOW", "BY")]
            + [
                (
                    r["id"][:8],
                    r["priority"],
                    fit(r["title"], 40),
                    r["signature"],
                    local(r.get("resolved_at") or r["last_seen"]),
                    r["report"],
                    r.get("resolved_by") or "-",
                )
                for r in status["recently_resolved"]
            ]
        )
    lines.append("")
    lines.append("sinks:")
    lines += (
        _table(
            [("SINK", "PENDING", "OLDEST PENDING", "DEAD", "SET ASIDE")]
            + [
                (
                    s["name"],
                    str(s["pending"]),
                    format_duration(s["oldest_pending_seconds"]) if s["oldest_pending_seconds"] else "-",
                    str(s["dead"]),
                    str(s["set_aside"]),
                )
                for s in status["sinks"]
            ]
        )
        if status["sinks"]
        else ["  (none)"]
    )
    lines.append("")
    lines.append("sources:")
    lines += (
        _table(
            [("SOURCE", "TYPE", "FILES", "LAG", "LAST RECORD")]
            + [
                (
                    s["name"],
                    s["type"],
                    str(s["files"]),
                    "-" if s["lag_bytes"] is None else f"{s['lag_bytes']} B",
                    local(s["last_record_time"]),
                )
                for s in status["sources"]
            ]
        )
        if status["sources"]
        else ["  (none)"]
    )
    channels = [(s["name"], c) for s in status["sources"] for c in s.get("channels", [])]
    if channels:
        lines.append("")
        lines.append("event-log channels:")
        lines += _table(
            [("SOURCE", "CHANNEL", "STATE", "LAST ERROR")]
            + [(name, c["channel"], c["state"], c["error"][:90]) for name, c in channels]
        )
    if status["probes"]:
        lines.append("")
        lines.append("probes:")
        lines += _table(
            [("PROBE", "OK", "AT", "LAST RECORD")]
            + [(p["name"], "yes" if p["ok"] else "NO", local(p["at"]), p["text"][:70]) for p in status["probes"]]
        )
    return "\n".join(lines) + "\n"


def _table(rows: list[tuple]) -> list[str]:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return ["  " + "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip() for row in rows]
