"""The new-error radar (issue 24): error records no signature knows, mined with Drain into
templates per source; a template not seen while learning raises ``radar.new_error`` (P4).

On the bundled samples: a baseline of the demo day, then the same day with one new kind of
error raises exactly one event; the same day with only its numbers, ids and times changed
raises none (a hypothesis property over the masking); the rules around it (learning period,
count within a window, bursts, secrets, the state) on the radar itself."""

from __future__ import annotations

import json
import random
import re
from pathlib import Path

import pytest
from conftest import SAMPLES, run_cli
from hypothesis import given, settings
from hypothesis import strategies as st

from logsentinel.detection.detector import Detector
from logsentinel.detection.radar import RADAR_ID, Radar, RadarSettings, radar_signature
from logsentinel.matching.model import Match, MatchedRecord
from logsentinel.records.blocks import Record

LOGS = sorted((SAMPLES / "logs").iterdir())
NEW_KIND = "|ERROR|VoipStack.Media|No common codec with trunk CUCM-2 for call 7731: offer PCMA, answer G729"
H = 3_600_000


def _radar_reports(*args) -> list[dict]:
    res = run_cli("replay", "-c", SAMPLES / "logsentinel.yaml", "--format", "jsonl", "--radar", *args)
    assert res.returncode == 0, res.stderr
    return [e for e in map(json.loads, res.stdout.splitlines()) if e["signature"] == RADAR_ID]


def _day_with(tmp_path: Path, line_after: str) -> list[Path]:
    day = tmp_path / "day"
    day.mkdir()
    for path in SAMPLES.joinpath("logs").iterdir():  # byte for byte (Wine has no CopyFile2 for copytree)
        (day / path.name).write_bytes(path.read_bytes())
    voip = day / "VoipStack.log"
    lines = voip.read_text(encoding="utf-8").splitlines(keepends=True)
    at = next(i for i, text in enumerate(lines) if text.startswith("2026-11-27 13:5"))
    lines.insert(at + 1, lines[at][:24] + line_after + "\n")
    voip.write_text("".join(lines), encoding="utf-8")
    return sorted(day.iterdir())


def test_a_day_with_one_new_kind_of_error_raises_exactly_one_event(tmp_path):
    reports = _radar_reports("--baseline", *LOGS, "--", *_day_with(tmp_path, NEW_KIND))
    assert [(r["report"], r["priority"], r["fields"]["source"]) for r in reports] == [("fired", "P4", "voip")]
    (event,) = reports
    assert (
        event["fields"]["template"]
        == "|VoipStack.Media|No common codec with trunk CUCM-<NUM> for call <NUM>: offer PCMA, answer G729"
    )
    assert event["message"].endswith(NEW_KIND) and event["path"].endswith("VoipStack.log")


def test_the_same_day_again_raises_none_and_without_radar_nothing_changes():
    assert _radar_reports("--baseline", *LOGS, "--", *LOGS) == []
    plain = run_cli("replay", "-c", SAMPLES / "logsentinel.yaml", "--format", "jsonl", *LOGS)
    expected = (SAMPLES / "expected" / "events.jsonl").read_text().splitlines()
    assert [json.loads(x)["id"] for x in plain.stdout.splitlines()] == [json.loads(x)["id"] for x in expected]


def test_a_signature_that_knows_the_record_keeps_it_from_the_radar(tmp_path):
    crash = "|FATAL|VoipStack.Host|Unhandled exception in the SIP thread, the VoIP stack is terminating"
    reports = _radar_reports("--baseline", *LOGS, "--", *_day_with(tmp_path, crash))
    assert reports == []  # voip.stack_crash_logged took it


# ---- the masking: a property over the sample day's own error records ---------------------
def _sample_errors() -> list[tuple[str, str]]:
    """(source, first line) of every record of the samples the radar mines."""
    from logsentinel.cache.matcher import build_matcher
    from logsentinel.config.load import load_config
    from logsentinel.signatures.load import load_effective
    from logsentinel.tools.replay import replay

    config = load_config(SAMPLES / "logsentinel.yaml")
    radar_settings = RadarSettings()
    radar = Radar(radar_settings)
    seen: list[tuple[str, str]] = []
    observe = radar.observe

    def spy(source, text, t, attrs, redact):
        seen.append((source, text.split("\n", 1)[0]))
        return observe(source, text, t, attrs, redact)

    radar.observe = spy  # type: ignore[method-assign]
    lib = load_effective(config.patterns, config.bundled_patterns)
    matcher = build_matcher([*lib.signatures, radar_signature(radar_settings)])
    replay(LOGS, config, matcher, lambda ev: None, radar=radar)
    return seen


SAMPLE_ERRORS = _sample_errors()
_GUID = re.compile(r"(?i)[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_NUMBER = re.compile(r"\d+")
_QUOTED = re.compile(r"\"[^\"\n]*\"|'[^'\n]*'")
_WORDS = ["Main", "menu", "night", "service", "line", "support", "desk", "Rome", "sales"]


def _changed(line: str, rng: random.Random) -> str:
    """The same line with other numbers, ids (GUIDs, quoted names of any length) and times."""
    line = _QUOTED.sub(lambda m: m.group()[0] + " ".join(rng.sample(_WORDS, rng.randint(1, 4))) + m.group()[0], line)
    line = _GUID.sub(lambda m: "-".join(f"{rng.getrandbits(4 * n):0{n}x}" for n in (8, 4, 4, 4, 12)), line)
    return _NUMBER.sub(lambda m: str(rng.randrange(10 ** rng.randint(1, 6))), line)


def test_the_samples_have_error_records_for_the_radar():
    assert len(SAMPLE_ERRORS) >= 20 and len({s for s, _ in SAMPLE_ERRORS}) >= 2


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**32 - 1))
def test_only_numbers_ids_and_times_changed_is_no_new_template(seed):
    radar = Radar(RadarSettings())
    radar.learning = True
    for i, (source, line) in enumerate(SAMPLE_ERRORS):
        radar.observe(source, line, i, None, lambda s: s)
    radar.finish_learning()
    rng = random.Random(seed)
    for i, (source, line) in enumerate(SAMPLE_ERRORS):
        changed = _changed(line, rng)
        assert radar.observe(source, changed, 10**9 + i, None, lambda s: s) is None, (line, changed)


# ---- the rules, on the radar and the detector ----------------------------------------------
def _detector(**kw) -> tuple[Detector, Radar]:
    radar_settings = RadarSettings(**kw)
    radar = Radar(radar_settings)
    return Detector([radar_signature(radar_settings)], "h", radar=radar), radar


def _error(det: Detector, text: str, t: int, source: str = "app"):
    sig = det.signatures[RADAR_ID]
    rec = Record(f"2026-11-27 10:00:00,000 [1] ERROR {text}", t, 1, source, "app.log")
    return det.process(MatchedRecord(rec, (Match(sig, "radar", {}),)))


def test_templates_of_the_learning_period_are_known_then_new_ones_fire_once_per_template():
    det, _radar = _detector(learn_s=3600)
    assert _error(det, "Db - timeout after 30 s", 0) == []
    assert _error(det, "Db - timeout after 45 s", 10 * H) == []  # known, whatever the number
    fired = _error(det, "Sip - no route to trunk CUCM-2", 10 * H + 1)
    assert [(e.report, e.fields["template_id"]) for e in fired] == [("fired", "2")]
    assert _error(det, "Sip - no route to trunk CUCM-3", 10 * H + 2) == []  # the same event counts
    assert det.open[fired[0].dedup_key].count == 2
    later = det.advance(10 * H + 2 + 24 * H + 1)  # P4: overdue after 8 h, resolved after a quiet day
    assert [e.report for e in later] == ["overdue", "resolved"]


def test_a_new_template_must_occur_count_times_within_the_window():
    det, radar = _detector(learn_s=0, count=3, within_s=600)
    radar.learnt = True
    assert _error(det, "Sip - no route to trunk A", 0) == []
    assert _error(det, "Sip - no route to trunk B", 700_000) == []  # the first left the window
    assert _error(det, "Sip - no route to trunk C", 800_000) == []
    assert [e.report for e in _error(det, "Sip - no route to trunk D", 900_000)] == ["fired"]


def test_a_burst_of_new_templates_becomes_one_event_past_five():
    det, radar = _detector(learn_s=0)
    radar.learnt = True
    # eight kinds of error, of 2 to 9 words (Drain compares messages of one length only)
    messages = [" ".join([f"word{n}"] * n) for n in range(2, 10)]
    keys = []
    for i, text in enumerate(messages):
        keys += [e.fields["template_id"] for e in _error(det, f"Part - {text}", i * 1000)]
    assert keys == ["1", "2", "3", "4", "5", "burst"]  # eight new kinds in 8 s: six events, not eight


def test_secrets_are_masked_before_mining():
    from logsentinel.detection.redact import DEFAULT

    det, radar = _detector(learn_s=0)
    radar.learnt = True
    (ev,) = _error(det, "Auth - login refused password=Hunter2 for user bob", 0)
    assert "Hunter2" not in json.dumps(ev.to_dict()) and "Hunter2" not in json.dumps(radar.snapshot())
    assert DEFAULT.text("password=Hunter2") != "password=Hunter2"


def test_the_state_round_trip_keeps_templates_known():
    radar = Radar(RadarSettings())
    radar.learning = True
    for i, (source, line) in enumerate(SAMPLE_ERRORS):
        radar.observe(source, line, i, None, lambda s: s)
    radar.finish_learning()
    again = Radar(RadarSettings())
    again.restore(json.loads(json.dumps(radar.snapshot())))
    again.learnt = True
    assert all(again.observe(s, line, 10**9, None, lambda x: x) is None for s, line in SAMPLE_ERRORS)
    assert again.observe("voip", "2026-11-27 10:00:00.0000" + NEW_KIND, 10**9, None, lambda x: x) is not None


@pytest.mark.parametrize("level", ["Warning", "Information"])
def test_event_log_records_count_only_at_error_or_critical(level):
    radar = Radar(RadarSettings(learn_s=0))
    radar.learnt = True
    attrs = {"level": level}
    assert radar.observe("eventlog", f"{level} Foo 1: bar", 0, attrs, lambda s: s) is None
    assert radar.observe("eventlog", "Error Foo 2: something new broke", 0, {"level": "Error"}, lambda s: s)


_word = st.text(st.sampled_from("abcdefghijklmnopqrstuvwxyz"), min_size=1, max_size=8)
_values = {
    "quoted": st.lists(_word, min_size=1, max_size=4).map(lambda ws: "'" + " ".join(ws) + "'"),
    "path": st.lists(_word, min_size=1, max_size=4).map(lambda ws: "C:\\Program Files\\" + "\\".join(ws) + ".log"),
    "email": st.tuples(_word, _word).map(lambda p: f"{p[0]}@{p[1]}.example.net"),
    "guid": st.uuids().map(str),
    "ip": st.tuples(*[st.integers(0, 255)] * 4, st.integers(1, 65535)).map(lambda p: "%d.%d.%d.%d:%d" % p),  # noqa: UP031
    "time": st.tuples(st.integers(0, 23), st.integers(0, 59), st.integers(0, 59)).map(lambda p: "%02d:%02d:%02d" % p),  # noqa: UP031
}


@settings(max_examples=60, deadline=None)
@given(kind=st.sampled_from(sorted(_values)), data=st.data())
def test_a_value_of_a_masked_kind_never_makes_a_new_template(kind, data):
    """Learnt with one value, the same message with another value of the same kind (a path or
    a quoted name of another length, another address...) is the same template."""
    first, second = data.draw(_values[kind]), data.draw(_values[kind])
    radar = Radar(RadarSettings())
    radar.learning = True
    radar.observe("app", f"10:00:00 ERROR Store - cannot open {first} for the recorder", 0, None, lambda s: s)
    radar.finish_learning()
    assert (
        radar.observe("app", f"11:00:00 ERROR Store - cannot open {second} for the recorder", 1, None, lambda s: s)
        is None
    )


def test_without_the_masks_values_of_another_length_would_be_new():
    """The property above needs the masks: Drain alone compares messages of one length."""
    radar = Radar(RadarSettings(masks=()))
    radar.learning = True
    radar.observe("app", "ERROR Store - cannot open 'night line' for the recorder", 0, None, lambda s: s)
    radar.finish_learning()
    assert radar.observe("app", "ERROR Store - cannot open 'main menu of sales' for the recorder", 1, None, lambda s: s)


def test_the_replay_options_say_what_is_wrong(tmp_path):
    res = run_cli("replay", "--baseline", LOGS[0], "--", LOGS[1])
    assert res.returncode == 2 and "--baseline is for the radar: add --radar" in res.stderr
    res = run_cli("replay", "--radar", "--baseline", tmp_path / "nope.log", "--", LOGS[1])
    assert res.returncode == 2 and "no such file" in res.stderr and "nope.log" in res.stderr


# ---- the matcher's gate: known templates counted as scanned, nothing else changes ------------
def _replay_day(day: list[Path], gate: bool) -> tuple[list[tuple], dict]:
    from logsentinel.cache.matcher import build_matcher
    from logsentinel.config.load import load_config
    from logsentinel.signatures.load import load_effective
    from logsentinel.tools.replay import replay

    config = load_config(SAMPLES / "logsentinel.yaml")
    radar = Radar(RadarSettings())
    if not gate:
        radar.gate = lambda *_: False  # type: ignore[method-assign]  # every record the long way
    lib = load_effective(config.patterns, config.bundled_patterns)
    matcher = build_matcher(config.with_radar(lib.signatures))
    reports: list[tuple] = []
    replay(day, config, matcher, lambda ev: reports.append(_report(ev)), radar=radar, baseline=tuple(LOGS))
    return reports, radar.snapshot()


def _report(ev) -> tuple:
    d = ev.to_dict()
    return d["report"], d["signature"], d["id"], d["count"], json.dumps(d["fields"], sort_keys=True), d["line"]


@settings(max_examples=8, deadline=None)
@given(seed=st.integers(0, 2**32 - 1))
def test_the_gate_changes_no_report_and_no_count(tmp_path_factory, seed):
    """A day of the samples' own errors again, with other numbers, ids and times, among new
    kinds: replayed with the matcher's gate (known templates counted as the block is scanned,
    the records never dated) and without it, the reports and the templates' counts are the same;
    a template's last seen may only be later (the block's end), never earlier."""
    rng = random.Random(seed)
    day = _day_with(tmp_path_factory.mktemp("gate"), NEW_KIND)
    recording = next(p for p in day if p.name == "CallRecording.log")
    errors = [line[24:] for source, line in SAMPLE_ERRORS if source == "callrecording"]
    lines = recording.read_text(encoding="utf-8").splitlines(keepends=True)
    for _ in range(40):
        at = rng.randrange(2, len(lines))
        if lines[at - 1][:4].isdigit():  # after a record's first line: its time
            lines.insert(at, lines[at - 1][:24] + _changed(rng.choice(errors), rng) + "\n")
    recording.write_text("".join(lines), encoding="utf-8")
    gated, gated_snap = _replay_day(day, gate=True)
    exact, exact_snap = _replay_day(day, gate=False)
    assert gated == exact
    assert any(r[1] == RADAR_ID for r in exact)
    for source, data in exact_snap.items():
        mine = {t["id"]: t for t in gated_snap[source]["templates"]}
        for tpl in data["templates"]:
            other = mine[tpl["id"]]
            assert (other["status"], other["count"], other["first_seen"]) == (
                tpl["status"],
                tpl["count"],
                tpl["first_seen"],
            )
            assert other["last_seen"] >= tpl["last_seen"]


def test_a_template_counted_through_the_memo_stays_recent_when_others_come():
    """At most ``max_templates`` are kept, the least recently seen going first. A template seen
    again through the memo (Drain never sees the line) is recent: it is not forgotten, and so
    never comes back as new. (With Drain's own LRU it was forgotten first: a false new error.)"""
    radar = Radar(RadarSettings(learn_s=0, max_templates=3))
    radar.learning = True
    hot = "ERROR Db - timeout after {} s on the recorder's pool"
    radar.observe("app", hot.format(30), 0, None, str)
    radar.finish_learning()
    kinds = [" ".join([f"word{n}"] * n) for n in range(2, 9)]  # seven kinds Drain never merges
    for i, text in enumerate(kinds):
        radar.observe("app", f"ERROR Part - {text}", 10 * i + 1, None, str)
        assert radar.gate("app", hot.format(31 + i), 10 * i + 2) or not radar.observe(
            "app", hot.format(31 + i), 10 * i + 2, None, str
        )
    assert len(radar.sources["app"].templates) == 3
    statuses = {tpl.status for tpl in radar.sources["app"].templates.values()}
    assert "known" in statuses  # the hot one, kept
    assert radar.observe("app", hot.format(99), 100, None, str) is None


def test_a_source_says_where_its_level_is(tmp_path):
    """A layout whose level is no word the radar knows (``<E>``, syslog-like): its source's
    ``level:`` regex finds its error records; without it the radar sees none of them; the other
    sources keep the radar's own."""
    day = [
        "2026-11-27 10:00:00 <I> Fax - line 3 ready",
        "2026-11-27 10:00:05 <E> Fax - modem on line 3 did not answer after 30 s",
    ]
    later = ["2026-11-27 12:00:00 <E> Fax - cover page template 'night' is missing"]
    (tmp_path / "base.log").write_text("\n".join(day) + "\n", encoding="utf-8")
    (tmp_path / "fax.log").write_text("\n".join(day + later) + "\n", encoding="utf-8")

    def new_errors(level: str | None) -> list[str]:
        source = {"name": "fax", "paths": ["*.log"], "timezone": "UTC", **({"level": level} if level else {})}
        cfg = tmp_path / "logsentinel.yaml"
        cfg.write_text(json.dumps({"sources": [source]}), encoding="utf-8")
        res = run_cli(
            "replay", "-c", cfg, "--format", "jsonl", "--radar", "--baseline", tmp_path / "base.log", "--",
            tmp_path / "fax.log",
        )  # fmt: skip
        assert res.returncode == 0, res.stderr
        reports = [json.loads(x) for x in res.stdout.splitlines()]
        return [r["fields"]["template"] for r in reports if r["signature"] == RADAR_ID]

    assert new_errors(None) == []
    assert new_errors(r"^\S+ \S+ <[EWF]>") == ["Fax - cover page template <QUOTED> is missing"]
    cfg = tmp_path / "logsentinel.yaml"
    cfg.write_text(json.dumps({"sources": [{"name": "fax", "level": "<[E"}]}), encoding="utf-8")
    res = run_cli("validate", "-c", cfg)
    assert res.returncode != 0 and "level" in res.stderr + res.stdout and "bad regex" in res.stderr + res.stdout
