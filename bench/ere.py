"""Translate the library's Python regexes into POSIX ERE for ``grep -E -i`` (benchmark baseline).

Line-based approximation: lookarounds are dropped and ``\\n`` matches nothing special (grep
sees one line at a time). A whole-pattern ``(?i)`` is left to ``grep -i``; a scoped ``(?i:...)``
becomes ``[aA]`` classes. Bounded repeats with a large bound (``.{0,80}``) become ``*``, as
logsentinel's own prefilter does: GNU grep expands bounded repeats into huge automata (with
them it runs at ~70k lines/s here), so the widened form is the strongest grep baseline.
"""

from __future__ import annotations

import re
import re._constants as C
import re._parser as P

_SPECIAL = set(".[]()*+?{}|^$\\")


class Untranslatable(Exception):
    pass


def _lit(c: int, icase: bool) -> str:
    ch = chr(c)
    if ch == "\n":
        return ""
    if icase and ch.isalpha() and ch.lower() != ch.upper():
        return f"[{ch.lower()}{ch.upper()}]"
    return "\\" + ch if ch in _SPECIAL else ch


def _class(items, icase: bool) -> str:
    neg = False
    parts: list[str] = []
    for op, av in items:
        if op == C.NEGATE:
            neg = True
        elif op == C.LITERAL:
            ch = chr(av)
            if ch == "\n":
                continue
            chars = {ch, ch.lower(), ch.upper()} if icase else {ch}
            for x in sorted(chars):
                parts.append({"]": "\\]", "\\": "\\\\", "^": "\\^", "-": "\\-"}.get(x, x))
        elif op == C.RANGE:
            lo, hi = chr(av[0]), chr(av[1])
            parts.append(f"{lo}-{hi}")
            if icase and lo.isalpha() and hi.isalpha():
                parts.append(f"{lo.swapcase()}-{hi.swapcase()}")
        elif op == C.CATEGORY:
            cat = {C.CATEGORY_DIGIT: "0-9", C.CATEGORY_SPACE: "[:space:]", C.CATEGORY_WORD: "[:alnum:]_"}.get(av)
            if cat is None:
                neg_cat = {
                    C.CATEGORY_NOT_DIGIT: "0-9",
                    C.CATEGORY_NOT_SPACE: "[:space:]",
                    C.CATEGORY_NOT_WORD: "[:alnum:]_",
                }[av]
                if len(items) == 1:
                    return f"[^{neg_cat}]"
                raise Untranslatable("negated category inside a class")
            parts.append(cat)
    if not parts:
        return "." if neg else ""
    # GNU grep treats backslash literally inside brackets: move ] first, - last
    body = "".join(parts).replace("\\]", "").replace("\\\\", "\\").replace("\\^", "").replace("\\-", "")
    head = "]" if any(p == "\\]" for p in parts) else ""
    tail = "^" if any(p == "\\^" for p in parts) else ""
    dash = "-" if any(p == "\\-" for p in parts) else ""
    return "[" + ("^" if neg else "") + head + body + tail + dash + "]"


def _seq(items, icase: bool) -> str:
    return "".join(_node(op, av, icase) for op, av in items)


def _node(op, av, icase: bool) -> str:
    if op == C.LITERAL:
        return _lit(av, icase)
    if op == C.NOT_LITERAL:
        return "." if av == 10 else "[^" + ("\\" if chr(av) == "\\" else chr(av)) + "]"
    if op == C.ANY:
        return "."
    if op == C.IN:
        return _class(av, icase)
    if op == C.BRANCH:
        return "(" + "|".join(_seq(alt, icase) for alt in av[1]) + ")"
    if op == C.SUBPATTERN:
        _g, add, dele, body = av
        inner_icase = (icase or bool(add & re.IGNORECASE)) and not (dele & re.IGNORECASE)
        return "(" + _seq(body, inner_icase) + ")"
    if op in (C.MAX_REPEAT, C.MIN_REPEAT) or op == getattr(C, "POSSESSIVE_REPEAT", None):
        lo, hi, body = av
        inner = _seq(body, icase)
        if not inner:
            return ""
        if len(body) != 1 or body[0][0] not in (C.LITERAL, C.IN, C.ANY, C.SUBPATTERN, C.NOT_LITERAL):
            inner = f"({inner})"
        if hi == C.MAXREPEAT:
            return inner + ("*" if lo == 0 else "+" if lo == 1 else f"{{{lo},}}")
        if lo == 0 and hi == 1:
            return inner + "?"
        if hi > 4:
            return inner + ("*" if lo == 0 else "+" if lo == 1 else f"{{{lo},}}")
        return inner + (f"{{{lo}}}" if lo == hi else f"{{{lo},{hi}}}")
    if op == C.AT:
        return {
            C.AT_BEGINNING: "^",
            C.AT_BEGINNING_STRING: "^",
            C.AT_END: "$",
            C.AT_END_STRING: "$",
            C.AT_BOUNDARY: "\\b",
            C.AT_NON_BOUNDARY: "\\B",
        }[av]
    if op in (C.ASSERT, C.ASSERT_NOT):
        return ""
    raise Untranslatable(str(op))


def to_ere(source: str) -> str:
    """ERE for ``grep -E -i``: a global (?i) is grep's -i, so it is not expanded here."""
    return _seq(P.parse(source).data, False)
