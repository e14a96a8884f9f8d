"""Config sections as dataclasses: a section's fields are its keys, their defaults and their
checks, declared once, in the module that uses them (a sink type, a probe type, a source).

``parse_section(Settings, raw, label)`` reads a YAML mapping into the dataclass: unknown keys
(with a "did you mean"), missing required keys and values of the wrong type are reported as
``(key, message)`` problems. Field metadata adds meaning to a number or a string:
``positive`` (> 0), ``duration`` ("30s", "1h30m" -> seconds), ``size`` ("10GiB" -> bytes).
"""

from __future__ import annotations

import dataclasses
import math
import typing

from logsentinel.units import parse_duration, parse_size
from logsentinel.yamlload import control_character_problem, did_you_mean

Problem = tuple[str, str]  # (key, message)


def keys_of(cls) -> set[str]:
    return {f.name for f in dataclasses.fields(cls)}


def parse_section(cls, raw: dict, what: str = "this section") -> tuple[object | None, list[Problem]]:
    """The dataclass ``cls`` from ``raw``, or None with every problem found, then the checks
    of its ``problems()`` method if it has one."""
    problems: list[Problem] = []
    allowed = keys_of(cls)
    for key in raw:
        if key not in allowed:
            problems.append((key, "unknown key" + did_you_mean(key, allowed)))
    hints = typing.get_type_hints(cls)
    values = {}
    for f in dataclasses.fields(cls):
        if f.name not in raw:
            if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
                problems.append((f.name, f"{what} needs '{f.name}'"))
            continue
        value, message = _convert(raw[f.name], hints[f.name], f.metadata)
        if message is not None:
            problems.append((f.name, message))
        else:
            values[f.name] = value
    if problems:
        return None, problems
    section = cls(**values)
    problems = section.problems() if hasattr(section, "problems") else []
    return (None, problems) if problems else (section, [])


def _convert(value, hint, meta) -> tuple[object, str | None]:
    optional = type(None) in typing.get_args(hint)
    if value is None:
        return (None, None) if optional else (None, "a value is required")
    if optional:
        hint = next(a for a in typing.get_args(hint) if a is not type(None))
    if meta.get("duration"):
        try:
            return _check_number(parse_duration(value), meta)
        except ValueError as exc:
            return None, str(exc)
    if meta.get("size"):
        try:
            return parse_size(value), None
        except ValueError as exc:
            return None, str(exc)
    origin = typing.get_origin(hint)
    if hint is bool:
        return (value, None) if isinstance(value, bool) else (None, f"expected true or false, got {value!r}")
    if hint in (int, float):
        if (
            isinstance(value, bool)
            or not isinstance(value, (int, float))
            or (hint is int and not float(value).is_integer())
        ):
            return None, f"expected a number, got {value!r}"
        return _check_number(hint(value), meta)
    if hint is str:
        if not isinstance(value, str):
            return None, f"expected a string, got {value!r}"
        return value, (control_character_problem(value) if meta.get("path") else None)
    if origin is list:
        if isinstance(value, str) and meta.get("one_or_many"):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            return None, f"expected a list of strings, got {value!r}"
        if meta.get("non_empty") and not value:
            return None, "expected at least one value"
        bad = [m for m in map(control_character_problem, value) if m] if meta.get("path") else []
        if bad:
            return None, bad[0]
        return list(value), None
    if origin is dict:
        if not isinstance(value, dict) or not all(isinstance(k, str) for k in value):
            return None, f"expected a mapping of name: value, got {value!r}"
        return {k: str(v) for k, v in value.items()}, None
    return value, None


def _check_number(value: float, meta) -> tuple[object, str | None]:
    if not math.isfinite(value):
        return None, f"expected a finite number, got {value!r}"
    if meta.get("positive") and value <= 0:
        return None, f"expected a positive number, got {value!r}"
    return value, None
