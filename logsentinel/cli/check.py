"""``logsentinel check``: load, compile and test every signature (as fail2ban-regex does)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from logsentinel.cli.common import read_config
from logsentinel.matching.matcher import ENGINES
from logsentinel.tools.check import run_check
from logsentinel.tools.ci_report import Case, github_annotation, junit_xml


def add_parser(sub) -> None:
    p = sub.add_parser("check", help="load, compile and test every signature")
    p.add_argument(
        "dirs",
        nargs="*",
        metavar="DIR",
        help="patterns folders or files (default: the bundled library, or the config's with -c)",
    )
    p.add_argument("-c", "--config", metavar="FILE", help="check the library this config runs with")
    p.add_argument("--engine", choices=ENGINES, default="auto", help=argparse.SUPPRESS)
    p.add_argument("--no-redos", action="store_true", help="skip the catastrophic-backtracking test")
    p.add_argument("-q", "--quiet", action="store_true", help="print problems only")
    p.add_argument(
        "--format",
        choices=["text", "github"],
        default="text",
        help="problems as text, or as GitHub Actions annotations (::error file=...,line=...::)",
    )
    p.add_argument("--junit", metavar="FILE", help="also write the result as JUnit XML (one test case per signature)")
    p.set_defaults(func=cmd_check)


def cmd_check(args) -> int:
    if args.config:
        config = read_config(args.config)
        if config is None:
            return 2
        folders, bundled = config.patterns + [Path(d) for d in args.dirs], config.bundled_patterns
    else:  # named folders alone, or the bundled library
        folders, bundled = [Path(d) for d in args.dirs], not args.dirs
    result = run_check(folders, engine=args.engine, redos=not args.no_redos, bundled=bundled)
    for note in result.library.overrides:
        print(f"note: {note}")
    for prob in result.problems:
        if args.format == "github":
            print(
                github_annotation(
                    "error" if prob.level == "error" else "warning",
                    ": ".join(x for x in (prob.sig_id, prob.key, prob.message) if x),
                    prob.file,
                    prob.line,
                )
            )
        else:
            print(prob, file=sys.stderr if prob.level == "error" else sys.stdout)
    if args.junit:
        _write_junit(args.junit, result)
    n_sig, n_files = len(result.library.signatures), len(result.library.files)
    if result.errors:
        print(
            f"check failed: {len(result.errors)} problem(s) in {n_files} file(s), {n_sig} signature(s) loaded",
            file=sys.stderr,
        )
        return 1
    if not args.quiet:
        n_ex = sum(
            len(s.examples_match) + len(s.examples_no_match) + len(s.examples_resolve)
            for s in result.library.signatures
        )
        print(f"ok: {n_sig} signatures in {n_files} files, {n_ex} examples passed")
    return 0


def _write_junit(path: str, result) -> None:
    cases: dict[tuple, Case] = {}
    for sig in result.library.signatures:
        cases[(sig.file, sig.id)] = Case(sig.file, sig.id)
    for prob in result.errors:
        key = (prob.file, prob.sig_id or prob.file)
        cases.setdefault(key, Case(prob.file, prob.sig_id or prob.file)).failures.append(str(prob))
    Path(path).write_text(junit_xml("logsentinel check", list(cases.values())), encoding="utf-8")
