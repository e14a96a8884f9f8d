"""Bad input to replay gets a clear message and loses nothing; the data never crashes it."""

from __future__ import annotations

import gzip
import json

from conftest import PATTERNS, run_cli

LINE = "2026-11-27 10:{m:02d}:00,000 [1] ERROR Imagicle.Cloud.ApiClient - GET https://api.imagicle.com/test failed: Unable to connect to the remote server\n"


def _cloud_log(n: int = 2) -> str:
    return "".join(LINE.format(m=i) for i in range(n))


def test_undecodable_bytes_and_a_huge_line_do_not_stop_replay(tmp_path):
    log = tmp_path / "app.log"
    with open(log, "wb") as fh:
        fh.write(b"2026-11-27 09:00:00,000 [1] INFO x - bad bytes \xff\xfe\xfd\n")
        fh.write(b"2026-11-27 09:00:01,000 [1] INFO x - " + b"y" * (50 * 1024 * 1024) + b"\n")
        fh.write(_cloud_log().encode())
    res = run_cli("replay", "--patterns", PATTERNS, "--host", "h", "--timezone", "UTC", "--stats", log)
    assert res.returncode == 0, res.stderr
    events = [json.loads(x) for x in res.stdout.splitlines()]
    assert [(e["signature"], e["count"], e["line"]) for e in events] == [("cloud.api_unreachable", 2, 4)]
    assert "lines cut at max_line_bytes: 1" in res.stderr and "replaced: 3" in res.stderr


def test_gzip_utf16_and_crlf(tmp_path):
    (tmp_path / "a.log.gz").write_bytes(gzip.compress(_cloud_log().encode()))
    (tmp_path / "b.log").write_bytes(_cloud_log().replace("\n", "\r\n").encode("utf-16"))
    for name in ("a.log.gz", "b.log"):
        res = run_cli("replay", "--patterns", PATTERNS, "--host", "h", "--timezone", "UTC", tmp_path / name)
        assert res.returncode == 0, res.stderr
        assert [json.loads(x)["count"] for x in res.stdout.splitlines()] == [2], name


def test_files_are_merged_by_time(tmp_path):
    """Two files captured together: hits interleave by time, so a threshold sees both."""
    (tmp_path / "a.log").write_text(LINE.format(m=0) + LINE.format(m=20))
    (tmp_path / "b.log").write_text(LINE.format(m=10))
    res = run_cli(
        "replay", "--patterns", PATTERNS, "--host", "h", "--timezone", "UTC", tmp_path / "a.log", tmp_path / "b.log"
    )
    events = [json.loads(x) for x in res.stdout.splitlines()]
    assert [(e["count"], e["path"].rsplit("/", 1)[-1]) for e in events] == [(2, "b.log"), (3, "b.log")]


def test_missing_file(tmp_path):
    res = run_cli("replay", "--patterns", PATTERNS, tmp_path / "nope.log")
    assert res.returncode == 2 and "no such file" in res.stderr and "Traceback" not in res.stderr


def test_broken_config_names_file_line_and_key(tmp_path):
    cfg = tmp_path / "cfg.yaml"
    cfg.write_text(
        "host: h\nsources:\n  - name: a\n    paths: ['x.log']\n    encodng: utf-8\n    timezone: Mars/Base\n"
    )
    res = run_cli("replay", "-c", cfg, cfg)
    assert res.returncode == 2
    assert "cfg.yaml:5: encodng" in res.stderr and "did you mean 'encoding'" in res.stderr
    assert "cfg.yaml:6: timezone" in res.stderr and "Mars/Base" in res.stderr


def test_broken_patterns_refuse_replay(tmp_path):
    (tmp_path / "p").mkdir()
    (tmp_path / "p" / "bad.yaml").write_text(
        "id: bad\ntitle: B\npriority: P1\nmatch: ['(']\nexamples: {match: [x], no_match: [y]}\n"
    )
    (tmp_path / "a.log").write_text("x\n")
    res = run_cli("replay", "--patterns", tmp_path / "p", tmp_path / "a.log")
    assert res.returncode == 2 and "bad.yaml:4: bad: match[0]: bad regex" in res.stderr
    assert "Traceback" not in res.stderr


def test_engines_give_identical_output(tmp_path):
    from conftest import SAMPLES

    outs = set()
    for engine in ("python", "naive", "auto"):
        res = run_cli(
            "replay", "-c", SAMPLES / "logsentinel.yaml", *sorted((SAMPLES / "logs").iterdir()), "--engine", engine
        )
        assert res.returncode == 0, res.stderr
        outs.add(res.stdout)
    assert len(outs) == 1


def test_scan_database_cache_survives_corruption(tmp_path, monkeypatch):
    """The compiled scan database is cached; a damaged cache file is recompiled, not fatal."""
    import os

    from conftest import SAMPLES

    cache = tmp_path / "cache"
    monkeypatch.setenv("LOGSENTINEL_CACHE_DIR", str(cache))
    args = (
        "replay",
        "-c",
        SAMPLES / "logsentinel.yaml",
        *sorted((SAMPLES / "logs").iterdir()),
        "--expect",
        SAMPLES / "expected" / "events.jsonl",
    )
    first = run_cli(*args)
    assert first.returncode == 0, first.stderr
    files = list(cache.glob("hs-*.db"))
    if not files:  # no hyperscan wheel on this platform: nothing is cached
        return
    for f in files:
        f.write_bytes(b"garbage")
    again = run_cli(*args)
    assert again.returncode == 0, again.stderr
    assert again.stdout == first.stdout
    assert all(os.path.getsize(f) > 1000 for f in cache.glob("hs-*.db"))


def test_an_evtx_shorter_than_its_header_is_one_line_and_the_other_files_are_replayed(tmp_path):
    """Issue 21, item 9: it was an OSError traceback, exit 1, and the other files' events lost."""
    from conftest import rust_extension

    rust_extension("evtx")
    short = tmp_path / "short.evtx"
    short.write_bytes(b"ElfFile\x00\x00")
    good = tmp_path / "good.log"
    good.write_text(
        "2026-11-27 10:00:00,000 [7] FATAL StoneVoice.CallRecording.Host - Unhandled exception, "
        "application is terminating: System.OutOfMemoryException\n"
    )
    res = run_cli("replay", "--format", "jsonl", short, good)
    assert res.returncode == 0 and "Traceback" not in res.stderr
    assert [json.loads(x)["signature"] for x in res.stdout.splitlines()] == ["app.unhandled_exception"]
    line = next(x for x in res.stderr.splitlines() if "short.evtx" in x)
    assert "cannot be read as an .evtx file" in line
