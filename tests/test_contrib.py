"""contrib/ (issue 23): the Prometheus alerting rules pass ``promtool check rules`` and fire as
their unit tests say (``promtool test rules``); the Grafana dashboard is what Grafana's own
typed builders make (grafana-foundation-sdk) and loads back into its models; and every metric
both name is one a running sidecar serves on /metrics."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import urllib.request

import pytest
from conftest import ROOT
from prometheus_client.parser import text_string_to_metric_families
from support.httpserver import free_port
from support.sidecar import start_sidecar, stop_sidecar, utc_stamp, wait_following, wait_until, write_config

RULES = ROOT / "contrib" / "prometheus" / "logsentinel-rules.yml"
DASHBOARD = ROOT / "contrib" / "grafana" / "logsentinel.json"
PROMTOOL = shutil.which("promtool")
NEEDS_PROMTOOL = pytest.mark.skipif(
    PROMTOOL is None, reason="Debian's prometheus (promtool) is not installed (.ci/run installs it)"
)


@NEEDS_PROMTOOL
def test_the_rules_are_valid_and_fire_as_their_tests_say():
    check = subprocess.run([PROMTOOL, "check", "rules", str(RULES)], capture_output=True, text=True, timeout=60)
    assert check.returncode == 0 and "SUCCESS: 5 rules found" in check.stdout, check.stdout + check.stderr
    test = subprocess.run(
        [PROMTOOL, "test", "rules", "logsentinel-rules.test.yml"],
        cwd=RULES.parent,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert test.returncode == 0 and "SUCCESS" in test.stdout, test.stdout + test.stderr


def test_the_dashboard_is_what_grafanas_builders_make_and_loads_back():
    pytest.importorskip("grafana_foundation_sdk")
    import importlib.util

    from grafana_foundation_sdk.models.dashboard import Dashboard

    spec = importlib.util.spec_from_file_location("build_dashboard", ROOT / "contrib" / "grafana" / "build.py")
    assert spec is not None and spec.loader is not None
    build = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(build)
    committed = DASHBOARD.read_text(encoding="utf-8")
    assert committed == build.text(), "contrib/grafana/logsentinel.json is stale: run python contrib/grafana/build.py"
    data = json.loads(committed)
    model = Dashboard.from_json(data)
    assert model.title == "logsentinel" and model.uid == "logsentinel"
    titles = [p.title for p in model.panels or []]
    for wanted in ("Open events by priority", "Time to the earliest deadline", "Overdue", "Sink backlog", "Read lag"):
        assert wanted in titles
    ids = [p["id"] for p in data["panels"]]
    assert len(ids) == len(set(ids))


def _served_metrics(tmp_path) -> set[str]:
    log = tmp_path / "app.log"
    log.write_text("")
    port = free_port()
    cfg = write_config(tmp_path, log, source="app", metrics_port=port)
    side, thread = start_sidecar(cfg)
    try:
        wait_following(side)
        with open(log, "a") as fh:  # an open event, so that its gauges have samples
            fh.write(f"{utc_stamp()} [2] WARN StoneVoice.Monitoring - Low database space for database UCX_Analytics\n")
            fh.write(f"{utc_stamp()} [2] INFO StoneVoice.Monitoring - later\n")
        assert wait_until(lambda: len(side.detector.open) == 1)
        # its report counted (logsentinel_events_total) at the commit after the detector took it
        assert wait_until(lambda: side.stats.events >= 1)
        text = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10).read().decode()
    finally:
        stop_sidecar(side, thread)
    return {s.name for family in text_string_to_metric_families(text) for s in family.samples}


def test_every_metric_the_rules_and_dashboard_use_is_served(tmp_path):
    served = _served_metrics(tmp_path)
    used = set(re.findall(r"\blogsentinel_[a-z_]+", RULES.read_text() + DASHBOARD.read_text()))
    assert used and used <= served, sorted(used - served)
