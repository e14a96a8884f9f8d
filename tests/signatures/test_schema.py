"""The JSON Schema of signature files (issue 12, item 5) is built from check's own definitions,
the committed copy is what it builds, it accepts every bundled file and rejects the broken
signatures of the check tests; every bundled file names it for editor completion."""

from __future__ import annotations

import json

import jsonschema
import pytest
import yaml
from conftest import PATTERNS, ROOT
from test_check_errors import BROKEN, GOOD

from logsentinel.signatures.schema import render, signature_schema, vocabulary_schema

SIGNATURE = ROOT / "docs" / "signature.schema.json"
VOCABULARY = ROOT / "docs" / "vocabulary.schema.json"


def test_the_committed_schemas_are_what_check_definitions_build():
    assert SIGNATURE.read_text() == render(signature_schema()), "run: python -m logsentinel.signatures.schema docs"
    assert VOCABULARY.read_text() == render(vocabulary_schema())


def test_every_bundled_file_validates_and_names_its_schema():
    schema, vocab = json.loads(SIGNATURE.read_text()), json.loads(VOCABULARY.read_text())
    files = sorted(PATTERNS.rglob("*.yaml"))
    assert len(files) > 10
    for path in files:
        text = path.read_text(encoding="utf-8")
        first = text.splitlines()[0]
        assert first.startswith("# yaml-language-server: $schema="), path
        target = (path.parent / first.split("$schema=", 1)[1]).resolve()
        assert target in (SIGNATURE.resolve(), VOCABULARY.resolve()), (path, target)
        jsonschema.validate(yaml.safe_load(text), vocab if path.name == "_vocabulary.yaml" else schema)


STRUCTURAL = {
    "missing title",
    "bad priority",
    "unknown key with a suggestion",
    "bad duration",
    "threshold without count",
    "not a mapping",
    "bad id",
    "missing examples",
}


@pytest.mark.parametrize("desc,text", [(d, t) for d, t, _ in BROKEN if d in STRUCTURAL], ids=sorted(STRUCTURAL))
def test_the_broken_signatures_of_the_check_tests_are_rejected(desc, text):
    schema = json.loads(SIGNATURE.read_text())
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(yaml.safe_load(text), schema)


def test_a_good_signature_is_accepted():
    jsonschema.validate(yaml.safe_load(GOOD), json.loads(SIGNATURE.read_text()))
