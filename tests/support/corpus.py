"""Scoring a corpus of worded records against the library: which row's event each record raises.

A record is detected when it hits a signature of its row whose threshold, if any, two such
records reach (a failure is seldom logged once, but "one failure or two" must be enough). Used by
the paraphrase corpus and the real-wording corpus alike."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from logsentinel.matching.model import evaluate
from logsentinel.signatures.build import build_records


def hits(library, example) -> set[str]:
    """Signature ids whose event this one record raises (or two of it, for a threshold)."""
    text = example.text.replace("\r\n", "\n").rstrip("\n")
    out = set()
    for sig in library.signatures:
        if any(m.kind == "hit" for m in evaluate(sig, text, 1.0, example.attrs)) and (
            sig.threshold is None or sig.threshold.count <= 2
        ):
            out.add(sig.id)
    return out


@dataclass
class Outcome:
    rows: list[tuple[str, int, int]] = field(default_factory=list)
    missed: list[str] = field(default_factory=list)
    wrong: list[str] = field(default_factory=list)
    false_pos: list[str] = field(default_factory=list)
    total: int = 0
    found: int = 0
    near: int = 0

    @property
    def recall(self) -> float:
        return self.found / self.total if self.total else 0.0

    def report(self, name: str) -> str:
        lines = "\n".join(f"  {found:2d}/{n:2d}  {event}" for event, found, n in self.rows)
        return (
            f"\n{name} recall: {self.found}/{self.total} = {self.recall:.1%}\n{lines}\n"
            f"{name} near misses: {len(self.false_pos)} false positives in {self.near}"
        )


def score(library, rows: list[tuple[str, list[Any]]], near_misses: dict[str, list[Any]], file: str) -> Outcome:
    """``rows``: (monitored event, records as a signature's examples); ``near_misses``: category ->
    records that must raise nothing."""
    by_event: dict[str, set[str]] = {}
    for sig in library.signatures:
        by_event.setdefault(sig.monitored_event, set()).add(sig.id)
    out = Outcome()
    for event, items in rows:
        records, problems = build_records(items, file)
        assert not problems, problems
        mine = by_event.get(event, set())
        assert mine, f"no signature has monitored_event {event!r}"
        count = 0
        for rec in records:
            got = hits(library, rec)
            out.total += 1
            if got & mine:
                out.found += 1
                count += 1
            else:
                out.missed.append(f"{event}: line {rec.line}: {rec.text[:160]!r}")
            if got - mine:
                out.wrong.append(f"{event}: line {rec.line} also raises {sorted(got - mine)}")
        out.rows.append((event, count, len(records)))
    for category, items in near_misses.items():
        records, problems = build_records(items, file)
        assert not problems, problems
        for rec in records:
            out.near += 1
            got = hits(library, rec)
            if got:
                out.false_pos.append(f"{category}: line {rec.line}: {sorted(got)}: {rec.text[:140]!r}")
    return out
