"""HTTP delivery shared by the network sinks: one POST, and what its outcome means.

2xx is delivered. Connection errors, timeouts, 408, 5xx and 429 are transient (retried, with
``Retry-After`` honoured on 429 and 503). Any other 4xx is permanent: the report goes to the
dead-letter list with the status and the start of the body.

An answer's body is read only to ``MAX_BODY_BYTES`` and only until the request's deadline
(``timeout`` from the start of the request), so a huge or dripping answer holds neither the
sink nor memory.
"""

from __future__ import annotations

import contextlib
import email.utils
import json
import os
import re
import socket
import threading
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlparse

import requests
import urllib3

from logsentinel.clock import SYSTEM, Clock
from logsentinel.sinks.base import POSITIVE, DeliveryError, SinkSettings, mask_url

BODY_SNIPPET = 500
MAX_BODY_BYTES = 64 * 1024
MAX_REDIRECTS = 3
_ENV = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


def expand_env(value: str) -> str:
    """Replace ${NAME} with the environment variable NAME (KeyError names a missing one)."""

    def repl(m: re.Match) -> str:
        name = m.group(1)
        if name not in os.environ:
            raise KeyError(name)
        return os.environ[name]

    return _ENV.sub(repl, value)


def retry_after(value: str | None, now: float) -> float | None:
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
    return max(when.timestamp() - now, 0.0)


@dataclass(frozen=True, kw_only=True)
class HttpSettings(SinkSettings):
    """Keys of every sink that POSTs over HTTP."""

    timeout: float = field(default=10.0, metadata=POSITIVE)
    verify_tls: bool = True
    ca_file: str | None = field(default=None, metadata={"path": True})

    def client(self, clock: Clock, headers: dict | None = None) -> HttpClient:
        return HttpClient(self.timeout, self.verify_tls, self.ca_file, headers, clock)

    def env_values(self) -> list[tuple[str, str]]:
        """(key, value) of the settings that may hold ${VAR}."""
        return []

    def problems(self) -> list[tuple[str, str]]:
        out = []
        for key, value in self.env_values():
            try:
                value = expand_env(value)
            except KeyError as exc:
                out.append((key, f"environment variable {exc.args[0]} is not set"))
                continue
            if key.split(".")[0] in ("url", "urls") and urlparse(value).scheme not in ("http", "https"):
                out.append((key, "expected an http:// or https:// URL"))
        return out


class _Watch:
    """The connection one request runs on, and whether its deadline cut it."""

    def __init__(self) -> None:
        self.conn = None
        self.fired = False
        self.lock = threading.Lock()

    def fire(self) -> None:
        """The request's deadline has come: shut its socket, so a read blocked on a server that
        drips a byte at a time (each read within the per-read timeout) ends now."""
        with self.lock:
            self.fired = True
            sock = getattr(self.conn, "sock", None)
            if sock is not None:
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)


def _watched(pool_cls, adapter: _DeadlineAdapter):
    class Watched(pool_cls):
        def _get_conn(self, timeout=None):
            conn = super()._get_conn(timeout=timeout)
            watch = adapter.watch
            if watch is not None:
                with watch.lock:
                    watch.conn = conn
            return conn

    return Watched


class _DeadlineAdapter(requests.adapters.HTTPAdapter):
    """requests' adapter, telling the current ``_Watch`` which connection a request took
    (requests' own timeout is per read: it cannot bound a whole request)."""

    watch: _Watch | None = None

    def _patch(self, manager):
        manager.pool_classes_by_scheme = {
            "http": _watched(urllib3.HTTPConnectionPool, self),
            "https": _watched(urllib3.HTTPSConnectionPool, self),
        }
        return manager

    def init_poolmanager(self, *args, **kwargs) -> None:
        super().init_poolmanager(*args, **kwargs)
        self._patch(self.poolmanager)

    def proxy_manager_for(self, proxy, **kwargs):
        return self._patch(super().proxy_manager_for(proxy, **kwargs))


class HttpClient:
    """A requests session with the sink's TLS settings and timeout. ``timeout`` is a deadline
    for the whole request: connecting, the status and headers, and the (capped) body."""

    def __init__(
        self,
        timeout: float = 10.0,
        verify_tls: bool = True,
        ca_file: str | None = None,
        headers: dict | None = None,
        clock: Clock = SYSTEM,
    ) -> None:
        self.clock = clock
        self.session = requests.Session()
        self.session.trust_env = True  # proxies from HTTPS_PROXY / NO_PROXY
        self.adapter = _DeadlineAdapter()
        self.session.mount("http://", self.adapter)
        self.session.mount("https://", self.adapter)
        self.timeout = timeout
        self.verify = ca_file if (verify_tls and ca_file) else verify_tls
        self.headers = {"Content-Type": "application/json", "User-Agent": "logsentinel"}
        self.headers.update(headers or {})

    def post_json(self, url: str, body) -> requests.Response:
        """POST ``body`` as JSON. Redirects are not followed blindly: a 307 or 308 is followed
        with the same method and body (a few hops); any other 3xx would turn the POST into a
        bodyless GET and lose the report, so it is refused for good, naming the Location."""
        data = json.dumps(body, ensure_ascii=False).encode("utf-8")
        for _hop in range(MAX_REDIRECTS + 1):
            resp = self._post(url, data)
            if resp.status_code in (307, 308) and resp.headers.get("Location"):
                url = urljoin(url, resp.headers["Location"])
                continue
            break
        return self._outcome(url, resp)

    def _post(self, url: str, data: bytes) -> requests.Response:
        shown = mask_url(url)
        deadline = self.clock.monotonic() + self.timeout
        watch = _Watch()
        self.adapter.watch = watch
        timer = threading.Timer(self.timeout, watch.fire)
        timer.daemon = True
        timer.start()
        try:
            resp = self.session.post(
                url,
                data=data,
                headers=self.headers,
                timeout=self.timeout,
                verify=self.verify,
                allow_redirects=False,
                stream=True,
            )
            if watch.fired:  # the headers were cut at the deadline: what came is no answer
                resp.close()
                raise DeliveryError(f"{shown}: no answer within {self.timeout}s")
            _read_capped(resp, deadline, self.clock)
            return resp
        except requests.Timeout:
            raise DeliveryError(f"{shown}: no answer within {self.timeout}s") from None
        except requests.RequestException as exc:
            if watch.fired:
                raise DeliveryError(f"{shown}: no answer within {self.timeout}s") from None
            raise _delivery_error(shown, exc) from None
        finally:
            timer.cancel()
            self.adapter.watch = None

    def _outcome(self, url: str, resp: requests.Response) -> requests.Response:
        url = mask_url(url)
        if 200 <= resp.status_code < 300:
            return resp
        if 300 <= resp.status_code < 400:
            where = mask_url(resp.headers.get("Location", "no Location"))
            raise DeliveryError(
                f"{url}: HTTP {resp.status_code} redirect to {where}: not followed for a POST "
                "(set the sink's url to where it points)",
                permanent=True,
                status=resp.status_code,
            )
        snippet = _short(resp.text, BODY_SNIPPET)
        message = f"{url}: HTTP {resp.status_code}: {snippet}"
        if resp.status_code in (429, 503):
            raise DeliveryError(message, retry_after=retry_after(resp.headers.get("Retry-After"), self.clock.time()))
        if resp.status_code == 408 or resp.status_code >= 500:
            raise DeliveryError(message)
        raise DeliveryError(message, permanent=True, status=resp.status_code, body=snippet)

    def close(self) -> None:
        self.session.close()


def _delivery_error(shown: str, exc: requests.RequestException) -> DeliveryError:
    if isinstance(exc, requests.exceptions.SSLError):
        return DeliveryError(f"{shown}: TLS error: {_short(mask_url(str(exc)))}")
    if isinstance(exc, requests.ConnectionError):
        return DeliveryError(f"{shown}: cannot connect: {_short(mask_url(str(exc)))}")
    return DeliveryError(f"{shown}: {_short(mask_url(str(exc)))}")


def _read_capped(resp: requests.Response, deadline: float, clock: Clock) -> None:
    """Read the body up to ``MAX_BODY_BYTES`` or the deadline, whichever comes first, then close
    the connection (the rest is never read, and a half-read connection never goes back to the
    pool). ``read1`` returns what has arrived, so a body dripping a byte at a time ends at the
    deadline too."""
    body = bytearray()
    raw = resp.raw
    read1 = getattr(raw, "read1", None)  # urllib3 >= 2.3
    try:
        while len(body) < MAX_BODY_BYTES and clock.monotonic() < deadline:
            chunk = read1(8192, decode_content=True) if read1 else raw.read(1024, decode_content=True)
            if not chunk:
                break
            body += chunk
    except (requests.RequestException, urllib3.exceptions.HTTPError, OSError):
        pass  # the status has come: a body cut short changes nothing about delivery
    finally:
        resp.close()
        resp._content = bytes(body[:MAX_BODY_BYTES])  # what .text shows
        resp._content_consumed = True  # type: ignore[attr-defined]  # (requests' own flag: .text reads _content)


_ERRNO = re.compile(r"\[(?:Errno|WinError) -?\d+\] ([^\"')\]]+)")


def _short(text: str, n: int = 200) -> str:
    """One short line: urllib3's "Max retries exceeded ... (Caused by NewConnectionError(...:
    [Errno 111] Connection refused))" comes out as "Connection refused"."""
    text = " ".join(text.split())
    errno_reason = _ERRNO.search(text)
    if errno_reason:
        return errno_reason.group(1).strip()
    if "Read timed out" in text or ("timed out" in text and "Caused by" in text):
        return "timed out"
    return text if len(text) <= n else text[: n - 1] + "…"
