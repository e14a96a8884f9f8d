"""The new-error radar in the running sidecar (issue 24): its templates are in the state
database, committed with the offsets and the reports, so that they survive a kill -9 and a
restart, and a new kind of error is reported exactly once."""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

from support.sidecar import read_jsonl, start_run, utc_stamp, wait_until, write_config
from support.signatures import slow_answer


def _stamp(hours_ago: float) -> str:
    t = datetime.now(UTC) - timedelta(hours=hours_ago)
    return t.strftime("%Y-%m-%d %H:%M:%S,") + f"{t.microsecond // 1000:03d}"


def _templates(db: Path) -> list[tuple[str, str]]:
    if not db.exists():
        return []
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5)
    try:
        return con.execute("SELECT status, json_extract(data, '$.text') FROM radar_templates").fetchall()
    except sqlite3.OperationalError:
        return []
    finally:
        con.close()


def _radar(out: Path) -> list[dict]:
    return [r for r in read_jsonl(out) if r["signature"] == "radar.new_error"]


def test_templates_survive_a_kill_and_a_new_kind_is_reported_once(tmp_path):
    (tmp_path / "p").mkdir()
    (tmp_path / "p" / "demo.yaml").write_text(slow_answer("1h"))
    log = tmp_path / "app.log"
    # learnt: an error of the first hours of the source (the learning period is 1 h)
    log.write_text(f"{_stamp(3)} [4] ERROR Store.Writer - cannot flush segment 17 of 20 to disk\n")
    cfg = write_config(tmp_path, log, source="app", start_at="beginning", patterns=tmp_path / "p", bundled=False)
    cfg.write_text(cfg.read_text() + "radar: {learn: 1h}\n")
    db, out, errlog = tmp_path / "state.db", tmp_path / "out.jsonl", tmp_path / "sidecar.log"

    side = start_run(cfg, errlog)
    with log.open("a") as fh:
        fh.write(f"{_stamp(2.9)} [4] INFO Store.Writer - segment written\n")
    assert wait_until(lambda: [s for s, _t in _templates(db)] == ["known"], timeout=30)
    side.kill()  # SIGKILL: nothing is flushed on the way out
    side.wait(timeout=15)

    with log.open("a") as fh:
        fh.write(f"{_stamp(1)} [4] ERROR Store.Writer - cannot flush segment 3 of 9 to disk\n")  # known
        fh.write(f"{_stamp(1)} [4] ERROR Codec.Map - no common payload type with trunk CUCM-2\n")  # new
        fh.write(f"{_stamp(1)} [4] INFO Store.Writer - segment written\n")
    side = start_run(cfg, errlog)
    assert wait_until(lambda: len(_radar(out)) == 1, timeout=30)
    side.kill()
    side.wait(timeout=15)

    with log.open("a") as fh:  # after a second kill: one more event of a signature, and no second radar report
        fh.write(f"{utc_stamp()} [4] ERROR Demo - demo failure 5\n{utc_stamp()} [4] INFO Demo - later\n")
    side = start_run(cfg, errlog)
    try:
        assert wait_until(lambda: any(r["signature"] == "demo.slow_answer" for r in read_jsonl(out)), timeout=30)
    finally:
        side.kill()
        side.wait(timeout=15)
    (report,) = _radar(out)
    # stopped: an ack of another event (the command applies it to the state itself) keeps the
    # radar's open event (it once dropped it, as the event of an unknown signature)
    from conftest import run_cli

    demo = next(r for r in read_jsonl(out) if r["signature"] == "demo.slow_answer")
    assert run_cli("ack", demo["id"], "-c", cfg, "--by", "dave").returncode == 0
    status = json.loads(run_cli("status", "-c", cfg, "--json").stdout)
    assert sorted(e["signature"] for e in status["events"]) == ["demo.slow_answer", "radar.new_error"]
    assert report["fields"]["template"] == "Codec.Map - no common payload type with trunk CUCM-<NUM>"
    assert report["message"].endswith("no common payload type with trunk CUCM-2")
    assert sorted(s for s, _t in _templates(db)) == ["known", "new"]
    assert json.dumps(report)  # a whole report, as every sink gets it


def test_the_radar_commands_list_ignore_promote_and_learn(tmp_path):
    from conftest import run_cli

    (tmp_path / "p").mkdir()
    (tmp_path / "p" / "demo.yaml").write_text(slow_answer("1h"))
    log = tmp_path / "app.log"
    good = tmp_path / "good-day.log"  # a known-good capture of the same source (its path matches app.log*)
    good.write_text(f"{_stamp(30)} [4] ERROR Store.Writer - cannot flush segment 17 of 20 to disk\n")
    log.write_text("")
    cfg = write_config(
        tmp_path, tmp_path / "*.log", source="app", start_at="beginning", patterns=tmp_path / "p", bundled=False
    )
    cfg.write_text(cfg.read_text() + "radar: {learn: 1m}\n")
    res = run_cli("radar", "learn", good, "-c", cfg)
    assert res.returncode == 0 and "learnt 1 new template(s)" in res.stdout, res.stdout + res.stderr
    good.unlink()  # only the live log from now on

    log.write_text(
        f"{_stamp(2)} [4] ERROR Store.Writer - cannot flush segment 3 of 9 to disk\n"
        f"{_stamp(1)} [4] ERROR Codec.Map - no common payload type with trunk CUCM-2\n"
        f"{_stamp(1)} [4] INFO Store.Writer - segment written\n"
    )
    out, errlog = tmp_path / "out.jsonl", tmp_path / "sidecar.log"
    side = start_run(cfg, errlog)
    try:
        assert wait_until(lambda: len(_radar(out)) == 1, timeout=30)
        listed = json.loads(run_cli("radar", "--json", "-c", cfg).stdout)
        assert [(t["status"], t["count"]) for t in listed] == [("new", 1), ("known", 2)]
        new_id = listed[0]["id"]
        status = json.loads(run_cli("status", "-c", cfg, "--json").stdout)
        assert [t["id"] for t in status["new_errors"]] == [new_id]
        res = run_cli("radar", "ignore", new_id, "-c", cfg, "--by", "carol")
        assert res.returncode == 0 and f"radar template {new_id} ignored by carol" in res.stdout, res.stderr
        assert wait_until(lambda: [r["report"] for r in _radar(out)] == ["fired", "resolved"], timeout=30)
        assert _radar(out)[1]["resolved_by"] == "carol"
        assert json.loads(run_cli("status", "-c", cfg, "--json").stdout)["new_errors"] == []
    finally:
        side.kill()
        side.wait(timeout=15)
    assert run_cli("radar", "learn", log, "-c", cfg).returncode == 0  # stopped: learning is allowed again
    res = run_cli("radar", "promote", new_id, "--to", "codec.no_common_payload", "-c", cfg, "--dir", tmp_path / "p")
    assert res.returncode == 0, res.stderr
    skeleton = (tmp_path / "p" / "codec-no-common-payload.yaml").read_text()
    assert "id: codec.no_common_payload" in skeleton and "no common payload type with trunk CUCM-2" in skeleton
    assert run_cli("radar", "ignore", "app:999", "-c", cfg).returncode == 1
