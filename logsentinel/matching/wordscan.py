"""The python engine's block scanner: required words (``literals``) found with Aho–Corasick.

Every regex needs one word of each of its word sets. A block is searched, lower-cased, for one
set per regex only, the one that is rarest in this log (its words counted over the first block);
an occurrence counts only with the word boundaries the regex asserts around the word ("all"
inside "call" is no occurrence of ``\\ball``); a record holding a word of it is then checked for
the regex's other sets with substring tests, and only then confirmed with the exact regex. The
choice of set changes the speed, never the result: any set is required.

Blocks holding a character that a case-insensitive regex matches to an ASCII letter from
outside ASCII (the Kelvin sign, the long s, the dotted and dotless i) are not scanned here:
lower-casing bytes does not fold them, so the caller scans such a block the slow way.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from functools import partial
from typing import Any

try:  # a C extension; without it the python engine runs one combined regex instead
    import ahocorasick
except ImportError:  # pragma: no cover - depends on the platform
    ahocorasick = None

from logsentinel.matching.literals import Word, required_words
from logsentinel.records.blocks import Block, record_bounds

# UTF-8 of the characters that (?i) matches to ASCII letters: İ ı K(elvin) ſ
Bounds = tuple[int, int]  # a record's start and end offsets in its block
Pair = tuple[int, int]  # (pattern id, index of one of its word sets)
FOLDS_TO_ASCII = (b"\xc4\xb0", b"\xc4\xb1", b"\xe2\x84\xaa", b"\xc5\xbf")


class WordScan:
    """Candidate records of a block, for regexes given as (pattern id, source) pairs."""

    def __init__(self, sources: list[tuple[int, str]]) -> None:
        self.sets: dict[int, list[frozenset[Word]]] = {}
        self.wordless: list[int] = []  # pattern ids with no required word: a full scan
        for j, source in sources:
            sets = required_words(source)
            if sets:
                self.sets[j] = sets
            else:
                self.wordless.append(j)
        # per pattern, each set as (its words' texts without boundaries, its words with some)
        self._split = {
            j: [
                (tuple(w.text for w in s if not (w.start or w.end)), tuple(w for w in s if w.start or w.end))
                for s in sets
            ]
            for j, sets in self.sets.items()
        }
        self._every = self._automaton({j: range(len(s)) for j, s in self.sets.items()})
        self._chosen: tuple[Any, dict[int, list[int]]] | None = None  # (automaton, {pattern id: its set}) once counted

    @property
    def settled(self) -> bool:
        """True once the word set of each regex is chosen (after the first block)."""
        return self._chosen is not None

    @staticmethod
    def available() -> bool:
        return ahocorasick is not None

    def _automaton(self, wanted: Mapping[int, Iterable[int]]) -> Any:
        """An automaton whose value for a word's text is (the pairs it serves wherever it
        occurs, the words with boundaries and the pairs each serves where it has them)."""
        plain: dict[str, list[Pair]] = {}
        bounded: dict[str, dict[Word, list[Pair]]] = {}
        for j, indexes in wanted.items():
            for k in indexes:
                for word in self.sets[j][k]:
                    if word.start or word.end:
                        bounded.setdefault(word.text, {}).setdefault(word, []).append((j, k))
                    else:
                        plain.setdefault(word.text, []).append((j, k))
        if not plain and not bounded:
            return None
        automaton = ahocorasick.Automaton()
        for text in plain.keys() | bounded.keys():
            words = tuple((w, tuple(pairs)) for w, pairs in bounded.get(text, {}).items())
            automaton.add_word(text, (tuple(plain.get(text, ())), words))
        automaton.make_automaton()
        return automaton

    def can_scan(self, block: Block) -> bool:
        return not any(seq in block.data for seq in FOLDS_TO_ASCII)

    def scan(self, block: Block) -> dict[Bounds, set[int]]:
        """{record bounds: {pattern id, ...}} of the records where every word set of a pattern
        has a word (wordless patterns are the caller's)."""
        text = block.data.lower().decode("latin-1")  # one character per byte: offsets stay
        chosen = self._chosen or self._choose(text)
        found = self._found(chosen[0], block, text)
        out: dict[Bounds, set[int]] = {}
        for bounds, seen in found.items():
            record = None
            ids: set[int] = set()
            for j, k in seen:
                if j in ids:
                    continue
                if record is None:
                    record = text[bounds[0] : bounds[1]]
                if all(_holds(record, plain, bounded) for i, (plain, bounded) in enumerate(self._split[j]) if i != k):
                    ids.add(j)
            if ids:
                out[bounds] = ids
        return out

    def _found(self, automaton: Any, block: Block, text: str) -> dict[Bounds, set[Pair]]:
        found: dict[Bounds, set[Pair]] = {}
        if automaton is None:
            return found
        cur_end = -1
        cur: set[Pair] = set()
        for end, value in automaton.iter(text):
            pairs = value[0] if not value[1] else _served(text, end, value)
            if not pairs:
                continue
            if end >= cur_end:
                bounds = record_bounds(block, end)
                cur_end = bounds[1]
                cur = found.setdefault(bounds, set())
            cur.update(pairs)
        return found

    def _choose(self, text: str) -> tuple[Any, dict[int, list[int]]]:
        """Per pattern, the set whose words occur the fewest times in this first block."""
        seen: dict[tuple[Pair, ...], int] = {}
        if self._every is not None:
            for end, value in self._every.iter(text):
                pairs = value[0] if not value[1] else _served(text, end, value)
                seen[pairs] = seen.get(pairs, 0) + 1
        counts: dict[tuple[int, int], int] = {}
        for pairs, n in seen.items():
            for pair in pairs:
                counts[pair] = counts.get(pair, 0) + n
        choice = {j: [min(range(len(sets)), key=partial(_count_of, counts, j))] for j, sets in self.sets.items()}
        self._chosen = (self._automaton(choice), choice)
        self._every = None  # needed for the count only
        return self._chosen


def _holds(record: str, plain: tuple[str, ...], bounded: tuple[Word, ...]) -> bool:
    """True when ``record`` holds one word of a set (given split by ``WordScan._split``)."""
    return any(w in record for w in plain) or any(w.within(record) for w in bounded)


def _served(
    text: str, end: int, value: tuple[tuple[Pair, ...], tuple[tuple[Word, tuple[Pair, ...]], ...]]
) -> tuple[Pair, ...]:
    """The pairs an occurrence of a word ending at ``end`` serves: those of the word wherever it
    is, and those of its bounded forms whose boundaries it has."""
    plain, bounded = value
    out = list(plain)
    for word, pairs in bounded:
        if word.at(text, end - len(word.text) + 1):
            out.extend(pairs)
    return tuple(out)


def _count_of(counts: dict[tuple[int, int], int], j: int, k: int) -> tuple[int, int]:
    """Sort key of pattern ``j``'s set ``k``: how often its words occurred, then its index."""
    return counts.get((j, k), 0), k
