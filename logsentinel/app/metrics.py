"""Metrics, health and status on an HTTP port (127.0.0.1 by default): ``/metrics`` in the
Prometheus text format (prometheus-client), ``/healthz`` (the loop is alive), ``/readyz`` (the
state database is writable and every sink delivered recently, or has nothing to deliver), ``/``
the status page and ``/api/status`` its JSON (``app.status``). Beyond loopback, optional TLS and
basic auth with bcrypt-hashed passwords, as Prometheus exporters' web config offers them.

Values are read from the running sidecar when scraped; nothing is counted twice on the hot path.
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import sqlite3
import ssl
import threading
from dataclasses import dataclass
from pathlib import Path
from socketserver import ThreadingMixIn
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from prometheus_client import CollectorRegistry, make_wsgi_app
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily

from logsentinel.app.checkpoint import RunStats
from logsentinel.app.config import Config
from logsentinel.app.status import collect
from logsentinel.app.health import Health, OutboxView, outbox_view
from logsentinel.clock import Clock

log = logging.getLogger("logsentinel.metrics")


@dataclass
class Telemetry:
    """The counters metrics read when scraped, handed in by the sidecar (nothing is counted
    twice on the hot path): per source, the tail's stats and lag; the matcher's, the run's and
    each sink worker's counters; the probes' last results."""

    tails: list            # SourceTail: .cfg.name, .stats, .lag()
    matcher: object        # Matcher: .signatures, .stats (replaced on reload)
    run: RunStats
    workers: list          # SinkWorker: .sink.name, .counters
    probes: list           # Probe: .name, .last
    state_path: Path
    clock: Clock
    detector: object       # Detector: .open (replaced on reload and recovery)
    ignored_times: object = None   # IgnoredTimes: .per_source


class SidecarCollector:
    def __init__(self, telemetry: Telemetry):
        self.t = telemetry

    def collect(self):
        yield from self._tails()
        yield CounterMetricFamily("logsentinel_commits", "State transactions committed", value=self.t.run.commits)
        ignored = CounterMetricFamily("logsentinel_record_times_ignored", "Record times not believed (a day ahead "
                                      "of this machine's clock, or before 2000), per source", labels=["source"])
        for source, n in sorted(getattr(self.t.ignored_times, "per_source", {}).items()):
            ignored.add_metric([source], n)
        yield ignored
        yield from self._matches()
        yield from self._events()
        yield from self._open_events()
        yield from self._sinks()
        yield from self._probes()
        yield GaugeMetricFamily("logsentinel_signatures", "Signatures loaded", value=len(self.t.matcher.signatures))
        yield CounterMetricFamily("logsentinel_reloads", "Pattern reloads taken", value=self.t.run.reloads)
        yield CounterMetricFamily("logsentinel_reloads_refused", "Pattern reloads refused",
                                  value=self.t.run.reloads_refused)
        yield CounterMetricFamily("logsentinel_records_set_aside", "Records the detector failed on, set aside",
                                  value=self.t.run.records_set_aside)
        yield CounterMetricFamily("logsentinel_reloads_unchanged", "Reload requests with no signature file changed",
                                  value=self.t.run.reloads_unchanged)

    def _tails(self):
        lines = CounterMetricFamily("logsentinel_lines_read", "Lines read, per source", labels=["source"])
        data = CounterMetricFamily("logsentinel_bytes_read", "Bytes read, per source", labels=["source"])
        lag = GaugeMetricFamily("logsentinel_tail_lag_bytes", "Bytes written but not yet read, per file",
                                labels=["source", "path"])
        files = CounterMetricFamily("logsentinel_files", "File events, per source and kind", labels=["source", "kind"])
        for tail in self.t.tails:
            name = tail.cfg.name
            lines.add_metric([name], tail.stats.lines)
            data.add_metric([name], tail.stats.bytes_read)
            for path, behind in tail.lag().items():
                lag.add_metric([name, path], behind)
            for kind in ("files_opened", "rotations", "truncations", "lost_files", "open_failures"):
                files.add_metric([name, kind], getattr(tail.stats, kind))
        yield from (lines, data, lag, files)

    def _matches(self):
        ms = self.t.matcher.stats
        yield CounterMetricFamily("logsentinel_records_scanned_lines", "Lines scanned by the matcher", value=ms.lines)
        matches = CounterMetricFamily("logsentinel_matches", "Matches per signature and kind",
                                      labels=["signature", "kind"])
        timeouts = CounterMetricFamily("logsentinel_regex_timeouts", "Regex timeouts per signature", labels=["signature"])
        seconds = CounterMetricFamily("logsentinel_signature_seconds", "Time confirming matches, per signature",
                                      labels=["signature"])
        last = GaugeMetricFamily("logsentinel_signature_last_hit_timestamp_seconds",
                                 "Time (from the record) of the last hit, per signature", labels=["signature"])
        for sig in self.t.matcher.signatures:
            st = ms.per_signature.get(sig.id)
            if st is None:
                continue
            for kind, n in (("hit", st.hits), ("resolve", st.resolves), ("heartbeat", st.heartbeats)):
                matches.add_metric([sig.id, kind], n)
            timeouts.add_metric([sig.id], st.timeouts)
            seconds.add_metric([sig.id], st.seconds)
            if st.last_hit is not None:
                last.add_metric([sig.id], st.last_hit / 1000)
        yield from (matches, timeouts, seconds, last)

    def _events(self):
        events = CounterMetricFamily("logsentinel_events", "Event reports made, per signature and report",
                                     labels=["signature", "report"])
        for (sig, report), n in sorted(self.t.run.reports.items()):
            events.add_metric([sig, report], n)
        yield events

    def _open_events(self):
        opened = GaugeMetricFamily("logsentinel_open_events", "Events open now, per priority and signature",
                                   labels=["priority", "signature"])
        overdue = GaugeMetricFamily("logsentinel_overdue_events", "Open events past their deadline, per priority",
                                    labels=["priority"])
        earliest = GaugeMetricFamily("logsentinel_earliest_deadline_timestamp_seconds",
                                     "The earliest deadline of an open event not yet overdue (0: none)")
        events = list(self.t.detector.open.values())
        by_sig: dict = {}
        late: dict = {p: 0 for p in ("P1", "P2", "P3", "P4")}
        for ev in events:
            by_sig[(ev.priority, ev.signature)] = by_sig.get((ev.priority, ev.signature), 0) + 1
            if ev.overdue:
                late[ev.priority] = late.get(ev.priority, 0) + 1
        for (priority, sig), n in sorted(by_sig.items()):
            opened.add_metric([priority, sig], n)
        for priority, n in late.items():
            overdue.add_metric([priority], n)
        pending = [ev.deadline for ev in events if not ev.overdue]
        earliest.add_metric([], min(pending) / 1000 if pending else 0)
        yield from (opened, overdue, earliest)

    def _sinks(self):
        deliveries = CounterMetricFamily("logsentinel_deliveries", "Reports per sink and result",
                                         labels=["sink", "result"])
        depth = GaugeMetricFamily("logsentinel_outbox_pending", "Reports waiting, per sink", labels=["sink"])
        age = GaugeMetricFamily("logsentinel_outbox_oldest_pending_age_seconds", "Age of the oldest waiting report",
                                labels=["sink"])
        try:
            view = outbox_view(self.t.state_path)
        except sqlite3.Error:
            view = OutboxView({}, {})
        now = self.t.clock.time()
        for w in self.t.workers:
            name, c = w.sink.name, w.counters
            deliveries.add_metric([name, "ok"], c.delivered)
            deliveries.add_metric([name, "failed"], c.failed)
            deliveries.add_metric([name, "dead"], c.dead)
            depth.add_metric([name], view.counts.get((name, "pending"), 0))
            age.add_metric([name], now - view.oldest[name] if name in view.oldest else 0)
        yield from (deliveries, depth, age)

    def _probes(self):
        ok = GaugeMetricFamily("logsentinel_probe_ok", "1 if the probe's last result was fine", labels=["probe"])
        value = GaugeMetricFamily("logsentinel_probe_value", "The probe's last measure (percent free, percent used, up)",
                                  labels=["probe"])
        for probe in self.t.probes:
            if probe.last is not None:
                ok.add_metric([probe.name], 1 if probe.last.ok else 0)
                if probe.last.value is not None:
                    value.add_metric([probe.name], probe.last.value)
        yield from (ok, value)


class _Server(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, *args):
        pass


class MetricsServer:
    def __init__(self, telemetry: Telemetry, health: Health, config: Config):
        self.health = health
        self.config = config
        self.clock = telemetry.clock
        web = config.metrics
        registry = CollectorRegistry()
        registry.register(SidecarCollector(telemetry))
        self.metrics_app = make_wsgi_app(registry)
        self.auth = BasicAuth(web.basic_auth_users) if web.basic_auth_users else None
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
        self.thread = threading.Thread(target=self.httpd.serve_forever, name="metrics", daemon=True)

    def start(self) -> None:
        self.thread.start()
        log.info("status page, metrics and health on %s://%s:%d/ (/metrics, /healthz, /readyz, /api/status)%s",
                 self.scheme, self.httpd.server_address[0], self.port, " with basic auth" if self.auth else "")

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def app(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        if self.auth is not None and not self.auth.allows(environ.get("HTTP_AUTHORIZATION")):
            start_response("401 Unauthorized", [("WWW-Authenticate", 'Basic realm="logsentinel"'),
                                                ("Content-Type", "text/plain"), ("Content-Length", "13")])
            return [b"unauthorized\n"]
        if path == "/":
            from logsentinel.app.statuspage import render
            body = render(collect(self.config, self.clock.time()), self.config.host).encode("utf-8")
            return _send(start_response, 200, "text/html; charset=utf-8", body)
        if path == "/api/status":
            body = json.dumps(collect(self.config, self.clock.time()), ensure_ascii=False).encode("utf-8")
            return _send(start_response, 200, "application/json", body)
        if path == "/healthz":
            problems = self.health.liveness()
            body = "ok\n" if not problems else "".join(p + "\n" for p in problems)
            return _text(start_response, 200 if not problems else 503, body)
        if path == "/readyz":
            problems = self.health.readiness()
            body = "ready\n" if not problems else "".join(p + "\n" for p in problems)
            return _text(start_response, 200 if not problems else 503, body)
        return self.metrics_app(environ, start_response)


def _text(start_response, status: int, body: str):
    return _send(start_response, status, "text/plain", body.encode())


def _send(start_response, status: int, content_type: str, data: bytes):
    reason = {200: "OK", 503: "Service Unavailable"}[status]
    start_response(f"{status} {reason}", [("Content-Type", content_type), ("Content-Length", str(len(data))),
                                          ("Cache-Control", "no-store")])
    return [data]


class BasicAuth:
    """Basic auth against bcrypt hashes (``basic_auth_users``); a password that passed once is
    remembered by its digest, so a page refresh does not pay bcrypt's cost again."""

    def __init__(self, users: dict[str, str]):
        self.users = {u: h.encode() for u, h in users.items()}
        self._passed: set[bytes] = set()
        self._lock = threading.Lock()

    def allows(self, header: str | None) -> bool:
        if not header or not header.startswith("Basic "):
            return False
        try:
            user, _, password = base64.b64decode(header[6:]).decode("utf-8").partition(":")
        except (ValueError, UnicodeDecodeError):
            return False
        hashed = self.users.get(user)
        if hashed is None:
            return False
        digest = hashlib.sha256(hashed + b"\0" + password.encode("utf-8")).digest()
        with self._lock:
            if digest in self._passed:
                return True
        import bcrypt
        if not bcrypt.checkpw(password.encode("utf-8"), hashed):
            return False
        with self._lock:
            self._passed.add(digest)
        return True
