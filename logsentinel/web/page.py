"""The status page (``/`` on the metrics listener): what ``logsentinel status`` shows, as one
small HTML page that reads well on a phone. No framework: the page is built here, every value
escaped (log lines may hold anything), times shown in the reader's own zone by a few lines of
script (UTC without it).

First a red banner with the problems (a failing sink, an unreadable source...), then the open
events (title, what it means, the record and where it was read, the runbook link, who took it,
the silence that holds it back), the silences, the events resolved in the last 24 h, sinks,
sources, channels and probes. For a signed-in user (``basic_auth_users``) each event has its
acknowledge, resolve and silence buttons and each silence an expire button: forms that POST
with a token bound to the user (``web.actions``); without sign-in the page is read-only."""

from __future__ import annotations

import html
from dataclasses import dataclass

from logsentinel.units import format_duration

REFRESH_S = 15
_PRIORITY_COLOUR = {"P1": "#b00020", "P2": "#d35400", "P3": "#b7950b", "P4": "#2471a3"}
SILENCE_SPANS = ("1h", "2h", "4h", "8h", "1d")

_STYLE = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:0;padding:12px;color:#222;background:#fafafa}
h1{font-size:1.2em;margin:0 0 4px} h2{font-size:1em;margin:18px 0 6px} .meta{color:#555;font-size:.9em}
table{border-collapse:collapse;width:100%;font-size:.9em;background:#fff} td,th{padding:6px 8px;border-bottom:1px solid #e3e3e3;text-align:left;vertical-align:top}
th{background:#f0f0f0;font-weight:600} .pri{color:#fff;border-radius:4px;padding:1px 6px;font-weight:700;white-space:nowrap}
.overdue{color:#b00020;font-weight:700} .left{white-space:nowrap} .msg{color:#555;font-size:.85em;word-break:break-word}
.ok{color:#1e8449} .bad{color:#b00020;font-weight:700}
.banner{background:#b00020;color:#fff;padding:8px 12px;border-radius:4px;margin:8px 0} .banner li{margin:2px 0}
.flash{background:#e8f5e9;border:1px solid #1e8449;padding:6px 10px;border-radius:4px;margin:8px 0}
.tag{border-radius:4px;padding:1px 6px;font-size:.8em;white-space:nowrap} .taken{background:#e8f0fe;color:#1a4d8f} .silenced{background:#eee;color:#555}
tr.is-silenced td{color:#777} form.act{display:inline-block;margin:2px 4px 2px 0} form.act input[type=text]{width:9em}
button{font-size:.85em;padding:2px 8px;cursor:pointer}
@media (max-width:700px){.wide{display:none} td,th{padding:5px 4px}}
"""

_SCRIPT = """
document.querySelectorAll('time').forEach(function(t){var d=new Date(t.getAttribute('datetime'));
if(!isNaN(d)){t.textContent=d.toLocaleString(undefined,{year:'numeric',month:'short',day:'numeric',
hour:'2-digit',minute:'2-digit',second:'2-digit',timeZoneName:'short'});}});
"""
# signed in: refresh, but never under a half-typed note
_REFRESH_SCRIPT = """
setInterval(function(){var busy=Array.prototype.some.call(document.querySelectorAll('input[type=text]'),
function(i){return i.value!==''||i===document.activeElement;});if(!busy){location.replace(location.pathname);}},%d);
"""


@dataclass(frozen=True)
class Session:
    """A signed-in user and the token that the page's forms carry (``web.actions``)."""

    user: str
    token: str


def render(status: dict, host: str, session: Session | None = None, flash: str = "") -> str:
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
    who = (
        f"signed in as {e(session.user)}"
        if session
        else "read-only (set metrics.basic_auth_users to acknowledge, resolve and silence from here)"
    )
    parts = [
        "<!doctype html><html lang=en><head><meta charset=utf-8>",
        "<meta name=viewport content='width=device-width,initial-scale=1'>",
        "" if session else f"<meta http-equiv=refresh content={REFRESH_S}>",
        f"<title>logsentinel {e(host)}: {total} open</title><style>{_STYLE}</style></head><body>",
        f"<h1>logsentinel on {e(host)}</h1><div class=meta>sidecar {state} · refreshes every {REFRESH_S} s · {who}</div>",
    ]
    if status.get("problems"):
        parts.append(
            "<div class=banner id=problems role=alert><b>Needs attention</b><ul>"
            + "".join(f"<li>{e(p)}</li>" for p in status["problems"])
            + "</ul></div>"
        )
    if flash:
        parts.append(f"<div class=flash id=flash>{e(flash)}</div>")
    parts.append(
        f"<h2 id=events>Open events: {total}"
        + (f", <span class=overdue>{overdue} overdue</span>" if overdue else "")
        + "</h2>"
    )
    if events:
        parts.append(
            "<table id=open-events><tr><th>Priority</th><th>Event</th><th class=wide>Count</th>"
            "<th class=wide>Last seen</th><th>Deadline</th><th>Time left</th></tr>"
        )
        for ev in events:
            parts.append(_event_row(ev, session))
        parts.append("</table>")
        if total > len(events):
            parts.append(
                f"<p class=meta id=more>The {len(events)} nearest deadlines are shown; {total - len(events)} more "
                f"open events: <a href='api/status?offset={len(events)}'>api/status?offset={len(events)}</a></p>"
            )
    else:
        parts.append("<p>Nothing open.</p>")
    parts.append(_silences(status.get("silences", []), session))
    parts.append(_resolved(status.get("recently_resolved", [])))
    parts.append(_new_errors(status.get("new_errors", [])))
    parts.append(_health(status))
    parts.append(f"<script>{_SCRIPT}{_REFRESH_SCRIPT % (REFRESH_S * 1000) if session else ''}</script></body></html>")
    return "".join(parts)


def _event_row(ev: dict, session: Session | None) -> str:
    e = html.escape
    fields = ", ".join(f"{k}={v}" for k, v in ev["fields"].items() if len(str(v)) <= 60 and "\n" not in str(v))
    left = ev["seconds_to_deadline"]
    if ev.get("acknowledged_by"):
        left_text = f"{format_duration(abs(left))} {'past' if left < 0 else 'left'} (taken)"
    elif left < 0:
        left_text = f"<span class=overdue>overdue by {format_duration(-left)}</span>"
    else:
        left_text = f"{format_duration(left)} left"
    tags = ""
    if ev.get("acknowledged_by"):
        note = f": {ev['note']}" if ev.get("note") else ""
        tags += f" <span class='tag taken'>acknowledged by {e(ev['acknowledged_by'])}{e(note)}</span>"
    if ev.get("silenced_by"):
        tags += f" <span class='tag silenced'>silenced ({e(ev['silenced_by'])})</span>"
    where = f"{ev.get('source') or ''} · {ev.get('path') or ''}" + (f":{ev['line']}" if ev.get("line") else "")
    detail = [
        f"<b class=title>{e(ev['title'])}</b>{tags}",
        f"<div class=msg>{e(ev['signature'])}{' · ' + e(fields) if fields else ''}</div>",
    ]
    if ev.get("description"):
        detail.append(f"<div class='msg description'>{e(ev['description'])}</div>")
    record = ev["message"].splitlines()[0][:200] if ev.get("message") else ""
    detail.append(f"<div class=msg><code>{e(record)}</code></div>")
    detail.append(f"<div class='msg where'>read from {e(where)}</div>")
    if ev.get("runbook"):
        detail.append(f"<div class=msg><a class=runbook href='{e(ev['runbook'])}' rel=noopener>Runbook</a></div>")
    if session is not None:
        detail.append(_event_actions(ev, session))
    cls = "event is-silenced" if ev.get("silenced_by") else "event"
    return (
        f"<tr class='{cls}' data-signature='{e(ev['signature'])}' data-id='{e(ev['id'])}'>"
        f"<td><span class=pri style='background:{_PRIORITY_COLOUR.get(ev['priority'], '#555')}'>{e(ev['priority'])}</span></td>"
        f"<td>{''.join(detail)}</td>"
        f"<td class=wide>{ev['count']}</td><td class=wide>{_time(ev['last_seen'])}</td><td>{_time(ev['deadline'])}</td>"
        f"<td class=left>{left_text}</td></tr>"
    )


def _form(action: str, session: Session, hidden: dict[str, str], inner: str, label: str, cls: str) -> str:
    e = html.escape
    fields = "".join(f"<input type=hidden name='{e(k)}' value='{e(v)}'>" for k, v in hidden.items())
    return (
        f"<form class='act {cls}' method=post action='actions/{action}'>"
        f"<input type=hidden name=csrf value='{e(session.token)}'>{fields}{inner}"
        f"<button type=submit>{e(label)}</button></form>"
    )


def _event_actions(ev: dict, session: Session) -> str:
    out = []
    if not ev.get("acknowledged_by"):
        out.append(
            _form(
                "ack",
                session,
                {"event": ev["id"]},
                "<input type=text name=note placeholder='note' aria-label='note'>",
                "Acknowledge",
                "ack",
            )
        )
    out.append(_form("resolve", session, {"event": ev["id"]}, "", "Resolve", "resolve"))
    spans = "".join(f"<option>{s}</option>" for s in SILENCE_SPANS)
    out.append(
        _form(
            "silence",
            session,
            {"matchers": f"signature={ev['signature']}"},
            f"<select name=for aria-label='for'>{spans}</select>"
            "<input type=text name=reason placeholder='why (required)' aria-label='reason' required>",
            "Silence this signature",
            "silence",
        )
    )
    return "<div class=actions>" + "".join(out) + "</div>"


def _silences(silences: list[dict], session: Session | None) -> str:
    e = html.escape
    out = ["<h2 id=silences>Silences</h2>"]
    if silences:
        head = "<tr><th>Matchers</th><th>State</th><th>Ends</th><th>By</th><th>Reason</th>"
        out.append("<table id=silence-list>" + head + ("<th></th>" if session else "") + "</tr>")
        for s in silences:
            expire = (
                "<td>" + _form("expire", session, {"silence": s["id"]}, "", "Expire", "expire") + "</td>"
                if session
                else ""
            )
            out.append(
                f"<tr class=silence data-id='{e(s['id'])}'><td>{e(', '.join(s['matchers']))}</td><td>{e(s['state'])}</td>"
                f"<td>{_time(s['ends_at'])}</td><td>{e(s['by'])}</td><td>{e(s['reason'])}</td>{expire}</tr>"
            )
        out.append("</table>")
    else:
        out.append("<p>None.</p>")
    if session is not None:
        spans = "".join(f"<option>{s}</option>" for s in SILENCE_SPANS)
        out.append(
            _form(
                "silence",
                session,
                {},
                "<input type=text name=matchers placeholder='signature=app.crash, param1=...' aria-label='matchers' "
                "required style='width:20em'>"
                f"<select name=for aria-label='for'>{spans}</select>"
                "<input type=text name=reason placeholder='why (required)' aria-label='reason' required>",
                "Add silence",
                "new-silence",
            )
        )
    return "".join(out)


def _resolved(events: list[dict]) -> str:
    rows = [
        [
            _Raw(
                f"<span class=pri style='background:{_PRIORITY_COLOUR.get(r['priority'], '#555')}'>{html.escape(r['priority'])}</span>"
            ),
            r["title"],
            r["signature"],
            _Raw(_time(r.get("resolved_at") or r["last_seen"])),
            r["report"] if not r.get("resolved_by") else f"resolved by {r['resolved_by']}",
        ]
        for r in events
    ]
    return "<h2 id=resolved>Resolved in the last 24 h</h2>" + _simple(
        ["Priority", "Event", "Signature", "Ended", "How"], rows, table_id="resolved-list"
    )


def _new_errors(templates: list[dict]) -> str:
    rows = [
        [
            t["id"],
            t["template"],
            t["count"],
            _Raw(_time(t["first_seen"])),
            _Raw(_time(t["last_seen"])),
            t["first_record"],
        ]
        for t in templates
    ]
    hint = (
        "<p class=meta>Kinds of error no signature knows, first seen after the radar learnt the host: "
        "<code>logsentinel radar ignore ID</code> or <code>radar promote ID --to NEW_SIGNATURE</code>.</p>"
        if rows
        else ""
    )
    return (
        "<h2 id=new-errors>New errors</h2>"
        + _simple(
            ["ID", "Template", "Count", "First seen", "Last seen", "First record"], rows, table_id="new-error-list"
        )
        + hint
    )


def _health(status: dict) -> str:
    parts = [
        "<h2>Sinks</h2>"
        + _simple(
            ["Sink", "Pending", "Oldest pending", "Dead letters", "Set aside", "Last error"],
            [
                [
                    s["name"],
                    s["pending"],
                    format_duration(s["oldest_pending_seconds"]) if s["oldest_pending_seconds"] else "-",
                    s["dead"],
                    s["set_aside"],
                    s.get("last_error") or "",
                ]
                for s in status["sinks"]
            ],
        ),
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
        ),
    ]
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
    return "".join(parts)


class _Raw(str):
    """Already HTML."""


def _simple(head: list[str], rows: list[list], table_id: str = "") -> str:
    if not rows:
        return "<p>None.</p>"
    cell = lambda v: v if isinstance(v, _Raw) else html.escape(str(v))  # noqa: E731
    return (
        f"<table{f' id={table_id}' if table_id else ''}><tr>"
        + "".join(f"<th>{html.escape(h)}</th>" for h in head)
        + "</tr>"
        + "".join("<tr>" + "".join(f"<td>{cell(v)}</td>" for v in row) + "</tr>" for row in rows)
        + "</table>"
    )


def _time(iso_time: str | None) -> str:
    if not iso_time:
        return "-"
    return f"<time datetime='{html.escape(iso_time)}'>{html.escape(iso_time.replace('T', ' ').replace('.000Z', ' UTC'))}</time>"
