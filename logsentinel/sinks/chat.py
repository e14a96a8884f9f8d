"""Chat bodies for the webhook sink (``format: slack`` or ``teams``): a short human summary of
one report, with priority, title, host, deadline, count and the first line of the record.

Slack: an incoming-webhook message (``text`` for notifications, ``blocks`` for the message).
Teams: an Adaptive Card in the message envelope that Teams workflows ("Post to a channel when
a webhook request is received") accept.
"""

from __future__ import annotations

SLACK_HEADER_MAX = 150  # a header block's plain_text
SLACK_TEXT_MAX = 3000  # a section's text
COLOUR = {"P1": "attention", "P2": "warning", "P3": "accent", "P4": "default"}
REPORT_WORD = {
    "fired": "fired",
    "repeated": "still occurring",
    "overdue": "OVERDUE",
    "acknowledged": "acknowledged",
    "resolved": "resolved",
    "closed": "quiet (closed)",
    "updated": "updated",
}


def _first_line(event: dict, limit: int = 300) -> str:
    line = (event.get("message") or "").split("\n", 1)[0]
    return line if len(line) <= limit else line[: limit - 1] + "…"


def _headline(event: dict) -> str:
    word = REPORT_WORD.get(event["report"], event["report"])
    who = event.get("acknowledged_by") if event["report"] == "acknowledged" else event.get("resolved_by")
    if who and event["report"] in ("acknowledged", "resolved"):
        word += f" by {who}"
    return f"[{event['priority']}] {event['title']} on {event['host']}: {word}"


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def slack_body(event: dict) -> dict:
    facts = [
        ("Priority", event["priority"] + (" (overdue)" if event.get("overdue") else "")),
        ("Host", event["host"]),
        ("Deadline", event["deadline"]),
        ("Count", str(event["count"])),
        ("Signature", event["signature"]),
        ("Status", event["status"]),
    ]
    return {
        "text": _cut(_headline(event), SLACK_TEXT_MAX),
        "blocks": [
            {"type": "header", "text": {"type": "plain_text", "text": _cut(_headline(event), SLACK_HEADER_MAX)}},
            {
                "type": "section",
                "fields": [{"type": "mrkdwn", "text": f"*{name}*\n{_escape(value)}"} for name, value in facts],
            },
            {
                "type": "section",
                "text": {
                    "type": "mrkdwn",
                    "text": _cut("```" + _first_line(event).replace("```", "'''") + "```", SLACK_TEXT_MAX),
                },
            },
            *_slack_more(event),
        ],
    }


def _slack_more(event: dict) -> list[dict]:
    """What the event means and the runbook link, when the signature gives them."""
    parts = []
    if event.get("description"):
        parts.append(_escape(_cut(event["description"], 1000)))
    if event.get("runbook"):
        parts.append(f"<{_escape(event['runbook'])}|Runbook>")
    return [{"type": "context", "elements": [{"type": "mrkdwn", "text": p} for p in parts]}] if parts else []


def teams_body(event: dict) -> dict:
    card = {
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "type": "AdaptiveCard",
        "version": "1.4",
        "body": [
            {
                "type": "TextBlock",
                "text": _headline(event),
                "weight": "Bolder",
                "size": "Medium",
                "wrap": True,
                "color": COLOUR.get(event["priority"], "default"),
            },
            {
                "type": "FactSet",
                "facts": [
                    {"title": "Priority", "value": event["priority"] + (" (overdue)" if event.get("overdue") else "")},
                    {"title": "Host", "value": event["host"]},
                    {"title": "Deadline", "value": event["deadline"]},
                    {"title": "Count", "value": str(event["count"])},
                    {"title": "Signature", "value": event["signature"]},
                ],
            },
            {"type": "TextBlock", "text": _first_line(event), "wrap": True, "fontType": "Monospace", "isSubtle": True},
        ]
        + (
            [{"type": "TextBlock", "text": _cut(event["description"], 1000), "wrap": True, "isSubtle": True}]
            if event.get("description")
            else []
        ),
    }
    if event.get("runbook"):
        card["actions"] = [{"type": "Action.OpenUrl", "title": "Runbook", "url": event["runbook"]}]
    return {
        "type": "message",
        "attachments": [
            {"contentType": "application/vnd.microsoft.card.adaptive", "contentUrl": None, "content": card}
        ],
    }


def _escape(text: str) -> str:
    """Slack mrkdwn: &, < and > are control characters."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


FORMATS = {"slack": slack_body, "teams": teams_body}
