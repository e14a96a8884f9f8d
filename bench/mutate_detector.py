"""Boundary mutations of the detector: each must make tests/detection fail ("killed").

    .venv/bin/python bench/mutate_detector.py

Applies one mutation at a time to logsentinel/detection/detector.py (``>=`` for ``>``, a ``+ 1``
dropped, the tie-break of events due at the same time dropped...), runs tests/detection, and
puts the file back. Prints which survived; exits 1 if any did.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET = ROOT / "logsentinel" / "detection" / "detector.py"

MUTATIONS = [
    ("        if now >= resolve_at:", "        if now > resolve_at:"),
    ("        elif now >= close_at:", "        elif now > close_at:"),
    (
        "return ev.last_seen + int(sig.dedup_window_s * 1000) + 1",
        "return ev.last_seen + int(sig.dedup_window_s * 1000)",
    ),
    ("            if at > now:", "            if at >= now:"),
    (
        "            if overdue_at > close_at or overdue_at >= resolve_at:",
        "            if overdue_at >= close_at or overdue_at >= resolve_at:",
    ),
    (
        "            if overdue_at > close_at or overdue_at >= resolve_at:",
        "            if overdue_at > close_at or overdue_at > resolve_at:",
    ),
    ("            if repeat_at >= min(resolve_at, close_at):", "            if repeat_at > min(resolve_at, close_at):"),
    ('        if ev.kind == "absent" or ev.overdue:', '        if ev.kind == "absent":'),
    ("            return ev.deadline + 1", "            return ev.deadline"),
    ("            if overdue_at <= repeat_at:", "            if overdue_at < repeat_at:"),
    ("            if now >= at:", "            if now > at:"),
    ("now > self._window_end(win)]", "now >= self._window_end(win)]"),
    ("fired.sort(key=lambda item: (item[0], item[2].signature, item[1]))", "fired.sort(key=lambda item: item[0])"),
    ("if t - ev.last_seen <= sig.dedup_window_s * 1000:", "if t - ev.last_seen < sig.dedup_window_s * 1000:"),
    ("while times and times[0] < horizon:", "while times and times[0] <= horizon:"),
    (
        'out.append((close_at - 1, ev.snapshot("closed", close_at - 1)))',
        'out.append((close_at, ev.snapshot("closed", close_at)))',
    ),
]


def main() -> int:
    original = TARGET.read_text()
    survivors = 0
    try:
        for old, new in MUTATIONS:
            if original.count(old) != 1:
                print(f"cannot apply (the code changed?): {old.strip()}")
                survivors += 1
                continue
            TARGET.write_text(original.replace(old, new))
            res = subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "pytest",
                    "-q",
                    "-x",
                    "-p",
                    "no:cacheprovider",
                    str(ROOT / "tests" / "detection"),
                ],
                cwd=ROOT,
                capture_output=True,
                text=True,
            )
            killed = res.returncode != 0
            survivors += not killed
            print(("killed   " if killed else "SURVIVED ") + new.strip())
    finally:
        TARGET.write_text(original)
    print(f"{survivors} of {len(MUTATIONS)} survived")
    return 1 if survivors else 0


if __name__ == "__main__":
    sys.exit(main())
