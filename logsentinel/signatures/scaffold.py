"""A commented skeleton of a new signature (``logsentinel new``), with a first regex proposed
from a log line's words when one is given: the words that say what happened, in their order,
with the shared ``{{gap}}`` between them."""

from __future__ import annotations

import re

from logsentinel.signatures.model import ID_RE, PRIORITY_RESPONSE_S

_PREFIX = re.compile(
    r"^\s*(?:\[?\d{4}-\d\d-\d\d[T ][\d:.,]+(?:Z|[+-]\d\d:?\d\d)?\]?|\[\d\d:\d\d:\d\d(?:[.,]\d+)?\s+\w+\])\s*"  # time
    r"(?:\|?\s*(?:\[[^\]]*\]|\d+)\s*)?"  # thread
    r"(?:\|?\s*(?:TRACE|DEBUG|INFO|INF|WARN|WARNING|WRN|ERROR|ERR|FATAL|FTL|CRITICAL)\b\s*)?",
    re.I,
)
_WORD = re.compile(r"[A-Za-z][A-Za-z]{2,}")
_STOP = {
    "the",
    "and",
    "for",
    "with",
    "from",
    "into",
    "was",
    "were",
    "has",
    "have",
    "had",
    "been",
    "are",
    "this",
    "that",
    "will",
    "not",
    "but",
    "its",
    "you",
    "all",
    "any",
    "can",
    "out",
    "off",
    "per",
    "via",
    "http",
    "https",
    "www",
    "com",
    "exe",
    "dll",
    "error",
    "warn",
    "info",
    "debug",
    "fatal",
    "system",
    "exception",
}
MAX_WORDS = 4


def words_of(line: str) -> list[str]:
    """The words of a log line that say what happened: after its time, thread and level, no
    numbers, no stop words, each once, in order; a dotted logger name counts by its last part."""
    first = line.splitlines()[0] if line else ""
    body = _PREFIX.sub("", first)
    out: list[str] = []
    for token in re.split(r"[\s|]+", body):
        if "." in token and re.fullmatch(r"[\w.]+", token):  # a logger name: its last part says the component
            token = token.rsplit(".", 1)[-1]
        for word in _WORD.findall(token):
            if word.lower() not in _STOP and word.lower() not in (w.lower() for w in out):
                out.append(word)
    return out


def propose_regex(line: str) -> str | None:
    """``(?i)\\bword\\b{{gap}}\\bword\\b...`` from the line's last words (what happened comes
    last in most messages), or None when the line has no usable word."""
    words = words_of(line)
    if not words:
        return None
    keep = words[-MAX_WORDS:] if len(words) > MAX_WORDS else words
    return "(?i)" + "{{gap}}".join(rf"\b{re.escape(w)}\b" for w in keep)


def skeleton(
    sig_id: str,
    priority: str,
    title: str | None = None,
    line: str | None = None,
    schema: str = "../docs/signature.schema.json",
) -> str:
    if not ID_RE.match(sig_id):
        raise ValueError(f"{sig_id!r}: an id is lower-case letters, digits, '.', '_' and '-' (e.g. webex.sync_failed)")
    priority = priority.upper()
    if priority not in PRIORITY_RESPONSE_S:
        raise ValueError(f"priority {priority!r}: expected one of P1, P2, P3, P4")
    proposed = propose_regex(line) if line else None
    regex = proposed or r"(?i)\b{{fail}}\b{{gap}}\bCOMPONENT\b"
    example = line.replace("'", "''") if line else "TODO: a real log line this signature must raise"
    hours = PRIORITY_RESPONSE_S[priority] // 3600
    return f"""# yaml-language-server: $schema={schema}
# {sig_id}: written by `logsentinel new`. Fill in the TODOs, then run `logsentinel check` and
# `logsentinel test --why-not {sig_id} '<a line>'`. Shared words ({{{{fail}}}}, {{{{gap}}}}, ...)
# are in _vocabulary.yaml of the bundled library.
id: {sig_id}
title: '{(title or "TODO a short human title").replace("'", "''")}'
monitored_event: TODO the row of the proactive-support table this detects
application: TODO
category: anomaly          # degradation, anomaly, space, capacity or cloud
priority: {priority}               # response time {hours} h
description: >
  TODO: what happened, and what support should check first.
match:
  # {"proposed from the line below: keep the words that say what happened" if proposed else "TODO: a component word near a failure word"}
  - '{regex}'
# exclude:                 # records that match but must not raise it
#   - '(?i)\\b(?:0|no) errors\\b'
# threshold: {{count: 2, within: 10m}}   # only when one line is not enough
# resolve: ['(?i)\\bCOMPONENT\\b{{{{gap}}}}\\brestored\\b']
examples:
  match:
    - '{example}'
  no_match:
    - 'TODO: a line that looks alike but must not raise it'
"""
