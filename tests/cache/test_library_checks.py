"""``validate`` and ``run`` apply exactly ``check``'s tests (issue 11, item 12): a library that
``check`` rejects (a failing example, a catastrophic regex) is refused at start, not accepted and
then refused by every later reload. ReDoS verdicts are cached by regex text, flags and version."""

from __future__ import annotations

import textwrap

import regex
from conftest import run_cli

from logsentinel.cache.verdicts import VerdictCache
from logsentinel.signatures.model import Rx

FAILING_EXAMPLE = """\
id: demo.failing_example
title: An example that does not hit
priority: P3
match:
  - 'disk (?P<volume>[A-Z]:) failed'
examples:
  match:
    - 'disk C: is failing'
  no_match:
    - 'disk C: ok'
"""

CATASTROPHIC = """\
id: demo.catastrophic
title: A regex that backtracks catastrophically
priority: P3
match:
  - '^(\\w+\\s?)+$'
examples:
  match:
    - 'all words here'
  no_match:
    - 'a line, with a comma'
"""


def _config(tmp_path, signature: str):
    (tmp_path / "p").mkdir()
    (tmp_path / "p" / "sig.yaml").write_text(signature)
    (tmp_path / "a.log").write_text("")
    cfg = tmp_path / "cfg.yaml"
    cfg.write_text(
        textwrap.dedent("""
        host: h
        patterns: [p]
        bundled_patterns: false
        state: state.db
        sources: [{name: a, paths: ['a.log']}]
        sinks: [{type: jsonl, path: out.jsonl}]
    """)
    )
    return cfg


def _refused_everywhere(tmp_path, signature: str, sig_id: str, why: str) -> None:
    cfg = _config(tmp_path, signature)
    check = run_cli("check", "-c", cfg, cwd=tmp_path)
    assert check.returncode == 1 and sig_id in check.stderr and why in check.stderr
    validate = run_cli("validate", "-c", cfg, cwd=tmp_path)
    assert validate.returncode == 1, validate.stdout
    assert sig_id in validate.stderr and why in validate.stderr and "not valid" in validate.stderr
    run = run_cli("run", "-c", cfg, cwd=tmp_path, timeout=60)
    assert run.returncode == 2 and sig_id in run.stderr and why in run.stderr and "not started" in run.stderr
    assert "Traceback" not in validate.stderr + run.stderr


def test_a_failing_example_is_refused_by_validate_and_run(tmp_path):
    _refused_everywhere(tmp_path, FAILING_EXAMPLE, "demo.failing_example", "does not hit")


def test_a_catastrophic_regex_is_refused_by_validate_and_run(tmp_path):
    _refused_everywhere(tmp_path, CATASTROPHIC, "demo.catastrophic", "backtrack catastrophically")


QUADRATIC = """\
id: demo.quadratic
title: A lookbehind that scans back over every earlier repeat
priority: P3
match:
  - '(?<=\\bdisk\\b.{0,100000})failed'
examples:
  match:
    - 'the disk has failed'
  no_match:
    - 'the disk is fine'
"""


def test_a_quadratic_lookbehind_is_refused_by_validate_and_run(tmp_path):
    """Issue 21, item 7: 3.9 s on a 54 KB record passed the check (each input took under the
    budget on 3,000 characters); time that grows as the square of the text is found now."""
    _refused_everywhere(tmp_path, QUADRATIC, "demo.quadratic", "time grows as the square of the text")


def test_a_verdict_of_an_earlier_search_is_not_reused(tmp_path, monkeypatch):
    import logsentinel.cache.verdicts as verdicts

    cache = VerdictCache(tmp_path)
    cache.slow_input(_rx(r"disk (\w+) failed"))
    cache.save()
    monkeypatch.setattr(verdicts, "REDOS_VERSION", verdicts.REDOS_VERSION + 1)
    again = VerdictCache(tmp_path)
    again.slow_input(_rx(r"disk (\w+) failed"))
    assert again.tested == 1


def _rx(source: str, flags: int = 0) -> Rx:
    return Rx(source, regex.compile(source, flags), "match[0]", 1)


def test_verdicts_are_tested_once_per_regex_text_flags_and_version(tmp_path):
    first = VerdictCache(tmp_path)
    assert first.slow_input(_rx(r"disk (\w+) failed")) is None
    slow = first.slow_input(_rx(r"^(\w+\s?)+$"))
    assert slow is not None and first.tested == 2
    first.save()

    again = VerdictCache(tmp_path)  # a reload, a validate, a restart
    assert again.slow_input(_rx(r"disk (\w+) failed")) is None
    assert again.slow_input(_rx(r"^(\w+\s?)+$")) == slow
    assert again.tested == 0
    again.slow_input(_rx(r"disk (\w+) failed", regex.IGNORECASE))  # other flags: tested anew
    again.slow_input(_rx(r"disk (\w+) broke"))  # an edited regex: tested anew
    assert again.tested == 2


def test_a_broken_or_unwritable_cache_is_no_error(tmp_path):
    (tmp_path / "redos-verdicts.json").write_text("{not json")
    cache = VerdictCache(tmp_path)
    assert cache.slow_input(_rx(r"disk \d+ failed")) is None and cache.tested == 1
    cache.save()
    assert VerdictCache(tmp_path).slow_input(_rx(r"disk \d+ failed")) is None  # rewritten whole, read back
    blocked = tmp_path / "file"
    blocked.write_text("")
    cache = VerdictCache(blocked / "sub")  # a folder that cannot exist
    cache.slow_input(_rx(r"disk \d+ failed"))
    cache.save()  # says nothing, raises nothing
