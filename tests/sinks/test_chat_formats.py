"""The webhook sink's chat formats, posted to a local server and checked against what Slack's
Block Kit and Teams' Adaptive Cards document: Slack needs ``text`` and blocks within their
limits (a header's plain_text at most 150 characters, a section's text at most 3000, at most 10
fields of at most 2000); Teams takes an Adaptive Card (type, version, body of known elements) in
a message's attachments."""

from __future__ import annotations

import json

import pytest
from support.httpserver import Receiver

from logsentinel.clock import SYSTEM
from logsentinel.sinks.webhook import WebhookSettings, WebhookSink

EVENT = {
    "id": "a" * 32,
    "signature": "app.crash",
    "title": "Application crash",
    "application": "UCX Suite",
    "category": "degradation",
    "priority": "P1",
    "response_time_s": 3600,
    "status": "firing",
    "detected_at": "2026-11-27T10:02:44.000Z",
    "deadline": "2026-11-27T11:02:44.000Z",
    "first_seen": "2026-11-27T10:02:44.000Z",
    "last_seen": "2026-11-27T10:02:44.000Z",
    "resolved_at": None,
    "count": 2,
    "host": "ucx-01",
    "source": "eventlog",
    "path": "eventlog:System",
    "line": 91413,
    "message": "Error Service Control Manager 7031: The Imagicle Call Recording service <terminated> unexpectedly.\nsecond line",
    "fields": {"param1": "Imagicle Call Recording"},
    "dedup_key": "k",
    "kind": "match",
    "report": "overdue",
    "overdue": True,
}
SLACK_BLOCKS = {"header", "section", "divider", "context", "actions", "image", "rich_text"}
ADAPTIVE_ELEMENTS = {"TextBlock", "FactSet", "ColumnSet", "Container", "Image", "RichTextBlock"}


def _post(tmp_path, fmt: str) -> dict:
    rx = Receiver().start()
    try:
        sink = WebhookSink("chat", WebhookSettings(type="webhook", url=f"{rx.url}/hook", format=fmt), tmp_path, SYSTEM)
        sink.deliver([json.dumps(EVENT)], None)
        sink.heartbeat("ucx-01", 0.0)  # no heartbeats into a chat channel
        assert len(rx.bodies) == 1
        return rx.bodies[0]
    finally:
        rx.stop()


def test_slack_body(tmp_path):
    body = _post(tmp_path, "slack")
    assert body["text"].startswith("[P1] Application crash on ucx-01: OVERDUE")
    kinds = [b["type"] for b in body["blocks"]]
    assert set(kinds) <= SLACK_BLOCKS and kinds[0] == "header"
    header = body["blocks"][0]["text"]
    assert header["type"] == "plain_text" and len(header["text"]) <= 150
    fields = body["blocks"][1]["fields"]
    assert len(fields) <= 10 and all(f["type"] == "mrkdwn" and len(f["text"]) <= 2000 for f in fields)
    text = " ".join(f["text"] for f in fields)
    assert "P1 (overdue)" in text and "ucx-01" in text and "2026-11-27T11:02:44.000Z" in text and "*Count*\n2" in text
    record = body["blocks"][2]["text"]["text"]
    assert len(record) <= 3000 and "&lt;terminated&gt;" not in record and "second line" not in record
    assert "The Imagicle Call Recording service <terminated> unexpectedly." in record


def test_teams_body(tmp_path):
    body = _post(tmp_path, "teams")
    assert body["type"] == "message" and len(body["attachments"]) == 1
    attachment = body["attachments"][0]
    assert attachment["contentType"] == "application/vnd.microsoft.card.adaptive"
    card = attachment["content"]
    assert card["type"] == "AdaptiveCard" and card["version"] in ("1.2", "1.3", "1.4", "1.5")
    assert {el["type"] for el in card["body"]} <= ADAPTIVE_ELEMENTS
    facts = {f["title"]: f["value"] for el in card["body"] if el["type"] == "FactSet" for f in el["facts"]}
    assert facts == {
        "Priority": "P1 (overdue)",
        "Host": "ucx-01",
        "Deadline": "2026-11-27T11:02:44.000Z",
        "Count": "2",
        "Signature": "app.crash",
    }
    assert all(isinstance(v, str) for v in facts.values())
    assert card["body"][0]["text"].startswith("[P1] Application crash on ucx-01")


@pytest.mark.parametrize("fmt", ["event", "slack", "teams"])
def test_a_format_is_a_checked_setting(fmt):
    from logsentinel.config.sections import parse_section

    assert parse_section(WebhookSettings, {"type": "webhook", "url": "http://x", "format": fmt})[0] is not None
    _none, problems = parse_section(WebhookSettings, {"type": "webhook", "url": "http://x", "format": "discord"})
    assert problems and "expected event, slack or teams" in problems[0][1]
