"""Required words: for a regex, the sets of literal strings of which every match holds one
(``(?:fail|error)[^\\n]*webex`` needs one of {"fail", "error"} and "webex"). The python engine
looks for these words instead of running a combined regex over whole blocks.

Words are lower-case ASCII and never hold a newline, so a search for them in the block's bytes,
lower-cased, finds every record the regex can match, whatever the case flags; characters that
fold to ASCII letters outside ASCII (the Kelvin sign, the long s) are the caller's concern.
"""

from __future__ import annotations

import re
from collections.abc import Set as AbstractSet
from typing import Any

from logsentinel.sre import ATOMIC as _ATOMIC
from logsentinel.sre import REPEATS as _REPEATS
from logsentinel.sre import C, P

MIN_WORD = 2  # one letter is everywhere: a set holding one is no help
MAX_SET = 64  # an alternation of more words than this is not worth looking for


def required_words(source: str) -> list[frozenset[str]] | None:
    """The word sets every match of ``source`` holds one word of each, best first; None when the
    regex cannot be read by Python's parser, [] when it has no such word (a full scan)."""
    try:
        parsed = P.parse(source)
    except (re.error, RecursionError, OverflowError):
        return None
    sets = _seq(list(parsed.data))
    return sorted(set(sets), key=rarity)


def rarity(words: AbstractSet[str]) -> tuple[int, int, list[str]]:
    """Sort key: sets of long, few words first (long words are rare in logs)."""
    return (-min(len(w) for w in words), len(words), sorted(words))


def _seq(items: Any) -> list[frozenset[str]]:
    out: list[frozenset[str]] = []
    run: list[str] = []

    def close() -> None:
        if len(run) >= MIN_WORD:
            out.append(frozenset(["".join(run)]))
        run.clear()

    for op, av in items:
        if op == C.LITERAL and av < 128 and av != 10:
            run.append(chr(av).lower())
            continue
        if op == C.SUBPATTERN:
            inner = list(av[3])
            if all(o == C.LITERAL and a < 128 and a != 10 for o, a in inner):
                run.extend(chr(a).lower() for _o, a in inner)
                continue
        close()
        out.extend(_element(op, av))
    close()
    return out


def _element(op: Any, av: Any) -> list[frozenset[str]]:
    if op == C.SUBPATTERN:
        return _seq(list(av[3]))
    if op == _ATOMIC:
        return _seq(list(av))
    if op in _REPEATS:
        lo, _hi, body = av
        return _seq(list(body)) if lo >= 1 else []
    if op == C.BRANCH:
        return _branch(av[1])
    if op == C.ASSERT:  # a lookahead or lookbehind: what it needs is in the record too
        return _seq(list(av[1]))
    return []


def _branch(alternatives: Any) -> list[frozenset[str]]:
    """One set for the alternation: the best word set of each branch, joined; none if a
    branch needs no word. A branch that is one plain word is kept whole."""
    words: set[str] = set()
    for alt in alternatives:
        sets = _seq(list(alt))
        if not sets:
            return []
        words |= min(sets, key=rarity)
        if len(words) > MAX_SET:
            return []
    return [frozenset(_minimal(words))]


def _minimal(words: set[str]) -> set[str]:
    """Drop a word that holds another word of the set: "failed" adds nothing to "fail"."""
    return {w for w in words if not any(o != w and o in w for o in words)}
