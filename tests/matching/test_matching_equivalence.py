"""The fast matcher gives exactly the naive loop's result: every record against every signature
whose sources admit it. Proven on random signatures and random logs, for each engine."""

from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from support.strategies import log_lines, matches, regex_source, signatures

from logsentinel.matching import hyperscan
from logsentinel.matching.matcher import Matcher
from logsentinel.matching.prefilter import scoped, superset
from logsentinel.records.blocks import Block, SourceSpec

ENGINES = ["python"] + (["hyperscan"] if hyperscan.hs is not None else [])


def _key(results):
    return [
        (
            mr.record.line,
            mr.record.text,
            mr.record.time,
            [(m.signature.id, m.kind, sorted(m.fields.items())) for m in mr.matches],
        )
        for mr in results
    ]


def _block(lines, source):
    data = ("\n".join(lines) + "\n").encode("utf-8")
    return Block(data, 1, "test.log", SourceSpec.build(source, timezone="UTC"), None)


@pytest.mark.parametrize("engine", ENGINES)
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(sigs=signatures(), lines=log_lines(), warm=log_lines(), source=st.sampled_from(["a", "b", "c"]))
def test_scan_equals_naive(engine, sigs, lines, warm, source):
    """The python engine picks each regex's word set on the first block it scans: ``warm``
    comes first, so the block compared is scanned with sets chosen on other text."""
    block = _block(lines, source)
    matcher = Matcher(sigs, engine=engine, timeout=None)
    matcher.scan(_block(warm, source))
    fast = matcher.scan(block)
    ref = Matcher(sigs, engine="naive", timeout=None).naive(block)
    assert _key(fast) == _key(ref)


@settings(max_examples=500, deadline=None)
@given(
    source=regex_source, text=st.text(alphabet=st.sampled_from(list("error failed disk 0ÜΔ\n.-:aAx[]é")), max_size=60)
)
def test_superset_pattern_never_misses(source, text):
    """If the exact regex matches a record, its prefilter matches that record too."""
    if not matches(source, text):
        return
    pf = superset(source, "python")
    if pf is None:  # no superset form: the matcher confirms this regex on every record
        return
    assert re.search(scoped(pf), text, re.MULTILINE), (source, pf.pattern, text)
    if hyperscan.hs is not None:
        hpf = superset(source, "hyperscan")
        hits = []
        hyperscan.database([(0, hpf)]).scan(text.encode("utf-8"), match_event_handler=lambda *a: hits.append(a))
        assert hits, (source, hpf.pattern, text)


@pytest.mark.parametrize("radar", [False, True])
def test_engines_agree_on_the_samples(library, radar):
    """On real logs with the real library, every engine finds the same matches; with the
    radar's level rule too (its records: those no signature took)."""
    from conftest import SAMPLES

    from logsentinel.config.load import load_config
    from logsentinel.detection.radar import RadarSettings, radar_signature
    from logsentinel.sources.files.capture import read_blocks

    config = load_config(SAMPLES / "logsentinel.yaml")
    sigs = [*library.signatures, radar_signature(RadarSettings())] if radar else library.signatures
    kinds = set()
    for path in sorted((SAMPLES / "logs").iterdir()):
        src = config.source_for(path)
        blocks = list(read_blocks(path, src.spec(), src.encoding))
        ref = [r for b in blocks for r in Matcher(sigs, "naive", timeout=None).naive(b)]
        assert ref, path
        kinds |= {m.kind for r in ref for m in r.matches}
        for engine in ENGINES:
            m = Matcher(sigs, engine, timeout=None)
            assert _key([r for b in blocks for r in m.scan(b)]) == _key(ref), (engine, path)
    assert ("radar" in kinds) is radar
    if radar:  # a record a signature took is never the radar's
        assert all(len({m.kind == "radar" for m in r.matches}) == 1 for r in ref)


def test_slow_regex_is_counted_not_fatal():
    """A regex that times out is counted and skipped; the record does not stall the matcher."""
    from support.strategies import make_rx

    from logsentinel.signatures.model import Signature

    sig = Signature(
        id="slow", title="slow", priority="P3", response_time_s=1, category="anomaly", match=(make_rx(r"(?:a|a)+!"),)
    )
    fine = Signature(
        id="fine", title="fine", priority="P3", response_time_s=1, category="anomaly", match=(make_rx(r"error"),)
    )
    text = "2026-11-27 10:00:00 " + "a" * 5000 + " error"
    block = _block([text], "a")
    m = Matcher([sig, fine], engine="naive", timeout=0.01)
    out = m.naive(block)
    assert [mm.signature.id for r in out for mm in r.matches] == ["fine"]
    assert m.stats.per_signature["slow"].timeouts == 1


def test_event_records_match_as_the_reference_does(library):
    """``match_records`` (a scan per record, selectors on the fields) finds what evaluating
    every signature on every record finds."""
    from conftest import ROOT, SAMPLES

    from logsentinel.matching.model import evaluate
    from logsentinel.sources.eventlog.capture import EventStats, read_events

    files = [
        SAMPLES / "logs" / "Application-eventlog.xml",
        SAMPLES / "logs" / "System-eventlog.xml",
        *sorted((ROOT / "tests" / "fixtures" / "eventxml").glob("*.xml")),
    ]
    records = [r for f in files for r in read_events(f, "eventlog", EventStats(), "xml")]
    for engine in ENGINES:
        fast = Matcher(library.signatures, engine, timeout=None).match_records(records, "eventlog")
        got = {(id(mr.record), m.signature.id, m.kind) for mr in fast for m in mr.matches}
        want = {
            (id(r), m.signature.id, m.kind)
            for r in records
            for s in library.signatures
            if s.applies_to("eventlog")
            for m in evaluate(s, r.text, None, r.attrs)
        }
        assert got == want and len(want) > 20, engine


def test_a_repeated_assertion_is_dropped_from_the_scan_form():
    """Python 3.13's re refuses ``(?:\\b)*`` ("nothing to repeat"): the superset leaves it out."""
    import re

    from logsentinel.matching.prefilter import superset

    for source in (r"(?>error(?:\b)*)", r"a(?:\b)+b", r"x(?:(?=y))*y"):
        pf = superset(source, "python")
        assert pf is not None and "\\b" not in pf.pattern and "(?=" not in pf.pattern
        re.compile(pf.pattern)
