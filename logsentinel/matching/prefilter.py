"""Turn a signature regex into a *superset* pattern for scanning whole blocks of log text.

The fast matcher scans many records at once (hyperscan, or one combined ``re`` pattern) and
only confirms candidates with the exact regex. For that, every record the exact regex matches
must also produce a match of the prefilter pattern somewhere inside it. This module builds such
a pattern from the regex's parse tree:

* constructs a block scanner cannot honour are widened: lookarounds are dropped, backreferences
  become "anything", atomic groups and possessive or lazy repeats become plain groups and
  greedy repeats, ``\\A``/``\\Z`` become ``^``/``$`` (the block is scanned in multi-line mode);
* a bounded repeat with a large upper bound, such as ``[^\\n]{0,200}``, loses its bound
  (hyperscan compiles ``x{0,200}`` over Unicode classes into very large automata);
* nullable elements at the start and end are dropped and a trailing ``x{2,}`` becomes ``x{2}``,
  which keeps the candidate set the same (a record containing ``AB*`` contains ``A``) while
  sparing the scanner one callback per extra character of ``(?P<rest>.*)``.

Named groups become non-capturing groups. Returns None when Python's parser cannot read the
regex (syntax that only the ``regex`` module knows): such a regex is checked on every record.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from logsentinel.sre import ATOMIC as _ATOMIC
from logsentinel.sre import REPEATS as _REPEATS
from logsentinel.sre import C, P

_ZERO_WIDTH = {C.AT, C.ASSERT, C.ASSERT_NOT}
_CATEGORIES = {
    C.CATEGORY_DIGIT: r"\d",
    C.CATEGORY_NOT_DIGIT: r"\D",
    C.CATEGORY_SPACE: r"\s",
    C.CATEGORY_NOT_SPACE: r"\S",
    C.CATEGORY_WORD: r"\w",
    C.CATEGORY_NOT_WORD: r"\W",
}
_AT = {
    C.AT_BEGINNING: "^",
    C.AT_BEGINNING_STRING: "^",
    C.AT_END: "$",
    C.AT_END_STRING: "$",
    C.AT_BOUNDARY: r"\b",
    C.AT_NON_BOUNDARY: r"\B",
}
_FLAG_LETTERS = ((re.IGNORECASE, "i"), (re.DOTALL, "s"))
WIDEN_ABOVE = 4


@dataclass(frozen=True)
class Prefilter:
    pattern: str  # superset pattern in the chosen dialect
    caseless: bool  # whole pattern case-insensitive (global (?i))
    dotall: bool  # whole pattern with . matching newlines (global (?s))


class Unsupported(Exception):
    pass


def superset(source: str, dialect: str = "python") -> Prefilter | None:
    """The superset block-scanning pattern of ``source`` or None (see module doc)."""
    try:
        parsed = P.parse(source)
    except (re.error, RecursionError, OverflowError):
        return None
    flags = parsed.state.flags
    items = _trim(list(parsed.data))
    if not items:
        return None
    try:
        body = _emit_seq(items, dialect)
    except Unsupported:
        return None
    if not body:
        return None
    return Prefilter(body, bool(flags & re.IGNORECASE), bool(flags & re.DOTALL))


def scoped(pf: Prefilter) -> str:
    """The pattern with its global flags written as a scoped group, for combining with others."""
    letters = ("i" if pf.caseless else "") + ("s" if pf.dotall else "")
    return f"(?{letters}:{pf.pattern})" if letters else f"(?:{pf.pattern})"


# ---- trimming ----------------------------------------------------------------------------


def _nullable(op: Any, av: Any) -> bool:
    if op in _ZERO_WIDTH:
        return True
    if op in _REPEATS:
        return av[0] == 0 or _seq_nullable(av[2])
    if op == C.SUBPATTERN:
        return _seq_nullable(av[3])
    if op == _ATOMIC:
        return _seq_nullable(av)
    if op == C.BRANCH:
        return any(_seq_nullable(alt) for alt in av[1])
    return op in (C.GROUPREF, C.GROUPREF_EXISTS)


def _seq_nullable(seq: Any) -> bool:
    return all(_nullable(op, av) for op, av in seq)


def _trim(items: list[Any]) -> list[Any]:
    """Drop nullable elements at both ends; shorten a repeat at either end to its minimum. A
    final word boundary right after a fixed element stays (``error\b`` must not take
    "0 errors" as a candidate): ``_END_BOUNDARY``."""
    depth = 0
    for end in (-1, 0):
        while items:
            op, av = items[end]
            if end == -1 and _end_not(items):
                break
            if end == -1 and op == C.AT and av == C.AT_BOUNDARY and len(items) > 1 and not _nullable(*items[-2]):
                items[-1] = (_END_BOUNDARY, None)
                break
            if _nullable(op, av):
                items.pop(end)
                continue
            if ((op == C.SUBPATTERN and not (av[1] or av[2])) or op == _ATOMIC) and depth < 20:
                # unwrap, trim again (an atomic group's leading [^\n]*? goes like any other)
                items[end : end + 1 if end == 0 else None] = list(av if op == _ATOMIC else av[3])
                depth += 1
                continue
            if op in _REPEATS and av[1] != av[0]:
                items[end] = (C.MAX_REPEAT, (av[0], av[0], av[2]))
            break
    return items


_END_BOUNDARY = "end-boundary"  # a word boundary kept at the end of a scan pattern
_END_NOT = "end-not"  # a final negative lookahead of a literal, kept as "the next characters differ"


def _end_not(items: list[Any]) -> bool:
    r"""A final ``(?! recording)`` (a literal without newlines) after a fixed element, or after
    ``\b`` when the literal starts with a non-word character, stays at the end of the scan
    pattern as "then not these characters" (``started\b(?! recording)`` does not take every
    "Call 7 started recording" as a candidate). Replaces the last items in place; True if so."""
    op, av = items[-1]
    if op != C.ASSERT_NOT or av[0] != 1 or len(items) < 2:
        return False
    body = list(av[1])
    if not body or any(o != C.LITERAL or a == 10 for o, a in body):
        return False
    text = "".join(chr(a) for _o, a in body)
    prev_op, prev_av = items[-2]
    if prev_op == C.AT and prev_av == C.AT_BOUNDARY:
        if len(items) < 3 or _nullable(*items[-3]) or re.match(r"\w", text[0]):
            return False
        items[-2:] = [(_END_NOT, (True, text))]
        return True
    if _nullable(prev_op, prev_av):
        return False
    items[-1] = (_END_NOT, (False, text))
    return True


def _not_followed(text: str, dialect: str, boundary: bool) -> str:
    r"""A pattern for "the end of the line, or characters that do not spell ``text``"; with
    ``boundary``, the first character must also be a non-word one (a word boundary before)."""
    first = _char(ord(text[0]), dialect)
    others = r"[^\w\n" + first + "]" if boundary else f"[^\\n{first}]"
    rest = f"{first}{_not_followed(text[1:], dialect, False)}" if len(text) > 1 else ""
    return _group("|".join(x for x in ("$", others, rest) if x))


# ---- emitting ----------------------------------------------------------------------------


def _char(c: int, dialect: str) -> str:
    ch = chr(c)
    if ch.isascii() and (ch.isalnum() or ch == "_"):
        return ch
    if ch in "\n\t\r":
        return {"\n": r"\n", "\t": r"\t", "\r": r"\r"}[ch]
    if ch.isascii() and 0x21 <= c <= 0x7E:
        return "\\" + ch
    if not ch.isascii() and ch.isprintable() and not ch.isspace():
        return ch
    if dialect == "hyperscan":
        return f"\\x{{{c:x}}}"
    if c < 0x100:
        return f"\\x{c:02x}"
    return f"\\u{c:04x}" if c < 0x10000 else f"\\U{c:08x}"


def _group(text: str) -> str:
    return f"(?:{text})"


def _emit_seq(seq: Any, dialect: str) -> str:
    return "".join(_emit(op, av, dialect) for op, av in _absorbed(list(seq)))


def _absorbed(seq: list[Any]) -> list[Any]:
    r"""The sequence without the optional bits that a neighbouring gap takes anyway: in
    ``X\w*\b[^\n]*Y`` the ``\w*`` and ``\b`` add nothing to ``X[^\n]*Y`` (a superset of it),
    but cost a block scanner an automaton state on every byte after each X (half of the
    scan time of the bundled library). Only elements that cannot match a newline go: the gap
    does not cross one."""
    i = 0
    while i < len(seq):
        op, av = seq[i]
        near_gap = (i + 1 < len(seq) and _is_gap(*seq[i + 1])) or (i > 0 and _is_gap(*seq[i - 1]))
        if near_gap and _optional_on_one_line(op, av):
            del seq[i]
            i = max(i - 1, 0)
            continue
        i += 1
    return seq


def _is_gap(op: Any, av: Any) -> bool:
    r"""``[^\n]*`` (or a wide bounded form of it, widened when emitted), possibly in a group."""
    if op == C.SUBPATTERN and not (av[1] or av[2]) and len(av[3]) == 1:
        return _is_gap(*av[3][0])
    if op not in _REPEATS or av[0] != 0 or (av[1] != C.MAXREPEAT and av[1] <= WIDEN_ABOVE) or len(av[2]) != 1:
        return False
    body_op, body_av = av[2][0]
    if body_op == C.NOT_LITERAL:
        return bool(body_av == 10)
    if body_op == C.IN:
        return body_av in ([(C.NEGATE, None), (C.LITERAL, 10)],)
    return False


def _optional_on_one_line(op: Any, av: Any) -> bool:
    r"""Matches the empty string, and never a newline: a word boundary, ``\w*``, ``[a-z]?``."""
    if op == C.AT and av in (C.AT_BOUNDARY, C.AT_NON_BOUNDARY):
        return True
    if op == C.SUBPATTERN and not (av[1] or av[2]):
        return all(_optional_on_one_line(o, a) for o, a in av[3])
    if op in _REPEATS and av[0] == 0 and len(av[2]) == 1:
        body_op, body_av = av[2][0]
        if body_op == C.LITERAL:
            return bool(body_av != 10)
        if body_op == C.IN:
            return all(_no_newline(o, a) for o, a in body_av)
    return False


def _no_newline(op: Any, av: Any) -> bool:
    if op == C.LITERAL:
        return bool(av != 10)
    if op == C.RANGE:
        return not av[0] <= 10 <= av[1]
    if op == C.CATEGORY:
        return av in (C.CATEGORY_WORD, C.CATEGORY_DIGIT)
    return False


def _zero_width(seq: Any) -> bool:
    """True if ``seq`` matches no character: only anchors and lookarounds (possibly grouped)."""
    for op, av in seq:
        if op in (C.AT, C.ASSERT, C.ASSERT_NOT):
            continue
        if op == C.SUBPATTERN and _zero_width(av[3]):
            continue
        return False
    return True


def _emit(op: Any, av: Any, dialect: str) -> str:
    if op == _END_NOT:
        boundary, text = av
        if dialect != "hyperscan":
            return (r"\b" if boundary else "") + f"(?!{''.join(_char(ord(c), dialect) for c in text)})"
        return _not_followed(text, dialect, boundary)
    if op == _END_BOUNDARY:
        # hyperscan approximates \b in Unicode mode: a non-word character (not the newline, which
        # would end the match in the next record) or the end of the line, is the same test here
        return r"(?:[^\w\n]|$)" if dialect == "hyperscan" else r"\b"
    if op == C.LITERAL:
        return _char(av, dialect)
    if op == C.NOT_LITERAL:
        return f"[^{_char(av, dialect)}]"
    if op == C.ANY:
        return "."
    if op == C.IN:
        return _emit_class(av, dialect)
    if op == C.BRANCH:
        return _group("|".join(_emit_seq(alt, dialect) for alt in av[1]))
    if op == C.SUBPATTERN:
        _group_no, add, dele, body = av
        on = "".join(letter for flag, letter in _FLAG_LETTERS if add & flag)
        off = "".join(letter for flag, letter in _FLAG_LETTERS if dele & flag)
        flags = on + (f"-{off}" if off else "")
        return f"(?{flags}:{_emit_seq(body, dialect)})"
    if op in _REPEATS:
        lo, hi, body = av
        if _zero_width(body):
            return ""  # a repeated assertion ((?:\b)*): dropped, a superset (and Python 3.13's re refuses it)
        inner = _emit_seq(body, dialect)
        if not inner:
            return ""
        if len(body) != 1 or body[0][0] in (C.BRANCH,) or body[0][0] in _REPEATS:
            inner = _group(inner)
        if hi != C.MAXREPEAT and hi > WIDEN_ABOVE:
            hi = C.MAXREPEAT  # x{0,200} -> x*: a superset that block scanners compile far faster
        if hi == C.MAXREPEAT:
            q = "*" if lo == 0 else "+" if lo == 1 else f"{{{lo},}}"
        elif lo == hi:
            q = "" if lo == 1 else f"{{{lo}}}"
            if lo == 0:
                return ""
        elif lo == 0 and hi == 1:
            q = "?"
        else:
            q = f"{{{lo},{hi}}}"
        return inner + q
    if op == C.AT:
        return _AT.get(av, "")
    if op in (C.ASSERT, C.ASSERT_NOT):
        return ""
    if op == C.GROUPREF:
        return "(?s:.*)"
    if op == C.GROUPREF_EXISTS:
        _cond, yes, no = av
        alts = [_emit_seq(yes, dialect), _emit_seq(no, dialect) if no else ""]
        return _group("|".join(alts)) if all(alts) else _group(alts[0] or alts[1]) + "?"
    if op == _ATOMIC:
        return _group(_emit_seq(av, dialect))
    raise Unsupported(str(op))


def _emit_class(items: Any, dialect: str) -> str:
    out = []
    negate = any(op == C.NEGATE for op, _av in items)
    for op, av in items:
        if op == C.NEGATE:
            continue
        if op == C.CATEGORY and av == C.CATEGORY_WORD and dialect == "hyperscan" and not negate:
            # Unicode \w makes hyperscan compile for up to half a second per pattern; \S holds
            # every word character, so [\S] is a superset that compiles in milliseconds
            out.append(r"\S")
        elif op == C.LITERAL:
            out.append(_char(av, dialect))
        elif op == C.RANGE:
            out.append(f"{_char(av[0], dialect)}-{_char(av[1], dialect)}")
        elif op == C.CATEGORY and av in _CATEGORIES:
            out.append(_CATEGORIES[av])
        else:
            raise Unsupported(str(op))
    if not out:
        raise Unsupported("empty class")
    return "[" + ("^" if negate else "") + "".join(out) + "]"
