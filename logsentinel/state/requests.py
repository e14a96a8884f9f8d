"""The operator's requests in the state database: actions (acknowledge, resolve) for the
detector to take, silences for the checkpoint to apply, and what became of them (the reports
silences kept back, the events that ended lately). ``State`` has these methods; a command or the
page that only asks uses ``Requests.open``, a short connection without ``State``'s checks at
open (the sidecar that created the database made them)."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from logsentinel.detection.actions import ActionOutcome, OperatorAction
from logsentinel.dispatch.outbox import Connection, StateError, connect
from logsentinel.dispatch.silences import Matcher, Silence


class Requests(Connection):
    @classmethod
    def open(cls, path: Path) -> Requests:
        """A connection for asking only: the database must exist and hold the tables."""
        if not Path(path).exists():
            raise StateError(f"state database {path} does not exist yet: start the sidecar once")
        con = cls(connect(Path(path)))
        try:
            con.db.execute("SELECT 1 FROM actions, silences LIMIT 0")
        except sqlite3.Error as exc:
            con.close()
            raise StateError(f"state database {path}: {exc} (a running sidecar of this release upgrades it)") from None
        return con

    # ---- operator actions -------------------------------------------------------------------
    def add_action(self, action: OperatorAction) -> int:
        """Record an action for the detector to take (the running sidecar, or the command itself
        when none runs); its id."""
        with self.transaction() as db:
            cur = db.execute(
                "INSERT INTO actions (kind, target, by, note, at) VALUES (?, ?, ?, ?, ?)",
                (action.kind, action.target, action.by, action.note, action.at),
            )
        return int(cur.lastrowid or 0)

    def pending_actions(self) -> list[tuple[int, OperatorAction]]:
        rows = self.db.execute(
            "SELECT id, kind, target, by, note, at FROM actions WHERE applied_at IS NULL ORDER BY id"
        ).fetchall()
        return [(r[0], OperatorAction(r[1], r[2], r[3], r[5], r[4])) for r in rows]

    def action_result(self, action_id: int) -> tuple[bool, str] | None:
        """(ok, outcome) once the detector took the action, else None."""
        row = self.db.execute("SELECT applied_at, ok, outcome FROM actions WHERE id = ?", (action_id,)).fetchone()
        if row is None or row[0] is None:
            return None
        return bool(row[1]), row[2]

    def recent_actions(self, limit: int = 50) -> list[dict]:
        cols = ("id", "kind", "target", "by", "note", "at", "applied_at", "ok", "outcome", "event_id")
        rows = self.db.execute(f"SELECT {', '.join(cols)} FROM actions ORDER BY id DESC LIMIT ?", (limit,))
        return [dict(zip(cols, r, strict=True)) for r in rows]

    @staticmethod
    def finish_action(db, action_id: int, outcome: ActionOutcome, at: int) -> None:
        db.execute(
            "UPDATE actions SET applied_at = ?, ok = ?, outcome = ?, event_id = ? WHERE id = ?",
            (at, int(outcome.ok), outcome.text, outcome.event_id, action_id),
        )

    # ---- silences ------------------------------------------------------------------------
    def add_silence(self, silence: Silence) -> None:
        with self.transaction() as db:
            db.execute(
                "INSERT INTO silences VALUES (?, ?, ?, ?, ?, ?, ?, NULL)",
                (
                    silence.id,
                    json.dumps([m.to_dict() for m in silence.matchers]),
                    silence.starts_at,
                    silence.ends_at,
                    silence.by,
                    silence.reason,
                    silence.created_at,
                ),
            )

    def silences(self, ending_after: int) -> list[Silence]:
        """The silences that end after ``ending_after`` (epoch ms), oldest first."""
        return read_silences(self.db, ending_after)

    def expire_silence(self, prefix: str, by: str, now_ms: int) -> tuple[Silence | None, str]:
        """End the silence whose id starts with ``prefix`` now: (it, "") or (None, why not)."""
        with self.transaction() as db:
            found = [s for s in read_silences(db, now_ms) if s.id.startswith(prefix.lower())]
            if len(found) != 1:
                return None, (
                    f"no active or pending silence {prefix!r} (logsentinel silences lists them)"
                    if not found
                    else f"{prefix!r} names {len(found)} silences: give more of its id"
                )
            db.execute("UPDATE silences SET ends_at = ?, expired_by = ? WHERE id = ?", (now_ms, by, found[0].id))
        return found[0], ""

    @staticmethod
    def record_silenced(db, silence_id: str, report: dict, at: int) -> None:
        db.execute(
            "INSERT INTO silenced (at, silence_id, event_id, report, data) VALUES (?, ?, ?, ?, ?)",
            (at, silence_id, report["id"], report["report"], json.dumps(report, ensure_ascii=False)),
        )

    @staticmethod
    def prune_silenced(db, before_ms: int) -> None:
        """Forget silenced reports, ended silences and ended events older than ``before_ms``."""
        db.execute("DELETE FROM silenced WHERE at < ?", (before_ms,))
        db.execute("DELETE FROM silences WHERE ends_at < ?", (before_ms,))
        db.execute("DELETE FROM ended WHERE at < ?", (before_ms,))

    @staticmethod
    def record_ended(db, report: dict, at: int) -> None:
        db.execute(
            "INSERT OR REPLACE INTO ended VALUES (?, ?, ?)", (report["id"], at, json.dumps(report, ensure_ascii=False))
        )


def read_silences(db, ending_after: int) -> list[Silence]:
    """The silences of a state database (any connection: the page reads it read-only) that end
    after ``ending_after`` (epoch ms), oldest first."""
    rows = db.execute(
        "SELECT id, matchers, starts_at, ends_at, by, reason, created_at, expired_by FROM silences "
        "WHERE ends_at > ? ORDER BY created_at, id",
        (ending_after,),
    ).fetchall()
    out = []
    for r in rows:
        matchers = tuple(Matcher(m["name"], m["value"], bool(m.get("regex"))) for m in json.loads(r[1]))
        out.append(Silence(r[0], matchers, r[2], r[3], r[4], r[5], r[6], r[7]))
    return out
