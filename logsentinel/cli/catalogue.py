"""``logsentinel list [--json] [-c CONFIG]``: the catalogue of what is watched. Each monitored
event of the proactive-support table with its priority, response time, signatures and what they
read (logs, event-log events, probes); with a config, whether that config can raise it. Then
logsentinel's own health signatures (records lost...), which belong to no row."""

from __future__ import annotations

import json
import sys

from logsentinel.cli.common import read_config, read_library
from logsentinel.config.load import default_config
from logsentinel.units import format_duration


def add_parser(sub) -> None:
    p = sub.add_parser("list", help="the monitored events: priority, response time, signatures, what each reads")
    p.add_argument("-c", "--config", metavar="FILE", help="config file: also say whether it can raise each event")
    p.add_argument("--json", action="store_true", help="one JSON object (events, own)")
    p.set_defaults(func=cmd_list)


def catalogue(signatures, config=None) -> dict:
    """The catalogue as data: ``events`` (one per monitored event, most urgent first) and
    ``own`` (the sidecar's own signatures); ``can_raise`` and ``raised_by`` only with a config."""
    from logsentinel.tools.coverage import can_fire, coverage, reads

    def sig_entry(sig) -> dict:
        entry = {
            "id": sig.id,
            "title": sig.title,
            "priority": sig.priority,
            "reads": reads(sig),
            "ends": _ends(sig),
        }
        if config is not None:
            entry["can_fire"] = can_fire(sig, config)
        return entry

    by_id = {s.id: s for s in signatures}
    events = []
    for row in coverage(signatures, config if config is not None else default_config()):
        sigs = [by_id[i] for i in row.signatures]
        item = {
            "monitored_event": row.event,
            "priority": row.priority,
            "response_time_s": sigs[0].response_time_s,
            "response_time": format_duration(sigs[0].response_time_s),
            "category": sigs[0].category,
            "signatures": [sig_entry(s) for s in sigs],
            "needs": row.needs,
        }
        if config is not None:
            item["can_raise"] = bool(row.covered_by)
            item["raised_by"] = list(row.covered_by)
        events.append(item)
    own = [sig_entry(s) for s in signatures if not s.monitored_event]
    return {"events": events, "own": own}


def _ends(sig) -> str:
    ways = []
    if sig.resolve_event is not None and sig.resolve_event.ids:
        ids = ", ".join(str(i) for i in sorted(sig.resolve_event.ids))
        ways.append(f"a resolve record (event log {ids}: the part runs again)")
    elif sig.resolve:
        ways.append("a resolve record")
    if sig.absent is not None:
        ways.append("its records seen again")
    if sig.auto_resolve_s:
        ways.append(f"{format_duration(sig.auto_resolve_s)} quiet")
    return ", ".join(ways) or "a person (logsentinel resolve)"


def render(cat: dict, with_config: bool) -> str:
    lines = [f"monitored events: {len(cat['events'])}"]
    if with_config:
        can = sum(1 for e in cat["events"] if e["can_raise"])
        lines[0] += f"; this config can raise {can} of them"
    for e in cat["events"]:
        lines.append("")
        verdict = ("  yes" if e["can_raise"] else "  NO ") if with_config else ""
        lines.append(f"{e['priority']}  {e['response_time']:>3}  {e['monitored_event']}{verdict}")
        if with_config and not e["can_raise"]:
            lines.append(f"      needs {e['needs']}")
        for s in e["signatures"]:
            mark = "" if not with_config else ("  " if s["can_fire"] else "- ")
            lines.append(f"      {mark}{s['id']}: {s['title']}")
            lines.append(f"      {' ' * len(mark)}  reads {s['reads']}; ends by {s['ends']}")
    if cat["own"]:
        lines.append("")
        lines.append("logsentinel's own health:")
        for s in cat["own"]:
            lines.append(f"{s['priority']}       {s['id']}: {s['title']} (reads {s['reads']})")
    return "\n".join(lines) + "\n"


def cmd_list(args) -> int:
    config = read_config(args.config) if args.config else default_config()
    if config is None:
        return 2
    lib = read_library(config)
    if lib is None:
        return 2
    cat = catalogue(lib.signatures, config if args.config else None)
    if args.json:
        print(json.dumps(cat, ensure_ascii=False, indent=2))
    else:
        sys.stdout.write(render(cat, with_config=bool(args.config)))
    return 0
