"""Redaction: mask secrets that a log line may carry before any event leaves the detector.

Bearer/Basic credentials, ``Authorization:`` values, ``password=``/``pwd=``/``secret=``/token
pairs (also as JSON members), JWTs, Webex access tokens and passwords in URLs are replaced by
``***``. Operators can add rules (a regex and its replacement). Redaction runs when an event is
made, so replay output, the state database and every sink see only the masked text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MASK = "***"
_KEYS = r"(?:password|passwd|pwd|secret|client_secret|api[_-]?key|access_token|refresh_token|id_token|token)"

DEFAULT_RULES: tuple[tuple[str, object], ...] = (
    # Authorization: Bearer xxx / Authorization=Basic xxx / Proxy-Authorization: xxx
    (r"(?i)(\b(?:proxy-)?authorization\b\"?\s*[:=]\s*\"?)(?:(bearer|basic|digest|negotiate|ntlm)\s+)?[^\s,;\"']+",
     lambda m: m.group(1) + (m.group(2) + " " if m.group(2) else "") + MASK),
    (r"(?i)\b(bearer|basic)\s+[A-Za-z0-9\-._~+/]{8,}=*", r"\1 " + MASK),
    # "password": "x" in JSON
    (r"(?i)(\"" + _KEYS + r"\"\s*:\s*\")[^\"]*(\")", r"\1" + MASK + r"\2"),
    # password=x, pwd: x, refresh_token=x (query strings, key=value logs)
    (r"(?i)(\b" + _KEYS + r"\b\s*[=:]\s*)(?!\s)[^\s&,;\"']+", r"\1" + MASK),
    # JSON Web Tokens
    (r"\beyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}", MASK),
    # Webex access/refresh tokens: <base64ish>_<region>_<org uuid>
    (r"\b[A-Za-z0-9]{40,}_[A-Z0-9]{2,6}_[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b", MASK),
    # user:password@ in URLs
    (r"(\b[a-z][a-z0-9+.-]*://[^/\s:@]+:)[^@\s/]+@", r"\1" + MASK + "@"),
)


@dataclass(frozen=True)
class Redactor:
    rules: tuple[tuple[re.Pattern, object], ...]  # (regex, replacement string or function)

    @classmethod
    def build(cls, extra: list[tuple[str, str]] | None = None, defaults: bool = True) -> "Redactor":
        pairs = list(DEFAULT_RULES if defaults else ()) + list(extra or ())
        return cls(tuple((re.compile(p), r) for p, r in pairs))

    def text(self, value: str) -> str:
        for rx, repl in self.rules:
            value = rx.sub(repl, value)
        return value

    def record(self, text: str, fields: dict) -> tuple[str, dict]:
        """Masked record text, and fields masked too where the text's masking removed them
        (a regex may capture a token that only its context shows to be secret)."""
        masked = self.text(text)
        out = {}
        for key, value in fields.items():
            if isinstance(value, str) and value and value in text and value not in masked:
                out[key] = MASK
            else:
                out[key] = self.text(value) if isinstance(value, str) else value
        return masked, out


DEFAULT = Redactor.build()
