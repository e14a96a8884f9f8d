"""A relative ``-c`` (issue 11, item 13): every path the config names is taken from the config
file's folder and stored absolute, so a sidecar started later from another folder still finds
the file that was rotated while it was down, and reads the lines appended to it."""

from __future__ import annotations

import textwrap
from pathlib import Path

from conftest import PATTERNS
from support.sidecar import read_jsonl, start_sidecar, stop_sidecar, utc_stamp, wait_until

from logsentinel.config.load import load_config

LINE = "{t} [4] WARN StoneVoice.Monitoring - Low database space for database {db}\n"


def _config(folder: Path) -> None:
    (folder / "logs").mkdir()
    (folder / "cfg.yaml").write_text(
        textwrap.dedent(f"""
        host: h
        patterns: ['{PATTERNS}']
        state: state.db
        sources: [{{name: app, paths: ['logs/app.log'], timezone: UTC, start_at: beginning}}]
        sinks: [{{type: jsonl, path: out.jsonl}}]
    """)
    )


def test_paths_of_a_relative_config_are_absolute(tmp_path, monkeypatch):
    _config(tmp_path)
    monkeypatch.chdir(tmp_path)
    config = load_config("cfg.yaml")
    assert Path(config.sources[0].paths[0]) == tmp_path / "logs" / "app.log"
    assert config.state == tmp_path / "state.db" and config.base == tmp_path


def test_a_rotation_while_down_is_found_from_another_folder(tmp_path, monkeypatch):
    _config(tmp_path)
    log = tmp_path / "logs" / "app.log"
    log.write_text(LINE.format(t=utc_stamp(), db="DB1"))
    monkeypatch.chdir(tmp_path)
    out = tmp_path / "out.jsonl"
    side, thread = start_sidecar(Path("cfg.yaml"))  # logsentinel run -c cfg.yaml, from its folder
    assert wait_until(lambda: read_jsonl(out))
    stop_sidecar(side, thread)
    with log.open("a") as fh:  # written while the sidecar is down...
        fh.write(LINE.format(t=utc_stamp(), db="DB2"))
    log.rename(log.with_name("app.log.1"))  # ...then rotated away from the glob
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    side, thread = start_sidecar(tmp_path / "cfg.yaml")  # started again from another folder
    try:
        assert wait_until(lambda: len(read_jsonl(out)) >= 2, timeout=10), "the rotated file's lines were lost"
    finally:
        stop_sidecar(side, thread)
    assert sorted(r["fields"]["database"] for r in read_jsonl(out)) == ["DB1", "DB2"]
