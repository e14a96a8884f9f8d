"""Find regexes that can backtrack catastrophically, by trying them on adversarial text.

A regex is run, under the ``regex`` module's timeout, against strings built to make nested or
overlapping quantifiers try every way of splitting the input: long runs of one character (or
two alternating), after each literal of the regex, ending with a character that makes the
match fail. A linear regex answers in microseconds; one that takes longer than the budget on
a few thousand characters would stall the sidecar on a long record.
"""

from __future__ import annotations

import time
from typing import Any

import regex

from logsentinel.sre import C, P

VERSION = 3  # of the search: a cached verdict of another version is not used
PUMP_LENGTH = 3000
BUDGET_S = 0.25
# The slowest inputs over this are tried again four times as long: a time that grows more than
# GROWTH times is polynomial (a lookbehind scanning back over every earlier repeat is
# quadratic: 20 ms on 3,500 characters, 5.9 s on a 56 KB record); a linear one grows 4 times.
GROWTH_FLOOR_S = 0.002
GROWTH = 8.0
_BASE_CHARS = " a0A\t.-:/_\\x"
_ENDINGS = ("\x00", "!", "\n")


def _walk(items: Any, chars: set[Any], literals: list[Any], run: list[Any]) -> None:
    for op, av in items:
        if op == C.LITERAL:
            run.append(chr(av))
            chars.add(chr(av))
            continue
        if len(run) >= 2:
            literals.append("".join(run))
        run.clear()
        if op == C.IN:
            for sub_op, sub_av in av:
                if sub_op == C.LITERAL:
                    chars.add(chr(sub_av))
                elif sub_op == C.RANGE:
                    chars.add(chr(sub_av[0]))
                    chars.add(chr(sub_av[1]))
        elif op == C.BRANCH:
            for alt in av[1]:
                _walk(alt, chars, literals, [])
        elif op == C.SUBPATTERN:
            _walk(av[3], chars, literals, [])
        elif op in (C.MAX_REPEAT, C.MIN_REPEAT) or getattr(C, "POSSESSIVE_REPEAT", None) == op:
            _walk(av[2], chars, literals, [])
        elif op in (C.ASSERT, C.ASSERT_NOT):
            _walk(av[1], chars, literals, [])
    if len(run) >= 2:
        literals.append("".join(run))


def _sample(items: Any) -> str:
    """A short string matched by the sequence ``items`` (best effort)."""
    out = []
    for op, av in items:
        if op == C.LITERAL:
            out.append(chr(av))
        elif op == C.IN:
            for sub_op, sub_av in av:
                if sub_op == C.NEGATE:
                    out.append("x")
                    break
                if sub_op == C.LITERAL:
                    out.append(chr(sub_av))
                    break
                if sub_op == C.RANGE:
                    out.append(chr(sub_av[0]))
                    break
                if sub_op == C.CATEGORY:
                    out.append({C.CATEGORY_DIGIT: "0", C.CATEGORY_SPACE: " "}.get(sub_av, "a"))
                    break
        elif op == C.ANY:
            out.append("x")
        elif op == C.BRANCH:
            out.append(_sample(av[1][0]))
        elif op == C.SUBPATTERN:
            out.append(_sample(av[3]))
        elif op in (C.MAX_REPEAT, C.MIN_REPEAT) or getattr(C, "POSSESSIVE_REPEAT", None) == op:
            out.append(_sample(av[2]) * av[0])
    return "".join(out)


def _prefixes(items: Any, depth: int = 0) -> list[str]:
    """Strings that match the regex up to each element: where a pump can be pushed in."""
    out = []
    for i, (op, av) in enumerate(items):
        head = _sample(items[:i])
        out.append(head)
        if depth < 2 and op == C.BRANCH:
            out.extend(head + p for alt in av[1] for p in _prefixes(alt, depth + 1))
        elif depth < 2 and op == C.SUBPATTERN:
            out.extend(head + p for p in _prefixes(av[3], depth + 1))
    return out


def adversarial_inputs(source: str, length: int = PUMP_LENGTH) -> list[str]:
    """Strings likely to expose exponential or polynomial backtracking in ``source``."""
    return [prefix + unit * (length // len(unit)) + end for prefix, unit, end in _pumps(source)]


def _pumps(source: str) -> list[tuple[str, str, str]]:
    """(prefix, unit, ending): the input is the prefix, the unit repeated, then the ending."""
    chars, literals = set(_BASE_CHARS), list[str]()
    prefixes: list[str] = []
    try:
        parsed = P.parse(source).data
        _walk(parsed, chars, literals, [])
        prefixes = _prefixes(list(parsed))
    except Exception:  # syntax only the regex module knows: use the base set
        pass
    chars.discard("\n")
    units = sorted(chars)
    pattern_chars = sorted(c for c in chars if c not in _BASE_CHARS)[:12]
    for a in [*pattern_chars, " ", "a"]:
        for b in [*pattern_chars, " ", "a"]:
            if a < b:
                units.append(a + b)
    # each literal of the regex repeated: a quantifier or lookaround around it meets it again and again
    units += [lit + " " for lit in dict.fromkeys(literals[:6])]
    prefixes = list(dict.fromkeys(["", *literals[:6], *[p for p in prefixes if p][:24]]))
    return [
        (prefix, unit, end) for prefix in prefixes for unit in units for end in (_ENDINGS[:1] if prefix else _ENDINGS)
    ]


def find_slow_input(compiled: regex.Pattern[str], source: str, budget_s: float = BUDGET_S) -> str | None:
    """A short description of an input on which ``compiled`` is far too slow, or None.

    "Too slow" is over a fifth of the budget on a few thousand characters, twice in a row
    (a linear regex needs well under a millisecond; a shared machine may pause once); or, for
    the slowest of those inputs, a time that grows more than twice as fast as the text (a
    lookbehind scanning back over every earlier repeat).
    """
    limit = budget_s / 5
    timed: list[tuple[float, int]] = []
    pumps = _pumps(source)
    for i, (prefix, unit, end) in enumerate(pumps):
        text = prefix + unit * (PUMP_LENGTH // len(unit)) + end
        took = _time(compiled, text, budget_s)
        if took > limit and _time(compiled, text, budget_s) > limit:
            return _describe(text)
        if took > GROWTH_FLOOR_S:
            timed.append((took, i))
    for took, i in sorted(timed, reverse=True)[:3]:
        prefix, unit, end = pumps[i]
        short = prefix + unit * (PUMP_LENGTH // len(unit)) + end
        longer = prefix + unit * (4 * PUMP_LENGTH // len(unit)) + end
        took = min(took, _time(compiled, short, budget_s))
        grown = min(_time(compiled, longer, budget_s) for _ in range(2))
        if grown > GROWTH * took and grown > limit:  # milliseconds alone are noise (a loaded machine, Wine)
            return (
                f"{_describe(short)}: {took * 1000:.0f} ms on {len(short):,} characters, {grown * 1000:.0f} ms on "
                f"{len(longer):,} (time grows as the square of the text: seconds on a long record)"
            )
    return None


def _time(compiled: regex.Pattern[str], text: str, budget_s: float) -> float:
    t0 = time.perf_counter()
    try:
        compiled.search(text, timeout=budget_s)
    except TimeoutError:
        return budget_s
    return time.perf_counter() - t0


def _describe(text: str) -> str:
    """``prefix + N x unit`` for a pumped input (the unit one character, two, or a literal)."""
    body = text[:-1]
    for size in range(1, 41):
        unit = body[-size:]
        n = 0
        while n < 100_000 and body.endswith(unit, 0, len(body) - n * size):
            n += 1
        if n * size >= 100:
            prefix = body[: len(body) - n * size]
            return f"{prefix!r} + {n} x {unit!r}"
    return repr(text[:40]) + "..."
