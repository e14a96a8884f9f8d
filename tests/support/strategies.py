"""Hypothesis strategies: random regexes over a small log vocabulary, and random log text."""

from __future__ import annotations

import re

import regex
from hypothesis import strategies as st

from logsentinel.signatures.model import Absent, Rx, Signature

WORDS = [
    "error",
    "Error",
    "failed",
    "disk",
    "token",
    "CDR",
    "download",
    "ok",
    "0",
    "errors",
    "über",
    "Δelta",
    "sync",
    "C:",
    "42",
    "a",
    "aa",
    "-",
    "[x]",
    "ErrorHandler",
]

_leaf = st.one_of(
    st.sampled_from(WORDS).map(re.escape),
    st.sampled_from(
        [
            r"\d+",
            r"\w+",
            r"[a-z]{1,3}",
            ".",
            r"\s",
            r"[^\n]{0,20}",
            r"\S+",
            r"[É-ü]",
            r"\b",
            "^",
            "$",
            r"\n",
            r"(?s:.)",
            r"\.",
            r"[0-9]",
            r"\W",
            r"[\w.-]+",
            r"[^\w ]",
        ]
    ),
)


def _combine(children):
    return st.one_of(
        st.tuples(children, children).map(lambda t: t[0] + t[1]),
        st.tuples(children, children).map(lambda t: f"(?:{t[0]}|{t[1]})"),
        children.map(lambda c: f"(?:{c})*"),
        children.map(lambda c: f"(?:{c})+?"),
        children.map(lambda c: f"(?:{c}){{0,3}}"),
        children.map(lambda c: f"(?:{c})?"),
        children.map(lambda c: f"(?i:{c})"),
        children.map(lambda c: f"({c})"),
        children.map(lambda c: f"(?={c})"),
        children.map(lambda c: f"(?!{c})"),
        children.map(lambda c: f"(?<=error ){c}"),
        children.map(lambda c: f"(?>{c})"),
    )


regex_source = (
    st.recursive(_leaf, _combine, max_leaves=6)
    .map(lambda s: s)
    .flatmap(lambda s: st.sampled_from([s, f"(?P<f>{s})", f"(?i){s}", f"x?{s}y*"]))
)


def usable(source: str) -> bool:
    try:
        compiled = regex.compile(source, flags=regex.V0, cache_pattern=False)
    except (regex.error, RecursionError, OverflowError):
        return False
    return compiled.search("") is None


def matches(source: str, text: str) -> bool:
    """True if ``source`` is a usable signature regex and finds a match in ``text``: the
    premise of every "a match implies ..." property."""
    if not usable(source):
        return False
    return regex.compile(source, flags=regex.V0, cache_pattern=False).search(text) is not None


def make_rx(source: str, key: str = "match[0]") -> Rx:
    return Rx(source, regex.compile(source, flags=regex.V0, cache_pattern=False), key, None)


@st.composite
def signatures(draw, max_sigs: int = 4):
    n = draw(st.integers(1, max_sigs))
    sigs = []
    for i in range(n):
        matches = [s for s in draw(st.lists(regex_source, min_size=1, max_size=3)) if usable(s)]
        excludes = [s for s in draw(st.lists(regex_source, max_size=1)) if usable(s)]
        resolves = [s for s in draw(st.lists(regex_source, max_size=1)) if usable(s)]
        beats = [s for s in draw(st.lists(regex_source, max_size=1)) if usable(s)]
        if not matches:
            matches = ["error"]
        sources = draw(st.sampled_from([None, ("a",), ("b",), ("a", "b")]))
        sigs.append(
            Signature(
                id=f"sig{i}",
                title=f"sig {i}",
                priority="P2",
                response_time_s=7200,
                category="anomaly",
                sources=sources,
                match=tuple(make_rx(s, f"match[{j}]") for j, s in enumerate(matches)),
                exclude=tuple(make_rx(s, f"exclude[{j}]") for j, s in enumerate(excludes)),
                resolve=tuple(make_rx(s, f"resolve[{j}]") for j, s in enumerate(resolves)),
                absent=Absent(tuple(make_rx(s, "absent.match[0]") for s in beats), 600.0) if beats else None,
            )
        )
    return sigs


# the Kelvin sign and the long s: (?i) matches them to "k" and "s", which lower-casing bytes misses
_word_text = st.lists(
    st.sampled_from([*WORDS, "at", "Foo.Bar()", "é", "ü", "x y", "Kelvin", "ſync"]), min_size=0, max_size=8
).map(" ".join)


@st.composite
def log_lines(draw, min_records: int = 1, max_records: int = 12) -> list[str]:
    """Lines of a log: dated record starts followed by continuation lines."""
    lines = []
    n = draw(st.integers(min_records, max_records))
    minute = draw(st.integers(0, 50))
    for _ in range(n):
        minute += draw(st.integers(0, 3))
        second = draw(st.integers(0, 59))
        stamp = draw(
            st.sampled_from(
                [
                    f"2026-11-27 10:{minute % 60:02d}:{second:02d},123 ",
                    f"2026-11-27T10:{minute % 60:02d}:{second:02d}.5Z ",
                    f"[2026-11-27 10:{minute % 60:02d}:{second:02d}] ",
                    "2026-13-45 99:99:99 ",  # looks like a start, does not parse: inherits the time
                ]
            )
        )
        lines.append(stamp + draw(_word_text))
        for _ in range(draw(st.integers(0, 3))):
            lines.append(draw(st.sampled_from(["   at ", "--- ", "Exception Info: ", "", "\t"])) + draw(_word_text))
    return lines
