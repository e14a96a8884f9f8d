"""``/metrics``: the sidecar's counters and gauges in the Prometheus text format
(prometheus-client), read from the running sidecar's ``Telemetry`` when scraped; nothing is
counted twice on the hot path."""

from __future__ import annotations

import sqlite3

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily

from logsentinel.runtime.health import OutboxView, outbox_view
from logsentinel.runtime.telemetry import Telemetry


class SidecarCollector:
    def __init__(self, telemetry: Telemetry) -> None:
        self.t = telemetry

    def collect(self):
        yield from self._tails()
        yield CounterMetricFamily("logsentinel_commits", "State transactions committed", value=self.t.run.commits)
        if self.t.health is not None:
            yield GaugeMetricFamily(
                "logsentinel_heartbeat_timestamp_seconds",
                "When the main loop last went round (a dead man's switch: alert when it is old)",
                value=getattr(self.t.health, "last_loop_wall", 0.0),
            )
        ignored = CounterMetricFamily(
            "logsentinel_record_times_ignored",
            "Record times not believed (a day ahead of this machine's clock, or before 2000), per source",
            labels=["source"],
        )
        for source, n in sorted(getattr(self.t.ignored_times, "per_source", {}).items()):
            ignored.add_metric([source], n)
        yield ignored
        yield from self._matches()
        yield from self._events()
        yield from self._open_events()
        yield from self._sinks()
        yield from self._probes()
        yield from self._eventlogs()
        yield GaugeMetricFamily("logsentinel_signatures", "Signatures loaded", value=len(self.t.matcher.signatures))
        yield CounterMetricFamily("logsentinel_reloads", "Pattern reloads taken", value=self.t.run.reloads)
        yield CounterMetricFamily(
            "logsentinel_reloads_refused", "Pattern reloads refused", value=self.t.run.reloads_refused
        )
        yield CounterMetricFamily(
            "logsentinel_records_set_aside",
            "Records the detector failed on, set aside",
            value=self.t.run.records_set_aside,
        )
        yield CounterMetricFamily(
            "logsentinel_reports_set_aside",
            "Reports set aside by a full outbox (max_pending)",
            value=self.t.run.dropped,
        )
        yield CounterMetricFamily(
            "logsentinel_reloads_unchanged",
            "Reload requests with no signature file changed",
            value=self.t.run.reloads_unchanged,
        )

    def _tails(self):
        lines = CounterMetricFamily("logsentinel_lines_read", "Lines read, per source", labels=["source"])
        data = CounterMetricFamily("logsentinel_bytes_read", "Bytes read, per source", labels=["source"])
        lag = GaugeMetricFamily(
            "logsentinel_tail_lag_bytes", "Bytes written but not yet read, per file", labels=["source", "path"]
        )
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
        matches = CounterMetricFamily(
            "logsentinel_matches", "Matches per signature and kind", labels=["signature", "kind"]
        )
        timeouts = CounterMetricFamily(
            "logsentinel_regex_timeouts", "Regex timeouts per signature", labels=["signature"]
        )
        seconds = CounterMetricFamily(
            "logsentinel_signature_seconds", "Time confirming matches, per signature", labels=["signature"]
        )
        last = GaugeMetricFamily(
            "logsentinel_signature_last_hit_timestamp_seconds",
            "Time (from the record) of the last hit, per signature",
            labels=["signature"],
        )
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
        events = CounterMetricFamily(
            "logsentinel_events", "Event reports made, per signature and report", labels=["signature", "report"]
        )
        for (sig, report), n in sorted(self.t.run.reports.items()):
            events.add_metric([sig, report], n)
        yield events

    def _open_events(self):
        opened = GaugeMetricFamily(
            "logsentinel_open_events", "Events open now, per priority and signature", labels=["priority", "signature"]
        )
        overdue = GaugeMetricFamily(
            "logsentinel_overdue_events", "Open events past their deadline, per priority", labels=["priority"]
        )
        earliest = GaugeMetricFamily(
            "logsentinel_earliest_deadline_timestamp_seconds",
            "The earliest deadline of an open event not yet overdue (0: none)",
        )
        events = list(self.t.detector.open.values())
        by_sig: dict = {}
        late: dict = dict.fromkeys(("P1", "P2", "P3", "P4"), 0)
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
        deliveries = CounterMetricFamily(
            "logsentinel_deliveries", "Reports per sink and result", labels=["sink", "result"]
        )
        depth = GaugeMetricFamily("logsentinel_outbox_pending", "Reports waiting, per sink", labels=["sink"])
        age = GaugeMetricFamily(
            "logsentinel_outbox_oldest_pending_age_seconds", "Age of the oldest waiting report", labels=["sink"]
        )
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
        value = GaugeMetricFamily(
            "logsentinel_probe_value", "The probe's last measure (percent free, percent used, up)", labels=["probe"]
        )
        for probe in self.t.probes:
            if probe.last is not None:
                ok.add_metric([probe.name], 1 if probe.last.ok else 0)
                if probe.last.value is not None:
                    value.add_metric([probe.name], probe.last.value)
        yield from (ok, value)

    def _eventlogs(self):
        up = GaugeMetricFamily(
            "logsentinel_eventlog_channel_up",
            "1 if the event-log channel is being read, 0 if it is retrying",
            labels=["source", "channel"],
        )
        counters = {
            name: CounterMetricFamily(f"logsentinel_eventlog_{name}", help_, labels=["source"])
            for name, help_ in (
                ("events", "Events read"),
                ("malformed", "Events whose XML could not be read, skipped"),
                ("unrendered", "Events that did not render after retries, skipped"),
                ("resubscribes", "Subscriptions opened again after an API error"),
                ("records_lost", "Records overwritten or cleared before they were read"),
                ("api_errors", "Errors of the Windows Event Log API"),
                ("partial_messages", "Messages kept partial (an insert did not resolve)"),
            )
        }
        for tail in self.t.eventlogs:
            for s in tail.channel_states():
                up.add_metric([s["source"], s["channel"]], 1 if s["state"] == "open" else 0)
            st, name = tail.stats, tail.cfg.name
            for key, value in (
                ("events", st.events),
                ("malformed", st.malformed),
                ("unrendered", st.unrendered),
                ("resubscribes", st.resubscribes),
                ("records_lost", st.lost),
                ("api_errors", st.errors),
                ("partial_messages", tail.publishers.partial),
            ):
                counters[key].add_metric([name], value)
        yield up
        yield from counters.values()
