"""JSON Schema of signature and vocabulary files, built from the same definitions ``check``
uses (the key sets, categories and priorities of ``model``), for editor completion:

    python -m logsentinel.signatures.schema docs/

writes ``docs/signature.schema.json`` and ``docs/vocabulary.schema.json``; a test keeps the
committed files equal to what this builds."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any, cast

from logsentinel.signatures.model import (
    ARM_MODES,
    CATEGORIES,
    EXAMPLE_EVENT_KEYS,
    NESTED_KEYS,
    PRIORITY_RESPONSE_S,
    TOP_KEYS,
)

_REGEX = {
    "type": "string",
    "minLength": 1,
    "description": "a regex (regex module, V0); {{name}} uses a fragment of _vocabulary.yaml",
}
_REGEXES = {"oneOf": [_REGEX, {"type": "array", "items": _REGEX, "minItems": 1}]}
_DURATION = {
    "oneOf": [
        {"type": "string", "pattern": r"^\s*(?:\d+(?:\.\d+)?\s*|(?:\d+(?:\.\d+)?(?:ms|s|m|h|d)\s*)+)$"},
        {"type": "number", "exclusiveMinimum": 0},
    ],
    "description": "a duration: 30s, 10m, 2h, 1d (or seconds)",
}
_STRINGS = {"oneOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}]}
_EVENT_EXAMPLE = {
    "type": "object",
    "required": ["event"],
    "additionalProperties": False,
    "properties": {
        "event": {
            "type": "object",
            "additionalProperties": False,
            "required": ["provider", "id"],
            "properties": {k: {} for k in sorted(EXAMPLE_EVENT_KEYS)},
        },
        "message": {"type": "string"},
        "fields": {"type": "object"},
    },
}
_LINE_EXAMPLE = {
    "type": "object",
    "required": ["line"],
    "additionalProperties": False,
    "properties": {"line": {"type": "string"}, "fields": {"type": "object"}},
}
_EXAMPLES = {"type": "array", "items": {"oneOf": [{"type": "string"}, _LINE_EXAMPLE, _EVENT_EXAMPLE]}}

_SELECTOR = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "provider": _STRINGS,
        "id": {"oneOf": [{"type": "integer"}, {"type": "array", "items": {"type": "integer"}}]},
        "channel": _STRINGS,
    },
}
_PROPERTIES = {
    "id": {
        "type": "string",
        "pattern": r"^[a-z0-9][a-z0-9_.\-]*$",
        "description": "unique id, e.g. webex.user_sync_failed",
    },
    "title": {"type": "string", "minLength": 1},
    "description": {"type": "string"},
    "application": {"type": "string"},
    "monitored_event": {"type": "string", "description": "the row of the proactive-support table"},
    "category": {"enum": list(CATEGORIES)},
    "priority": {"enum": sorted(PRIORITY_RESPONSE_S), "description": "P1 < 1 h, P2 < 2 h, P3 < 4 h, P4 < 8 h"},
    "response_time": _DURATION,
    "sources": _STRINGS,
    "match": _REGEXES,
    "exclude": _REGEXES,
    "resolve": _REGEXES,
    "dedup": {"type": "object", "additionalProperties": False, "properties": {"by": _STRINGS, "window": _DURATION}},
    "threshold": {
        "type": "object",
        "additionalProperties": False,
        "required": ["count", "within"],
        "properties": {"count": {"type": "integer", "minimum": 1}, "within": _DURATION},
    },
    "absent": {
        "type": "object",
        "additionalProperties": False,
        "required": ["match", "for"],
        "properties": {"match": _REGEXES, "for": _DURATION, "arm": {"enum": list(ARM_MODES)}},
    },
    "event": _SELECTOR,
    "resolve_event": _SELECTOR,
    "examples": {
        "type": "object",
        "additionalProperties": False,
        "properties": {"match": _EXAMPLES, "no_match": _EXAMPLES, "resolve": _EXAMPLES},
    },
    "auto_resolve": _DURATION,
    "repeat": _DURATION,
    "at_least": {
        "type": "object",
        "description": "field: duration; a hit that captures the named group needs a time span at least this long in it (config: limits)",
        "additionalProperties": _DURATION,
    },
    "runbook": {
        "type": "string",
        "pattern": "^https?://",
        "description": "a link to what to do (a wiki page, a KB article): carried into every report and sink",
    },
}


def signature_schema() -> dict[str, Any]:
    assert set(_PROPERTIES) == TOP_KEYS, "the schema and check disagree on the keys of a signature"
    for key, keys in NESTED_KEYS.items():
        assert set(cast("dict[str, Any]", _PROPERTIES[key])["properties"]) == keys, (
            f"the schema and check disagree on {key}"
        )
    signature = {
        "type": "object",
        "required": ["id", "title", "priority", "examples"],
        "additionalProperties": False,
        "anyOf": [{"required": ["match"]}, {"required": ["absent"]}, {"required": ["event"]}],
        "properties": _PROPERTIES,
    }
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://logsentinel.invalid/signature.schema.json",
        "title": "logsentinel signature file",
        "description": "One signature, or a list of them (generated by logsentinel.signatures.schema).",
        "oneOf": [{"$ref": "#/$defs/signature"}, {"type": "array", "items": {"$ref": "#/$defs/signature"}}],
        "$defs": {"signature": signature},
    }


def vocabulary_schema() -> dict[str, Any]:
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://logsentinel.invalid/vocabulary.schema.json",
        "title": "logsentinel vocabulary file (_vocabulary.yaml)",
        "type": "object",
        "required": ["fragments"],
        "additionalProperties": False,
        "properties": {
            "fragments": {
                "type": "object",
                "propertyNames": {"pattern": "^[a-z][a-z0-9_]*$"},
                "additionalProperties": _REGEX,
            }
        },
    }


def render(schema: dict[str, Any]) -> str:
    return json.dumps(schema, indent=2, sort_keys=False) + "\n"


def main(argv: list[str]) -> int:
    out = Path(argv[0]) if argv else Path("docs")
    (out / "signature.schema.json").write_text(render(signature_schema()), encoding="utf-8")
    (out / "vocabulary.schema.json").write_text(render(vocabulary_schema()), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
