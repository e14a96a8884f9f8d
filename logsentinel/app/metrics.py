"""Metrics and health on an HTTP port (127.0.0.1 by default): ``/metrics`` in the Prometheus
text format (prometheus-client), ``/healthz`` (the loop is alive) and ``/readyz`` (the state
database is writable and every sink delivered recently, or has nothing to deliver).

Values are read from the running sidecar when scraped; nothing is counted twice on the hot path.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from dataclasses import dataclass
from pathlib import Path
from wsgiref.simple_server import WSGIRequestHandler, make_server

from prometheus_client import CollectorRegistry, make_wsgi_app
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily

from logsentinel.app.checkpoint import RunStats
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


class SidecarCollector:
    def __init__(self, telemetry: Telemetry):
        self.t = telemetry

    def collect(self):
        yield from self._tails()
        yield CounterMetricFamily("logsentinel_commits", "State transactions committed", value=self.t.run.commits)
        yield from self._matches()
        yield from self._events()
        yield from self._sinks()
        yield from self._probes()
        yield GaugeMetricFamily("logsentinel_signatures", "Signatures loaded", value=len(self.t.matcher.signatures))
        yield CounterMetricFamily("logsentinel_reloads", "Pattern reloads taken", value=self.t.run.reloads)
        yield CounterMetricFamily("logsentinel_reloads_refused", "Pattern reloads refused",
                                  value=self.t.run.reloads_refused)

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
            for kind in ("files_opened", "rotations", "truncations", "lost_files"):
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


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, *args):
        pass


class MetricsServer:
    def __init__(self, telemetry: Telemetry, health: Health, host: str, port: int):
        self.health = health
        registry = CollectorRegistry()
        registry.register(SidecarCollector(telemetry))
        self.metrics_app = make_wsgi_app(registry)
        self.httpd = make_server(host, port, self.app, handler_class=_QuietHandler)
        self.port = self.httpd.server_port
        self.thread = threading.Thread(target=self.httpd.serve_forever, name="metrics", daemon=True)

    def start(self) -> None:
        self.thread.start()
        log.info("metrics and health on http://%s:%d/metrics, /healthz, /readyz",
                 self.httpd.server_address[0], self.port)

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def app(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        if path == "/healthz":
            alive = self.health.alive()
            return _text(start_response, 200 if alive else 503, "ok\n" if alive else "main loop stalled\n")
        if path == "/readyz":
            problems = self.health.readiness()
            body = "ready\n" if not problems else "".join(p + "\n" for p in problems)
            return _text(start_response, 200 if not problems else 503, body)
        return self.metrics_app(environ, start_response)


def _text(start_response, status: int, body: str):
    reason = {200: "OK", 503: "Service Unavailable"}[status]
    data = body.encode()
    start_response(f"{status} {reason}", [("Content-Type", "text/plain"), ("Content-Length", str(len(data)))])
    return [data]
