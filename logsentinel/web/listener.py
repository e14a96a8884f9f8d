"""The sidecar's HTTP listener (127.0.0.1 by default): ``/metrics`` (``web.metrics``),
``/healthz`` (the loop is alive), ``/readyz`` (the state database is writable and every sink
delivered recently, or has nothing to deliver), ``/`` the status page (``web.page``) and
``/api/status`` its JSON (``web.status``), and with basic auth the page's actions (``POST
/actions/...``: ``web.actions``). Beyond loopback, optional TLS and basic auth with
bcrypt-hashed passwords (``web.auth``), as Prometheus exporters' web config offers them.

Nothing a client asks for is unbounded: ``/api/status`` gives a page of the open events
(``?limit=`` up to MAX_LIMIT, ``&offset=``), the page shows the first PAGE_EVENTS, and at most
BUSY_AFTER of these two are built at once (others get 503 with Retry-After).
"""

from __future__ import annotations

import json
import logging
import ssl
import sys
import threading
from http import HTTPStatus
from socketserver import ThreadingMixIn
from urllib.parse import parse_qs, unquote
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from prometheus_client import CollectorRegistry, make_wsgi_app

from logsentinel.config.load import Config
from logsentinel.runtime.health import Health
from logsentinel.runtime.telemetry import Telemetry
from logsentinel.web.actions import WAIT_FOR_SIDECAR_S, Refused, Tokens, handle
from logsentinel.web.auth import BasicAuth
from logsentinel.web.metrics import SidecarCollector
from logsentinel.web.status import collect

log = logging.getLogger("logsentinel.metrics")

DEFAULT_LIMIT = 500  # open events in one /api/status answer unless ?limit= says otherwise
MAX_LIMIT = 5000
PAGE_EVENTS = 200  # open events on the status page
BUSY_AFTER = 2  # status answers built at once (each reads the state database)


class _Server(ThreadingMixIn, WSGIServer):
    daemon_threads = True

    def handle_error(self, request, client_address) -> None:
        """A client that speaks plain HTTP to the TLS port, or drops the connection: one debug
        line, never a traceback in the sidecar's log for what the network sent."""
        exc = sys.exc_info()[1]
        log.debug("request from %s failed: %s: %s", client_address[0], type(exc).__name__, exc)


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, *args) -> None:
        pass


class MetricsServer:
    def __init__(self, telemetry: Telemetry, health: Health, config: Config) -> None:
        self.health = health
        self.config = config
        self.clock = telemetry.clock
        web = config.metrics
        if web is None:
            raise ValueError(f"{config.path}: no metrics section: nothing to listen on")
        registry = CollectorRegistry()
        registry.register(SidecarCollector(telemetry))
        self.metrics_app = make_wsgi_app(registry)
        self.auth = BasicAuth(web.basic_auth_users) if web.basic_auth_users else None
        self.tokens = Tokens.fresh()  # the page's forms carry a token bound to the user
        self._never = threading.Event()  # waited on for a pause
        self.httpd = make_server(web.host, web.port, self.app, server_class=_Server, handler_class=_QuietHandler)
        self.scheme = "http"
        if web.tls_cert_file:
            context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            context.load_cert_chain(web.tls_cert_file, web.tls_key_file)
            # the handshake happens in the request's thread: a client that never finishes it
            # holds only its own thread, not the listener
            self.httpd.socket = context.wrap_socket(self.httpd.socket, server_side=True, do_handshake_on_connect=False)
            self.scheme = "https"
        self.port = self.httpd.server_port
        self._building = threading.BoundedSemaphore(BUSY_AFTER)
        self.thread = threading.Thread(target=self.httpd.serve_forever, name="metrics", daemon=True)

    def start(self) -> None:
        self.thread.start()
        log.info(
            "status page, metrics and health on %s://%s:%d/ (/metrics, /healthz, /readyz, /api/status)%s",
            self.scheme,
            self.httpd.server_address[0],
            self.port,
            " with basic auth" if self.auth else "",
        )

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def app(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        user = self.auth.user(environ.get("HTTP_AUTHORIZATION")) if self.auth is not None else None
        if self.auth is not None and user is None:
            start_response(
                "401 Unauthorized",
                [
                    ("WWW-Authenticate", 'Basic realm="logsentinel"'),
                    ("Content-Type", "text/plain"),
                    ("Content-Length", "13"),
                ],
            )
            return [b"unauthorized\n"]
        if environ.get("REQUEST_METHOD", "GET") not in ("GET", "HEAD"):
            return self._post(path, environ, start_response, user)
        if path in ("/", "/api/status"):
            if not self._building.acquire(blocking=False):
                start_response(
                    "503 Service Unavailable",
                    [("Content-Type", "text/plain"), ("Retry-After", "1"), ("Content-Length", "5")],
                )
                return [b"busy\n"]
            try:
                return self._status(path, environ, start_response, user)
            finally:
                self._building.release()
        if path == "/healthz":
            problems = self.health.liveness()
            notes = "".join(f"note: {n}\n" for n in self.health.notes())
            return _text(
                start_response, 200 if not problems else 503, ("".join(p + "\n" for p in problems) or "ok\n") + notes
            )
        if path == "/readyz":
            problems = self.health.readiness()
            return _text(start_response, 200 if not problems else 503, "".join(p + "\n" for p in problems) or "ready\n")
        return self.metrics_app(environ, start_response)

    def _post(self, path: str, environ, start_response, user: str | None):
        if not path.startswith("/actions/"):
            return _text(start_response, 405, "only the page's actions take a POST\n")
        if user is None:
            return _text(
                start_response, 403, "read-only: the page acts for a signed-in user (set metrics.basic_auth_users)\n"
            )
        try:
            location = handle(
                environ,
                path[len("/actions/") :],
                user,
                self.tokens,
                self.scheme,
                self.config,
                int(self.clock.time() * 1000),
                self._wait_for_sidecar,
            )
        except Refused as exc:
            return _text(start_response, exc.status, exc.text + "\n")
        log.info("page: %s by %s", unquote(location.partition("done=")[2]), user)
        start_response(
            "303 See Other", [("Location", location), ("Content-Length", "0"), ("Cache-Control", "no-store")]
        )
        return [b""]

    def _wait_for_sidecar(self, requests, action_id: int):
        """The action's outcome once the loop took it (within a few seconds), else None."""
        deadline = self.clock.monotonic() + WAIT_FOR_SIDECAR_S
        while (result := requests.action_result(action_id)) is None and self.clock.monotonic() < deadline:
            self.clock.wait(self._never, 0.1)  # another thread's commit: polled, as ``logsentinel ack`` does
        return result

    def _status(self, path: str, environ, start_response, user: str | None):
        if path == "/":
            from logsentinel.web.page import Session, render

            status = collect(self.config, self.clock.time(), limit=PAGE_EVENTS)
            session = Session(user, self.tokens.of(user)) if user is not None else None
            done = parse_qs(environ.get("QUERY_STRING", "")).get("done", [""])[-1][:300]
            page = render(status, self.config.host, session, flash=done)
            return _send(start_response, 200, "text/html; charset=utf-8", page.encode("utf-8"))
        query = parse_qs(environ.get("QUERY_STRING", ""))
        limit, offset = _number(query, "limit", DEFAULT_LIMIT), _number(query, "offset", 0)
        if limit is None or offset is None:
            return _send(start_response, 400, "text/plain", b"limit and offset are whole numbers >= 0\n")
        status = collect(self.config, self.clock.time(), limit=min(limit, MAX_LIMIT), offset=offset)
        return _send(start_response, 200, "application/json", json.dumps(status, ensure_ascii=False).encode("utf-8"))


def _number(query: dict, name: str, default: int) -> int | None:
    values = query.get(name)
    if not values:
        return default
    text = values[-1]
    return int(text) if text.isdigit() and len(text) < 10 else None


def _text(start_response, status: int, body: str):
    return _send(start_response, status, "text/plain", body.encode())


def _send(start_response, status: int, content_type: str, data: bytes):
    start_response(
        f"{status} {HTTPStatus(status).phrase}",
        [
            ("Content-Type", content_type),
            ("Content-Length", str(len(data))),
            ("Cache-Control", "no-store"),
            # the page is never framed by another site (clickjacking), and tells no other site where it was
            ("X-Frame-Options", "DENY"),
            ("Content-Security-Policy", "frame-ancestors 'none'"),
            ("Referrer-Policy", "same-origin"),
        ],
    )
    return [data]
