"""Regex facts kept between starts: a start trusts an entry only for the exact regex text it
was made from, and gives the same results as one that works everything out again."""

from __future__ import annotations

from conftest import PATTERNS, run_cli

from logsentinel.cache.regexfacts import RegexFacts
from logsentinel.matching.matcher import Matcher
from logsentinel.records.blocks import Block, SourceSpec
from logsentinel.signatures.load import load_library


def test_a_known_regex_is_not_compiled_again_and_a_new_one_is_learnt():
    facts: dict = {}
    lib = load_library([PATTERNS], facts=facts)
    assert not lib.errors
    rx = next(rx for sig in lib.signatures for rx in sig.match if rx.groups)
    assert facts[rx.source] == [sorted(rx.groups), False]
    # an entry is taken as it is (here a made-up group name): the compile was skipped
    facts[rx.source] = [["made_up"], False]
    again = load_library([PATTERNS], facts=facts)
    same = next(r for sig in again.signatures for r in sig.match if r.source == rx.source)
    assert same.groups == frozenset({"made_up"})


def test_remembered_widened_forms_give_the_same_matches(library):
    data = (PATTERNS.parent / "samples" / "logs" / "CallRecording.log").read_bytes()
    spec = SourceSpec.build("ucx", timezone="UTC")

    class Memo:
        def __init__(self):
            self.forms: dict = {}

        def load(self, key):
            return None

        def store(self, key, data):
            pass

    memo = Memo()
    first = Matcher(library.signatures, cache=memo, timeout=None)
    found = first.scan(Block(data, 1, "a.log", spec, None))
    assert memo.forms, "the widened forms were not remembered"
    second = Matcher(library.signatures, cache=memo, timeout=None)
    again = second.scan(Block(data, 1, "a.log", spec, None))
    assert found and [(m.record.line, [x.signature.id for x in m.matches]) for m in again] == [
        (m.record.line, [x.signature.id for x in m.matches]) for m in found
    ]


def test_the_facts_file_survives_a_restart_and_a_broken_one_is_ignored(tmp_path):
    facts = RegexFacts(tmp_path)
    facts.valid["a+"] = [[], False]
    facts.forms["python\x00a+"] = ["a", False, False]
    facts.save()
    again = RegexFacts(tmp_path)
    assert again.valid == {"a+": [[], False]} and again.forms == {"python\x00a+": ["a", False, False]}
    facts.path.write_text("{not json", encoding="utf-8")
    assert RegexFacts(tmp_path).valid == {}


def test_replays_with_and_without_the_facts_agree(tmp_path):
    log = tmp_path / "app.log"
    log.write_text(
        "2026-11-27 10:00:00,000 ERROR Webex users synchronization failed: 401\n"
        "2026-11-27 10:00:01,000 INFO all good\n",
        encoding="utf-8",
    )
    env = {"LOGSENTINEL_CACHE_DIR": str(tmp_path / "cache")}
    args = ("replay", "--host", "h", "--timezone", "UTC", "--format", "jsonl", log)
    cold = run_cli(*args, env=env)
    assert list((tmp_path / "cache").glob("regex-facts-*.json"))
    warm = run_cli(*args, env=env)
    assert cold.returncode == warm.returncode == 0, cold.stderr + warm.stderr
    assert cold.stdout == warm.stdout and "webex.user_sync_failed" in cold.stdout
