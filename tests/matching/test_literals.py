"""Required words: every match of a regex holds a word of each of its sets, found in the
record's bytes lower-cased with the word boundaries the regex asserts around it (the python
engine's word scan relies on it)."""

from __future__ import annotations

import regex
from hypothesis import given, settings
from hypothesis import strategies as st
from support.strategies import matches, regex_source

from logsentinel.matching.literals import Word, required_words
from logsentinel.matching.wordscan import FOLDS_TO_ASCII


@settings(max_examples=800, deadline=None)
@given(
    source=regex_source,
    text=st.text(
        alphabet=st.sampled_from(list("error failed disk token CDR 0ÜΔ\n.-:_aAxkKs[]é\u212aſİı")), max_size=60
    ),
)
def test_every_match_holds_a_word_of_each_set(source, text):
    if not matches(source, text):
        return
    data = text.encode("utf-8")
    if any(seq in data for seq in FOLDS_TO_ASCII):
        return  # the word scanner leaves such a block to the combined regex
    low = data.lower().decode("latin-1")
    for words in required_words(source) or []:
        assert any(w.within(low) for w in words), (source, sorted(words), text)


def test_words_of_the_usual_shapes():
    assert required_words(r"(?i)(?:fail(?:s|ed)?|error)[^\n]{0,80}?\bwebex\b") == [
        frozenset({Word("webex", start=True, end=True)}),
        frozenset({Word("fail"), Word("error")}),
    ]
    # a lookahead's words are in the record too; an optional part gives none (nor a boundary)
    assert required_words(r"(?im)^(?=[^\n]*\brecord)[^\n]*?\b(?:call )?exhausted") == [
        frozenset({Word("exhausted")}),
        frozenset({Word("record", start=True)}),
    ]
    # the boundaries around an alternation hold for each branch; a repeat's copies have none
    assert required_words(r"\b(?:all|no) channels\b") == [
        frozenset({Word(" channels", end=True)}),
        frozenset({Word("all", start=True), Word("no", start=True)}),
    ]
    assert required_words(r"\b(?:ab)+\b") == [frozenset({Word("ab")})]
    # "\bfailed" adds nothing to "\bfail"; "failed" may follow a letter, so "\bfail" stays
    assert required_words(r"\b(?:fail|failed)") == [frozenset({Word("fail", start=True)})]
    assert required_words(r"(?:\bfail|failed)") == [frozenset({Word("fail", start=True), Word("failed")})]
    # too short, or an alternation with a branch that needs no word: nothing to look for
    assert required_words(r"(?i)\bdb\b|x+") == []
    assert required_words(r"[") is None


def test_the_folding_characters_are_those_ignorecase_matches_to_ascii():
    """The block test of ``wordscan`` lists exactly the non-ASCII characters that a
    case-insensitive ``regex`` or ``re`` pattern matches to an ASCII letter."""
    import re
    import string

    folding = set()
    for letter in string.ascii_lowercase:
        pats = (re.compile("(?i)" + letter), regex.compile("(?i)" + letter, flags=regex.V0))
        for cp in range(128, 0x3000):
            if any(p.fullmatch(chr(cp)) for p in pats):
                folding.add(chr(cp).encode("utf-8"))
    for cp in range(0x2100, 0x2200):  # letterlike symbols (the Kelvin and Ångström signs)
        if any(p.fullmatch(chr(cp)) for p in (re.compile("(?i)[a-z]"), regex.compile("(?i)[a-z]", flags=regex.V0))):
            folding.add(chr(cp).encode("utf-8"))
    assert folding == set(FOLDS_TO_ASCII)


def test_the_python_engine_finds_words_in_any_case_and_on_any_block():
    """The word scan picks its sets on the first block; later blocks, in another case, on
    another line of a multi-line record, are still found."""
    from support.strategies import make_rx

    from logsentinel.matching.matcher import Matcher
    from logsentinel.records.blocks import Block, SourceSpec
    from logsentinel.signatures.model import Signature

    sig = Signature(
        id="s",
        title="s",
        priority="P2",
        response_time_s=7200,
        category="anomaly",
        match=(make_rx(r"(?is)webex[^\n]{0,80}token.*expired"),),
    )
    spec = SourceSpec.build("a", timezone="UTC")

    def block(text):
        return Block(text.encode("utf-8"), 1, "a.log", spec, None)

    matcher = Matcher([sig], engine="python", timeout=None)
    assert matcher.scan(block("2026-11-27 10:00:00 webex token expired\n2026-11-27 10:00:01 expired token\n"))
    later = block("2026-11-27 10:00:02 noise\n2026-11-27 10:00:03 WEBEX TOKEN refresh\n   at X: EXPIRED\n")
    found = matcher.scan(later)
    assert [mr.record.line for mr in found] == [2]
    assert found[0].matches[0].signature.id == "s"


def test_the_python_engine_keeps_the_scan_that_was_faster_on_a_big_block():
    """On a block of 64 KiB or more, once its word sets are chosen (on the first block), the
    python engine times the word scan and the combined regex on 64 KiB of it (with the timer it
    is given) and keeps the faster; results do not change."""
    from support.strategies import make_rx

    from logsentinel.matching.matcher import CHOOSE_ON_BYTES, Matcher
    from logsentinel.records.blocks import Block, SourceSpec
    from logsentinel.signatures.model import Signature

    sig = Signature(
        id="s",
        title="s",
        priority="P2",
        response_time_s=7200,
        category="anomaly",
        match=(make_rx(r"Svc001\.Worker - Operation [a-z]+ failed"),),
    )
    spec = SourceSpec.build("a", timezone="UTC")
    noise = "2026-11-27 10:00:00 Svc001.Worker - Operation sync completed\n" * (CHOOSE_ON_BYTES // 60 + 1)
    big = Block(noise.encode(), 1, "a.log", spec, None)
    later = Block(
        b"2026-11-27 10:00:01 x\n2026-11-27 10:00:02 Svc001.Worker - Operation save failed\n",
        big.data.count(b"\n") + 1,
        "a.log",
        spec,
        None,
    )  # line numbers as if it followed

    def run(ticks):
        clock = iter(ticks)
        matcher = Matcher([sig], engine="python", timeout=None, timer=lambda: next(clock, 100.0))
        matcher.scan(big)  # the word sets are chosen here: nothing timed
        assert matcher.plan("a").prefer_words is None
        clock = iter(ticks)
        matcher.scan(big)
        return matcher, matcher.scan(later)

    slow_words, found = run([0.0, 0.0, 10.0, 11.0])  # words took 10, the combined regex 1
    assert slow_words.plan("a").prefer_words is False
    fast_words, found_too = run([0.0, 0.0, 1.0, 11.0])
    assert fast_words.plan("a").prefer_words is True
    assert [m.record.line for m in found] == [m.record.line for m in found_too] == [big.data.count(b"\n") + 2]


def test_the_word_scan_skips_a_word_inside_a_longer_one():
    """``\\ball channels busy`` needs "all" after a word boundary: "Call 5 on channels busy"
    holds "all" only inside "call", so the python engine's word scan takes no candidate there
    (the word-set scan looked for the bare substring and took every "call")."""
    from logsentinel.matching.wordscan import WordScan
    from logsentinel.records.blocks import Block, SourceSpec

    scan = WordScan([(0, r"(?i)\ball (?:\S+ )?channels busy")])
    spec = SourceSpec.build("a", timezone="UTC")
    text = "2026-11-27 10:00:00 Call 5: all channels busy\n2026-11-27 10:00:01 Call 6 on channels busy\n"
    found = scan.scan(Block(text.encode(), 1, "a.log", spec, None))
    assert [text.encode()[s:e].decode() for s, e in found] == ["2026-11-27 10:00:00 Call 5: all channels busy\n"]


@given(
    source=regex_source,
    text=st.text(alphabet=st.sampled_from(list("error failed disk_token all call\n.-:aA0é")), max_size=80),
)
@settings(max_examples=400, deadline=None)
def test_the_word_scan_takes_every_record_a_regex_matches(source, text):
    """Every line the regex matches is a candidate of the word scan (boundaries included)."""
    from logsentinel.matching.wordscan import WordScan
    from logsentinel.records.blocks import Block, SourceSpec

    lines = [f"2026-11-27 10:00:00 {line}" for line in text.split("\n")]
    if required_words(source) is None:
        return
    spec = SourceSpec.build("a", timezone="UTC")
    data = "".join(line + "\n" for line in lines).encode("utf-8")
    if any(seq in data for seq in FOLDS_TO_ASCII):
        return
    scan = WordScan([(0, source)])
    if 0 in scan.wordless:
        return
    found = {data[s:e].decode("utf-8").rstrip("\n") for s, e in scan.scan(Block(data, 1, "a.log", spec, None))}
    for line in lines:
        if matches(source, line):
            assert line in found, (source, line)
