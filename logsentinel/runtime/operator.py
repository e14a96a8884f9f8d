"""The operator's actions reach the detector through the state database: a command (or the
page) records one (``State.add_action``); the running sidecar takes the waiting ones at its next
pass, and commits their reports with everything else; when no sidecar runs, the command takes
them itself under the sidecar's lock, so its reports wait in the outbox for the next start."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from logsentinel.detection.actions import ActionOutcome, OperatorAction, apply_action
from logsentinel.detection.detector import Detector
from logsentinel.detection.events import Event
from logsentinel.signatures.model import Signature
from logsentinel.state.database import State


def take_actions(state: State, detector: Detector) -> tuple[list[Event], list[tuple[int, ActionOutcome]]]:
    """Apply the waiting actions in the order they were asked: (their reports, (id, outcome))."""
    events: list[Event] = []
    done = []
    for action_id, action in state.pending_actions():
        outcome = apply_action(detector, action)
        events.extend(outcome.reports)
        done.append((action_id, outcome))
    return events, done


@dataclass
class Asked:
    ok: bool
    text: str
    applied_by: str  # "sidecar" or "this command"


def ask(
    config,
    action: OperatorAction,
    signatures: Callable[[], list[Signature]],
    wait_s: float = 15.0,
    sleep: Callable[[float], None] = time.sleep,
) -> Asked:
    """Record ``action`` and see it applied: by the running sidecar (waiting up to ``wait_s`` for
    its next pass) or, when none runs, here and now with the library ``signatures()`` loads."""
    from logsentinel.state.lock import StateInUse, StateLock

    state = State(config.state)
    try:
        action_id = state.add_action(action)
        lock = StateLock(config.state, role="command")
        try:
            lock.acquire()
        except StateInUse:
            deadline = time.monotonic() + wait_s
            while (result := state.action_result(action_id)) is None:
                if time.monotonic() >= deadline:
                    return Asked(
                        False,
                        f"recorded (action {action_id}); the sidecar has not taken it within {wait_s:.0f} s: "
                        "it will at its next pass (logsentinel status shows it)",
                        "sidecar",
                    )
                sleep(0.1)  # polling another process's commit: there is no event to wait on
            return Asked(result[0], result[1], "sidecar")
        try:
            _apply_here(state, config, signatures())
        finally:
            lock.release()
        result = state.action_result(action_id)
        assert result is not None  # applied just now, under the lock
        return Asked(result[0], result[1], "this command")
    finally:
        state.close()


def _apply_here(state: State, config, signatures: list[Signature]) -> None:
    """No sidecar runs: take the waiting actions with the library and state it would have."""
    from logsentinel.runtime.checkpoint import Checkpoint, RunStats, load_detector
    from logsentinel.sinks.registry import build_sinks

    detector = load_detector(state, signatures, config)
    sinks = build_sinks(config.sinks, config.base)
    for sink in sinks:
        sink.close()  # only their names and outbox limits are needed here
    checkpoint = Checkpoint(state, [s.name for s in sinks], {s.name: s.max_pending for s in sinks}, RunStats())
    events, done = take_actions(state, detector)
    checkpoint.commit([], detector, events, time.time(), time.monotonic(), actions=done)
