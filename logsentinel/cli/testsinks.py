"""``logsentinel test-sinks -c CONFIG`` (Winlogbeat's ``test output``): one clearly marked test
event through every configured sink, then its resolve at once, so no incident stays open:
PagerDuty gets a trigger and a resolve on the same dedup key, Alertmanager an alert that ends
immediately, carrying the label ``test="true"`` (every sink's event has ``fields.test: "true"``).
Prints ``ok`` or the reason per sink; exits 1 if any failed.

Each sink delivers exactly as the sidecar's worker does (its own ``deliver``); what a sink
remembers (the jsonl sink's size) is kept in the state database when one exists, so the next
start does not take the test lines for a half-written batch.
"""

from __future__ import annotations

import json
import socket
import sys
from typing import Any

from logsentinel.cli.common import read_config

TEST_SIGNATURE = "logsentinel.test"


def add_parser(sub) -> None:
    p = sub.add_parser("test-sinks", help="send a test event (and its resolve) through every sink of a config")
    p.add_argument("-c", "--config", required=True, metavar="FILE", help="config file")
    p.set_defaults(func=cmd_test_sinks)


def marked_events(host: str, now_ms: int) -> tuple[dict[str, Any], dict[str, Any]]:
    """The test event as fired, and as resolved."""
    from logsentinel.detection.events import Event

    key = json.dumps([TEST_SIGNATURE, host, [["test", "true"]]])
    event = Event(
        id=f"test-{now_ms}",
        signature=TEST_SIGNATURE,
        title="logsentinel test event (test-sinks): no action needed",
        application="logsentinel",
        category="sidecar",
        priority="P4",
        response_time_s=8 * 3600,
        status="firing",
        detected_at=now_ms,
        first_seen=now_ms,
        last_seen=now_ms,
        count=1,
        host=host,
        source="test-sinks",
        path=None,
        line=None,
        message=f"A test of the sinks of logsentinel on {host}, sent by logsentinel test-sinks; it resolves at once.",
        fields={"test": "true"},
        dedup_key=key,
        report="fired",
        reported_at=now_ms,
    )
    fired = event.to_dict()
    resolved = dict(fired, status="resolved", report="resolved", resolved_at=fired["detected_at"])
    return fired, resolved


class _MemoryStore:
    def __init__(self) -> None:
        self.values: dict[str, str] = {}

    def get(self, key: str) -> str | None:
        return self.values.get(key)

    def put(self, key: str, value: str) -> None:
        self.values[key] = value


def cmd_test_sinks(args) -> int:
    from logsentinel.clock import SYSTEM
    from logsentinel.sinks.base import DeliveryError
    from logsentinel.sinks.registry import build_sinks

    config = read_config(args.config)
    if config is None:
        return 2
    if not config.sinks:
        print(f"{args.config}: no sinks configured: events would go nowhere (docs/sinks.md)", file=sys.stderr)
        return 1
    outbox = _outbox(config.state)
    fired, resolved = marked_events(config.host or socket.gethostname(), int(SYSTEM.time() * 1000))
    failed = 0
    for sink in build_sinks(config.sinks, config.base, SYSTEM):
        store: Any = outbox.sink_store(sink.name) if outbox is not None else _MemoryStore()
        try:
            for report in (fired, resolved):
                for key, value in (sink.deliver([json.dumps(report, ensure_ascii=False)], store) or {}).items():
                    store.put(key, value)
            print(f"ok      {sink.name}")
        except DeliveryError as exc:
            failed += 1
            print(f"FAILED  {sink.name}: {exc}")
        except Exception as exc:
            failed += 1
            print(f"FAILED  {sink.name}: {type(exc).__name__}: {exc}")
        finally:
            sink.close()
    print(f"{failed} sink(s) failed" if failed else "every sink took the test event and its resolve")
    return 1 if failed else 0


def _outbox(state):
    """The state database's outbox, if the sidecar has one; None before its first start."""
    from pathlib import Path

    from logsentinel.dispatch.outbox import Outbox

    if not Path(state).exists():
        return None
    try:
        return Outbox.open(state)
    except Exception:
        return None
