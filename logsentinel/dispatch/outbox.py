"""The outbox: event reports waiting for each sink, in the sidecar's SQLite state database.

The detection loop adds reports in the same transaction as the offsets and the detector state
(``enqueue`` takes that transaction's connection); each sink's worker takes its queue from its
own connection (``Outbox.open``), highest priority first, and marks what it delivered. A sink
sees only ``SinkStore``: the few keys of its own state.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from logsentinel.sinks.base import private_file

PRIORITY_RANK = {"P1": 1, "P2": 2, "P3": 3, "P4": 4}
DELIVERED_KEPT_S = 86400.0

SCHEMA = """
CREATE TABLE IF NOT EXISTS outbox (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    sink TEXT NOT NULL,
    rank INTEGER NOT NULL,           -- 1 for P1 ... 4 for P4: delivered first
    event_id TEXT NOT NULL,
    report TEXT NOT NULL,            -- the event JSON, exactly as delivered
    status TEXT NOT NULL DEFAULT 'pending',   -- pending, delivered, dead, dropped
    attempts INTEGER NOT NULL DEFAULT 0,
    next_at REAL NOT NULL DEFAULT 0,
    created REAL NOT NULL,
    last_error TEXT
);
CREATE INDEX IF NOT EXISTS outbox_pending ON outbox (sink, status, rank, seq);
CREATE TABLE IF NOT EXISTS sink_state (sink TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL,
                                       PRIMARY KEY (sink, key));
"""


class StateError(Exception):
    """The state database cannot be opened or written."""


def connect(path: Path) -> sqlite3.Connection:
    """A connection to the state database in WAL mode (readers never wait for the writer)."""
    try:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        private_file(Path(path))  # SQLite gives its -wal and -shm files the same permissions
        db = sqlite3.connect(str(path), timeout=30, isolation_level=None, check_same_thread=False)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=NORMAL")  # a process crash loses nothing in WAL mode
        return db
    except (sqlite3.Error, OSError) as exc:
        damaged = any(word in str(exc) for word in ("malformed", "not a database", "corrupt"))
        aside = (
            "; move the file aside to start afresh (file positions, open events and undelivered reports are then lost)"
        )
        raise StateError(f"state database {path}: {exc}{aside if damaged else ''}") from None


class Connection:
    """One connection with a lock and ``transaction()``; each thread uses its own."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db
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


@dataclass(frozen=True)
class OutboxRow:
    seq: int
    sink: str
    rank: int
    event_id: str
    status: str
    attempts: int
    last_error: str | None
    created: float
    report: str


class Outbox(Connection):
    """The outbox tables on one connection."""

    @classmethod
    def open(cls, path: Path) -> Outbox:
        return cls(connect(path))

    @staticmethod
    def enqueue(db, sinks: list[str], event: dict, now: float, max_pending: dict[str, int] | None = None) -> int:
        """One report for every sink (``enqueue_many``)."""
        return Outbox.enqueue_many(db, sinks, [event], now, max_pending)

    @staticmethod
    def enqueue_many(
        db, sinks: list[str], events: list[dict], now: float, max_pending: dict[str, int] | None = None
    ) -> int:
        """Queue the reports of one commit for every sink, in the caller's transaction. A sink's
        queue holds at most ``max_pending`` pending reports: beyond that the lowest-priority,
        newest ones are set aside as 'dropped' (listed by ``logsentinel outbox``, sent again with
        --retry). The queue is counted once per commit, not once per report (a burst of 20k
        reports in one commit counted 20k times: 65 s). Returns how many were set aside."""
        rows = []
        for event in events:
            report = json.dumps(event, ensure_ascii=False)
            rank = PRIORITY_RANK.get(str(event.get("priority")), 5)
            rows += [(sink, rank, event["id"], report, now) for sink in sinks]
        if not rows:
            return 0
        db.executemany("INSERT INTO outbox (sink, rank, event_id, report, created) VALUES (?, ?, ?, ?, ?)", rows)
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
                    (sink, n - limit),
                )
                dropped += cur.rowcount
        return dropped

    def pending(self, sink: str, limit: int, now: float) -> list[tuple[int, str]]:
        """(seq, report) of deliveries due at ``now``, highest priority first, then in order."""
        return self.db.execute(
            "SELECT seq, report FROM outbox WHERE sink = ? AND status = 'pending' AND next_at <= ? "
            "ORDER BY rank, seq LIMIT ?",
            (sink, now, limit),
        ).fetchall()

    @staticmethod
    def mark_delivered(db, seqs: list[int]) -> None:
        db.executemany(
            "UPDATE outbox SET status = 'delivered', attempts = attempts + 1, last_error = NULL WHERE seq = ?",
            [(s,) for s in seqs],
        )

    @staticmethod
    def mark_failed(db, seqs: list[int], error: str, dead: bool = False) -> None:
        status = "dead" if dead else "pending"
        db.executemany(
            "UPDATE outbox SET status = ?, attempts = attempts + 1, last_error = ? WHERE seq = ?",
            [(status, error, s) for s in seqs],
        )

    def listing(
        self, statuses=("pending", "dead", "dropped"), sink: str | None = None, limit: int = 1000
    ) -> list[OutboxRow]:
        q = (
            "SELECT seq, sink, rank, event_id, status, attempts, last_error, created, report FROM outbox "
            f"WHERE status IN ({','.join('?' * len(statuses))})"
        )
        args: list = list(statuses)
        if sink:
            q += " AND sink = ?"
            args.append(sink)
        return [OutboxRow(*r) for r in self.db.execute(q + " ORDER BY sink, rank, seq LIMIT ?", (*args, limit))]

    def counts(self) -> dict[tuple[str, str], int]:
        """Reports per (sink, status)."""
        return {
            (r[0], r[1]): r[2]
            for r in self.db.execute("SELECT sink, status, COUNT(*) FROM outbox GROUP BY sink, status")
        }

    def oldest_pending(self) -> dict[str, float]:
        """Per sink, when its oldest pending report was queued."""
        return {
            r[0]: r[1]
            for r in self.db.execute("SELECT sink, MIN(created) FROM outbox WHERE status = 'pending' GROUP BY sink")
        }

    @staticmethod
    def retry(db, sink: str | None = None) -> int:
        q = "UPDATE outbox SET status = 'pending', next_at = 0 WHERE status IN ('dead', 'dropped')"
        return db.execute(q + (" AND sink = ?" if sink else ""), (sink,) if sink else ()).rowcount

    @staticmethod
    def purge(db, sink: str | None = None) -> int:
        q = "DELETE FROM outbox WHERE status IN ('dead', 'dropped')"
        return db.execute(q + (" AND sink = ?" if sink else ""), (sink,) if sink else ()).rowcount

    @staticmethod
    def prune_delivered(db, now: float, older_than_s: float = DELIVERED_KEPT_S) -> int:
        return db.execute(
            "DELETE FROM outbox WHERE status = 'delivered' AND created < ?", (now - older_than_s,)
        ).rowcount

    # ---- sink state ---------------------------------------------------------------------
    def get_sink_state(self, sink: str, key: str) -> str | None:
        row = self.db.execute("SELECT value FROM sink_state WHERE sink = ? AND key = ?", (sink, key)).fetchone()
        return row[0] if row else None

    @staticmethod
    def set_sink_state(db, sink: str, key: str, value: str) -> None:
        db.execute("INSERT OR REPLACE INTO sink_state VALUES (?, ?, ?)", (sink, key, value))

    def sink_store(self, sink: str) -> SinkStore:
        return SinkStore(self, sink)


class SinkStore:
    """What a sink may keep between deliveries and restarts: a few named values of its own."""

    def __init__(self, outbox: Outbox, sink: str) -> None:
        self._outbox = outbox
        self._sink = sink

    def get(self, key: str) -> str | None:
        return self._outbox.get_sink_state(self._sink, key)

    def put(self, key: str, value: str) -> None:
        with self._outbox.transaction() as db:
            self._outbox.set_sink_state(db, self._sink, key, value)
