"""HTTP delivery shared by the network sinks: one POST, and what its outcome means.

2xx is delivered. Connection errors, timeouts, 408, 5xx and 429 are transient (retried, with
``Retry-After`` honoured on 429 and 503). Any other 4xx is permanent: the report goes to the
dead-letter list with the status and the start of the body.
"""

from __future__ import annotations

import email.utils
import json
import os
import re
import time

import requests

from logsentinel.sinks.base import DeliveryError

BODY_SNIPPET = 500
_ENV = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


def expand_env(value: str) -> str:
    """Replace ${NAME} with the environment variable NAME (KeyError names a missing one)."""
    def repl(m: re.Match) -> str:
        name = m.group(1)
        if name not in os.environ:
            raise KeyError(name)
        return os.environ[name]
    return _ENV.sub(repl, value)


def retry_after(value: str | None) -> float | None:
    """Seconds from a Retry-After header (delta seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(when.timestamp() - time.time(), 0.0)


class HttpClient:
    """A requests session with the sink's TLS settings and timeout."""

    def __init__(self, timeout: float = 10.0, verify_tls: bool = True, ca_file: str | None = None,
                 headers: dict | None = None):
        self.session = requests.Session()
        self.session.trust_env = True  # proxies from HTTPS_PROXY / NO_PROXY
        self.timeout = timeout
        self.verify = ca_file if (verify_tls and ca_file) else verify_tls
        self.headers = {"Content-Type": "application/json", "User-Agent": "logsentinel"}
        self.headers.update(headers or {})

    def post_json(self, url: str, body) -> requests.Response:
        data = json.dumps(body, ensure_ascii=False).encode("utf-8")
        try:
            resp = self.session.post(url, data=data, headers=self.headers, timeout=self.timeout, verify=self.verify)
        except requests.Timeout:
            raise DeliveryError(f"{url}: no answer within {self.timeout}s") from None
        except requests.exceptions.SSLError as exc:
            raise DeliveryError(f"{url}: TLS error: {_short(str(exc))}") from None
        except requests.ConnectionError as exc:
            raise DeliveryError(f"{url}: cannot connect: {_short(str(exc))}") from None
        except requests.RequestException as exc:
            raise DeliveryError(f"{url}: {_short(str(exc))}") from None
        if 200 <= resp.status_code < 300:
            return resp
        snippet = _short(resp.text, BODY_SNIPPET)
        message = f"{url}: HTTP {resp.status_code}: {snippet}"
        if resp.status_code in (429, 503):
            raise DeliveryError(message, retry_after=retry_after(resp.headers.get("Retry-After")))
        if resp.status_code == 408 or resp.status_code >= 500:
            raise DeliveryError(message)
        raise DeliveryError(message, permanent=True, status=resp.status_code, body=snippet)

    def close(self) -> None:
        self.session.close()


def _short(text: str, n: int = 200) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[: n - 1] + "…"
