"""``logsentinel radar``: the new-error radar's templates, and what to do with one.

    logsentinel radar [--json] -c CONFIG                    the templates: known, new, ignored
    logsentinel radar ignore SOURCE:ID -c CONFIG [--by]     a known kind from now on
    logsentinel radar promote SOURCE:ID --to NEW_ID -c CONFIG [--dir DIR]
                                                            a signature skeleton from its first record
    logsentinel radar learn FILES... -c CONFIG              learn a known-good capture (sidecar stopped)

``ignore`` goes through the state's actions, as ``ack`` does (the running sidecar takes it at its
next pass, or the command applies it when none runs); ``learn`` needs the sidecar stopped."""

from __future__ import annotations

import json
import sqlite3
import sys
from argparse import SUPPRESS, Namespace
from datetime import datetime
from pathlib import Path

from logsentinel.cli.common import fit, read_config, read_library

STATUS_ORDER = {"new": 0, "ignored": 1, "known": 2}


def add_parser(sub) -> None:
    p = sub.add_parser("radar", help="the new-error radar's templates (known, new, ignored); ignore, promote, learn")
    p.add_argument("-c", "--config", metavar="FILE", help="config file")
    p.add_argument("--json", action="store_true", help="the templates as JSON")
    p.set_defaults(func=cmd_list)
    sub2 = p.add_subparsers(dest="radar_command", metavar="COMMAND")
    ig = sub2.add_parser("ignore", help="a template is a known kind from now on; its open event is resolved")
    ig.add_argument("template", metavar="SOURCE:ID", help="the template, as logsentinel radar lists it")
    ig.add_argument("-c", "--config", metavar="FILE", default=SUPPRESS, help="config file")
    ig.add_argument("--by", metavar="NAME", help="who (default: this user's login name)")
    ig.add_argument("--note", metavar="TEXT", default="", help="why")
    ig.add_argument(
        "--wait", metavar="SECONDS", type=float, default=15.0, help="how long to wait for a running sidecar"
    )
    ig.set_defaults(func=cmd_ignore)
    pr = sub2.add_parser("promote", help="write a signature skeleton from a template's first record")
    pr.add_argument("template", metavar="SOURCE:ID", help="the template, as logsentinel radar lists it")
    pr.add_argument("--to", required=True, metavar="NEW_ID", help="the new signature's id")
    pr.add_argument("-c", "--config", metavar="FILE", default=SUPPRESS, help="config file")
    pr.add_argument("--priority", default="P3", help="P1 to P4 (default P3)")
    pr.add_argument("--dir", default="patterns", metavar="DIR", help="where to write it (default: patterns)")
    pr.set_defaults(func=cmd_promote)
    le = sub2.add_parser("learn", help="learn the error templates of known-good logs (with the sidecar stopped)")
    le.add_argument("files", nargs="+", metavar="FILE", help="captured logs of a good day")
    le.add_argument("-c", "--config", metavar="FILE", default=SUPPRESS, help="config file")
    le.set_defaults(func=cmd_learn)


def _config(args):
    """The config of ``-c`` (given before or after the subcommand), or None after a message."""
    if getattr(args, "config", None) is None:
        print("error: give the config: -c FILE", file=sys.stderr)
        return None
    return read_config(args.config)


def templates(config) -> list[dict]:
    """Every template of the state, new ones first, then by last seen (read-only)."""
    path = Path(config.state)
    if not path.exists():
        return []
    db = sqlite3.connect(f"file:{path.as_posix()}?mode=ro", uri=True, timeout=5)
    try:
        rows = db.execute("SELECT source, data FROM radar_templates").fetchall()
    except sqlite3.OperationalError:  # a state of an earlier release: no radar yet
        rows = []
    finally:
        db.close()
    out = []
    for source, text in rows:
        d = json.loads(text)
        out.append({**{k: v for k, v in d.items() if k != "tokens"}, "id": f"{source}:{d['id']}", "source": source})
    out.sort(key=lambda d: (STATUS_ORDER.get(d["status"], 9), -d["last_seen"]))
    return out


def _local(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000).astimezone().strftime("%Y-%m-%d %H:%M %Z")


def cmd_list(args) -> int:
    config = _config(args)
    if config is None:
        return 2
    rows = templates(config)
    if args.json:
        print(json.dumps(rows, ensure_ascii=False, indent=2))
        return 0
    if not rows:
        print("no templates yet" + ("" if config.radar.enabled else " (the radar is off: radar: {enabled: false})"))
        return 0
    table = [("ID", "STATUS", "COUNT", "FIRST SEEN", "LAST SEEN", "TEMPLATE")]
    table += [
        (r["id"], r["status"], str(r["count"]), _local(r["first_seen"]), _local(r["last_seen"]), fit(r["text"], 80))
        for r in rows
    ]
    widths = [max(len(r[i]) for r in table) for i in range(len(table[0]))]
    for row in table:
        print("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip())
    return 0


def cmd_ignore(args) -> int:
    from logsentinel.cli.operate import perform

    config = _config(args)
    if config is None:
        return 2
    code, result = perform(config, "ignore", args.template, args.by, args.note, args.wait)
    if result is not None:
        print(result.text)
    return code


def cmd_promote(args) -> int:
    from logsentinel.cli.new import cmd_new

    config = _config(args)
    if config is None:
        return 2
    found = [r for r in templates(config) if r["id"] == args.template]
    if not found:
        print(f"error: no radar template {args.template!r} (logsentinel radar lists them)", file=sys.stderr)
        return 1
    tpl = found[0]
    title = f"TODO: what '{fit(tpl['text'], 60)}' means"
    code = cmd_new(
        Namespace(
            id=args.to, priority=args.priority, title=title, from_line=tpl["first_record"], dir=args.dir, force=False
        )
    )
    if code == 0:
        print(f"then: logsentinel radar ignore {args.template} -c {args.config} (the signature takes these records)")
    return code


def cmd_learn(args) -> int:
    from logsentinel.cache.matcher import build_matcher
    from logsentinel.detection.radar import radar_signature
    from logsentinel.dispatch.outbox import StateError
    from logsentinel.state.database import State
    from logsentinel.state.lock import StateInUse, StateLock
    from logsentinel.tools.replay import UnknownFormat, replay

    config = _config(args)
    if config is None:
        return 2
    files = [Path(f) for f in args.files]
    missing = [str(f) for f in files if not f.is_file()]
    if missing:
        print(f"no such file: {', '.join(missing)}", file=sys.stderr)
        return 2
    library = read_library(config)
    if library is None:
        return 2
    settings = config.radar_settings()
    lock = StateLock(config.state, role="command")
    try:
        lock.acquire()
    except StateInUse:
        print("error: the sidecar runs: stop it, learn, then start it again", file=sys.stderr)
        return 1
    try:
        state = State(config.state)
        try:
            radar = state.load_radar(settings)
            radar.learning = True
            matcher = build_matcher([*library.signatures, radar_signature(settings)])
            before = len(radar.templates())
            replay(files, config, matcher, lambda ev: None, radar=radar)
            radar.learning = False
            with state.transaction() as db:
                state.save_radar(db, radar)
            print(f"learnt {len(radar.templates()) - before} new template(s); {len(radar.templates())} in all")
        finally:
            state.close()
    except (StateError, UnknownFormat) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    finally:
        lock.release()
    return 0
