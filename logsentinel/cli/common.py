"""What the commands share: reading a config and a library, reporting their problems."""

from __future__ import annotations

import sys

from logsentinel.config.load import Config, ConfigError, load_config
from logsentinel.signatures.load import Library, load_effective


def read_config(path: str) -> Config | None:
    """The config, or None after printing every problem on stderr."""
    try:
        config = load_config(path)
        for warning in config.warnings:
            print(f"warning: {warning}", file=sys.stderr)
        return config
    except ConfigError as exc:
        for line in exc.problems:
            print(line, file=sys.stderr)
        return None


def read_library(config: Config, checked: bool = False) -> Library | None:
    """The config's signature library (the bundled one, added to and overridden by the config's
    folders) with its defaults, or None after printing its errors. ``checked`` applies exactly
    ``logsentinel check``'s tests (examples, ReDoS with cached verdicts), as a reload does, so
    ``validate`` and ``run`` never accept a library that a later reload would refuse."""
    if checked:
        from logsentinel.tools.check import run_check  # the checks' tools: only when asked for

        result = run_check(config.patterns, bundled=config.bundled_patterns)
        lib, errors = result.library, result.errors
    else:
        from logsentinel.cache import yamldocs
        from logsentinel.cache.regexfacts import shared

        lib = load_effective(config.patterns, config.bundled_patterns, facts=shared().valid, docs=yamldocs.shared())
        errors = lib.errors
    for note in lib.overrides:
        print(f"note: {note}", file=sys.stderr)
    config.defaults.apply(lib.signatures)
    wrong_limits = config.limits.apply(lib.signatures)
    if errors or wrong_limits:
        for prob in [*map(str, errors), *wrong_limits]:
            print(prob, file=sys.stderr)
        return None
    return lib


ELLIPSIS = "…"


def fit(text: str, width: int) -> str:
    """``text`` in at most ``width`` characters: a cut is shown by an ellipsis."""
    return text if len(text) <= width else text[: max(width - 1, 0)] + ELLIPSIS
