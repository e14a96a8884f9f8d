"""The sidecar's state: one SQLite database (WAL) holding file offsets, the detector's state and
the outbox of event reports not yet delivered.

Everything that one batch of log data changes is written in one transaction: the offsets (and
the bytes read but not yet made into records), the detector's state and the reports it made.
A crash at any point therefore leaves the state of a batch boundary: after a restart no line
is read twice or lost, and no report is made twice.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

SCHEMA_VERSION = 1
PRIORITY_RANK = {"P1": 1, "P2": 2, "P3": 3, "P4": 4}

_SCHEMA = """
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
CREATE TABLE IF NOT EXISTS outbox (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    sink TEXT NOT NULL,
    rank INTEGER NOT NULL,           -- 1 for P1 ... 4 for P4: delivered first
    event_id TEXT NOT NULL,
    report TEXT NOT NULL,            -- the event JSON, exactly as delivered
    status TEXT NOT NULL DEFAULT 'pending',   -- pending, delivered, dead
    attempts INTEGER NOT NULL DEFAULT 0,
    next_at REAL NOT NULL DEFAULT 0,
    created REAL NOT NULL,
    last_error TEXT
);
CREATE INDEX IF NOT EXISTS outbox_pending ON outbox (sink, status, rank, seq);
CREATE TABLE IF NOT EXISTS sink_state (sink TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL,
                                       PRIMARY KEY (sink, key));
"""


@dataclass
class FileRow:
    source: str
    file_key: str
    path: str
    head: bytes
    offset: int
    reader: dict
    gone: bool


class StateError(Exception):
    """The state database cannot be opened or written."""


class State:
    """A connection to the state database; each thread uses its own ``State``."""

    def __init__(self, path: Path):
        self.path = Path(path)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.db = sqlite3.connect(str(self.path), timeout=30, isolation_level=None,
                                      check_same_thread=False)
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=NORMAL")  # a process crash loses nothing in WAL mode
            self.db.executescript(_SCHEMA)
            self.db.execute("INSERT OR IGNORE INTO meta VALUES ('schema', ?)", (str(SCHEMA_VERSION),))
        except (sqlite3.Error, OSError) as exc:
            raise StateError(f"state database {self.path}: {exc}") from None
        self._lock = threading.RLock()

    def close(self) -> None:
        self.db.close()

    @contextmanager
    def transaction(self):
        with self._lock:
            self.db.execute("BEGIN IMMEDIATE")
            try:
                yield self.db
            except BaseException:
                self.db.execute("ROLLBACK")
                raise
            else:
                self.db.execute("COMMIT")

    # ---- meta ---------------------------------------------------------------------------
    def get_meta(self, key: str) -> str | None:
        row = self.db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def set_meta(self, db, key: str, value: str) -> None:
        db.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, value))

    # ---- files --------------------------------------------------------------------------
    def load_files(self, source: str) -> list[FileRow]:
        rows = self.db.execute("SELECT source, file_key, path, head, offset, reader, gone FROM files "
                               "WHERE source = ?", (source,)).fetchall()
        return [FileRow(r[0], r[1], r[2], bytes(r[3]), r[4], json.loads(r[5]), bool(r[6])) for r in rows]

    @staticmethod
    def save_file(db, row: FileRow) -> None:
        db.execute("INSERT OR REPLACE INTO files VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                   (row.source, row.file_key, row.path, row.head, row.offset, json.dumps(row.reader),
                    int(row.gone), time.time()))

    @staticmethod
    def forget_file(db, source: str, file_key: str) -> None:
        db.execute("DELETE FROM files WHERE source = ? AND file_key = ?", (source, file_key))

    # ---- detector -----------------------------------------------------------------------
    def load_detector(self) -> dict | None:
        row = self.db.execute("SELECT state FROM detector WHERE id = 1").fetchone()
        return json.loads(row[0]) if row else None

    @staticmethod
    def save_detector(db, state: dict) -> None:
        db.execute("INSERT OR REPLACE INTO detector VALUES (1, ?)", (json.dumps(state),))

    # ---- outbox -------------------------------------------------------------------------
    @staticmethod
    def enqueue(db, sinks: list[str], event: dict, max_pending: dict[str, int] | None = None) -> int:
        """Queue a report for every sink. A sink's queue holds at most ``max_pending`` pending
        reports: beyond that the lowest-priority, newest ones are set aside as 'dropped' (listed
        by ``logsentinel outbox``, retried with --retry). Returns how many were dropped."""
        report = json.dumps(event, ensure_ascii=False)
        rank = PRIORITY_RANK.get(event.get("priority"), 5)
        now = time.time()
        db.executemany("INSERT INTO outbox (sink, rank, event_id, report, created) VALUES (?, ?, ?, ?, ?)",
                       [(sink, rank, event["id"], report, now) for sink in sinks])
        dropped = 0
        for sink in sinks:
            limit = (max_pending or {}).get(sink)
            if not limit:
                continue
            n = db.execute("SELECT COUNT(*) FROM outbox WHERE sink = ? AND status = 'pending'", (sink,)).fetchone()[0]
            if n > limit:
                cur = db.execute(
                    "UPDATE outbox SET status = 'dropped', last_error = 'outbox full (max_pending)' WHERE seq IN "
                    "(SELECT seq FROM outbox WHERE sink = ? AND status = 'pending' ORDER BY rank DESC, seq DESC LIMIT ?)",
                    (sink, n - limit))
                dropped += cur.rowcount
        return dropped

    def pending(self, sink: str, limit: int = 100, now: float | None = None) -> list[tuple[int, str]]:
        """(seq, report) of deliveries due now, highest priority first, then in order."""
        now = time.time() if now is None else now
        return self.db.execute(
            "SELECT seq, report FROM outbox WHERE sink = ? AND status = 'pending' AND next_at <= ? "
            "ORDER BY rank, seq LIMIT ?", (sink, now, limit)).fetchall()

    @staticmethod
    def mark_delivered(db, seqs: list[int]) -> None:
        db.executemany("UPDATE outbox SET status = 'delivered', attempts = attempts + 1, last_error = NULL "
                       "WHERE seq = ?", [(s,) for s in seqs])

    @staticmethod
    def mark_failed(db, seqs: list[int], error: str, dead: bool = False) -> None:
        status = "dead" if dead else "pending"
        db.executemany("UPDATE outbox SET status = ?, attempts = attempts + 1, last_error = ? WHERE seq = ?",
                       [(status, error, s) for s in seqs])

    def listing(self, statuses=("pending", "dead", "dropped"), sink: str | None = None, limit: int = 1000):
        q = ("SELECT seq, sink, rank, event_id, status, attempts, last_error, created, report FROM outbox "
             f"WHERE status IN ({','.join('?' * len(statuses))})")
        args: list = list(statuses)
        if sink:
            q += " AND sink = ?"
            args.append(sink)
        return self.db.execute(q + " ORDER BY sink, rank, seq LIMIT ?", (*args, limit)).fetchall()

    def oldest_pending(self) -> dict[str, float]:
        return {r[0]: r[1] for r in self.db.execute(
            "SELECT sink, MIN(created) FROM outbox WHERE status = 'pending' GROUP BY sink")}

    @staticmethod
    def retry(db, sink: str | None = None) -> int:
        q = "UPDATE outbox SET status = 'pending', next_at = 0 WHERE status IN ('dead', 'dropped')"
        return db.execute(q + (" AND sink = ?" if sink else ""), (sink,) if sink else ()).rowcount

    @staticmethod
    def purge(db, sink: str | None = None) -> int:
        q = "DELETE FROM outbox WHERE status IN ('dead', 'dropped')"
        return db.execute(q + (" AND sink = ?" if sink else ""), (sink,) if sink else ()).rowcount

    @staticmethod
    def prune_delivered(db, older_than_s: float = 86400.0) -> int:
        return db.execute("DELETE FROM outbox WHERE status = 'delivered' AND created < ?",
                          (time.time() - older_than_s,)).rowcount

    def counts(self) -> dict[tuple[str, str], int]:
        return {(r[0], r[1]): r[2] for r in self.db.execute(
            "SELECT sink, status, COUNT(*) FROM outbox GROUP BY sink, status")}

    # ---- sink state ---------------------------------------------------------------------
    def get_sink_state(self, sink: str, key: str) -> str | None:
        row = self.db.execute("SELECT value FROM sink_state WHERE sink = ? AND key = ?", (sink, key)).fetchone()
        return row[0] if row else None

    @staticmethod
    def set_sink_state(db, sink: str, key: str, value: str) -> None:
        db.execute("INSERT OR REPLACE INTO sink_state VALUES (?, ?, ?)", (sink, key, value))
