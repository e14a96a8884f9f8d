"""Signature files parsed on earlier starts (issue 25: a one-line replay under 0.15 s, no YAML
parse when nothing changed): a document from the cache is the parsed one, lines included; an
edited file is parsed again; a start whose library did not change never imports PyYAML."""

from __future__ import annotations

import os
import subprocess
import sys

import yaml
from conftest import PATTERNS, ROOT
from hypothesis import given, settings
from hypothesis import strategies as st

from logsentinel.cache.yamldocs import YamlDocs
from logsentinel.signatures.load import load_library
from logsentinel.yamlload import LineDict, LineList, load_yaml

SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**20), 10**20),
    st.floats(allow_nan=False),
    st.text(max_size=12),
)
KEYS = st.one_of(st.text(min_size=1, max_size=8), st.integers(-5, 5), st.booleans())
DOCS = st.recursive(
    SCALARS,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(KEYS, inner, max_size=4)),
    max_leaves=20,
)


def _same(a, b) -> None:
    """Equal values, of the same types, with the same lines everywhere."""
    assert type(a) is type(b), (a, b)
    if isinstance(a, LineDict):
        assert a.line == b.line and a.lines == b.lines
        assert list(a) == list(b)
        for k in a:
            _same(a[k], b[k])
    elif isinstance(a, LineList):
        assert a.line == b.line and a.lines == b.lines and len(a) == len(b)
        for x, y in zip(a, b, strict=True):
            _same(x, y)
    else:
        assert a == b


@given(DOCS, st.sampled_from([None, 80, 20]))
@settings(max_examples=80, deadline=None)
def test_a_document_from_the_cache_is_the_parsed_one_lines_included(tmp_path_factory, doc, width):
    folder = tmp_path_factory.mktemp("docs")
    path = folder / "doc.yaml"
    path.write_text(yaml.safe_dump(doc, width=width, allow_unicode=True), encoding="utf-8")
    parsed = load_yaml(path)
    docs = YamlDocs(folder)
    first = load_yaml(path, docs)  # parsed, and kept
    docs.save()
    again = YamlDocs(folder)
    cached = load_yaml(path, again)
    assert not again.changed  # it came from the file
    _same(parsed, first)
    _same(parsed, cached)


def test_an_edited_file_is_parsed_again_and_a_date_is_never_kept(tmp_path):
    path = tmp_path / "s.yaml"
    docs = YamlDocs(tmp_path)
    path.write_text("id: a.b\ntitle: one\n", encoding="utf-8")
    assert load_yaml(path, docs)["title"] == "one"
    path.write_text("id: a.b\ntitle: two\n", encoding="utf-8")
    assert load_yaml(path, docs)["title"] == "two"
    # a YAML date is not JSON: such a document is parsed every time, never kept
    path.write_text("when: 2026-11-27\n", encoding="utf-8")
    before = len(docs.docs)
    assert str(load_yaml(path, docs)["when"]) == "2026-11-27"
    assert len(docs.docs) == before


def test_the_library_from_the_cache_is_the_library_from_the_files(tmp_path):
    docs = YamlDocs(tmp_path)
    parsed = load_library([PATTERNS])
    load_library([PATTERNS], docs=docs)
    assert docs.changed and docs.docs
    cached = load_library([PATTERNS], docs=docs)
    assert [(s.id, s.line, s.file, [r.source for _k, r in s.all_regexes()]) for s in cached.signatures] == [
        (s.id, s.line, s.file, [r.source for _k, r in s.all_regexes()]) for s in parsed.signatures
    ]
    assert [str(p) for p in cached.problems] == [str(p) for p in parsed.problems]


def test_a_start_with_an_unchanged_library_never_imports_pyyaml(tmp_path):
    log = tmp_path / "one.log"
    log.write_text("2026-11-27 10:00:00,000 [1] INFO  Imagicle.Host - Service started\n", encoding="utf-8")
    probe = (
        "import runpy, sys\n"
        f"sys.argv = ['logsentinel', 'replay', '--timezone', 'UTC', '-o', {os.devnull!r}, {str(log)!r}]\n"
        "try:\n    runpy.run_module('logsentinel', run_name='__main__')\nexcept SystemExit:\n    pass\n"
        "print('yaml imported' if 'yaml' in sys.modules else 'no yaml', file=sys.stderr)\n"
    )
    env = dict(os.environ, LOGSENTINEL_CACHE_DIR=str(tmp_path / "cache"))
    runs = [
        subprocess.run([sys.executable, "-c", probe], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
        for _ in range(2)
    ]
    assert runs[0].returncode == 0, runs[0].stderr
    assert runs[0].stderr.strip().endswith("yaml imported")  # the first start parses and keeps
    assert runs[1].stderr.strip().endswith("no yaml"), runs[1].stderr
