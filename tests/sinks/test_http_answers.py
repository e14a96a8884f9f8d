"""An answer's body is read to a small cap and only until the request's deadline (issue 11,
item 17): a 100 MB answer or one that drips a byte at a time holds neither the sink nor memory.
Real HTTP servers on loopback."""

from __future__ import annotations

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from logsentinel.sinks.base import DeliveryError
from logsentinel.sinks.http import HttpClient

HUGE = 100 * 1024 * 1024


class _Server:
    """Answers every POST with ``status`` and a body of ``HUGE`` bytes, sent as fast as the
    client reads (``drip`` = 0) or a byte every ``drip`` seconds; counts what it got out."""

    def __init__(self, status: int, drip: float = 0.0):
        self.sent = 0
        self.done = threading.Event()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                self.rfile.read(int(self.headers.get("Content-Length", 0)))
                self.send_response(status)
                self.send_header("Content-Length", str(HUGE))
                self.end_headers()
                chunk = b"x" if drip else b"Internal error " + b"x" * 65521
                try:
                    while server.sent < HUGE:
                        self.wfile.write(chunk)
                        self.wfile.flush()
                        server.sent += len(chunk)
                        if drip:
                            time.sleep(drip)  # the server's pace, not a barrier of the test
                except OSError:
                    pass
                finally:
                    server.done.set()

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/hook"

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


def _post_in_thread(client: HttpClient, url: str):
    outcome = {}

    def post():
        try:
            outcome["resp"] = client.post_json(url, {"a": 1})
        except DeliveryError as exc:
            outcome["error"] = exc

    thread = threading.Thread(target=post, daemon=True)
    thread.start()
    return thread, outcome


def test_a_huge_error_body_is_read_to_a_cap():
    server = _Server(500)
    client = HttpClient(timeout=10.0)
    try:
        thread, outcome = _post_in_thread(client, server.url)
        thread.join(timeout=60)
        assert not thread.is_alive(), "the sink is still reading a 100 MB answer"
        err = outcome["error"]
        assert "HTTP 500" in str(err) and "Internal error" in str(err) and not err.permanent
        assert server.done.wait(30)
        assert server.sent < HUGE // 10  # the rest was never read (loopback buffers hold a few MB)
    finally:
        client.close()
        server.close()


@pytest.mark.parametrize("status", [200, 502])
def test_a_dripping_answer_ends_at_the_deadline(status):
    server = _Server(status, drip=0.05)  # a byte every 50 ms: no read ever times out
    client = HttpClient(timeout=1.0)
    try:
        thread, outcome = _post_in_thread(client, server.url)
        thread.join(timeout=60)  # without a deadline: 100 MB at 20 bytes/s
        assert not thread.is_alive(), "the sink is held by a dripping answer"
        if status == 200:
            assert outcome["resp"].status_code == 200  # delivered: the status is what counts
        else:
            assert "HTTP 502" in str(outcome["error"])
    finally:
        client.close()
        server.close()


class _DripHeaders:
    """Answers with a status line, then one header whose value comes a byte every 50 ms for a
    minute: each read gets a byte well within any per-read timeout, so only a total deadline
    ends it."""

    def __init__(self):
        import socketserver

        class Handler(socketserver.BaseRequestHandler):
            def handle(self):
                self.request.recv(65536)
                try:
                    self.request.sendall(b"HTTP/1.1 200 OK\r\nX-Drip: ")
                    for _ in range(1200):
                        self.request.sendall(b"x")
                        time.sleep(0.05)  # the server's pace, not a barrier of the test
                except OSError:
                    pass

        self.server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def test_dripping_headers_end_at_the_deadline():
    server = _DripHeaders()
    client = HttpClient(timeout=1.0)
    try:
        thread, outcome = _post_in_thread(client, server.url)
        thread.join(timeout=30)  # without a total deadline: a minute of headers
        assert not thread.is_alive(), "the sink is held by dripping headers"
        assert "no answer within 1.0s" in str(outcome["error"])
        # the client is still usable for the next request
        ok = _Server(200)
        try:
            thread, outcome = _post_in_thread(client, ok.url)
            thread.join(timeout=30)
            assert outcome["resp"].status_code == 200
        finally:
            ok.close()
    finally:
        client.close()
        server.close()
