"""A real HTTP server for sink tests, on a loopback port, whose answers a test scripts."""

from __future__ import annotations

import contextlib
import json
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Receiver:
    """Records every request body; answers from a script of (status, headers, delay) tuples,
    then 200 (or ``default``) once the script is used up. ``start``/``stop`` may be called
    again on the same port (a receiver that goes down and comes back)."""

    def __init__(self, port: int | None = None, default: int = 200):
        self.port = port or free_port()
        self.default = default
        self.script: list[tuple[int, dict, float]] = []
        self.bodies: list = []  # bodies answered 2xx
        self.attempts: list = []  # every request: (status, body, headers, arrival time)
        self.lock = threading.Lock()
        self.server = None

    def next_answer(self) -> tuple[int, dict, float]:
        return self.script.pop(0) if self.script else (self.default, {}, 0.0)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> Receiver:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _answer(self, status, headers, payload):
                self.send_response(status)
                for k, v in headers.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                with contextlib.suppress(OSError):
                    self.wfile.write(payload)

            def do_GET(self):
                with receiver.lock:
                    status, headers, delay = receiver.next_answer()
                    receiver.attempts.append((status, None, dict(self.headers), time.monotonic()))
                if delay:
                    time.sleep(delay)
                self._answer(status, headers, b'{"message":"successfully connected!"}' if status < 300 else b"busy")

            def do_POST(self):
                arrived = time.monotonic()
                length = int(self.headers.get("Content-Length", 0))
                raw = self.rfile.read(length)
                with receiver.lock:
                    status, headers, delay = receiver.next_answer()
                if delay:
                    time.sleep(delay)
                body = json.loads(raw) if raw else None
                with receiver.lock:
                    receiver.attempts.append((status, body, dict(self.headers), arrived))
                    if 200 <= status < 300:
                        receiver.bodies.append(body)
                self._answer(status, headers, b'{"status":"success"}' if status < 300 else b'{"error":"nope"}')

        ThreadingHTTPServer.allow_reuse_address = True
        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None

    def wait_for(self, predicate, timeout: float = 20.0) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                if predicate(list(self.bodies)):
                    return True
            time.sleep(0.05)
        return False
