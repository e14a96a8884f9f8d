"""A signature's ``description`` and ``runbook`` (issue 23) reach every report and every sink's
body: the event's fields, Alertmanager's ``description`` and ``runbook_url`` annotations,
PagerDuty's ``links`` and details, Slack's and Teams' messages."""

from __future__ import annotations

import json
import textwrap

from conftest import run_cli

from logsentinel.sinks.alertmanager import alert
from logsentinel.sinks.chat import slack_body, teams_body
from logsentinel.sinks.pagerduty import pagerduty_event

RUNBOOK = "https://wiki.example.net/ucx/demo-failure?x=1&y=2"
SIGNATURE = f"""
id: demo.failure
title: Demo failure
priority: P2
description: The demo service failed to answer; restart it from the console.
runbook: '{RUNBOOK}'
auto_resolve: 1h
match: ['demo failure (?P<code>\\d+)']
examples: {{match: ['demo failure 1'], no_match: ['demo ok']}}
"""


def _replayed(tmp_path) -> dict:
    (tmp_path / "p").mkdir()
    (tmp_path / "p" / "demo.yaml").write_text(SIGNATURE)
    log = tmp_path / "app.log"
    log.write_text("2026-11-27 10:00:00,000 [1] ERROR Demo - demo failure 7\n")
    res = run_cli("replay", "--no-bundled", "--patterns", tmp_path / "p", "--timezone", "UTC", "--format", "jsonl", log)
    assert res.returncode == 0, res.stderr
    return json.loads(res.stdout.splitlines()[0])


def test_the_report_and_every_sink_carry_the_description_and_runbook(tmp_path):
    event = _replayed(tmp_path)
    assert event["runbook"] == RUNBOOK and event["description"].startswith("The demo service failed")
    ann = alert(event, event["deadline"])["annotations"]
    assert ann["runbook_url"] == RUNBOOK
    assert ann["description"].startswith("The demo service failed") and "demo failure 7" in ann["description"]
    pd = pagerduty_event(event, "key")
    assert pd is not None and pd["links"] == [{"href": RUNBOOK, "text": "Runbook"}]
    assert pd["payload"]["custom_details"]["description"].startswith("The demo service failed")
    slack = json.dumps(slack_body(event))
    assert "The demo service failed" in slack and json.dumps(f"<{RUNBOOK.replace('&', '&amp;')}|Runbook>") in slack
    card = teams_body(event)["attachments"][0]["content"]
    assert card["actions"] == [{"type": "Action.OpenUrl", "title": "Runbook", "url": RUNBOOK}]


def test_without_them_nothing_is_added(tmp_path):
    (tmp_path / "q").mkdir()
    event = {**_replayed(tmp_path), "description": None, "runbook": None}
    assert "runbook_url" not in alert(event, event["deadline"])["annotations"]
    pd = pagerduty_event(event, "key")
    assert pd is not None and "links" not in pd
    assert "actions" not in teams_body(event)["attachments"][0]["content"]


def test_a_runbook_that_is_no_link_is_refused_by_check(tmp_path):
    (tmp_path / "sig.yaml").write_text(textwrap.dedent(SIGNATURE).replace(RUNBOOK, "see the wiki"))
    res = run_cli("check", tmp_path)
    assert res.returncode == 1 and "demo.failure: runbook: expected an http(s) link" in res.stderr, res.stderr
