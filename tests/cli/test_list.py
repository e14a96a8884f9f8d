"""``logsentinel list``: the catalogue of the monitored events (issue 23), from the library the
config uses, and with a config whether it can raise each."""

from __future__ import annotations

import json
import textwrap

from conftest import SAMPLES, run_cli

from logsentinel.signatures.load import bundled_folder, load_library


def _json(*args) -> dict:
    res = run_cli("list", "--json", *args)
    assert res.returncode == 0, res.stderr
    return json.loads(res.stdout)


def test_the_catalogue_lists_every_monitored_event_with_its_signatures():
    lib = load_library([bundled_folder()])
    cat = _json()
    rows = {e["monitored_event"]: e for e in cat["events"]}
    assert len(rows) == 18 and set(rows) == {s.monitored_event for s in lib.signatures if s.monitored_event}
    for sig in lib.signatures:
        if not sig.monitored_event:
            assert sig.id in [s["id"] for s in cat["own"]]
            continue
        row = rows[sig.monitored_event]
        assert row["priority"] == sig.priority and row["response_time_s"] == sig.response_time_s
        entry = next(s for s in row["signatures"] if s["id"] == sig.id)
        assert entry["title"] == sig.title and entry["reads"] and entry["ends"]
    assert [e["priority"] for e in cat["events"]] == sorted(e["priority"] for e in cat["events"])
    crash = {s["id"]: s for s in rows["Application crash"]["signatures"]}
    assert crash["app.crash"]["reads"] == "the Windows event log: System Service Control Manager 7031, 7034"
    assert "7036" in crash["app.crash"]["ends"]
    assert "can_raise" not in rows["Application crash"]  # no config: nothing to say about one
    probe = {s["id"]: s for s in rows["UCX Suite is unable to communicate with api.imagicle.com."]["signatures"]}
    assert probe["cloud.api_probe_failed"]["reads"].startswith("the http probe")


def test_with_a_config_it_says_what_that_config_can_raise(tmp_path):
    assert all(e["can_raise"] for e in _json("-c", SAMPLES / "logsentinel.yaml")["events"])
    cfg = tmp_path / "cfg.yaml"
    cfg.write_text(
        textwrap.dedent("""
        host: h
        state: s.db
        sources:
          - {type: eventlog, name: eventlog, channels: [System, Application]}
        sinks: [{type: jsonl, path: out.jsonl}]
        """)
    )
    rows = {e["monitored_event"]: e for e in _json("-c", cfg)["events"]}
    assert rows["Application crash"]["can_raise"] and "app.crash" in rows["Application crash"]["raised_by"]
    api = rows["UCX Suite is unable to communicate with api.imagicle.com."]
    assert api["raised_by"] == ["cloud.api_unreachable"]  # the http probe is not configured
    text = run_cli("list", "-c", cfg).stdout
    assert text.startswith("monitored events: 18; this config can raise")
    assert "- cloud.api_probe_failed" in text  # a signature this config cannot fire is marked


def test_a_broken_config_is_one_clear_line(tmp_path):
    cfg = tmp_path / "cfg.yaml"
    cfg.write_text("host: [unclosed\n")
    res = run_cli("list", "-c", cfg)
    assert res.returncode == 2 and "cfg.yaml" in res.stderr and "Traceback" not in res.stderr
