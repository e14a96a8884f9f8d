"""Shared regex fragments: ``{{name}}`` in any regex of a library, expanded before compiling.

A library folder may hold ``_vocabulary.yaml`` with ``fragments: {name: regex, ...}``; fragments
may use other fragments, and each expands wrapped in ``(?:...)``, so a fragment is one unit
whatever it holds. Like fail2ban's ``%(__prefix_line)s`` definitions, they let a signature say
"a failure word near a component word" once, the same way everywhere. Expansion keeps, for
every character of the result, where it came from, so a compile error can be shown under what
the author wrote (the regex, or the fragment it came from).
"""

from __future__ import annotations

import difflib
import re
from bisect import bisect_right
from dataclasses import dataclass, field
from typing import Any

from logsentinel.signatures.model import Problem

VOCABULARY_FILE = "_vocabulary.yaml"
NAME = re.compile(r"^[a-z][a-z0-9_]*$")
REF = re.compile(r"\{\{\s*([A-Za-z0-9_]*)\s*\}\}")
# An expanded regex longer than this is refused: a fragment using another twice, twenty deep,
# would otherwise expand to 2**20 copies (the bundled library's longest expansion is ~400).
MAX_EXPANDED = 32_768


class _TooBig(Exception):
    pass


@dataclass(frozen=True)
class Fragment:
    name: str
    text: str
    file: str
    line: int | None


@dataclass(frozen=True)
class Origin:
    """Where one character of an expanded regex was written: in the regex itself (``fragment``
    None) or in a fragment, at ``offset`` of that text."""

    fragment: str | None
    offset: int


@dataclass
class Expansion:
    """A regex with its fragments expanded. ``spans`` say where its characters were written:
    (first character in ``source``, fragment or None, offset there, 1 if the characters run on
    with the text, 0 if all come from that one offset (the ``(?:`` and ``)`` put around a
    fragment)), in order; ``origin(pos)`` reads them."""

    source: str  # the regex to compile
    spans: list[tuple[int, str | None, int, int]]
    unknown: list[str] = field(default_factory=list)
    broken: list[str] = field(default_factory=list)  # fragments used that do not compile by themselves
    cycle: list[str] | None = None  # names of a cycle met while expanding
    too_big: bool = False  # stopped at MAX_EXPANDED characters

    def origin(self, pos: int) -> Origin | None:
        """Where character ``pos`` of ``source`` was written (None if there is no character)."""
        if not self.source or not 0 <= pos < len(self.source):
            return None
        k = bisect_right(self.spans, pos, key=lambda span: span[0]) - 1
        start, fragment, offset, step = self.spans[k]
        return Origin(fragment, offset + step * (pos - start))


@dataclass
class Vocabulary:
    fragments: dict[str, Fragment] = field(default_factory=dict)
    used: set[str] = field(default_factory=set)
    broken: set[str] = field(default_factory=set)

    @classmethod
    def build(cls, data: Any, file: str) -> tuple[Vocabulary, list[Problem]]:
        """From a vocabulary file's YAML: ``fragments: {name: regex}``."""
        vocab, problems = cls(), []

        def bad(line: Any, key: Any, message: Any) -> None:
            problems.append(Problem(file, line, None, key, message))

        if not isinstance(data, dict) or set(data) - {"fragments"} or not isinstance(data.get("fragments"), dict):
            bad(
                getattr(data, "line", None),
                None,
                "a vocabulary file holds one key, 'fragments', a mapping of name: regex",
            )
            return vocab, problems
        frags = data["fragments"]
        for name, text in frags.items():
            line = frags.line_of(name) if hasattr(frags, "line_of") else None
            if not isinstance(name, str) or not NAME.match(name):
                bad(line, f"fragments.{name}", "a fragment name is lower-case letters, digits and _")
            elif not isinstance(text, str) or not text:
                bad(line, f"fragments.{name}", "expected a regex string")
            else:
                vocab.fragments[name] = Fragment(name, text, file, line)
        return vocab, problems

    def merge(self, other: Vocabulary) -> None:
        """A later folder's fragments add to, and replace, earlier ones."""
        self.fragments.update(other.fragments)
        self.broken.update(other.broken)

    def expand(self, written: str) -> Expansion:
        out: list[str] = []
        exp = Expansion("", [])
        try:
            self._expand(written, None, [], out, exp, 0)
        except _TooBig:
            exp.too_big = True
            del out[:], exp.spans[:]
        exp.source = "".join(out)
        return exp

    def _expand(self, text: str, origin: str | None, stack: list[str], out: list[str], exp: Expansion, n: int) -> int:
        """Appends the expansion of ``text`` to ``out`` (``n`` characters so far); the new count."""
        spans = exp.spans
        pos = 0
        for m in REF.finditer(text):
            if n + m.start() - pos > MAX_EXPANDED:
                raise _TooBig
            if m.start() > pos:
                spans.append((n, origin, pos, 1))
                out.append(text[pos : m.start()])
                n += m.start() - pos
            pos = m.end()
            name = m.group(1)
            frag = self.fragments.get(name)
            if frag is None:
                exp.unknown.append(name)
                continue
            self.used.add(name)
            if name in self.broken:
                exp.broken.append(name)
            if name in stack:
                exp.cycle = [*stack[stack.index(name) :], name]
                continue
            spans.append((n, origin, m.start(), 0))
            out.append("(?:")
            n = self._expand(frag.text, name, [*stack, name], out, exp, n + 3)
            spans.append((n, origin, m.end() - 1, 0))
            out.append(")")
            n += 1
        if n + len(text) - pos > MAX_EXPANDED:
            raise _TooBig
        if len(text) > pos:
            spans.append((n, origin, pos, 1))
            out.append(text[pos:])
            n += len(text) - pos
        return n

    def suggest(self, name: str) -> str:
        close = difflib.get_close_matches(name, sorted(self.fragments), n=1)
        return f"; did you mean {{{{{close[0]}}}}}?" if close else ""

    def cycles(self) -> list[Problem]:
        """A fragment that uses itself, through others or directly."""
        problems, seen = [], set()
        for frag in self.fragments.values():
            exp = self.expand("{{" + frag.name + "}}")
            if exp.cycle and frozenset(exp.cycle) not in seen:
                seen.add(frozenset(exp.cycle))
                problems.append(
                    Problem(
                        frag.file,
                        frag.line,
                        None,
                        f"fragments.{frag.name}",
                        "fragments use each other in a cycle: " + " -> ".join(exp.cycle),
                    )
                )
        self.used.clear()
        return problems

    def compile_each(self, compile_error: Any, names: Any) -> list[Problem]:
        """Each of the fragments ``names`` must be a regex by itself (its own fragments
        expanded): a broken one is marked and reported once, where it is defined, with a caret
        under the error; the regexes that use it only name it. ``compile_error(text)`` gives
        (message, position) or None. Usage is not counted."""
        probe = Vocabulary(self.fragments, set(), self.broken)
        problems = []
        for name in names:
            frag = self.fragments[name]
            exp = probe.expand(frag.text)
            if exp.too_big:
                why = (
                    f"expands to more than {MAX_EXPANDED} characters (fragments that use others "
                    "several times, many levels deep, grow exponentially)"
                )
            elif exp.unknown or exp.cycle or exp.broken:
                continue
            else:
                err = compile_error(exp.source)
                if err is None:
                    continue
                why = f"bad regex: {err[0]}{probe.caret(exp, frag.text, err[1])}"
            self.broken.add(name)
            problems.append(Problem(frag.file, frag.line, None, f"fragments.{name}", why))
        return problems

    def unused(self) -> list[Fragment]:
        return [f for f in self.fragments.values() if f.name not in self.used]

    def caret(self, exp: Expansion, written: str, pos: int | None) -> str:
        """The text an error at ``pos`` of the expanded regex lies in, with a caret under it:
        the regex as written, or the fragment the position came from."""
        if pos is None or not exp.source:
            return ""
        where = exp.origin(min(pos, len(exp.source) - 1))
        if where is None:
            return ""
        if where.fragment is None:
            text, label = written, ""
        else:
            frag = self.fragments[where.fragment]
            text, label = frag.text, f" (in fragment {{{{{frag.name}}}}}, {frag.file}:{frag.line})"
        offset = where.offset if pos < len(exp.source) else len(text)
        return f"\n    {text}\n    {' ' * offset}^{label}"


def caret_under(text: str, pos: int | None) -> str:
    """``text`` with a caret under position ``pos`` (a regex written without fragments)."""
    if pos is None:
        return ""
    return f"\n    {text}\n    {' ' * min(pos, len(text))}^"
