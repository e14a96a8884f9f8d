"""The sidecar's state: one SQLite database (WAL) holding file offsets, the detector's state and
the outbox of event reports not yet delivered (``dispatch.outbox``), and the operator's actions
(acknowledge, resolve) and silences with who, when and why, and the reports silences kept back.

Everything that one batch of log data changes is written in one transaction: the offsets (and
the bytes read but not yet made into records), the detector's state and the reports it made.
A crash at any point therefore leaves the state of a batch boundary: after a restart no line
is read twice or lost, and no report is made twice. A database written by an earlier release
is upgraded when it is opened (``app.migrate``).
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from logsentinel.detection.detector import Detector
from logsentinel.detection.radar import Radar, RadarSettings
from logsentinel.dispatch.outbox import PRIORITY_RANK, StateError, connect
from logsentinel.dispatch.outbox import SCHEMA as OUTBOX_SCHEMA
from logsentinel.sources.eventlog.follow import BookmarkRow
from logsentinel.sources.files.position import FileRow
from logsentinel.state.migrate import SCHEMA_VERSION, upgrade_schema
from logsentinel.state.requests import Requests, read_silences

__all__ = ["FileRow", "State", "StateError", "read_silences"]

_SCHEMA = (
    """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS files (
    source TEXT NOT NULL,
    file_key TEXT NOT NULL,          -- device:inode (volume serial:file index on Windows)
    path TEXT NOT NULL,              -- last path it was seen at
    head BLOB NOT NULL,              -- its first bytes: tells a reused inode from the same file
    offset INTEGER NOT NULL,         -- raw bytes consumed
    reader TEXT NOT NULL,            -- decoder and record-cutter state (held-back bytes), JSON
    gone INTEGER NOT NULL DEFAULT 0, -- no configured path points at it any more
    updated REAL NOT NULL,
    PRIMARY KEY (source, file_key)
);
CREATE TABLE IF NOT EXISTS detector (id INTEGER PRIMARY KEY CHECK (id = 1), state TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS open_events (
    dedup_key TEXT PRIMARY KEY,      -- the event's key (EventKey text)
    deadline INTEGER NOT NULL,       -- epoch ms its response is due: the status lists by it
    rank INTEGER NOT NULL,           -- 1 for P1 ... 4 for P4
    data TEXT NOT NULL               -- the event, JSON
);
CREATE INDEX IF NOT EXISTS open_events_deadline ON open_events (deadline, rank);
CREATE TABLE IF NOT EXISTS probes (
    name TEXT PRIMARY KEY,
    at INTEGER NOT NULL,             -- epoch ms of the last result
    text TEXT NOT NULL,              -- the record it wrote
    ok INTEGER NOT NULL,
    value REAL
);
CREATE TABLE IF NOT EXISTS bookmarks (
    source TEXT NOT NULL,
    channel TEXT NOT NULL,
    xml TEXT,                        -- the event-log bookmark after the last event read
    since INTEGER NOT NULL,          -- epoch ms the channel was first read from
    PRIMARY KEY (source, channel)
);
CREATE TABLE IF NOT EXISTS actions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL,              -- ack or resolve (detection.actions)
    target TEXT NOT NULL,            -- the event id, or its first characters
    by TEXT NOT NULL,                -- who
    note TEXT NOT NULL,              -- why
    at INTEGER NOT NULL,             -- epoch ms asked
    applied_at INTEGER,              -- epoch ms the detector took it (NULL: waiting for it)
    ok INTEGER,
    outcome TEXT,                    -- what was done, or why not
    event_id TEXT                    -- the event it changed
);
CREATE TABLE IF NOT EXISTS silences (
    id TEXT PRIMARY KEY,             -- 8 hex characters (logsentinel silences --expire takes it)
    matchers TEXT NOT NULL,          -- JSON list of {name, value, regex}
    starts_at INTEGER NOT NULL,      -- epoch ms
    ends_at INTEGER NOT NULL,        -- epoch ms (set to the time it was expired by hand)
    by TEXT NOT NULL,                -- who
    reason TEXT NOT NULL,            -- why
    created_at INTEGER NOT NULL,
    expired_by TEXT                  -- who expired it early
);
CREATE INDEX IF NOT EXISTS silences_end ON silences (ends_at);
CREATE TABLE IF NOT EXISTS silenced (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at INTEGER NOT NULL,             -- epoch ms the report was made
    silence_id TEXT NOT NULL,
    event_id TEXT NOT NULL,
    report TEXT NOT NULL,            -- fired, repeated, overdue...
    data TEXT NOT NULL               -- the report, JSON (as a sink would have had it)
);
CREATE INDEX IF NOT EXISTS silenced_event ON silenced (event_id);
CREATE TABLE IF NOT EXISTS ended (
    event_id TEXT PRIMARY KEY,
    at INTEGER NOT NULL,             -- epoch ms it was resolved or closed
    data TEXT NOT NULL               -- its last report, JSON (the page lists the recently resolved)
);
CREATE INDEX IF NOT EXISTS ended_at ON ended (at);
CREATE TABLE IF NOT EXISTS radar_templates (
    source TEXT NOT NULL,
    id INTEGER NOT NULL,             -- the template's id in its source's Drain tree
    status TEXT NOT NULL,            -- known, new or ignored
    data TEXT NOT NULL,              -- the template: times, count, first record, text and tokens, JSON
    PRIMARY KEY (source, id)
);
"""
    + OUTBOX_SCHEMA
)


_ASIDE = "; move the file aside to start afresh (file positions, open events and undelivered reports are then lost)"


def _reset_note(path: Path) -> str | None:
    """What a start on an empty or missing state file resets (said as a warning), or None."""
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        return None  # a first start: nothing to say beyond "first start"
    except OSError:
        return None
    if size:
        return None
    return (
        f"state database {path} is empty (0 bytes): taken as new; file positions, open events, threshold "
        "windows and undelivered reports start afresh (logs are read from each source's start_at)"
    )


class State(Requests):
    """The main loop's connection to the state database (with the operator's requests)."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self.reset_note = _reset_note(self.path)  # an empty or missing state: what starts afresh
        super().__init__(connect(self.path))
        try:
            found = self._schema_version()
            self.db.executescript(_SCHEMA)
            with self.transaction() as db:
                if found is None:
                    db.execute("INSERT OR REPLACE INTO meta VALUES ('schema', ?)", (str(SCHEMA_VERSION),))
                else:
                    upgrade_schema(db, found)
                # a write at open: a read-only database is refused now, not after the listener binds
                db.execute("INSERT OR REPLACE INTO meta VALUES ('opened', '1')")
            self._check_rows()
        except sqlite3.Error as exc:
            self.db.close()
            damaged = not any(word in str(exc) for word in ("readonly", "locked", "disk I/O", "full"))
            raise StateError(f"state database {self.path}: {exc}{_ASIDE if damaged else ''}") from None
        except StateError:
            self.db.close()
            raise

    def _check_rows(self) -> None:
        """Every JSON the state holds must read: a damaged one is found at open (exit 2 with
        one line), not as a traceback later in the loop."""
        quick = self.db.execute("PRAGMA quick_check(1)").fetchone()
        if quick and quick[0] != "ok":
            raise StateError(f"state database {self.path} is damaged: {quick[0]}{_ASIDE}")
        checks = (
            ("the detector's state", "SELECT 'detector', state FROM detector", dict),
            ("an open event", "SELECT dedup_key, data FROM open_events", dict),
            ("a file position", "SELECT path, reader FROM files", dict),
        )
        for what, query, kind in checks:
            for name, text in self.db.execute(query):
                try:
                    ok = isinstance(json.loads(text), kind)
                except (TypeError, ValueError):
                    ok = False
                if not ok:
                    raise StateError(
                        f"state database {self.path}: {what} ({str(name)[:80]}) is damaged: not the JSON it wrote{_ASIDE}"
                    )

    def _schema_version(self) -> int | None:
        if not self.db.execute("SELECT name FROM sqlite_master WHERE name = 'meta'").fetchone():
            return None
        row = self.db.execute("SELECT value FROM meta WHERE key = 'schema'").fetchone()
        return int(row[0]) if row else None

    # ---- meta ---------------------------------------------------------------------------
    def get_meta(self, key: str) -> str | None:
        row = self.db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    @staticmethod
    def set_meta(db, key: str, value: str) -> None:
        db.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, value))

    # ---- files --------------------------------------------------------------------------
    def load_files(self, source: str) -> list[FileRow]:
        rows = self.db.execute(
            "SELECT source, file_key, path, head, offset, reader, gone FROM files WHERE source = ?", (source,)
        ).fetchall()
        return [FileRow(r[0], r[1], r[2], bytes(r[3]), r[4], json.loads(r[5]), bool(r[6])) for r in rows]

    @staticmethod
    def save_file(db, row: FileRow, now: float) -> None:
        db.execute(
            "INSERT OR REPLACE INTO files VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (row.source, row.file_key, row.path, row.head, row.offset, json.dumps(row.reader), int(row.gone), now),
        )

    @staticmethod
    def forget_file(db, source: str, file_key: str) -> None:
        db.execute("DELETE FROM files WHERE source = ? AND file_key = ?", (source, file_key))

    # ---- probes ---------------------------------------------------------------------------
    @staticmethod
    def save_probe(db, name: str, at: int, text: str, ok: bool, value: float | None) -> None:
        db.execute("INSERT OR REPLACE INTO probes VALUES (?, ?, ?, ?, ?)", (name, at, text, int(ok), value))

    # ---- event-log bookmarks ----------------------------------------------------------------
    def load_bookmarks(self, source: str) -> list[BookmarkRow]:
        return [
            BookmarkRow(*r)
            for r in self.db.execute("SELECT source, channel, xml, since FROM bookmarks WHERE source = ?", (source,))
        ]

    @staticmethod
    def save_bookmark(db, row: BookmarkRow) -> None:
        db.execute(
            "INSERT OR REPLACE INTO bookmarks VALUES (?, ?, ?, ?)", (row.source, row.channel, row.xml, row.since)
        )

    # ---- detector -----------------------------------------------------------------------
    def load_detector(self) -> tuple[dict | None, bool]:
        """(the detector's snapshot, whether its open events are this table's rows). A snapshot
        of an earlier release holds its open events itself (written whole at the next commit)."""
        row = self.db.execute("SELECT state FROM detector WHERE id = 1").fetchone()
        if not row:
            return None, False
        snap = json.loads(row[0])
        if "open" in snap:
            return snap, False
        snap["open"] = [json.loads(r[0]) for r in self.db.execute("SELECT data FROM open_events")]
        return snap, True

    def load_radar(self, settings: RadarSettings) -> Radar:
        """The new-error radar as the state holds it: each source's start and templates."""
        radar = Radar(settings)
        starts = json.loads(self.get_meta("radar_started") or "{}")
        radar.restore({source: {"started": started, "templates": []} for source, started in starts.items()})
        rows = [
            (source, json.loads(text)) for source, text in self.db.execute("SELECT source, data FROM radar_templates")
        ]
        for source, d in sorted(rows, key=lambda row: (row[0], row[1]["last_seen"], row[1]["id"])):
            radar.restore_template(source, d)  # least recently seen first: the radar's LRU order
        radar.changed.clear()
        return radar

    @staticmethod
    def save_radar(db, radar: Radar) -> None:
        """The radar's templates that changed since the last commit, in the caller's transaction."""
        rows, gone = radar.take_changes()
        db.executemany("DELETE FROM radar_templates WHERE source = ? AND id = ?", gone)
        db.executemany(
            "INSERT OR REPLACE INTO radar_templates VALUES (?, ?, ?, ?)",
            [(source, d["id"], d["status"], json.dumps(d, ensure_ascii=False)) for source, d in rows],
        )
        if rows or gone:
            db.execute("INSERT OR REPLACE INTO meta VALUES ('radar_started', ?)", (json.dumps(radar.starts()),))

    @staticmethod
    def save_detector(db, detector: Detector) -> None:
        """The detector's state, in the caller's transaction: its open events a row each, only
        those that changed since the last commit; the rest (clock, windows, timers) as one row."""
        db.execute("INSERT OR REPLACE INTO detector VALUES (1, ?)", (json.dumps(detector.snapshot(with_open=False)),))
        changes = detector.open.take_changes()
        if changes.rewrite:
            db.execute("DELETE FROM open_events")
        db.executemany("DELETE FROM open_events WHERE dedup_key = ?", [(k,) for k in changes.deletes])
        db.executemany(
            "INSERT OR REPLACE INTO open_events VALUES (?, ?, ?, ?)",
            [
                (ev.dedup_key, ev.deadline, PRIORITY_RANK.get(ev.priority, 5), json.dumps(vars(ev)))
                for ev in changes.upserts
            ],
        )
