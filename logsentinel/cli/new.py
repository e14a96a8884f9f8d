"""``logsentinel new``: write a commented skeleton of a signature for a pattern author."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from logsentinel.signatures.load import bundled_folder
from logsentinel.signatures.scaffold import skeleton

SCHEMA = Path("docs") / "signature.schema.json"


def add_parser(sub) -> None:
    p = sub.add_parser("new", help="write a commented skeleton of a new signature")
    p.add_argument("id", metavar="ID", help="the signature id, e.g. webex.meetings_sync_failed")
    p.add_argument("--priority", default="P3", help="P1 to P4 (default P3)")
    p.add_argument("--title", help="a short human title")
    p.add_argument(
        "--from-line",
        metavar="LINE",
        help="a log line: a first regex is proposed from its words, and it becomes the first example",
    )
    p.add_argument("--dir", default="patterns", metavar="DIR", help="where to write ID.yaml (default: patterns)")
    p.add_argument("--force", action="store_true", help="overwrite an existing file")
    p.set_defaults(func=cmd_new)


def cmd_new(args) -> int:
    folder = Path(args.dir)
    path = folder / f"{args.id.replace('.', '-').replace('_', '-')}.yaml"
    if path.exists() and not args.force:
        print(f"{path} exists: not overwritten (--force to replace it)", file=sys.stderr)
        return 2
    schema = bundled_folder().parent / SCHEMA
    try:
        ref = Path(os.path.relpath(schema, folder.resolve())).as_posix() if schema.is_file() else SCHEMA.as_posix()
    except ValueError:  # another drive (Windows)
        ref = schema.as_uri()
    try:
        text = skeleton(args.id, args.priority, args.title, args.from_line, ref)
    except ValueError as exc:
        print(str(exc), file=sys.stderr)
        return 2
    folder.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    print(f"wrote {path}; next: fill in the TODOs, then logsentinel check {folder}")
    return 0
