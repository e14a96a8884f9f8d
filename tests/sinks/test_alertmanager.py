"""Against real Alertmanagers (Debian's prometheus-alertmanager, on loopback ports): a firing
event appears at every member with the right labels, repeats make no duplicate, a resolve
ends it."""

from __future__ import annotations

import json
import shutil
import subprocess
import textwrap
import time
import urllib.request

import pytest
from conftest import PATTERNS, run_cli
from support.httpserver import free_port
from support.sidecar import start_run, start_sidecar, stop_run, stop_sidecar, utc_stamp, wait_following, wait_until
from support.signatures import slow_answer

BINARY = shutil.which("prometheus-alertmanager") or shutil.which("alertmanager")
pytestmark = pytest.mark.skipif(BINARY is None, reason="prometheus-alertmanager is not installed (.ci/run installs it)")


class Alertmanager:
    def __init__(self, folder):
        self.port = free_port()
        folder.mkdir()
        (folder / "am.yml").write_text("route: {receiver: 'null', group_wait: 1s}\nreceivers: [{name: 'null'}]\n")
        self.proc = subprocess.Popen(
            [
                BINARY,
                f"--config.file={folder / 'am.yml'}",
                f"--storage.path={folder}",
                f"--web.listen-address=127.0.0.1:{self.port}",
                "--cluster.listen-address=",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(f"{self.url}/-/ready", timeout=1)
                return
            except OSError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError("alertmanager did not start")

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def alerts(self) -> list[dict]:
        with urllib.request.urlopen(f"{self.url}/api/v2/alerts", timeout=5) as resp:
            return json.loads(resp.read())

    def stop(self):
        self.proc.terminate()
        self.proc.wait(timeout=10)


@pytest.fixture
def cluster(tmp_path):
    members = [Alertmanager(tmp_path / f"am{i}") for i in range(2)]
    yield members
    for m in members:
        m.stop()


def test_firing_repeats_and_resolve(tmp_path, cluster):
    log = tmp_path / "app.log"
    log.write_text("")
    cfg = tmp_path / "cfg.yaml"
    urls = ", ".join(f"'{m.url}'" for m in cluster)
    cfg.write_text(
        textwrap.dedent(f"""
        host: ucx-07
        patterns: ['{PATTERNS}']
        state: state.db
        sources: [{{name: monitoring, paths: ['{log}'], timezone: UTC}}]
        heartbeat: {{interval: 1s}}
        sinks:
          - {{type: alertmanager, urls: [{urls}], resend_interval: 1}}
    """)
    )
    side, thread = start_sidecar(cfg)
    stamp = utc_stamp
    try:
        wait_following(side)
        with open(log, "a") as fh:
            fh.write(f"{stamp()} [2] WARN StoneVoice.Monitoring - Low database space for database UCX_Analytics\n")

        def ours(member):
            return [a for a in member.alerts() if a["labels"].get("alertname") == "database.space_low"]

        for member in cluster:  # every member of the HA cluster gets the alert
            found = wait_until(lambda m=member: ours(m))
            assert found and len(found) == 1, member.url
            labels, ann = found[0]["labels"], found[0]["annotations"]
            assert labels == {
                "alertname": "database.space_low",
                "priority": "P4",
                "severity": "info",
                "host": "ucx-07",
                "application": "SQL Server",
                "source": "monitoring",
                "database": "UCX_Analytics",
            }
            assert ann["summary"].startswith("Space available on the database running low on ucx-07")
            assert "UCX_Analytics" in ann["description"] and ann["deadline"].endswith("Z")
            assert found[0]["generatorURL"].startswith("file://ucx-07/")
        with open(log, "a") as fh:
            for _ in range(3):
                fh.write(f"{stamp()} [2] WARN StoneVoice.Monitoring - Low database space for database UCX_Analytics\n")
        time.sleep(3)  # several re-posts later: still one alert
        for member in cluster:
            assert len(ours(member)) == 1
        with open(log, "a") as fh:
            fh.write(f"{stamp()} probe=database name=UCX_Analytics used_bytes=1 max_bytes=10 used_pct=10.0 level=ok\n")

        def ended(member):
            alerts = ours(member)  # one request: the alert may vanish between two
            return not alerts or alerts[0]["status"]["state"] == "resolved"

        for member in cluster:
            assert wait_until(lambda m=member: ended(m)), ours(member)
        # the dead man's switch: an always-firing heartbeat alert at every member
        for member in cluster:
            beats = [a for a in member.alerts() if a["labels"].get("alertname") == "LogsentinelHeartbeat"]
            assert beats and beats[0]["labels"]["host"] == "ucx-07"
    finally:
        stop_sidecar(side, thread)


OVERDUE_SIG = slow_answer("2s")


def test_an_overdue_event_carries_the_overdue_label(tmp_path, cluster):
    """The deadline passes while the event still fires: Alertmanager shows one alert for it,
    now labelled overdue="true" (the one without the label is ended, not left to linger)."""
    log = tmp_path / "app.log"
    log.write_text("")
    (tmp_path / "p").mkdir()
    (tmp_path / "p" / "demo.yaml").write_text(OVERDUE_SIG)
    member = cluster[0]
    cfg = tmp_path / "cfg.yaml"
    cfg.write_text(
        textwrap.dedent(f"""
        host: ucx-07
        patterns: ['{tmp_path / "p"}']
        state: state.db
        sources: [{{name: app, paths: ['{log}'], timezone: UTC}}]
        sinks:
          - {{type: alertmanager, urls: ['{member.url}'], resend_interval: 1}}
    """)
    )
    side, thread = start_sidecar(cfg)
    try:
        wait_following(side)
        with open(log, "a") as fh:
            fh.write(f"{utc_stamp()} [2] ERROR Demo - demo failure 42\n")

        def firing():
            return [
                a
                for a in member.alerts()
                if a["labels"].get("alertname") == "demo.slow_answer" and a["status"]["state"] == "active"
            ]

        assert wait_until(lambda: firing() and firing()[0]["labels"].get("overdue") == "true", timeout=30), (
            member.alerts()
        )
        assert len(firing()) == 1 and firing()[0]["labels"]["code"] == "42"
    finally:
        stop_sidecar(side, thread)


def test_ack_annotates_and_resolve_ends_the_alert(tmp_path, cluster):
    """``logsentinel ack`` and ``resolve`` beside a running ``logsentinel run``: the alert is
    annotated with who took it (its labels unchanged: still one alert), then ended."""
    log = tmp_path / "app.log"
    log.write_text("")
    (tmp_path / "p").mkdir()
    (tmp_path / "p" / "demo.yaml").write_text(slow_answer("1h"))
    member = cluster[0]
    cfg = tmp_path / "cfg.yaml"
    cfg.write_text(
        textwrap.dedent(f"""
        host: ucx-07
        patterns: ['{tmp_path / "p"}']
        bundled_patterns: false
        state: state.db
        sources: [{{name: app, paths: ['{log}'], timezone: UTC}}]
        sinks:
          - {{type: alertmanager, urls: ['{member.url}'], resend_interval: 1}}
    """)
    )
    errlog = tmp_path / "sidecar.log"
    proc = start_run(cfg, errlog)

    def ours():
        return [a for a in member.alerts() if a["labels"].get("alertname") == "demo.slow_answer"]

    try:
        assert wait_until(lambda: "picked up" in errlog.read_text(), timeout=30)
        with open(log, "a") as fh:
            fh.write(f"{utc_stamp()} [2] ERROR Demo - demo failure 42\n")
        assert wait_until(ours, timeout=30), errlog.read_text()
        event_id = ours()[0]["annotations"]["event_id"]
        res = run_cli("ack", event_id[:8], "-c", cfg, "--by", "alice", "--note", "looking at it")
        assert res.returncode == 0, res.stderr
        assert wait_until(lambda: ours() and ours()[0]["annotations"].get("acknowledged_by") == "alice", timeout=30)
        (alert,) = ours()
        assert alert["annotations"]["note"] == "looking at it" and alert["status"]["state"] == "active"
        res = run_cli("resolve", event_id, "-c", cfg, "--by", "alice")
        assert res.returncode == 0, res.stderr

        def ended():
            alerts = ours()
            return not alerts or alerts[0]["status"]["state"] == "resolved"

        assert wait_until(ended, timeout=30), ours()
    finally:
        stop_run(proc)


def test_test_sinks_leaves_no_alert_open(tmp_path, cluster):
    """``logsentinel test-sinks``: each member takes the test alert (label test="true") and its
    resolve at once: nothing stays active."""
    from conftest import run_cli

    cfg = tmp_path / "cfg.yaml"
    urls = ", ".join(f"'{m.url}'" for m in cluster)
    cfg.write_text(f"host: ucx-07\nstate: state.db\nsinks: [{{type: alertmanager, urls: [{urls}]}}]\n")
    res = run_cli("test-sinks", "-c", cfg)
    assert res.returncode == 0, res.stdout + res.stderr
    assert sum(line.startswith("ok") for line in res.stdout.splitlines()) == 2
    for member in cluster:
        active = [a for a in member.alerts() if a["labels"].get("test") == "true" and a["status"]["state"] == "active"]
        assert active == [], active
