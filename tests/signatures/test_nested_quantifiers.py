"""`check` finds nested quantifiers statically as well as by timing (issue 11, item 11):
``ERR (\\w+\\s?)*$`` passes the timing test on a few KB but takes seconds on 30 KB; ``(a|aa)+$``
is found by timing. Both are refused, with the offending group named."""

from __future__ import annotations

from conftest import run_cli
from hypothesis import given
from hypothesis import strategies as st

from logsentinel.signatures.nested import find_nested_quantifier

SIG = """\
id: demo.nested
title: Nested quantifier
priority: P3
match:
  - '{regex}'
examples:
  match:
    - '{line}'
  no_match:
    - 'all is well, nothing to see'
"""


def _check(tmp_path, regex: str, line: str):
    (tmp_path / "sig.yaml").write_text(SIG.format(regex=regex, line=line), encoding="utf-8")
    return run_cli("check", tmp_path)


def test_the_documented_example_is_refused_with_its_group(tmp_path):
    res = _check(tmp_path, r"ERR (\w+\s?)*$", "ERR disk is full")
    assert res.returncode == 1, res.stdout + res.stderr
    assert "nested quantifier" in res.stderr and r"(\w+\s?)*" in res.stderr and "sig.yaml:5" in res.stderr


def test_overlapping_alternatives_are_refused_by_timing(tmp_path):
    res = _check(tmp_path, r"ERR (a|aa)+$", "ERR aaa")
    assert res.returncode == 1, res.stdout + res.stderr
    assert "backtrack catastrophically" in res.stderr


CLASSES = {r"\w": "w", r"\d": "d", r"[a-z]": "l", r"\S": "S", r"[A-Z]": "U", "x": "x", r"\s": "s", "[.:]": "p"}
OVERLAP = {
    ("w", "d"),
    ("w", "l"),
    ("w", "U"),
    ("w", "x"),
    ("S", "w"),
    ("S", "d"),
    ("S", "l"),
    ("S", "U"),
    ("S", "x"),
    ("S", "p"),
    ("l", "x"),
    ("d", "d"),
    ("w", "w"),
    ("l", "l"),
    ("S", "S"),
    ("x", "x"),
    ("U", "U"),
    ("s", "s"),
    ("p", "p"),
}


def _overlaps(a: str, b: str) -> bool:
    return (CLASSES[a], CLASSES[b]) in OVERLAP or (CLASSES[b], CLASSES[a]) in OVERLAP


@given(
    st.sampled_from(sorted(CLASSES)),
    st.sampled_from(sorted(CLASSES)),
    st.sampled_from(["*", "+", "{1,}"]),
    st.sampled_from(["+", "*", "{1,9}"]),
)
def test_a_repeat_over_a_run_and_an_optional_part_is_flagged(x, y, outer, inner):
    assert find_nested_quantifier(f"ERR (?:{x}{inner}{y}?){outer}$") is not None


@given(st.sampled_from(sorted(CLASSES)), st.sampled_from(sorted(CLASSES)), st.sampled_from(["*", "+"]))
def test_a_required_separator_is_flagged_exactly_when_the_run_can_match_it(x, y, outer):
    found = find_nested_quantifier(f"ERR (?:{x}+{y}){outer}$")
    assert (found is not None) == _overlaps(x, y), (x, y, found)


def test_linear_shapes_pass():
    for source in [
        r"(\w+\s)*$",
        r"(?:[A-Z]\w+\.)*\w+ - failed",
        r"(?:\d{2}:)*\d{2}",
        r"\w+\s?\w+",
        r"(?:error|fail)\w*",
        r"(?>\w+\s?)*$",
        r"(?:\w+[.\s])+x",
    ]:
        assert find_nested_quantifier(source) is None, source
