"""Redaction: mask secrets that a log line may carry before any event leaves the detector.

Bearer/Basic credentials, ``Authorization:`` values, cookies, SMTP ``AUTH PLAIN``, PEM private
keys, values named as secrets (``password=``, ``DB_PASSWORD: "x"``, ``api_key => x``,
``access_token%3D``, ``Password is x``, JSON members, connection strings), JWTs, Webex access
tokens and passwords in URLs are replaced by ``***``. Operators can add rules (a regex and its replacement). Redaction runs when an event is
made, so replay output, the state database and every sink see only the masked text.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from typing import Any

MASK = "***"

# a secret's name: one of these words, alone or joined to others by _ - . (DB_PASSWORD,
# aws_secret_access_key, x-api-key, spring.datasource.password); not inside a longer word
_WORD = (
    r"(?:pass(?:word|wd|phrase)?|pwd|secret|token|api[_-]?key|access[_-]?key|private[_-]?key"
    r"|credentials?|session[_-]?(?:id|key|token))"
)
_NAME = r"(?<![a-z0-9])((?:[a-z0-9]+[_.-])*" + _WORD + r"(?:[_.-][a-z0-9]+)*)(?![a-z0-9])"
_SECRET_NAME = re.compile("(?i)" + _NAME)
# how a value is given: = : => %3D (URL-encoded) or "is", the name maybe quoted (JSON)
_GIVES = r"([\"']?[ \t]*(?:=>|[=:]|%3d|[ \t]is[ \t])[ \t]*)"
# the value: quoted, braced (ODBC), or up to a separator
_VALUE = r"(\"[^\"\n]*\"|'[^'\n]*'|\{[^}\n]*\}|[^\s&,;\"']+)"


def _keep_quotes(m: re.Match[str]) -> str:
    value = m.group(3)
    if value[:1] in "\"'{":
        closing = "}" if value[0] == "{" else value[0]
        return m.group(1) + m.group(2) + value[0] + MASK + closing
    return m.group(1) + m.group(2) + MASK


Replacement = str | Callable[[re.Match[str]], str]
DEFAULT_RULES: tuple[tuple[str, Replacement], ...] = (
    # Authorization: Bearer xxx / Authorization=Basic xxx / Proxy-Authorization: xxx
    (
        r"(?i)(\b(?:proxy-)?authorization\b\"?\s*[:=]\s*\"?)(?:(bearer|basic|digest|negotiate|ntlm)\s+)?[^\s,;\"']+",
        lambda m: m.group(1) + (m.group(2) + " " if m.group(2) else "") + MASK,
    ),
    (r"(?i)\b(bearer|basic)\s+[A-Za-z0-9\-._~+/]{8,}=*", r"\1 " + MASK),
    # Cookie: a=b; session=c (every cookie may be a session)
    (r"(?i)(\b(?:set-)?cookie\b\"?[ \t]*[:=][ \t]*)[^\r\n]+", r"\1" + MASK),
    # SMTP and IMAP authentication: AUTH PLAIN <base64>
    (r"(?i)\b(auth(?:enticate)?[ \t]+(?:plain|login|cram-md5|xoauth2))[ \t]+\S+", r"\1 " + MASK),
    # a PEM private key, to its end (or to the end of the text when it is cut)
    (
        r"(?s)-----BEGIN ([A-Z0-9 ]*)PRIVATE KEY-----.*?(?:-----END \1PRIVATE KEY-----|\Z)",
        r"-----BEGIN \1PRIVATE KEY-----" + MASK,
    ),
    # password=x, DB_PASSWORD: x, "secret": "x", api_key => x, access_token%3Dx, Password is x,
    # Server=..;Pwd={x} (connection strings)
    ("(?i)" + _NAME + _GIVES + _VALUE, _keep_quotes),
    # JSON Web Tokens
    (r"\beyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}", MASK),
    # Webex access/refresh tokens: <base64ish>_<region>_<org uuid>
    (r"\b[A-Za-z0-9]{40,}_[A-Z0-9]{2,6}_[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b", MASK),
    # user:password@ in URLs
    (r"(\b[a-z][a-z0-9+.-]*://[^/\s:@]+:)[^@\s/]+@", r"\1" + MASK + "@"),
)


@dataclass(frozen=True)
class Redactor:
    pairs: tuple[tuple[str, Replacement], ...]  # (regex, replacement string or function)

    @classmethod
    def build(cls, extra: list[tuple[str, str]] | None = None, defaults: bool = True) -> Redactor:
        return cls((*(DEFAULT_RULES if defaults else ()), *(extra or ())))

    @cached_property
    def rules(self) -> tuple[tuple[re.Pattern[str], Replacement], ...]:
        """The compiled rules, on first use (a replay that matches nothing never compiles them)."""
        return tuple((re.compile(p), r) for p, r in self.pairs)

    def text(self, value: str) -> str:
        for rx, repl in self.rules:
            value = rx.sub(repl, value)
        return value

    def record(self, text: str, fields: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        """Masked record text, and fields masked too: a field whose name says it holds a secret
        (an event's ``<Data Name='password'>``, whatever its message says), and a field the
        text's masking removed (a regex may capture a token only its context shows secret)."""
        masked = self.text(text)
        out = {}
        for key, value in fields.items():
            if (
                isinstance(value, str)
                and value
                and (_SECRET_NAME.fullmatch(key) or (value in text and value not in masked))
            ):
                out[key] = MASK
            else:
                out[key] = self.text(value) if isinstance(value, str) else value
        return masked, out


DEFAULT = Redactor.build()
