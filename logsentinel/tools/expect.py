"""Compare replayed events with an expected JSON Lines file, and say per field what differs:
which event is missing or extra, and for an event found in both, which field differs, not two
1 KB JSON lines. Events pair up by what identifies a report: its dedup key, its kind of report
and its order among the reports of that key."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path, PureWindowsPath

SHOWN = 120  # characters of a value shown in a difference


@dataclass(frozen=True)
class Expected:
    event: dict
    line: int  # in the expected file


@dataclass(frozen=True)
class Difference:
    kind: str  # "missing", "extra" or "field"
    what: str  # "database.space_low fired 2026-11-27T14:15:00.000Z"
    line: int | None  # the expected event's line (None for an extra event)
    field: str | None = None
    expected: object = None
    got: object = None

    def __str__(self) -> str:
        if self.kind == "missing":
            return f"missing: {self.what} (expected line {self.line})"
        if self.kind == "extra":
            return f"extra: {self.what}"
        return f"{self.what} (expected line {self.line}): {self.field}: expected {_short(self.expected)}, got {_short(self.got)}"


def normalise(event: dict) -> dict:
    """Every field compares as it is, but for the folder part of ``path``."""
    out = dict(event)
    if out.get("path"):
        out["path"] = PureWindowsPath(out["path"]).name  # handles / and \\ alike
    return out


def load_expected(path: Path) -> list[Expected]:
    events = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            events.append(Expected(json.loads(line), n))
        except json.JSONDecodeError as exc:
            raise ValueError(f"{path}:{n}: not a JSON object: {exc.msg}") from None
    return events


def _key(event: dict) -> tuple:
    return (event.get("dedup_key") or event.get("signature"), event.get("report"))


def _what(event: dict) -> str:
    when = event.get("resolved_at") if event.get("report") == "resolved" else event.get("detected_at")
    return f"{event.get('signature')} {event.get('report')} {when or event.get('last_seen')} count {event.get('count')}"


def differences(expected: list[Expected], got: list[dict]) -> list[Difference]:
    """Every difference, in the expected file's order (extras last)."""
    pending: dict[tuple, list[dict]] = {}
    for ev in got:
        pending.setdefault(_key(ev), []).append(normalise(ev))
    out: list[Difference] = []
    for exp in expected:
        want = normalise(exp.event)
        queue = pending.get(_key(want))
        if not queue:
            out.append(Difference("missing", _what(want), exp.line))
            continue
        have = queue.pop(0)
        for name in sorted(set(want) | set(have)):
            if want.get(name) != have.get(name):
                out.append(Difference("field", _what(want), exp.line, name, want.get(name), have.get(name)))
    for queue in pending.values():
        out += [Difference("extra", _what(ev), None) for ev in queue]
    return out


def diff_events(expected: list[Expected], got: list[dict], label: str = "expected") -> str:
    """'' when equal, else a summary line and one line per difference."""
    diffs = differences(expected, got)
    if not diffs:
        return ""
    counts = {k: sum(d.kind == k for d in diffs) for k in ("missing", "extra", "field")}
    head = (
        f"events differ from {label}: {len(expected)} expected, {len(got)} replayed; "
        f"{counts['missing']} missing, {counts['extra']} extra, {counts['field']} field(s) differ\n"
    )
    return head + "".join(f"  {d}\n" for d in diffs)


def _short(value) -> str:
    text = json.dumps(value, ensure_ascii=False) if not isinstance(value, str) else repr(value)
    return text if len(text) <= SHOWN else text[: SHOWN - 1] + "…"
