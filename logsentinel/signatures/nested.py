"""Nested quantifiers found statically: a star or plus over a group that can match the same
text in more than one way.

The timing test (``redos.py``) misses a regex whose blow-up needs a longer input than it tries:
``ERR (\\w+\\s?)*$`` takes seconds on 30 KB yet passes on 3 KB. This walks the parsed regex
instead. An unbounded repeat over a body that holds a variable-length repeat of a character
set S is ambiguous when everything else the body requires can also be matched by S (or is
optional): ``(X+Y?)*``, ``(a+)+``, ``(\\w+\\s?)*``, ``(.*,)*``. Then a run of S characters can be
cut into iterations in exponentially many ways, and a failing match tries them all.

Alternations of overlapping branches (``(a|aa)+``) are left to the timing test, which finds
them; ``regexploit`` behaves the other way round (it flags the first kind and misses these),
so the two checks together cover both.
"""

from __future__ import annotations

from typing import Any

from logsentinel.sre import REPEATS as _REPEATS
from logsentinel.sre import C, P
from logsentinel.sre import compiler as _compiler

_SAMPLE = "".join(chr(c) for c in range(1, 0x180)) + "\u00a0\u2028\u00e9\u20ac\u4e2d\U0001f600"
_UNBOUNDED_FROM = 32  # an outer {m,n} with n at least this behaves like a star


def find_nested_quantifier(source: str, flags: int = 0) -> str | None:
    """The offending group of ``source`` written out, with why it is ambiguous, or None."""
    try:
        parsed = P.parse(source, flags)
    except Exception:  # syntax only the regex module knows: the timing test still runs
        return None
    return _search(parsed.data, parsed.state)


def _search(items: Any, state: Any) -> str | None:
    for op, av in items:
        if op in _REPEATS:
            _low, high, body = av
            if (high == C.MAXREPEAT or high >= _UNBOUNDED_FROM) and op != getattr(C, "POSSESSIVE_REPEAT", None):
                why = _ambiguous(list(body), state)
                if why:
                    return f"{_unparse([(op, av)])} ({why})"
            found = _search(body, state)
        elif op == C.SUBPATTERN:
            found = _search(av[3], state)
        elif op == C.BRANCH:
            found = next((f for f in (_search(alt, state) for alt in av[1]) if f), None)
        elif op in (C.ASSERT, C.ASSERT_NOT):
            found = _search(av[1], state)
        elif op == getattr(C, "ATOMIC_GROUP", None):
            found = None  # no backtracking into it
        else:
            found = None
        if found:
            return found
    return None


def _flatten(items: Any) -> list[Any]:
    """The sequence of a body, non-capturing and capturing groups opened up."""
    out = []
    for op, av in items:
        if op == C.SUBPATTERN:
            out += _flatten(av[3])
        else:
            out.append((op, av))
    return out


def _ambiguous(body: Any, state: Any) -> str | None:
    seq = _flatten(body)
    for i, (op, av) in enumerate(seq):
        if op not in _REPEATS or av[0] == av[1]:
            continue  # only a variable-length repeat can take more or less of a run
        rest = seq[:i] + seq[i + 1 :]
        if all(_nullable([x]) for x in rest):
            return f"{_unparse([(op, av)])} is all an iteration requires, so a run splits into iterations in many ways"
        inner = _chars(av[2], state)
        if inner and all(_nullable([x]) or _absorbed(x, inner, state) for x in rest):
            return (
                f"{_unparse([(op, av)])} also matches what {_unparse(rest)} requires, "
                "so a run splits into iterations in many ways"
            )
    return None


def _absorbed(item: Any, inner: frozenset[Any], state: Any) -> bool:
    """Everything ``item`` requires can be matched by the characters ``inner``."""
    op, av = item
    if op in _REPEATS:
        return _absorbed_seq(av[2], inner, state)
    if op == C.SUBPATTERN:
        return _absorbed_seq(av[3], inner, state)
    if op == C.BRANCH:
        return any(_absorbed_seq(alt, inner, state) for alt in av[1])
    chars = _chars([item], state)
    return bool(chars) and bool(chars & inner)


def _absorbed_seq(items: Any, inner: Any, state: Any) -> bool:
    return all(_nullable([x]) or _absorbed(x, inner, state) for x in items)


def _chars(items: Any, state: Any) -> frozenset[Any]:
    """The sample characters matched by a one-character body (empty if it is not one)."""
    if len(items) != 1 or items[0][0] not in (C.LITERAL, C.NOT_LITERAL, C.IN, C.ANY):
        if len(items) == 1 and items[0][0] == C.SUBPATTERN:
            return _chars(items[0][1][3], state)
        return frozenset()
    sub = P.SubPattern(state, list(items))
    try:
        compiled = _compiler.compile(sub, state.flags)
    except Exception:
        return frozenset()
    return frozenset(ch for ch in _SAMPLE if compiled.fullmatch(ch))


def _nullable(items: Any) -> bool:
    for op, av in items:
        if op in _REPEATS:
            if av[0] > 0 and not _nullable(av[2]):
                return False
        elif op == C.SUBPATTERN:
            if not _nullable(av[3]):
                return False
        elif op == C.BRANCH:
            if not any(_nullable(alt) for alt in av[1]):
                return False
        elif op in (C.LITERAL, C.NOT_LITERAL, C.IN, C.ANY, C.GROUPREF):
            return False
    return True


_CATEGORIES = {
    C.CATEGORY_DIGIT: r"\d",
    C.CATEGORY_NOT_DIGIT: r"\D",
    C.CATEGORY_SPACE: r"\s",
    C.CATEGORY_NOT_SPACE: r"\S",
    C.CATEGORY_WORD: r"\w",
    C.CATEGORY_NOT_WORD: r"\W",
}
_SPECIAL = set(".^$*+?{}[]\\|()")


def _lit(code: int) -> str:
    ch = chr(code)
    if ch in _SPECIAL:
        return "\\" + ch
    return ch if (ch.isprintable() and ch != " ") or ch == " " else f"\\x{code:02x}"


def _unparse(items: Any) -> str:
    """The regex text of parsed ``items`` (for messages: what the author wrote, normalised)."""
    out = []
    for op, av in items:
        if op == C.LITERAL:
            out.append(_lit(av))
        elif op == C.NOT_LITERAL:
            out.append(f"[^{_lit(av)}]")
        elif op == C.ANY:
            out.append(".")
        elif op == C.IN:
            out.append(_unparse_in(av))
        elif op == C.SUBPATTERN:
            group = av[0]
            out.append(("(" if group else "(?:") + _unparse(av[3]) + ")")
        elif op == C.BRANCH:
            out.append("|".join(_unparse(alt) for alt in av[1]))
        elif op in _REPEATS:
            low, high, body = av
            inner = _unparse(body)
            if len(body) != 1 or body[0][0] == C.BRANCH:
                inner = inner if body and body[0][0] == C.SUBPATTERN and len(body) == 1 else f"(?:{inner})"
            q = {(0, C.MAXREPEAT): "*", (1, C.MAXREPEAT): "+", (0, 1): "?"}.get((low, high))
            if q is None:
                q = f"{{{low},}}" if high == C.MAXREPEAT else (f"{{{low}}}" if low == high else f"{{{low},{high}}}")
            out.append(inner + q + ("?" if op == C.MIN_REPEAT else ""))
        elif op == C.AT:
            out.append({C.AT_BEGINNING: "^", C.AT_END: "$", C.AT_BOUNDARY: r"\b", C.AT_NON_BOUNDARY: r"\B"}.get(av, ""))
        else:
            out.append("…")
    return "".join(out)


def _unparse_in(av: Any) -> str:
    if len(av) == 1 and av[0][0] == C.CATEGORY:
        return _CATEGORIES.get(av[0][1], "[…]")
    parts, neg = [], False
    for op, x in av:
        if op == C.NEGATE:
            neg = True
        elif op == C.LITERAL:
            parts.append(_lit(x) if chr(x) not in "]^-" else "\\" + chr(x))
        elif op == C.RANGE:
            parts.append(f"{_lit(x[0])}-{_lit(x[1])}")
        elif op == C.CATEGORY:
            parts.append(_CATEGORIES.get(x, ""))
    return "[" + ("^" if neg else "") + "".join(parts) + "]"
