"""The status page (``/`` on the metrics listener): what ``logsentinel status`` shows, as one
small HTML page that refreshes itself and reads well on a phone. No framework: the page is
built here, every value escaped (log lines may hold anything), times shown in the reader's own
zone by a few lines of script (UTC without it)."""

from __future__ import annotations

import html

from logsentinel.units import format_duration

REFRESH_S = 15
_PRIORITY_COLOUR = {"P1": "#b00020", "P2": "#d35400", "P3": "#b7950b", "P4": "#2471a3"}

_STYLE = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:0;padding:12px;color:#222;background:#fafafa}
h1{font-size:1.2em;margin:0 0 4px} h2{font-size:1em;margin:18px 0 6px} .meta{color:#555;font-size:.9em}
table{border-collapse:collapse;width:100%;font-size:.9em;background:#fff} td,th{padding:6px 8px;border-bottom:1px solid #e3e3e3;text-align:left;vertical-align:top}
th{background:#f0f0f0;font-weight:600} .pri{color:#fff;border-radius:4px;padding:1px 6px;font-weight:700;white-space:nowrap}
.overdue{color:#b00020;font-weight:700} .left{white-space:nowrap} .msg{color:#555;font-size:.85em;word-break:break-word}
.ok{color:#1e8449} .bad{color:#b00020;font-weight:700}
@media (max-width:700px){.wide{display:none} td,th{padding:5px 4px}}
"""

_SCRIPT = """
document.querySelectorAll('time').forEach(function(t){var d=new Date(t.getAttribute('datetime'));
if(!isNaN(d)){t.textContent=d.toLocaleString(undefined,{year:'numeric',month:'short',day:'numeric',
hour:'2-digit',minute:'2-digit',second:'2-digit',timeZoneName:'short'});}});
"""


def render(status: dict, host: str) -> str:
    e = html.escape
    side = status["sidecar"]
    state = (
        f"running since {_time(side['since'])}"
        if side["running"]
        else "<span class=bad>not running</span>"
        + (f" (last alive {_time(side['alive_at'])})" if side.get("alive_at") else "")
    )
    events = status["events"]
    total = status.get("events_total", len(events))
    overdue = status.get("events_overdue", sum(1 for ev in events if ev["seconds_to_deadline"] < 0))
    parts = [
        "<!doctype html><html lang=en><head><meta charset=utf-8>",
        "<meta name=viewport content='width=device-width,initial-scale=1'>",
        f"<meta http-equiv=refresh content={REFRESH_S}>",
        f"<title>logsentinel {e(host)}: {total} open</title><style>{_STYLE}</style></head><body>",
        f"<h1>logsentinel on {e(host)}</h1><div class=meta>sidecar {state} · refreshes every {REFRESH_S} s</div>",
        f"<h2 id=events>Open events: {total}"
        + (f", <span class=overdue>{overdue} overdue</span>" if overdue else "")
        + "</h2>",
    ]
    if events:
        parts.append(
            "<table id=open-events><tr><th>Priority</th><th>Event</th><th class=wide>Count</th>"
            "<th class=wide>First seen</th><th class=wide>Last seen</th><th>Deadline</th><th>Time left</th></tr>"
        )
        for ev in events:
            fields = ", ".join(f"{k}={v}" for k, v in ev["fields"].items() if len(str(v)) <= 60 and "\n" not in str(v))
            left = ev["seconds_to_deadline"]
            left_text = (
                f"<span class=overdue>overdue by {format_duration(-left)}</span>"
                if left < 0
                else f"{format_duration(left)} left"
            )
            parts.append(
                f"<tr class=event data-signature='{e(ev['signature'])}'>"
                f"<td><span class=pri style='background:{_PRIORITY_COLOUR.get(ev['priority'], '#555')}'>{e(ev['priority'])}</span></td>"
                f"<td><b>{e(ev['title'])}</b><div class=msg>{e(ev['signature'])}{' · ' + e(fields) if fields else ''}</div>"
                f"<div class=msg>{e(ev['message'].splitlines()[0][:200] if ev['message'] else '')}</div></td>"
                f"<td class=wide>{ev['count']}</td><td class=wide>{_time(ev['first_seen'])}</td>"
                f"<td class=wide>{_time(ev['last_seen'])}</td><td>{_time(ev['deadline'])}</td>"
                f"<td class=left>{left_text}</td></tr>"
            )
        parts.append("</table>")
        if total > len(events):
            parts.append(
                f"<p class=meta id=more>The {len(events)} nearest deadlines are shown; {total - len(events)} more "
                f"open events: <a href='api/status?offset={len(events)}'>api/status?offset={len(events)}</a></p>"
            )
    else:
        parts.append("<p>Nothing open.</p>")
    parts.append(
        "<h2>Sinks</h2>"
        + _simple(
            ["Sink", "Pending", "Oldest pending", "Dead letters", "Set aside"],
            [
                [
                    s["name"],
                    s["pending"],
                    format_duration(s["oldest_pending_seconds"]) if s["oldest_pending_seconds"] else "-",
                    s["dead"],
                    s["set_aside"],
                ]
                for s in status["sinks"]
            ],
        )
    )
    parts.append(
        "<h2>Sources</h2>"
        + _simple(
            ["Source", "Type", "Files", "Lag", "Last record"],
            [
                [
                    s["name"],
                    s["type"],
                    s["files"],
                    "-" if s["lag_bytes"] is None else f"{s['lag_bytes']} B",
                    _Raw(_time(s["last_record_time"])),
                ]
                for s in status["sources"]
            ],
        )
    )
    channels = [(s["name"], c) for s in status["sources"] for c in s.get("channels", [])]
    if channels:
        parts.append(
            "<h2>Event-log channels</h2>"
            + _simple(
                ["Source", "Channel", "State", "Last error"],
                [
                    [
                        name,
                        c["channel"],
                        _Raw(
                            "<span class=ok>open</span>"
                            if c["state"] == "open"
                            else f"<span class=bad>{html.escape(c['state'])}</span>"
                        ),
                        c["error"],
                    ]
                    for name, c in channels
                ],
            )
        )
    if status["probes"]:
        parts.append(
            "<h2>Probes</h2>"
            + _simple(
                ["Probe", "State", "At", "Last record"],
                [
                    [
                        p["name"],
                        _Raw("<span class=ok>ok</span>" if p["ok"] else "<span class=bad>not ok</span>"),
                        _Raw(_time(p["at"])),
                        p["text"],
                    ]
                    for p in status["probes"]
                ],
            )
        )
    parts.append(f"<script>{_SCRIPT}</script></body></html>")
    return "".join(parts)


class _Raw(str):
    """Already HTML."""


def _simple(head: list[str], rows: list[list]) -> str:
    if not rows:
        return "<p>None.</p>"
    cell = lambda v: v if isinstance(v, _Raw) else html.escape(str(v))  # noqa: E731
    return (
        "<table><tr>"
        + "".join(f"<th>{html.escape(h)}</th>" for h in head)
        + "</tr>"
        + "".join("<tr>" + "".join(f"<td>{cell(v)}</td>" for v in row) + "</tr>" for row in rows)
        + "</table>"
    )


def _time(iso_time: str | None) -> str:
    if not iso_time:
        return "-"
    return f"<time datetime='{html.escape(iso_time)}'>{html.escape(iso_time.replace('T', ' ').replace('.000Z', ' UTC'))}</time>"
