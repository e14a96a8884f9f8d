"""Shared fragments and sharper messages for pattern authors (issue 12, items 1 and 8): {{name}}
expands from ``_vocabulary.yaml``; unknown, unused and cyclic fragments are reported with file
and line; a bad regex is shown as written with a caret under the error, through fragments."""

from __future__ import annotations

import textwrap

from conftest import run_cli
from hypothesis import given
from hypothesis import strategies as st

from logsentinel.signatures.vocabulary import Fragment, Vocabulary

VOCAB = """\
fragments:
  fail: '(?:failed|error)'
  disk: 'disk {{fail}}'
  spare: 'never used'
"""

SIG = """\
id: demo.disk
title: Disk
priority: P3
match:
  - '(?i)\\b{{disk}}\\b'
examples:
  match:
    - 'the disk failed'
  no_match:
    - 'the disk is fine'
"""


def _write(folder, vocab=VOCAB, sig=SIG):
    if vocab is not None:
        (folder / "_vocabulary.yaml").write_text(textwrap.dedent(vocab))
    (folder / "sig.yaml").write_text(textwrap.dedent(sig))


def test_fragments_expand_and_an_unused_one_is_named(tmp_path):
    _write(tmp_path)
    res = run_cli("check", tmp_path)
    assert res.returncode == 0, res.stderr
    assert "_vocabulary.yaml:4: fragments.spare: warning: fragment is used by no regex" in res.stdout
    shown = run_cli("show", "--no-bundled", "--patterns", tmp_path, "demo.disk")
    assert shown.returncode == 0, shown.stderr
    assert "written:  (?i)\\b{{disk}}\\b" in shown.stdout
    assert "regex:    (?i)\\b(?:disk (?:(?:failed|error)))\\b" in shown.stdout


def test_an_unknown_fragment_is_named_with_a_suggestion(tmp_path):
    _write(tmp_path, sig=SIG.replace("{{disk}}", "{{dsik}}"))
    res = run_cli("check", tmp_path)
    assert res.returncode == 1
    assert "sig.yaml:5: demo.disk: match[0]: unknown fragment {{dsik}}; did you mean {{disk}}?" in res.stderr


def test_a_cycle_is_an_error(tmp_path):
    _write(tmp_path, vocab=VOCAB.replace("'(?:failed|error)'", "'{{disk}}'"))
    res = run_cli("check", tmp_path)
    assert res.returncode == 1
    assert (
        "_vocabulary.yaml:" in res.stderr and "cycle" in res.stderr and "disk -> fail -> disk" in res.stderr
    ) or "fail -> disk -> fail" in res.stderr, res.stderr


def test_a_bad_regex_in_a_fragment_is_shown_there_with_a_caret(tmp_path):
    _write(tmp_path, vocab=VOCAB.replace("'(?:failed|error)'", "'(?:failed|error'"))
    res = run_cli("check", tmp_path)
    assert res.returncode == 1
    lines = res.stderr.splitlines()
    at = next(i for i, x in enumerate(lines) if "bad regex" in x)
    assert "_vocabulary.yaml:2: fragments.fail: bad regex: missing ), unterminated subpattern" in lines[at]
    assert lines[at + 1].strip() == "(?:failed|error"
    assert lines[at + 2].index("^") == lines[at + 1].index("(")  # under the group that is not closed
    # the regexes that use it (through {{disk}}) only name it
    assert "sig.yaml:5: demo.disk: match[0]: uses the broken fragment {{fail}} (see " in res.stderr


def test_a_bad_regex_is_shown_as_written_with_a_caret_at_the_error(tmp_path):
    _write(tmp_path, vocab=None, sig=SIG.replace("{{disk}}", "disk (failed|error"))
    res = run_cli("check", tmp_path)
    lines = res.stderr.splitlines()
    at = next(i for i, x in enumerate(lines) if "bad regex" in x)
    written = lines[at + 1].strip()
    assert written == "(?i)\\bdisk (failed|error\\b"
    assert lines[at + 2].index("^") == lines[at + 1].index("(failed")


def test_a_wrong_field_lists_the_groups_and_p3_is_noted(tmp_path):
    sig = SIG.replace("'(?i)\\b{{disk}}\\b'", "'(?i)\\bdisk (?P<state>failed|error)\\b'").replace(
        "    - 'the disk failed'", "    - line: 'the disk failed'\n      fields: {status: failed}"
    )
    _write(tmp_path, vocab=None, sig=sig.replace("priority: P3", "priority: p3"))
    res = run_cli("check", tmp_path)
    assert res.returncode == 1
    assert "examples.match[0].fields.status: no field 'status': the fields of this hit are state" in res.stderr
    assert "sig.yaml:3: demo.disk: priority: warning: 'p3' taken as P3" in res.stdout


def test_did_you_mean_works_inside_examples(tmp_path):
    _write(
        tmp_path,
        vocab=None,
        sig=SIG.replace("{{disk}}", "disk failed").replace("    - 'the disk failed'", "    - lines: 'the disk failed'"),
    )
    res = run_cli("check", tmp_path)
    assert res.returncode == 1
    assert "sig.yaml:8: demo.disk: examples.match[0]: unknown key 'lines'; did you mean 'line'?" in res.stderr


def test_a_regex_without_a_word_every_match_needs_is_warned_about(tmp_path):
    """The python engine looks for the words every match needs; a regex with none (only
    classes, or single letters between them) makes it run a regex over every block."""
    sig = SIG.replace("'(?i)\\b{{disk}}\\b'", "'(?i)\\bd[i1]s[kq]\\W+(?:x|\\d+)\\b'").replace(
        "'the disk failed'", "'the disk 42'"
    )
    _write(tmp_path, vocab=None, sig=sig)
    res = run_cli("check", tmp_path)
    assert res.returncode == 0, res.stderr
    assert "sig.yaml:5: demo.disk: match[0]: warning: no word of 2+ characters that every match needs" in res.stdout
    _write(tmp_path, vocab=None, sig=SIG.replace("{{disk}}", "disk (?:failed|error)"))
    assert "every match needs" not in run_cli("check", tmp_path).stdout


NAMES = st.sampled_from(["a", "b", "c"])
PLAIN = st.text(alphabet=st.sampled_from(list("xy(|)*.")), max_size=6)


@given(
    st.dictionaries(NAMES, st.lists(st.one_of(PLAIN, NAMES.map(lambda n: "{{" + n + "}}")), max_size=4), min_size=1),
    st.lists(st.one_of(PLAIN, NAMES.map(lambda n: "{{" + n + "}}")), max_size=5),
)
def test_every_character_of_an_expansion_knows_where_it_was_written(frags, parts):
    # issue 25: the origins are spans now (one object per character cost 26 ms of every start);
    # each character still maps to the text it came from, "(?:" and ")" to the braces around a name
    vocab = Vocabulary({n: Fragment(n, "".join(t), "v.yaml", 1) for n, t in frags.items()})
    written = "".join(parts)
    exp = vocab.expand(written)
    if exp.too_big:
        return
    texts = {None: written, **{n: f.text for n, f in vocab.fragments.items()}}
    for pos, ch in enumerate(exp.source):
        where = exp.origin(pos)
        text = texts[where.fragment]
        if text[where.offset] == ch:
            continue
        # a character put around a fragment: it points at that {{name}}'s braces
        assert ch in "(?:)" and text[where.offset] in "{}", (exp.source, pos, where)
