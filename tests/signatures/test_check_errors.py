"""`logsentinel check` passes on the library and names file, line, signature and key for every
kind of broken signature, with exit code 1 and never a traceback."""

from __future__ import annotations

import textwrap

import pytest
from conftest import PATTERNS, run_cli
from hypothesis import given
from hypothesis import strategies as st

GOOD = """\
id: demo.good
title: Demo
priority: P2
match:
  - 'disk (?P<volume>[A-Z]:) failed'
examples:
  match:
    - line: 'disk C: failed'
      fields: {volume: 'C:'}
  no_match:
    - 'disk C: ok'
"""


def test_library_passes():
    res = run_cli("check", PATTERNS)
    assert res.returncode == 0, res.stderr
    assert "ok: " in res.stdout and "signatures" in res.stdout


def _check(tmp_path, text: str, name: str = "sig.yaml"):
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    res = run_cli("check", tmp_path)
    assert "Traceback" not in res.stderr
    return res


def test_good_signature_passes(tmp_path):
    res = _check(tmp_path, GOOD)
    assert res.returncode == 0, res.stderr


BROKEN = [
    # (description, yaml text, substrings every one of which must be in the message)
    ("broken YAML", "id: x\ntitle: [unclosed\n", ["sig.yaml:", "YAML error"]),
    (
        "double-quoted backslash",
        GOOD.replace("'disk (?P<volume>[A-Z]:) failed'", '"disk \\d failed"'),
        ["sig.yaml:5", "single quotes"],
    ),
    ("bad regex", GOOD.replace("failed'", "failed('"), ["sig.yaml:5", "demo.good", "match[0]", "bad regex"]),
    ("missing title", GOOD.replace("title: Demo\n", ""), ["demo.good", "title", "missing"]),
    ("bad priority", GOOD.replace("priority: P2", "priority: P7"), ["sig.yaml:3", "priority", "P7"]),
    (
        "unknown key with a suggestion",
        GOOD + "tresholds: {count: 2, within: 5m}\n",
        ["demo.good", "tresholds", "did you mean 'threshold'"],
    ),
    ("bad duration", GOOD + "dedup:\n  window: soon\n", ["demo.good", "dedup.window", "soon"]),
    ("threshold without count", GOOD + "threshold:\n  within: 5m\n", ["threshold.count"]),
    ("dedup field that is no group", GOOD + "dedup:\n  by: [disk]\n", ["dedup.by", "'disk'", "named group"]),
    (
        "regex matching an empty record",
        GOOD.replace("'disk (?P<volume>[A-Z]:) failed'", "'x*'"),
        ["match[0]", "empty record"],
    ),
    (
        "example that does not hit",
        GOOD.replace("line: 'disk C: failed'", "line: 'disk C: broken'"),
        ["sig.yaml:8", "examples.match[0]", "does not hit"],
    ),
    (
        "no_match that hits",
        GOOD.replace("- 'disk C: ok'", "- 'disk D: failed'"),
        ["examples.no_match[0]", "hits but must not"],
    ),
    (
        "wrong field",
        GOOD.replace("fields: {volume: 'C:'}", "fields: {volume: 'D:'}"),
        ["examples.match[0].fields.volume", "expected 'D:'", "got 'C:'"],
    ),
    ("excluded example", GOOD + "exclude: ['C:']\n", ["examples.match[0]", "exclude[0] excludes it"]),
    ("missing examples", GOOD[: GOOD.index("examples:")], ["examples", "missing"]),
    (
        "catastrophic backtracking",
        GOOD.replace("'disk (?P<volume>[A-Z]:) failed'", "'disk (?P<volume>[A-Z]:) (?:\\w+\\s?)+!|failed'").replace(
            "line: 'disk C: failed'", "line: 'disk C: ab!'"
        ),
        ["match[0]", "backtrack catastrophically"],
    ),
    ("not a mapping", "- just a string\n", ["sig.yaml", "must be a mapping"]),
    ("bad id", GOOD.replace("id: demo.good", "id: Demo Good"), ["id", "lower-case"]),
    (
        "resolve_event without an event selector",
        GOOD + "resolve_event: {provider: Service Control Manager, id: 7036}\nresolve: ['running']\n",
        ["demo.good", "resolve_event", "needs an 'event' selector"],
    ),
]


@pytest.mark.parametrize("desc,text,needles", BROKEN, ids=[b[0] for b in BROKEN])
def test_broken_signature_is_reported(tmp_path, desc, text, needles):
    res = _check(tmp_path, text)
    assert res.returncode == 1, f"{desc}: exit {res.returncode}\n{res.stdout}\n{res.stderr}"
    for needle in needles:
        assert needle in res.stderr, f"{desc}: {needle!r} not in:\n{res.stderr}"
    assert "check failed" in res.stderr


@pytest.mark.parametrize(
    "ending,warned",
    [("", True), ("auto_resolve: 24h\n", False), ("resolve: ['disk C: ok']\n", False)],
)
def test_check_warns_about_a_signature_that_nothing_ends(tmp_path, ending, warned):
    """Issue 23: an event with neither ``resolve`` nor ``auto_resolve`` stays open until a
    person closes it; ``check`` says so (a warning: the exit code stays 0)."""
    res = _check(tmp_path, GOOD + ending)
    assert res.returncode == 0, res.stderr
    assert ("demo.good: resolve: warning: nothing ends this event but a person" in res.stdout) is warned


def test_duplicate_ids_across_files(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "one.yaml").write_text(GOOD)
    (tmp_path / "b.yml").write_text(GOOD)
    res = run_cli("check", tmp_path)
    assert res.returncode == 1
    assert "duplicate id" in res.stderr and "demo.good" in res.stderr
    assert "one.yaml" in res.stderr and "b.yml" in res.stderr


def test_list_of_signatures_in_one_file(tmp_path):
    second = GOOD.replace("demo.good", "demo.second")
    text = "- " + GOOD.replace("\n", "\n  ").rstrip() + "\n- " + second.replace("\n", "\n  ").rstrip() + "\n"
    (tmp_path / "two.yaml").write_text(text)
    res = run_cli("check", tmp_path)
    assert res.returncode == 0, res.stderr
    assert "2 signatures" in res.stdout


def test_missing_folder(tmp_path):
    res = run_cli("check", tmp_path / "nope")
    assert res.returncode == 1 and "patterns folder not found" in res.stderr


# ---- hostile input: groups nested too deep (issue 21, item 5) ------------------------------
@pytest.mark.parametrize("depth", [60, 500, 3000])
def test_a_regex_nesting_groups_too_deep_is_one_problem_line(tmp_path, depth):
    regex = "(?:" * depth + "disk" + ")" * depth
    res = _check(tmp_path, f"id: x.deep\ntitle: t\npriority: P3\nmatch:\n  - '{regex}'\n")
    assert res.returncode == 1 and "Traceback" not in res.stderr + res.stdout
    line = next(x for x in (res.stdout + res.stderr).splitlines() if "nest" in x)
    assert "sig.yaml:5" in line and f"nest {depth} deep" in line


@given(st.integers(0, 80), st.sampled_from(["a", r"\(", "[(]", "[^)(]", r"[\]()]", "(?:a)"]))
def test_group_depth_counts_groups_not_escapes_or_classes(depth, inner):
    from logsentinel.signatures.build import group_depth

    extra = 1 if inner == "(?:a)" else 0
    assert group_depth("(" * depth + inner + ")" * depth) == depth + extra
