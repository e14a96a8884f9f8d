"""The sidecar's YAML configuration: host, patterns, state, sources and sinks.

Relative paths in the file are taken relative to the folder that holds the file. Every problem
is reported as ``file:line: key: what is wrong``.
"""

from __future__ import annotations

import difflib
import fnmatch
import re
import socket
from dataclasses import dataclass, field
from pathlib import Path, PurePath

from logsentinel.records.decoding import DEFAULT_MAX_LINE_BYTES, normal_encoding
from logsentinel.units import parse_duration
from logsentinel.records.blocks import DEFAULT_MAX_RECORD_BYTES, SourceSpec
from logsentinel.records.timestamps import check_time_format, get_zone
from logsentinel.yamlload import YamlError, load_yaml

TOP_KEYS = {"host", "patterns", "state", "sources", "sinks", "probes", "metrics", "log",
            "notify", "redact", "heartbeat", "defaults"}
SOURCE_KEYS = {"name", "paths", "encoding", "timezone", "multiline", "time_format", "start_at",
               "max_line_bytes", "exclude_paths"}
MULTILINE_KEYS = {"start", "flush_after", "max_bytes"}


class ConfigError(Exception):
    """The configuration cannot be used; ``problems`` lists every reason."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("\n".join(problems))


@dataclass
class SourceConfig:
    name: str
    paths: list[str] = field(default_factory=list)
    encoding: str = "auto"
    timezone: str | None = None
    multiline_start: str | None = None
    every_line: bool = False
    flush_after_s: float = 0.1
    max_record_bytes: int = DEFAULT_MAX_RECORD_BYTES
    time_format: str | None = None
    start_at: str = "end"
    max_line_bytes: int = DEFAULT_MAX_LINE_BYTES
    exclude_paths: list[str] = field(default_factory=list)

    def spec(self, timezone: str | None = None) -> SourceSpec:
        return SourceSpec.build(self.name, self.multiline_start, timezone or self.timezone,
                                self.time_format, self.max_record_bytes, self.every_line)

    def claims(self, path: str | Path) -> bool:
        """True if ``path`` matches one of this source's globs (by full path or by name)."""
        p = PurePath(path)
        full = p.as_posix()
        for pattern in self.paths:
            pat = PurePath(pattern).as_posix()
            if fnmatch.fnmatch(full, pat) or fnmatch.fnmatch(full, "*/" + pat.lstrip("./")):
                return True
            if fnmatch.fnmatch(p.name, PurePath(pat).name) or fnmatch.fnmatch(_unrotated(p.name), PurePath(pat).name):
                return True
        return False


@dataclass
class Config:
    host: str
    patterns: list[Path]
    state: Path
    sources: list[SourceConfig]
    sinks: list[dict]
    path: Path | None = None
    raw: dict = field(default_factory=dict, repr=False)
    heartbeat_s: float | None = None
    redact_rules: list = field(default_factory=list)
    probes: list = field(default_factory=list)
    metrics: dict | None = None
    log: dict = field(default_factory=dict)
    defaults: dict = field(default_factory=dict)  # repeat_s / auto_resolve_s for signatures without them

    def apply_defaults(self, signatures) -> None:
        """Notification defaults (config ``defaults:``) for signatures that do not set their own."""
        for sig in signatures:
            if sig.repeat_s is None and "repeat_s" in self.defaults:
                sig.repeat_s = self.defaults["repeat_s"]
            if sig.auto_resolve_s is None and "auto_resolve_s" in self.defaults:
                sig.auto_resolve_s = self.defaults["auto_resolve_s"]

    @property
    def redactor(self):
        from logsentinel.detection.redact import Redactor
        return Redactor.build(self.redact_rules)

    def source_for(self, path: str | Path) -> SourceConfig:
        """The configured source whose globs match ``path``, else one named after the file."""
        for src in self.sources:
            if src.claims(path):
                return src
        return SourceConfig(name=source_name_from_path(path))


_ROTATION = re.compile(r"(\.gz|\.\d+|\.\d{4}-?\d{2}-?\d{2}(?:[-_.]\d+)?)+$")


def _unrotated(name: str) -> str:
    return _ROTATION.sub("", name)


def source_name_from_path(path: str | Path) -> str:
    """'logs/WebexConnector.log.1.gz' -> 'WebexConnector'."""
    name = _unrotated(PurePath(path).name)
    for ext in (".log", ".txt", ".evtx"):
        if name.lower().endswith(ext):
            name = name[: -len(ext)]
    return name or "log"


def default_config() -> Config:
    return Config(host=socket.gethostname(), patterns=[Path("patterns")],
                  state=Path("state/logsentinel.db"), sources=[], sinks=[])


def _suggest(key: str, allowed: set) -> str:
    close = difflib.get_close_matches(str(key), sorted(allowed), n=1)
    return f"; did you mean '{close[0]}'?" if close else f"; known keys: {', '.join(sorted(allowed))}"


def load_config(path: str | Path) -> Config:
    """Read and validate a config file; raises ConfigError listing every problem."""
    path = Path(path)
    try:
        data = load_yaml(path)
    except YamlError as exc:
        raise ConfigError([str(exc)]) from None
    if data is None:
        data = {}
    problems: list[str] = []

    def err(container, key, message):
        line = container.line_of(key) if hasattr(container, "line_of") else None
        where = f"{path}:{line}" if line else str(path)
        problems.append(f"{where}: {key}: {message}")

    if not isinstance(data, dict):
        raise ConfigError([f"{path}: expected a mapping of settings (host, patterns, sources, sinks)"])
    for key in data:
        if key not in TOP_KEYS:
            err(data, key, "unknown key" + _suggest(key, TOP_KEYS))
    base = path.parent

    def rel(p: str) -> Path:
        q = Path(p)
        return q if q.is_absolute() else base / q

    host = data.get("host") or socket.gethostname()
    if not isinstance(host, str):
        err(data, "host", "expected a string")
        host = str(host)
    pats = data.get("patterns", ["patterns"])
    if isinstance(pats, str):
        pats = [pats]
    if not isinstance(pats, list) or not all(isinstance(p, str) for p in pats):
        err(data, "patterns", "expected a folder or a list of folders")
        pats = []
    state = data.get("state", "state/logsentinel.db")
    if not isinstance(state, str):
        err(data, "state", "expected a file path")
        state = "state/logsentinel.db"

    sources = []
    raw_sources = data.get("sources", [])
    if not isinstance(raw_sources, list):
        err(data, "sources", "expected a list of sources")
        raw_sources = []
    names = set()
    for i, item in enumerate(raw_sources):
        src = _source(item, i, err, rel, problems, path)
        if src is None:
            continue
        if src.name in names:
            err(raw_sources, i, f"sources[{i}]: duplicate source name {src.name!r}")
        names.add(src.name)
        sources.append(src)

    sinks = data.get("sinks", [])
    if not isinstance(sinks, list) or not all(isinstance(s, dict) for s in sinks):
        err(data, "sinks", "expected a list of mappings, each with a 'type'")
        sinks = []
    _validate_sinks(sinks, err, problems, path)
    heartbeat_s = None
    hb = data.get("heartbeat")
    if hb is not None:
        if not isinstance(hb, dict) or set(hb) - {"interval"}:
            err(data, "heartbeat", "expected {interval: DURATION}")
        else:
            try:
                heartbeat_s = parse_duration(hb.get("interval", "60s"))
            except ValueError as exc:
                err(data, "heartbeat", f"interval: {exc}")
    redact_rules = []
    for i, rule in enumerate(data.get("redact") or []):
        if not isinstance(rule, dict) or not isinstance(rule.get("pattern"), str):
            err(data, "redact", f"redact[{i}]: expected {{pattern: REGEX, replace: TEXT}}")
            continue
        try:
            re.compile(rule["pattern"])
        except re.error as exc:
            err(data, "redact", f"redact[{i}].pattern: bad regex: {exc}")
            continue
        redact_rules.append((rule["pattern"], str(rule.get("replace", "***"))))
    probes = _probes(data, err)
    metrics = None
    if data.get("metrics") is not None:
        m = data["metrics"]
        if not isinstance(m, dict) or set(m) - {"listen"}:
            err(data, "metrics", "expected {listen: 127.0.0.1:9464}")
        else:
            listen = str(m.get("listen", "127.0.0.1:9464"))
            host_part, _, port = listen.rpartition(":")
            if not port.isdigit():
                err(data, "metrics", f"listen: expected HOST:PORT, got {listen!r}")
            else:
                metrics = {"host": host_part or "127.0.0.1", "port": int(port)}
    log_cfg = data.get("log") or {}
    if not isinstance(log_cfg, dict) or set(log_cfg) - {"level", "format"}:
        err(data, "log", "expected {level: info, format: text|json}")
        log_cfg = {}
    elif log_cfg.get("format", "text") not in ("text", "json"):
        err(log_cfg, "format", "log.format: expected text or json")
    elif str(log_cfg.get("level", "info")).upper() not in ("DEBUG", "INFO", "WARNING", "ERROR"):
        err(log_cfg, "level", "log.level: expected debug, info, warning or error")
    defaults = {}
    raw_defaults = data.get("defaults") or {}
    if not isinstance(raw_defaults, dict):
        err(data, "defaults", "expected {repeat: DURATION, auto_resolve: DURATION}")
        raw_defaults = {}
    for key, value in raw_defaults.items():
        if key not in ("repeat", "auto_resolve"):
            err(raw_defaults, key, "defaults: unknown key" + _suggest(key, {"repeat", "auto_resolve"}))
            continue
        try:
            defaults[f"{key}_s"] = parse_duration(value)
        except ValueError as exc:
            err(raw_defaults, key, f"defaults.{key}: {exc}")
    if problems:
        raise ConfigError(problems)
    return Config(host=host, patterns=[rel(p) for p in pats], state=rel(state), sources=sources,
                  sinks=list(sinks), path=path, raw=data, heartbeat_s=heartbeat_s, redact_rules=redact_rules,
                  defaults=defaults, probes=probes, metrics=metrics, log=log_cfg)


_COMMON = {"name", "type", "max_pending", "rate_limit", "backoff_max"}
_HTTP = {"timeout", "verify_tls", "ca_file"}
SINK_KEYS = {
    "jsonl": ({"path"}, _COMMON),
    "stdout": (set(), _COMMON),
    "webhook": ({"url"}, _COMMON | _HTTP | {"headers"}),
    "alertmanager": ({"urls"}, _COMMON | _HTTP | {"resend_interval", "generator_url"}),
    "pagerduty": ({"routing_key"}, _COMMON | _HTTP | {"url"}),
}


def _validate_sinks(sinks: list, err, problems: list, path: Path) -> None:
    from logsentinel.sinks.base import sink_name
    names = set()
    for i, sink in enumerate(sinks):
        label = f"sinks[{i}]"
        kind = sink.get("type")
        if kind not in SINK_KEYS:
            err(sink, "type", f"{label}: unknown sink type {kind!r}; choose from {', '.join(sorted(SINK_KEYS))}")
            continue
        required, optional = SINK_KEYS[kind]
        for key in required:
            if not sink.get(key):
                err(sink, "type", f"{label}: a {kind} sink needs '{key}'")
        for key in sink:
            if key not in required | optional:
                err(sink, key, f"{label}: unknown key for a {kind} sink" + _suggest(key, required | optional))
        _check_env(sink, label, err)
        if kind == "alertmanager" and not (isinstance(sink.get("urls"), list) and sink["urls"]):
            err(sink, "urls", f"{label}: expected a list of Alertmanager URLs (every member of the cluster)")
        for key in ("max_pending", "rate_limit", "timeout", "resend_interval", "backoff_max"):
            if key in sink and (isinstance(sink[key], bool) or not isinstance(sink[key], (int, float)) or sink[key] <= 0):
                err(sink, key, f"{label}: expected a positive number, got {sink[key]!r}")
        name = sink_name(sink, i)
        if name in names:
            err(sink, "type", f"{label}: two sinks named {name!r}: give one a 'name'")
        names.add(name)


def _probes(data: dict, err) -> list[dict]:
    from logsentinel.sources.probes.base import PROBE_KEYS
    raw = data.get("probes") or []
    if not isinstance(raw, list):
        err(data, "probes", "expected a list of probes, each with a 'type' (disk, database, http)")
        return []
    out = []
    for i, probe in enumerate(raw):
        label = f"probes[{i}]"
        if not isinstance(probe, dict) or probe.get("type") not in PROBE_KEYS:
            err(raw, i, f"{label}: expected a mapping with type disk, database or http")
            continue
        allowed = PROBE_KEYS[probe["type"]]
        bad = False
        for key in probe:
            if key not in allowed:
                err(probe, key, f"{label}: unknown key for a {probe['type']} probe" + _suggest(key, allowed))
                bad = True
        if probe["type"] == "disk" and not probe.get("paths"):
            err(probe, "type", f"{label}: a disk probe needs 'paths' (volumes or folders to measure)")
            bad = True
        if probe["type"] == "database" and not probe.get("files"):
            err(probe, "type", f"{label}: a database probe needs 'files' (globs of its .mdf/.ndf files)")
            bad = True
        for key in ("interval", "timeout"):
            if key in probe:
                try:
                    parse_duration(probe[key])
                except ValueError as exc:
                    err(probe, key, f"{label}.{key}: {exc}")
                    bad = True
        if "max_size" in probe:
            from logsentinel.sources.probes.database import parse_size
            try:
                parse_size(probe["max_size"])
            except ValueError as exc:
                err(probe, "max_size", f"{label}.max_size: {exc}")
                bad = True
        if not bad:
            out.append(dict(probe))
    return out


def _check_env(sink: dict, label: str, err) -> None:
    """Every ${NAME} in a sink's settings must be set in the environment."""
    from logsentinel.sinks.http import expand_env
    values = [(k, v) for k, v in sink.items() if isinstance(v, str)]
    values += [(f"headers.{k}", v) for k, v in (sink.get("headers") or {}).items() if isinstance(v, str)]
    values += [("urls", v) for v in (sink.get("urls") or []) if isinstance(v, str)]
    for key, value in values:
        try:
            expand_env(value)
        except KeyError as exc:
            err(sink, key.split(".")[0], f"{label}.{key}: environment variable {exc.args[0]} is not set")


def _source(item, i, err, rel, problems, path) -> SourceConfig | None:
    label = f"sources[{i}]"
    if not isinstance(item, dict):
        problems.append(f"{path}: {label}: expected a mapping with name and paths")
        return None
    before = len(problems)
    for key in item:
        if key not in SOURCE_KEYS:
            err(item, key, f"{label}: unknown key" + _suggest(key, SOURCE_KEYS))
    name = item.get("name")
    if not isinstance(name, str) or not name:
        err(item, "name", f"{label}: missing or not a string")
        name = f"source{i}"
    src = SourceConfig(name=name)
    paths = item.get("paths", [])
    if isinstance(paths, str):
        paths = [paths]
    if not isinstance(paths, list) or not all(isinstance(p, str) for p in paths):
        err(item, "paths", f"{label}: expected a list of globs")
        paths = []
    src.paths = [str(rel(p)) for p in paths]
    excl = item.get("exclude_paths", [])
    src.exclude_paths = [str(rel(p)) for p in (excl if isinstance(excl, list) else [excl])]
    try:
        src.encoding = normal_encoding(str(item.get("encoding", "auto")))
    except ValueError as exc:
        err(item, "encoding", f"{label}: {exc}")
    if item.get("timezone") is not None:
        try:
            get_zone(str(item["timezone"]))
            src.timezone = str(item["timezone"])
        except ValueError as exc:
            err(item, "timezone", f"{label}: {exc}")
    if item.get("time_format") is not None:
        try:
            check_time_format(str(item["time_format"]))
            src.time_format = str(item["time_format"])
        except ValueError as exc:
            err(item, "time_format", f"{label}: {exc}")
    ml = item.get("multiline")
    if ml in (False, "none", "off"):
        src.every_line = True
    elif isinstance(ml, dict):
        for key in ml:
            if key not in MULTILINE_KEYS:
                err(ml, key, f"{label}.multiline: unknown key" + _suggest(key, MULTILINE_KEYS))
        if ml.get("start") is not None:
            try:
                re.compile(str(ml["start"]).encode("utf-8"), re.MULTILINE)
                src.multiline_start = str(ml["start"])
            except re.error as exc:
                err(ml, "start", f"{label}.multiline.start: bad regex: {exc}")
        if ml.get("flush_after") is not None:
            try:
                src.flush_after_s = parse_duration(ml["flush_after"])
            except ValueError as exc:
                err(ml, "flush_after", f"{label}.multiline.flush_after: {exc}")
        if ml.get("max_bytes") is not None:
            src.max_record_bytes = _positive_int(ml, "max_bytes", f"{label}.multiline.max_bytes", err, src.max_record_bytes)
    elif ml is not None:
        err(item, "multiline", f"{label}: expected a mapping ({{start: REGEX}}) or 'none'")
    start_at = item.get("start_at", "end")
    if start_at not in ("end", "beginning"):
        err(item, "start_at", f"{label}: expected 'end' or 'beginning', got {start_at!r}")
    else:
        src.start_at = start_at
    if item.get("max_line_bytes") is not None:
        src.max_line_bytes = _positive_int(item, "max_line_bytes", f"{label}.max_line_bytes", err, src.max_line_bytes)
    return src if len(problems) == before else None


def _positive_int(container, key, label, err, default):
    value = container.get(key)
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        err(container, key, f"{label}: expected a whole number of bytes >= 1, got {value!r}")
        return default
    return value
