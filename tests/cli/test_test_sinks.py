"""``logsentinel test-sinks``: one marked test event and its resolve through every sink (real
local receivers, a real Alertmanager where installed); ok or the reason per sink; exit 1 if any
failed. And ``validate``'s warnings: a folder that does not exist, no sinks, a sink host that
does not resolve, and the monitored events the config can raise."""

from __future__ import annotations

import json
import re
import textwrap

from conftest import ROOT, run_cli
from support.httpserver import Receiver


def _cfg(tmp_path, sinks: str, sources: str = "") -> object:
    cfg = tmp_path / "cfg.yaml"
    cfg.write_text(
        textwrap.dedent(f"""
        host: ucx-test
        state: state.db
        sources: [{sources or f"{{name: app, paths: ['{tmp_path}/*.log']}}"}]
        sinks: {sinks}
    """)
    )
    return cfg


def test_every_sink_gets_the_test_event_and_its_resolve_and_a_failing_one_is_named(tmp_path):
    hook, pd, broken = Receiver().start(), Receiver(default=202).start(), Receiver(default=500).start()
    try:
        cfg = _cfg(
            tmp_path,
            f"""[{{type: jsonl, path: out.jsonl}},
                 {{type: webhook, name: support-hook, url: '{hook.url}/hook'}},
                 {{type: pagerduty, routing_key: R0UT1NGKEY, url: '{pd.url}/v2/enqueue'}},
                 {{type: webhook, name: broken, url: '{broken.url}/hook', timeout: 2}}]""",
        )
        res = run_cli("test-sinks", "-c", cfg)
    finally:
        for rx in (hook, pd, broken):
            rx.stop()
    assert res.returncode == 1, res.stdout + res.stderr
    lines = res.stdout.splitlines()
    assert any(line.startswith("ok") and "support-hook" in line for line in lines)
    assert any(line.startswith("ok") and "jsonl" in line for line in lines)
    assert any(line.startswith("ok") and "pagerduty" in line for line in lines)
    failed = [line for line in lines if line.startswith("FAILED")]
    assert len(failed) == 1 and "broken" in failed[0] and "500" in failed[0]
    assert "Traceback" not in res.stderr
    written = [json.loads(x) for x in (tmp_path / "out.jsonl").read_text().splitlines()]
    assert [(e["signature"], e["report"], e["fields"]) for e in written] == [
        ("logsentinel.test", "fired", {"test": "true"}),
        ("logsentinel.test", "resolved", {"test": "true"}),
    ]
    actions = [b["event_action"] for b in pd.bodies]
    assert actions == ["trigger", "resolve"] and pd.bodies[0]["dedup_key"] == pd.bodies[1]["dedup_key"]
    assert [b["report"] for b in hook.bodies] == ["fired", "resolved"]


def test_all_sinks_ok_exits_0_and_no_sinks_is_an_error(tmp_path):
    res = run_cli("test-sinks", "-c", _cfg(tmp_path, "[{type: jsonl, path: out.jsonl}]"))
    assert res.returncode == 0 and "every sink took the test event" in res.stdout
    res = run_cli("test-sinks", "-c", _cfg(tmp_path, "[]"))
    assert res.returncode == 1 and "no sinks configured" in res.stderr


def test_the_test_lines_are_not_cut_as_half_a_batch_at_the_next_start(tmp_path):
    from support.sidecar import load_sidecar

    cfg = _cfg(tmp_path, "[{type: jsonl, path: out.jsonl}]")
    side = load_sidecar(cfg)  # the state database exists, as on a host that ran before
    side.step()
    side.state.close()
    assert run_cli("test-sinks", "-c", cfg).returncode == 0
    side = load_sidecar(cfg)
    side.dispatcher.start()
    side.dispatcher.stop(timeout=5)
    side.state.close()
    assert len((tmp_path / "out.jsonl").read_text().splitlines()) == 2


def test_validate_warns_about_missing_folders_no_sinks_and_hosts_that_do_not_resolve(tmp_path):
    cfg = _cfg(
        tmp_path,
        "[{type: webhook, url: 'http://no-such-host.invalid/hook'}]",
        sources=f"{{name: app, paths: ['{tmp_path}/missing/*.log']}}",
    )
    res = run_cli("validate", "-c", cfg)
    assert res.returncode == 0, res.stderr
    assert f"the folder {tmp_path / 'missing'} does not exist" in res.stdout
    assert "no-such-host.invalid" in res.stdout and "does not resolve" in res.stdout
    res = run_cli("validate", "-c", _cfg(tmp_path, "[]"))
    assert "warning: no sinks" in res.stdout


def test_coverage_says_which_monitored_events_a_config_can_raise(tmp_path):
    res = run_cli("coverage", "-c", ROOT / "contrib" / "windows" / "logsentinel.example.yaml")
    assert res.returncode == 0 and "can raise: 18 of 18" in res.stdout
    probes_only = tmp_path / "probes.yaml"  # no log, no event log: only what a probe measures
    probes_only.write_text("host: h\nprobes: [{type: http, url: 'http://127.0.0.1:9/test'}]\n")
    res = run_cli("coverage", "-c", probes_only)
    assert res.returncode == 1
    rows = {m.group(2): m.group(1) for m in re.finditer(r"^\s+(yes|NO)\s+P\d\s+(.*?)\s+\(", res.stdout, re.M)}
    assert rows["UCX Suite is unable to communicate with api.imagicle.com."] == "yes"
    assert rows["Application crash"] == "NO" and rows["VoIP stack crash"] == "NO"
    assert "can raise: 1 of 18" in res.stdout
    assert "can raise" in run_cli("validate", "-c", _cfg(tmp_path, "[]")).stdout
