"""Builds contrib/grafana/logsentinel.json with Grafana's own typed builders
(grafana-foundation-sdk, the schemas of Grafana 11.6): python contrib/grafana/build.py.
The test suite builds it again and compares (tests/test_contrib.py)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from grafana_foundation_sdk.builders import common, dashboard, prometheus, stat, timeseries
from grafana_foundation_sdk.cog.encoder import JSONEncoder
from grafana_foundation_sdk.models.common import BigValueColorMode, BigValueGraphMode
from grafana_foundation_sdk.models.dashboard import DataSourceRef, Threshold, ThresholdsMode, VariableRefresh

OUT = Path(__file__).with_name("logsentinel.json")
DS = DataSourceRef(type_val="prometheus", uid="${datasource}")
SEL = 'instance=~"$instance"'


def _query(expr: str, legend: str = "", ref: str = "A") -> prometheus.Dataquery:
    q = prometheus.Dataquery().expr(expr).ref_id(ref).datasource(DS)
    return q.legend_format(legend) if legend else q


def _thresholds(*steps: tuple[float | None, str]) -> dashboard.ThresholdsConfig:
    return (
        dashboard.ThresholdsConfig()
        .mode(ThresholdsMode.ABSOLUTE)
        .steps([Threshold(value=v, color=c) for v, c in steps])
    )


def _stat(title: str, description: str, query: prometheus.Dataquery, thresholds, unit: str = "") -> stat.Panel:
    """A big number on a coloured background: its last value."""
    panel = (
        stat.Panel()
        .title(title)
        .description(description)
        .with_target(query)
        .graph_mode(BigValueGraphMode.NONE)
        .reduce_options(common.ReduceDataOptions().calcs(["lastNotNull"]))
        .color_mode(BigValueColorMode.BACKGROUND)
        .thresholds(thresholds)
        .span(8)
        .height(5)
    )
    return panel.unit(unit) if unit else panel


def build() -> dict:
    d = (
        dashboard.Dashboard("logsentinel")
        .uid("logsentinel")
        .description("UCX Suite proactive support: open events, deadlines, sinks and reading, per sidecar")
        .tags(["logsentinel", "ucx"])
        .refresh("30s")
        .time("now-24h", "now")
        .timezone("browser")
        .with_variable(dashboard.DatasourceVariable("datasource").label("Prometheus").type("prometheus"))
        .with_variable(
            dashboard.QueryVariable("instance")
            .label("Sidecar")
            .datasource(DS)
            .query("label_values(logsentinel_open_events, instance)")
            .refresh(VariableRefresh.ON_TIME_RANGE_CHANGED)
            .multi(True)
            .include_all(True)
        )
        .with_row(dashboard.Row("Events"))
        .with_panel(
            _stat(
                "Open events by priority",
                "Events open now (logsentinel_open_events), per priority",
                _query(f"sum by (priority) (logsentinel_open_events{{{SEL}}})", "{{priority}}"),
                _thresholds((None, "green"), (1, "orange")),
            )
        )
        .with_panel(
            _stat(
                "Time to the earliest deadline",
                "The earliest response deadline of an open event not yet overdue",
                _query(
                    f"min(logsentinel_earliest_deadline_timestamp_seconds{{{SEL}}} > 0) - time()", "earliest deadline"
                ),
                _thresholds((None, "red"), (900, "orange"), (3600, "green")),
                unit="s",
            )
        )
        .with_panel(
            _stat(
                "Overdue",
                "Open events past their response time (logsentinel_overdue_events)",
                _query(f"sum by (priority) (logsentinel_overdue_events{{{SEL}}})", "{{priority}}"),
                _thresholds((None, "green"), (1, "red")),
            )
        )
        .with_panel(
            timeseries.Panel()
            .title("Open events")
            .with_target(
                _query(f"sum by (instance, priority) (logsentinel_open_events{{{SEL}}})", "{{instance}} {{priority}}")
            )
            .span(12)
            .height(8)
        )
        .with_panel(
            timeseries.Panel()
            .title("Reports made")
            .with_target(
                _query(f"sum by (report) (increase(logsentinel_events_total{{{SEL}}}[$__rate_interval]))", "{{report}}")
            )
            .span(12)
            .height(8)
        )
        .with_row(dashboard.Row("Sinks and reading"))
        .with_panel(
            timeseries.Panel()
            .title("Sink backlog")
            .description("Reports waiting per sink (logsentinel_outbox_pending)")
            .with_target(_query(f"logsentinel_outbox_pending{{{SEL}}}", "{{instance}} {{sink}}"))
            .span(8)
            .height(8)
        )
        .with_panel(
            timeseries.Panel()
            .title("Oldest waiting report")
            .with_target(_query(f"logsentinel_outbox_oldest_pending_age_seconds{{{SEL}}}", "{{instance}} {{sink}}"))
            .unit("s")
            .span(8)
            .height(8)
        )
        .with_panel(
            timeseries.Panel()
            .title("Read lag")
            .description("Bytes written to the logs but not yet read, per source (logsentinel_tail_lag_bytes)")
            .with_target(
                _query(f"sum by (instance, source) (logsentinel_tail_lag_bytes{{{SEL}}})", "{{instance}} {{source}}")
            )
            .unit("bytes")
            .span(8)
            .height(8)
        )
        .with_panel(
            timeseries.Panel()
            .title("Heartbeat age")
            .description("Seconds since the main loop last went round (alert LogsentinelSidecarDown past 120 s)")
            .with_target(_query(f"time() - logsentinel_heartbeat_timestamp_seconds{{{SEL}}}", "{{instance}}"))
            .unit("s")
            .span(12)
            .height(6)
        )
        .with_panel(
            timeseries.Panel()
            .title("Lines read")
            .with_target(
                _query(
                    f"sum by (instance, source) (rate(logsentinel_lines_read_total{{{SEL}}}[$__rate_interval]))",
                    "{{instance}} {{source}}",
                )
            )
            .unit("short")
            .span(12)
            .height(6)
        )
    )
    out = json.loads(json.dumps(d.build(), cls=JSONEncoder))
    for i, panel in enumerate(out["panels"], start=1):  # ids unique in the dashboard (links, repeats)
        panel["id"] = i
    return out


def text() -> str:
    return json.dumps(build(), indent=2, sort_keys=True) + "\n"


if __name__ == "__main__":
    OUT.write_text(text(), encoding="utf-8")
    print(f"wrote {OUT}", file=sys.stderr)
