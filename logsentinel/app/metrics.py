"""Metrics and health on an HTTP port (127.0.0.1 by default): ``/metrics`` in the Prometheus
text format (prometheus-client), ``/healthz`` (the loop is alive) and ``/readyz`` (the state
database is writable and every sink delivered recently, or has nothing to deliver).

Values are read from the running sidecar when scraped; nothing is counted twice on the hot path.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from wsgiref.simple_server import WSGIRequestHandler, make_server

from prometheus_client import CollectorRegistry, make_wsgi_app
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily

log = logging.getLogger("logsentinel.metrics")

ALIVE_WITHIN_S = 15.0


class SidecarCollector:
    def __init__(self, sidecar):
        self.side = sidecar

    def collect(self):
        side = self.side
        lines = CounterMetricFamily("logsentinel_lines_read", "Lines read, per source", labels=["source"])
        data = CounterMetricFamily("logsentinel_bytes_read", "Bytes read, per source", labels=["source"])
        lag = GaugeMetricFamily("logsentinel_tail_lag_bytes", "Bytes written but not yet read, per file",
                                labels=["source", "path"])
        for tail in side.tails:
            lines.add_metric([tail.cfg.name], tail.stats.lines)
            data.add_metric([tail.cfg.name], tail.stats.bytes_read)
            for path, behind in tail.lag().items():
                lag.add_metric([tail.cfg.name, path], behind)
        yield lines
        yield data
        yield lag
        files = CounterMetricFamily("logsentinel_files", "File events, per source and kind", labels=["source", "kind"])
        for tail in side.tails:
            for kind in ("files_opened", "rotations", "truncations", "lost_files"):
                files.add_metric([tail.cfg.name, kind], getattr(tail.stats, kind))
        yield files
        yield CounterMetricFamily("logsentinel_commits", "State transactions committed", value=side.stats.commits)

        ms = side.matcher.stats
        yield CounterMetricFamily("logsentinel_records_scanned_lines", "Lines scanned by the matcher", value=ms.lines)
        matches = CounterMetricFamily("logsentinel_matches", "Matches per signature and kind",
                                      labels=["signature", "kind"])
        timeouts = CounterMetricFamily("logsentinel_regex_timeouts", "Regex timeouts per signature", labels=["signature"])
        seconds = CounterMetricFamily("logsentinel_signature_seconds", "Time confirming matches, per signature",
                                      labels=["signature"])
        last = GaugeMetricFamily("logsentinel_signature_last_hit_timestamp_seconds",
                                 "Time (from the record) of the last hit, per signature", labels=["signature"])
        for sig in side.matcher.signatures:
            st = ms.per_signature.get(sig.id)
            if st is None:
                continue
            matches.add_metric([sig.id, "hit"], st.hits)
            matches.add_metric([sig.id, "resolve"], st.resolves)
            matches.add_metric([sig.id, "heartbeat"], st.heartbeats)
            timeouts.add_metric([sig.id], st.timeouts)
            seconds.add_metric([sig.id], st.seconds)
            if st.last_hit is not None:
                last.add_metric([sig.id], st.last_hit / 1000)
        yield matches
        yield timeouts
        yield seconds
        yield last

        events = CounterMetricFamily("logsentinel_events", "Event reports made, per signature and report",
                                     labels=["signature", "report"])
        for (sig, report), n in sorted(side.stats.reports.items()):
            events.add_metric([sig, report], n)
        yield events

        deliveries = CounterMetricFamily("logsentinel_deliveries", "Reports per sink and result",
                                         labels=["sink", "result"])
        for w in side.dispatcher.workers:
            deliveries.add_metric([w.sink.name, "ok"], w.delivered)
            deliveries.add_metric([w.sink.name, "failed"], w.failed)
            deliveries.add_metric([w.sink.name, "dead"], w.dead)
        yield deliveries

        depth = GaugeMetricFamily("logsentinel_outbox_pending", "Reports waiting, per sink", labels=["sink"])
        age = GaugeMetricFamily("logsentinel_outbox_oldest_pending_age_seconds", "Age of the oldest waiting report",
                                labels=["sink"])
        try:
            counts, oldest = side.outbox_view()
        except sqlite3.Error:
            counts, oldest = {}, {}
        now = time.time()
        for w in side.dispatcher.workers:
            depth.add_metric([w.sink.name], counts.get((w.sink.name, "pending"), 0))
            age.add_metric([w.sink.name], now - oldest[w.sink.name] if w.sink.name in oldest else 0)
        yield depth
        yield age

        ok = GaugeMetricFamily("logsentinel_probe_ok", "1 if the probe's last result was fine", labels=["probe"])
        value = GaugeMetricFamily("logsentinel_probe_value", "The probe's last measure (percent free, percent used, up)",
                                  labels=["probe"])
        for probe in side.probes:
            if probe.last is not None:
                ok.add_metric([probe.name], 1 if probe.last.ok else 0)
                if probe.last.value is not None:
                    value.add_metric([probe.name], probe.last.value)
        yield ok
        yield value
        yield GaugeMetricFamily("logsentinel_signatures", "Signatures loaded", value=len(side.matcher.signatures))
        yield CounterMetricFamily("logsentinel_reloads", "Pattern reloads taken", value=side.stats.reloads)
        yield CounterMetricFamily("logsentinel_reloads_refused", "Pattern reloads refused", value=side.stats.reloads_refused)


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, *args):
        pass


class MetricsServer:
    def __init__(self, sidecar, host: str, port: int):
        self.side = sidecar
        registry = CollectorRegistry()
        registry.register(SidecarCollector(sidecar))
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
            alive = time.monotonic() - self.side.last_loop < ALIVE_WITHIN_S
            return _text(start_response, 200 if alive else 503, "ok\n" if alive else "main loop stalled\n")
        if path == "/readyz":
            problems = self.side.readiness()
            body = "ready\n" if not problems else "".join(p + "\n" for p in problems)
            return _text(start_response, 200 if not problems else 503, body)
        return self.metrics_app(environ, start_response)


def _text(start_response, status: int, body: str):
    reason = {200: "OK", 503: "Service Unavailable"}[status]
    data = body.encode()
    start_response(f"{status} {reason}", [("Content-Type", "text/plain"), ("Content-Length", str(len(data)))])
    return [data]
