"""``logsentinel test`` and ``logsentinel show``: try lines against the library, and print a
signature with its regexes expanded, for pattern authors (as fail2ban-regex and ``vector
test`` do)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from logsentinel.matching.explain import explain, why_not
from logsentinel.records.blocks import RecordCutter, SourceSpec, iter_records
from logsentinel.signatures.load import Library, load_effective
from logsentinel.signatures.vocabulary import REF


def add_parsers(sub) -> None:
    p = sub.add_parser("test", help="try log lines (or stdin: -) against the signatures and say what each raises")
    p.add_argument(
        "lines", nargs="+", metavar="LINE", help="log lines; '-' reads stdin (continuation lines join as in replay)"
    )
    p.add_argument(
        "--patterns",
        action="append",
        metavar="DIR",
        help="a patterns folder that adds to the bundled library (repeatable)",
    )
    p.add_argument("--no-bundled", action="store_true", help="leave the bundled library out")
    p.add_argument("-s", "--signature", metavar="ID", help="only this signature")
    p.add_argument(
        "--why-not", metavar="ID", help="for each match regex of ID that misses: the longest prefix that matches"
    )
    p.add_argument("--json", action="store_true", help="one JSON object per record")
    p.set_defaults(func=cmd_test)

    s = sub.add_parser("show", help="print a signature with its regexes, fragments expanded")
    s.add_argument("id", metavar="ID")
    s.add_argument(
        "--patterns",
        action="append",
        metavar="DIR",
        help="a patterns folder that adds to the bundled library (repeatable)",
    )
    s.add_argument("--no-bundled", action="store_true", help="leave the bundled library out")
    s.set_defaults(func=cmd_show)


def _library(args) -> Library | None:
    lib = load_effective([Path(p) for p in args.patterns or []], not args.no_bundled)
    if lib.errors:
        for prob in lib.errors:
            print(prob, file=sys.stderr)
        print("fix the signatures above first (logsentinel check shows every problem)", file=sys.stderr)
        return None
    return lib


def _records(lines: list[str]) -> list:
    data = []
    for item in lines:
        if item == "-":
            data.append(sys.stdin.buffer.read().decode("utf-8", "replace").replace("\r\n", "\n"))
        else:
            data.append(item)
    text = "\n".join(x.rstrip("\n") for x in data if x) + "\n"
    spec = SourceSpec.build("test", timezone="UTC")
    cutter = RecordCutter(spec, "<test>")
    blocks = [b for b in (cutter.feed(text.encode("utf-8")), cutter.flush()) if b is not None]
    if not blocks:
        return []
    # lines before the first dated one form a record of their own
    return [rec for block in blocks for rec in iter_records(block)]


def cmd_test(args) -> int:
    lib = _library(args)
    if lib is None:
        return 2
    wanted = args.signature or args.why_not
    sigs = lib.signatures
    if wanted:
        sigs = [s for s in sigs if s.id == wanted]
        if not sigs:
            print(f"no signature {wanted!r} (logsentinel show lists nothing either; check the id)", file=sys.stderr)
            return 2
    records = _records(args.lines)
    expand = lambda s: lib.vocabulary.expand(s).source if REF.search(s) else s  # noqa: E731
    any_hit = False
    for n, rec in enumerate(records, 1):
        text = rec.text.rstrip("\n")
        verdicts = [v for sig in sigs for v in explain(sig, text)]
        missed = why_not(sigs[0], text, expand) if args.why_not else []
        any_hit |= any(v.kind == "hit" for v in verdicts)
        if args.json:
            print(
                json.dumps(
                    {
                        "record": n,
                        "line": rec.line,
                        "text": text,
                        "results": [v.__dict__ for v in verdicts],
                        "why_not": [m.__dict__ for m in missed],
                    },
                    ensure_ascii=False,
                )
            )
            continue
        first = text.split("\n", 1)[0]
        print(f"record {n} (line {rec.line}): {first[:160]}")
        if not verdicts:
            print("  nothing: no signature takes this record")
        for v in verdicts:
            what = {
                "hit": "raises",
                "excluded": "hit but excluded",
                "resolve": "resolves",
                "heartbeat": "is a heartbeat of the absence timer of",
            }[v.kind]
            print(f"  {what} {v.signature} ({v.priority}) by {v.key}: {v.regex}")
            if v.fields:
                print(f"    fields: {json.dumps(v.fields, ensure_ascii=False)}")
            if v.excluded_by:
                print(f"    excluded by {v.excluded_by}")
        for m in missed:
            print(
                f"  {m.key} of {args.why_not} misses: matches up to\n      {m.prefix}\n"
                f"    on {m.matched[:120]!r}, then stops at\n      {m.rest}"
            )
    return 0 if any_hit or not records else 1


def cmd_show(args) -> int:
    lib = _library(args)
    if lib is None:
        return 2
    sig = next((s for s in lib.signatures if s.id == args.id), None)
    if sig is None:
        print(f"no signature {args.id!r}; ids: {', '.join(sorted(s.id for s in lib.signatures))}", file=sys.stderr)
        return 2
    print(f"{sig.id}: {sig.title} ({sig.priority}, {sig.category})  {sig.file}:{sig.line}")
    if sig.monitored_event:
        print(f"monitored event: {sig.monitored_event}")
    if sig.event is not None:
        print(f"event log: {sig.event}")
    if sig.threshold is not None:
        print(f"threshold: {sig.threshold.count} within {sig.threshold.within_s:g}s")
    groups = [
        ("match", sig.match),
        ("exclude", sig.exclude),
        ("resolve", sig.resolve),
        ("absent.match", sig.absent.match if sig.absent else ()),
    ]
    for _label, rxs in groups:
        for rx in rxs:
            print(f"{rx.key}  (line {rx.line})")
            if rx.written:
                print(f"  written:  {rx.written}")
            print(f"  regex:    {rx.source}")
    return 0
