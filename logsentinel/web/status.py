"""What is open right now, read from the state database (read-only: it works while the sidecar
runs and when it is stopped): the open events sorted by deadline with the time left (and the
silence that holds each back, if one does), the silences, the events resolved in the last 24 h,
each sink's queue, each source's position, the probes' last results, whether a sidecar is
running, and the problems an operator must see first (``problems``: the page's red banner).

``collect`` gives the one object that ``logsentinel status --json``, ``/api/status`` and the
status page all show: ``{"events", "events_total", "events_overdue", "events_offset",
"silences", "recently_resolved", "new_errors", "problems", "sinks", "sources", "probes",
"sidecar"}`` (``new_errors``: the new-error radar's new templates).
``events`` is a page of the open events (``limit`` from ``offset``, in deadline order) when a
limit is given: 100k open events are 87 MB of JSON.
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import sys
from pathlib import Path

from logsentinel.config.load import Config
from logsentinel.detection.events import Event
from logsentinel.dispatch.silences import silenced_by
from logsentinel.sinks.base import sink_name
from logsentinel.state.database import read_silences
from logsentinel.timefmt import iso
from logsentinel.units import format_duration

ALIVE_WITHIN_S = 30.0  # a sidecar that has not said it is alive for longer is taken as gone
SINK_LATE_S = 60.0  # a sink whose oldest pending report waits longer is shown as failing
RESOLVED_WINDOW_S = 86400.0  # "recently resolved": ended within this long
RESOLVED_SHOWN = 50
NEW_ERRORS_SHOWN = 50  # the radar's new templates on the page
PRIORITY_ORDER = {"P1": 1, "P2": 2, "P3": 3, "P4": 4}


def collect(config: Config, now: float, limit: int | None = None, offset: int = 0) -> dict:
    """The status object; a state database that does not exist yet gives an empty one."""
    empty = {
        "events": [],
        "events_total": 0,
        "events_overdue": 0,
        "events_offset": offset,
        "silences": [],
        "recently_resolved": [],
        "new_errors": [],
        "problems": [],
        "sinks": [],
        "sources": [],
        "probes": [],
        "sidecar": {"running": False, "since": None, "pid": None, "alive_at": None},
    }
    if not Path(config.state).exists():
        empty["problems"] = problems(empty)
        return empty
    db = sqlite3.connect(f"file:{Path(config.state).as_posix()}?mode=ro", uri=True, timeout=5)
    try:
        events, total, overdue = _events(db, now, limit, offset)
        now_ms = int(now * 1000)
        silences = read_silences(db, now_ms) if _has_table(db, "silences") else []
        for ev in events:
            silence = silenced_by(ev, silences, now_ms)
            ev["silenced_by"] = silence.id if silence else None
        status = {
            "events": events,
            "events_total": total,
            "events_overdue": overdue,
            "events_offset": offset,
            "silences": [s.to_dict(now_ms) for s in silences],
            "recently_resolved": _recently_resolved(db, now_ms),
            "new_errors": _new_errors(db),
            "sinks": _sinks(db, config, now),
            "sources": _sources(db, config),
            "probes": _probes(db),
            "sidecar": _sidecar(db, now),
        }
        status["problems"] = problems(status)
        return status
    finally:
        db.close()


def _meta(db, key: str) -> str | None:
    row = db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
    return row[0] if row else None


def _events(db, now: float, limit: int | None, offset: int) -> tuple[list[dict], int, int]:
    """(a page of the open events by deadline, how many are open, how many are overdue)."""
    now_ms = int(now * 1000)
    snap = _meta_detector(db)
    if snap and "open" in snap:  # written by an earlier release: the events are in the snapshot
        every = sorted(snap["open"], key=lambda d: (_deadline(d), PRIORITY_ORDER.get(d.get("priority"), 9)))
        total, overdue = len(every), sum(1 for d in every if _deadline(d) < now_ms)
        raw = every[offset : None if limit is None else offset + limit]
    elif _has_table(db, "open_events"):
        total, overdue = db.execute(
            "SELECT COUNT(*), COALESCE(SUM(deadline < ?), 0) FROM open_events", (now_ms,)
        ).fetchone()
        rows = db.execute(
            "SELECT data FROM open_events ORDER BY deadline, rank, dedup_key LIMIT ? OFFSET ?",
            (-1 if limit is None else limit, offset),
        ).fetchall()
        raw = []
        for (text,) in rows:
            with contextlib.suppress(ValueError):  # a damaged row: the sidecar refuses it at start
                raw.append(json.loads(text))
    else:
        return [], 0, 0
    out = []
    for data in raw:
        try:
            ev = Event(**{k: v for k, v in data.items() if k in Event.__dataclass_fields__})
        except TypeError:
            continue
        d = ev.to_dict()
        d["seconds_to_deadline"] = round(ev.deadline / 1000 - now, 3)
        out.append(d)
    return out, total, overdue


def problems(status: dict) -> list[str]:
    """What the operator must see first (the page's red banner, the top of ``status``): a sink
    that fails or lags, a source or channel that cannot be read, a sidecar that does not run."""
    out = []
    side = status["sidecar"]
    if not side["running"]:
        out.append("the sidecar is not running: nothing is read and nothing is sent")
    for s in status["sinks"]:
        late = s["oldest_pending_seconds"] is not None and s["oldest_pending_seconds"] > SINK_LATE_S
        if s["pending"] and (late or s.get("last_error")):
            waited = f", the oldest for {format_duration(s['oldest_pending_seconds'])}" if late else ""
            error = f"; last error: {s['last_error']}" if s.get("last_error") else ""
            out.append(f"sink {s['name']} is failing: {s['pending']} report(s) waiting{waited}{error}")
        if s["dead"]:
            out.append(f"sink {s['name']}: {s['dead']} report(s) given up (logsentinel outbox retry)")
    for src in status["sources"]:
        for c in src.get("channels", []):
            if side["running"] and c["state"] != "open":
                out.append(f"source {src['name']}: channel {c['channel']} cannot be read ({c['state']}): {c['error']}")
        if side["running"] and src["type"] == "files" and src["files"] == 0:
            out.append(f"source {src['name']}: no file matches its paths")
    for p in status["probes"]:
        if not p["ok"]:
            out.append(f"probe {p['name']} fails: {p['text'][:200]}")
    return out


def _new_errors(db) -> list[dict]:
    """The radar's new templates (not ignored), the latest seen first."""
    if not _has_table(db, "radar_templates"):
        return []
    out = []
    for source, text in db.execute(
        "SELECT source, data FROM radar_templates WHERE status = 'new' "
        "ORDER BY json_extract(data, '$.last_seen') DESC LIMIT ?",
        (NEW_ERRORS_SHOWN,),
    ):
        with contextlib.suppress(ValueError, KeyError):
            d = json.loads(text)
            out.append(
                {
                    "id": f"{source}:{d['id']}",
                    "source": source,
                    "template": d["text"],
                    "first_record": d["first_record"],
                    "first_seen": iso(d["first_seen"]),
                    "last_seen": iso(d["last_seen"]),
                    "count": d["count"],
                }
            )
    return out


def _recently_resolved(db, now_ms: int) -> list[dict]:
    if not _has_table(db, "ended"):
        return []
    rows = db.execute(
        "SELECT data FROM ended WHERE at >= ? ORDER BY at DESC LIMIT ?",
        (now_ms - int(RESOLVED_WINDOW_S * 1000), RESOLVED_SHOWN),
    ).fetchall()
    out = []
    for (text,) in rows:
        with contextlib.suppress(ValueError):
            out.append(json.loads(text))
    return out


def _deadline(data: dict) -> float:
    return (data.get("detected_at") or 0) + (data.get("response_time_s") or 0) * 1000


def _has_table(db, name: str) -> bool:
    return db.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (name,)).fetchone() is not None


def _meta_detector(db) -> dict | None:
    row = db.execute("SELECT state FROM detector WHERE id = 1").fetchone()
    return json.loads(row[0]) if row else None


def _sinks(db, config: Config, now: float) -> list[dict]:
    counts = {(r[0], r[1]): r[2] for r in db.execute("SELECT sink, status, COUNT(*) FROM outbox GROUP BY sink, status")}
    oldest = {
        r[0]: r[1] for r in db.execute("SELECT sink, MIN(created) FROM outbox WHERE status = 'pending' GROUP BY sink")
    }
    errors = {
        r[0]: r[1]
        for r in db.execute(
            "SELECT sink, last_error FROM outbox WHERE status = 'pending' AND last_error IS NOT NULL "
            "AND seq IN (SELECT MAX(seq) FROM outbox WHERE status = 'pending' AND last_error IS NOT NULL GROUP BY sink)"
        )
    }
    names = []
    for i, cfg in enumerate(config.sinks):
        name = sink_name(cfg, i)
        names += [f"{name}@{url}" for url in getattr(cfg, "urls", ())] if cfg.type == "alertmanager" else [name]
    names += sorted({s for s, _ in counts} - set(names))  # queues of sinks no longer configured
    return [
        {
            "name": name,
            "pending": counts.get((name, "pending"), 0),
            "oldest_pending_seconds": round(now - oldest[name], 1) if name in oldest else None,
            "dead": counts.get((name, "dead"), 0),
            "set_aside": counts.get((name, "dropped"), 0),
            "delivered": counts.get((name, "delivered"), 0),
            "last_error": (errors.get(name) or "")[:300] or None,
        }
        for name in names
    ]


def _sources(db, config: Config) -> list[dict]:
    out = []
    rows = db.execute("SELECT source, path, offset, reader, gone FROM files").fetchall()
    for src in config.sources:
        files = [r for r in rows if r[0] == src.name and not r[4]]
        lag, last = 0, None
        for _source, path, offset, reader, _gone in files:
            with contextlib.suppress(OSError):
                lag += max(os.stat(path).st_size - offset, 0)
            prev = (json.loads(reader).get("cutter") or {}).get("prev_time")
            last = max(last or prev or 0, prev or 0) or last
        out.append(
            {
                "name": src.name,
                "type": "files",
                "files": len(files),
                "lag_bytes": lag,
                "last_record_time": iso(last) if last else None,
            }
        )
    try:
        states = json.loads(_meta(db, "eventlog_channels") or "[]")
    except ValueError:
        states = []
    for ev in config.eventlogs:
        mine = {s.get("channel"): s for s in states if isinstance(s, dict) and s.get("source") == ev.name}
        out.append(
            {
                "name": ev.name,
                "type": "eventlog",
                "channels": [
                    {
                        "channel": ch,
                        "state": mine.get(ch, {}).get("state", "unknown"),
                        "error": mine.get(ch, {}).get("error", ""),
                    }
                    for ch in ev.channels
                ],
                "files": 0,
                "lag_bytes": None,
                "last_record_time": None,
            }
        )
    return out


def _probes(db) -> list[dict]:
    return [
        {"name": r[0], "at": iso(r[1]), "text": r[2], "ok": bool(r[3]), "value": r[4]}
        for r in db.execute("SELECT name, at, text, ok, value FROM probes ORDER BY name")
    ]


def _sidecar(db, now: float) -> dict:
    raw = _meta(db, "sidecar")
    alive_at = _meta(db, "alive_at")
    if not raw:
        return {"running": False, "since": None, "pid": None, "alive_at": iso(int(alive_at)) if alive_at else None}
    info = json.loads(raw)
    recent = alive_at is not None and now - int(alive_at) / 1000 < ALIVE_WITHIN_S
    return {
        "running": bool(recent and pid_alive(info["pid"])),
        "since": iso(info["since"]),
        "pid": info["pid"],
        "alive_at": iso(int(alive_at)) if alive_at else None,
    }


def pid_alive(pid: int) -> bool:
    """True if a process with this id runs (on this machine)."""
    if sys.platform == "win32":  # pragma: no cover - Windows only
        import ctypes

        kernel32 = ctypes.WinDLL("kernel32", use_last_error=True)
        handle = kernel32.OpenProcess(0x1000, False, pid)  # PROCESS_QUERY_LIMITED_INFORMATION
        if not handle:
            return False
        code = ctypes.c_ulong()
        kernel32.GetExitCodeProcess(handle, ctypes.byref(code))
        kernel32.CloseHandle(handle)
        return code.value == 259  # STILL_ACTIVE
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
