"""Compare replayed events with an expected JSON Lines file, and show a readable diff."""

from __future__ import annotations

import difflib
import json
from pathlib import Path, PureWindowsPath

def normalise(event: dict) -> dict:
    """Every field compares as it is, but for the folder part of ``path``."""
    out = dict(event)
    if out.get("path"):
        out["path"] = PureWindowsPath(out["path"]).name  # handles / and \\ alike
    return out


def load_expected(path: Path) -> list[dict]:
    events = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            events.append(json.loads(line))
        except json.JSONDecodeError as exc:
            raise ValueError(f"{path}:{n}: not a JSON object: {exc.msg}") from None
    return events


def _lines(events: list[dict]) -> list[str]:
    return [json.dumps(normalise(e), sort_keys=True, ensure_ascii=False) for e in events]


def diff_events(expected: list[dict], got: list[dict], label: str = "expected") -> str:
    """'' when equal, else a unified diff (one event per line) with a short summary first."""
    a, b = _lines(expected), _lines(got)
    if a == b:
        return ""
    head = f"events differ: {len(a)} expected, {len(b)} replayed\n"
    body = difflib.unified_diff(a, b, fromfile=label, tofile="replayed", lineterm="", n=1)
    return head + "\n".join(body) + "\n"
