"""``logsentinel check``: load, compile and test every signature, as fail2ban-regex does.

For each signature: every regex compiles; every ``examples.match`` record hits and yields the
fields it lists; no ``examples.no_match`` record hits; every ``examples.resolve`` record
resolves; the fast matcher agrees with the reference on every example; no regex backtracks
catastrophically on adversarial input. Ids must be unique across all folders.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from logsentinel.cache.matcher import build_matcher
from logsentinel.cache.verdicts import VerdictCache
from logsentinel.matching.literals import MIN_WORD, required_words
from logsentinel.matching.matcher import Matcher, evaluate
from logsentinel.records.blocks import Block, SourceSpec
from logsentinel.records.timestamps import TimeParser
from logsentinel.signatures.load import Library, load_effective
from logsentinel.signatures.model import Problem, Signature
from logsentinel.signatures.nested import find_nested_quantifier
from logsentinel.signatures.redos import find_slow_input


@dataclass
class CheckResult:
    library: Library
    problems: list[Problem] = field(default_factory=list)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.level == "error"]


_ONE_RECORD = re.compile(rb"(?!)")  # never starts a record: an example is one record


def _example_block(text: str, source: str) -> Block:
    data = text.replace("\r\n", "\n").encode("utf-8")
    if not data.endswith(b"\n"):
        data += b"\n"
    spec = SourceSpec(source, _ONE_RECORD, TimeParser("UTC"))
    return Block(data, 1, "<example>", spec, None)


def _text(example_text: str) -> str:
    return example_text.replace("\r\n", "\n").rstrip("\n")


def _test_now(rx) -> str | None:
    return find_slow_input(rx.compiled, rx.source)


def check_signature(sig: Signature, matcher: Matcher, redos: bool = True, slow_input=_test_now) -> list[Problem]:
    """Every problem of one signature: its examples, the fast matcher's agreement with the
    reference, regexes without a block-scan form, catastrophic backtracking (``slow_input(rx)``
    gives a regex's slow input, or None)."""
    probs: list[Problem] = []

    def bad(key, message, line=None, level: str = "error") -> None:
        probs.append(Problem(sig.file, line or sig.line, sig.id, key, message, level))

    if not sig.resolve and sig.auto_resolve_s is None and sig.absent is None:
        bad(
            "resolve",
            "nothing ends this event but a person (ack and resolve): give it 'resolve' regexes (the "
            "record that says it is over) or 'auto_resolve' (the quiet time after which it is)",
            level="warning",
        )
    _check_match_examples(sig, bad)
    _check_other_examples(sig, bad)
    _check_agreement(sig, matcher, bad)
    if redos:
        _check_redos(sig, bad, slow_input)
    return probs


def _check_match_examples(sig: Signature, bad) -> None:
    absent_only = not sig.match and sig.absent is not None
    for i, ex in enumerate(sig.examples_match):
        text = _text(ex.text)
        try:
            kinds = {m.kind: m for m in evaluate(sig, text, 1.0, ex.attrs)}
        except TimeoutError:
            bad(f"examples.match[{i}]", "regex timed out on this example", ex.line)
            continue
        if absent_only:
            if "heartbeat" not in kinds:
                bad(f"examples.match[{i}]", f"does not match absent.match: {_short(text)}", ex.line)
            continue
        hit = kinds.get("hit")
        if hit is None:
            bad(f"examples.match[{i}]", f"does not hit: {_short(text)}{_why(sig, text, ex.attrs)}", ex.line)
            continue
        groups = sorted({g for rx in sig.match for g in rx.groups} | set(hit.fields))
        for name, want in ex.fields.items():
            got = hit.fields.get(name)
            if name not in groups:
                bad(
                    f"examples.match[{i}].fields.{name}",
                    f"no field {name!r}: the fields of this hit are "
                    f"{', '.join(groups) if groups else 'none (no named group)'}",
                    ex.line,
                )
            elif got != want:
                bad(f"examples.match[{i}].fields.{name}", f"expected {want!r}, got {got!r}", ex.line)


def _check_other_examples(sig: Signature, bad) -> None:
    wrong = "heartbeat" if not sig.match and sig.absent is not None else "hit"
    for i, ex in enumerate(sig.examples_no_match):
        text = _text(ex.text)
        try:
            kinds = {m.kind for m in evaluate(sig, text, 1.0, ex.attrs)}
        except TimeoutError:
            bad(f"examples.no_match[{i}]", "regex timed out on this example", ex.line)
            continue
        if wrong in kinds:
            bad(f"examples.no_match[{i}]", f"hits but must not: {_short(text)}", ex.line)
    for i, ex in enumerate(sig.examples_resolve):
        text = _text(ex.text)
        kinds = {m.kind for m in evaluate(sig, text, 1.0, ex.attrs)}
        if "resolve" not in kinds and "heartbeat" not in kinds:
            bad(f"examples.resolve[{i}]", f"does not match any resolve regex: {_short(text)}", ex.line)


def _check_agreement(sig: Signature, matcher: Matcher, bad) -> None:
    """The fast path must agree with the reference on every example."""
    source = sig.sources[0] if sig.sources else "check"
    for ex in sig.examples_match + sig.examples_no_match + sig.examples_resolve:
        if ex.attrs is not None:
            continue  # an event-log example: records that come whole are not block-scanned
        block = _example_block(ex.text, source)
        fast = [
            (m.signature.id, m.kind, tuple(sorted(m.fields.items()))) for mr in matcher.scan(block) for m in mr.matches
        ]
        ref = [
            (m.signature.id, m.kind, tuple(sorted(m.fields.items()))) for mr in matcher.naive(block) for m in mr.matches
        ]
        if fast != ref:
            bad(
                "examples",
                f"internal error: the {matcher.engine} matcher disagrees with the reference on "
                f"{_short(ex.text)} ({fast} != {ref}); please report it",
                ex.line,
            )
    no_form = {key for sig_, key in matcher.no_scan_form(source) if sig_ is sig}
    for key in sorted(no_form):
        bad(
            key,
            "this regex has no block-scan form, so it is tried on every record (slower); "
            "avoid syntax only the 'regex' module knows",
            level="warning",
        )
    for _kind, rx in sig.all_regexes():
        if rx.key not in no_form and required_words(rx.source) == []:
            bad(
                rx.key,
                f"no word of {MIN_WORD}+ characters that every match needs: where hyperscan is not "
                "installed, this regex makes the python engine run a regex over every block (much slower); "
                "name the component or the failure in plain words",
                rx.line,
                level="warning",
            )


def _check_redos(sig: Signature, bad, slow_input) -> None:
    for _kind, rx in sig.all_regexes() + [("exclude", rx) for rx in sig.exclude]:
        nested = find_nested_quantifier(rx.source, _re_flags(rx))
        if nested is not None:
            bad(
                rx.key,
                f"regex {rx.source!r} has a nested quantifier that can backtrack catastrophically: "
                f"{nested}; make the parts of the repeated group exclusive, e.g. (\\w+\\s)* not (\\w+\\s?)*",
                rx.line,
            )
            continue
        slow = slow_input(rx)
        if slow is not None:
            bad(
                rx.key,
                f"regex {rx.source!r} can backtrack catastrophically: it is far too slow "
                f"on {slow}; remove nested or overlapping quantifiers such as (a+)+ or (.*)*",
                rx.line,
            )


def _re_flags(rx) -> int:
    """The flags of ``rx`` that Python's own parser knows (case, dot-all, verbose, multi-line)."""
    import re

    known = re.IGNORECASE | re.DOTALL | re.VERBOSE | re.MULTILINE
    return rx.compiled.flags & known


def _short(text: str, n: int = 100) -> str:
    one = text.replace("\n", "\\n")
    return repr(one if len(one) <= n else one[: n - 1] + "…")


def _why(sig: Signature, text: str, attrs: dict | None = None) -> str:
    if sig.event is not None and not sig.event.selects(attrs):
        return (
            " (not an event its 'event' selector takes)"
            if attrs is not None
            else " (a text line: a signature with 'event' looks at event-log records only; write the example as an event)"
        )
    if any(rx.search(text, 1.0) for rx in sig.match):
        excl = [rx.key for rx in sig.exclude if rx.search(text, 1.0)]
        if excl:
            return f" (it matches, but {', '.join(excl)} excludes it)"
    return ""


def run_check(
    folders: list[Path],
    engine: str = "auto",
    redos: bool = True,
    bundled: bool = False,
    verdicts: VerdictCache | None = None,
) -> CheckResult:
    """Check the library of ``folders``; with ``bundled``, the bundled library they add to.
    ReDoS verdicts come from ``verdicts`` (the on-disk cache when None), so ``check``,
    ``validate``, ``run`` and a reload apply the same checks and re-test only new regexes."""
    lib = load_effective(folders, bundled)
    result = CheckResult(lib, list(lib.problems))
    verdicts = verdicts if verdicts is not None else VerdictCache()
    # examples are short: a generous timeout, so that a busy machine cannot fail the comparison
    matcher = build_matcher(lib.signatures, engine, timeout=2.0)
    for sig in lib.signatures:
        result.problems.extend(check_signature(sig, matcher, redos=redos, slow_input=verdicts.slow_input))
    verdicts.save()
    return result
