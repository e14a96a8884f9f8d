"""A recording that runs too long, read from a time span in the line (issue 22): ``at_least``
holds a captured span to a limit, ``parse_elapsed`` reads the spans logs write, and the config's
``limits`` changes the limit of a bundled signature."""

from __future__ import annotations

import json
import textwrap

from conftest import PATTERNS, run_cli
from hypothesis import given
from hypothesis import strategies as st

from logsentinel.signatures.build import load_file_signatures
from logsentinel.signatures.vocabulary import Vocabulary
from logsentinel.units import parse_elapsed
from logsentinel.yamlload import load_yaml


@given(st.integers(0, 999), st.integers(0, 59), st.integers(0, 59))
def test_a_clock_span_and_its_words_read_the_same(h, m, s):
    total = h * 3600 + m * 60 + s
    assert parse_elapsed(f"{h}:{m:02d}:{s:02d}") == total
    assert parse_elapsed(f"{h}h {m}m {s}s") == total
    assert parse_elapsed(f"{h} hours, {m} minutes and {s} seconds") == total


def test_what_is_not_a_span_is_none():
    for text in ("", "26:61:00", "abc", "4 parsecs", "12", "9h later", "h 12"):
        assert parse_elapsed(text) is None, text
    assert parse_elapsed("1 day 2 hours") == 26 * 3600
    assert parse_elapsed("1,5 h") == 5400


SIG = """
id: x.too_long
title: too long
priority: P3
match:
  - '(?i)recording [^\\n]*? running for (?P<duration>[\\d:]+)'
  - '(?i)recording too long'
at_least: {duration: 4h}
examples:
  match: ['recording 1 running for 4:00:00']
  no_match: ['recording 1 running for 3:59:59']
"""


def _sig(text=SIG):
    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "x.yaml"
        path.write_text(text)
        sigs, problems = load_file_signatures(load_yaml(path), str(path), Vocabulary())
    return sigs, problems


def test_a_captured_span_below_the_limit_is_no_hit_and_a_regex_without_it_is_not_held():
    (sig,), problems = _sig()
    assert not [p for p in problems if p.level == "error"]
    assert sig.hit("recording 7 running for 26:03:11") == {"duration": "26:03:11"}
    assert sig.hit("recording 7 running for 0:42:10") is None
    assert sig.hit("recording 7 running for soon") is None
    assert sig.hit("Recording too long, cut") == {}


def test_an_at_least_field_that_no_regex_captures_is_refused_with_its_line():
    _, problems = _sig(SIG.replace("at_least: {duration: 4h}", "at_least: {length: 4h}"))
    assert any("at_least.length" in str(p) and "not a named group" in str(p) for p in problems)
    _, problems = _sig(SIG.replace("at_least: {duration: 4h}", "at_least: {duration: soon}"))
    assert any("at_least.duration" in str(p) for p in problems)


def _replay(tmp_path, limits: str):
    log = tmp_path / "rec.log"
    log.write_text(
        "2026-11-28 15:30:01,100 [21] WARN  Imagicle.CallRecording.Engine - Recording of call 55061 in progress for 00:42:10\n"
    )
    cfg = tmp_path / "cfg.yaml"
    cfg.write_text(
        textwrap.dedent(f"""
        host: h
        patterns: ['{PATTERNS}']
        sources: [{{name: rec, paths: ['*.log']}}]
        sinks: [{{type: stdout}}]
        """)
        + limits
    )
    return run_cli("replay", "-c", cfg, "--format", "jsonl", log)


def test_the_config_sets_the_limit_of_a_bundled_signature(tmp_path):
    default = _replay(tmp_path, "")
    assert default.returncode == 0, default.stderr
    assert not [json.loads(x) for x in default.stdout.splitlines() if x.strip()]
    lowered = _replay(tmp_path, "limits:\n  recording.too_long: {duration: 30m}\n")
    assert lowered.returncode == 0, lowered.stderr
    events = [json.loads(x) for x in lowered.stdout.splitlines() if x.strip()]
    assert [e["signature"] for e in events] == ["recording.too_long"], events
    assert events[0]["fields"]["duration"] == "00:42:10"


def test_a_limit_no_signature_has_is_one_line_naming_the_config(tmp_path):
    res = _replay(tmp_path, "limits:\n  recording.too_long: {length: 30m}\n  recording.too_lng: {duration: 1h}\n")
    assert res.returncode != 0
    assert "limits.recording.too_long.length: recording.too_long has no at_least field 'length'" in res.stderr
    assert "limits.recording.too_lng: no signature has this id" in res.stderr
    assert "Traceback" not in res.stderr
