"""Required words: for a regex, the sets of literal strings of which every match holds one
(``(?:fail|error)[^\\n]*webex`` needs one of {"fail", "error"} and "webex"). The python engine
looks for these words instead of running a combined regex over whole blocks.

Words are lower-case ASCII and never hold a newline, so a search for them in the block's bytes,
lower-cased, finds every record the regex can match, whatever the case flags; characters that
fold to ASCII letters outside ASCII (the Kelvin sign, the long s) are the caller's concern.

A word carries the word boundaries that the regex asserts at its ends (``\\ball`` needs "all"
with no ASCII letter, digit or underscore before it: "call" does not hold it), so a scanner can
skip the occurrences inside longer words. A byte outside ASCII next to a word always counts as a
boundary (it may be a letter in the regex's eyes, or not: the record is confirmed either way).
"""

from __future__ import annotations

import re
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from typing import Any

from logsentinel.sre import ATOMIC as _ATOMIC
from logsentinel.sre import REPEATS as _REPEATS
from logsentinel.sre import C, P

MIN_WORD = 2  # one letter is everywhere: a set holding one is no help
MAX_SET = 64  # an alternation of more words than this is not worth looking for


WORD_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789_")  # ASCII word characters, lower-case


@dataclass(frozen=True, order=True)
class Word:
    """A required word, lower-case; ``start``/``end``: the regex asserts a word boundary just
    before / just after it (only where its first / last character is an ASCII word character)."""

    text: str
    start: bool = False
    end: bool = False

    def at(self, text: str, pos: int) -> bool:
        """True when the occurrence of this word at ``pos`` of ``text`` has the boundaries it needs."""
        if self.start and pos > 0 and text[pos - 1] in WORD_CHARS:
            return False
        after = pos + len(self.text)
        return not (self.end and after < len(text) and text[after] in WORD_CHARS)

    def within(self, text: str) -> bool:
        """True when ``text`` holds this word with the boundaries it needs."""
        pos = text.find(self.text)
        while pos >= 0:
            if self.at(text, pos):
                return True
            pos = text.find(self.text, pos + 1)
        return False


def required_words(source: str) -> list[frozenset[Word]] | None:
    """The word sets every match of ``source`` holds one word of each, best first; None when the
    regex cannot be read by Python's parser, [] when it has no such word (a full scan)."""
    try:
        parsed = P.parse(source)
    except (re.error, RecursionError, OverflowError):
        return None
    sets = _seq(list(parsed.data))
    return sorted(set(sets), key=rarity)


def rarity(words: AbstractSet[Word]) -> tuple[int, int, list[Word]]:
    """Sort key: sets of long, few words first (long words are rare in logs)."""
    return (-min(len(w.text) for w in words), len(words), sorted(words))


def _is_literal(op: Any, av: Any) -> bool:
    return bool(op == C.LITERAL and av < 128 and av != 10)


def _is_boundary(item: Any) -> bool:
    return bool(item[0] == C.AT and item[1] == C.AT_BOUNDARY)


def _seq(items: Any, before: bool = False, after: bool = False) -> list[frozenset[Word]]:
    """The word sets of a sequence; ``before``/``after``: a word boundary is asserted just
    before / just after it."""
    out: list[frozenset[Word]] = []
    run: list[str] = []
    run_start = False  # a boundary is asserted just before the open run
    boundary = before  # the item just before this one is a boundary

    def close(bounded_after: bool) -> None:
        if len(run) >= MIN_WORD:
            text = "".join(run)
            start = run_start and text[0] in WORD_CHARS
            out.append(frozenset([Word(text, start, bounded_after and text[-1] in WORD_CHARS)]))
        run.clear()

    for i, (op, av) in enumerate(items):
        inner = list(av[3]) if op == C.SUBPATTERN else None
        if _is_literal(op, av) or (inner is not None and all(_is_literal(o, a) for o, a in inner)):
            if not run:
                run_start = boundary
            run.extend(chr(a).lower() for _o, a in (inner if inner is not None else [(op, av)]))
            boundary = False
            continue
        if _is_boundary((op, av)):
            close(True)
            boundary = True
            continue
        close(False)
        next_bounded = _is_boundary(items[i + 1]) if i + 1 < len(items) else after
        out.extend(_element(op, av, boundary, next_bounded))
        boundary = False
    close(after)
    return out


def _element(op: Any, av: Any, before: bool, after: bool) -> list[frozenset[Word]]:
    if op == C.SUBPATTERN:
        return _seq(list(av[3]), before, after)
    if op == _ATOMIC:
        return _seq(list(av), before, after)
    if op in _REPEATS:  # boundaries around a repeat hold for its first and last copies only
        lo, _hi, body = av
        return _seq(list(body)) if lo >= 1 else []
    if op == C.BRANCH:
        return _branch(av[1], before, after)
    if op == C.ASSERT:  # a lookahead or lookbehind: what it needs is in the record too
        return _seq(list(av[1]), before and av[0] == 1)
    return []


def _branch(alternatives: Any, before: bool, after: bool) -> list[frozenset[Word]]:
    """One set for the alternation: the best word set of each branch, joined; none if a
    branch needs no word. A branch that is one plain word is kept whole."""
    words: set[Word] = set()
    for alt in alternatives:
        sets = _seq(list(alt), before, after)
        if not sets:
            return []
        words |= min(sets, key=rarity)
        if len(words) > MAX_SET:
            return []
    return [frozenset(_minimal(words))]


def _minimal(words: set[Word]) -> set[Word]:
    """Drop a word that holds another word of the set: "failed" adds nothing to "fail" (nor
    "\\bfailed" to "\\bfail"; "\\bfail" is not held by "failed", which may follow a letter)."""
    return {w for w in words if not any(o != w and _holds(w, o) for o in words)}


def _holds(w: Word, o: Word) -> bool:
    """True when every occurrence of ``w`` (with its boundaries) holds ``o`` with its own."""
    pos = w.text.find(o.text)
    while pos >= 0:
        starts = not o.start or (w.start if pos == 0 else w.text[pos - 1] not in WORD_CHARS)
        stop = pos + len(o.text)
        ends = not o.end or (w.end if stop == len(w.text) else w.text[stop] not in WORD_CHARS)
        if starts and ends:
            return True
        pos = w.text.find(o.text, pos + 1)
    return False
