"""The sidecar's YAML configuration: host, patterns, state, sources, sinks, probes and the rest.

Each section is a dataclass. Sink and probe types declare their own keys in their own modules
(``sinks.*``, ``sources.probes.*``); this module only reads the top level and picks the type.
Relative paths in the file are taken relative to the folder that holds the file. Every problem
is reported as ``file:line: key: what is wrong``.
"""

from __future__ import annotations

import os
import re
import socket
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from logsentinel.config.radar import RadarSection
from logsentinel.config.sections import parse_section
from logsentinel.detection.radar import RadarSettings, radar_signature
from logsentinel.detection.redact import Redactor
from logsentinel.signatures.model import Signature
from logsentinel.sinks.base import SinkSettings, sink_name
from logsentinel.sources.eventlog.config import EventLogConfig, parse_eventlog
from logsentinel.sources.files.config import SourceConfig, parse_source, source_name_from_path
from logsentinel.sources.probes.base import ProbeSettings
from logsentinel.units import parse_duration
from logsentinel.yamlload import YamlError, control_character_problem, did_you_mean, load_yaml

DEFAULT_STATE = "state/logsentinel.db"
DEFAULT_LISTEN = "127.0.0.1:9464"


class ConfigError(Exception):
    """The configuration cannot be used; ``problems`` lists every reason."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("\n".join(problems))


@dataclass(frozen=True)
class MetricsConfig:
    """The listener of metrics, health and the status page (``metrics:``)."""

    host: str
    port: int
    tls_cert_file: str | None = None  # tls_server_config: {cert_file, key_file}
    tls_key_file: str | None = None
    basic_auth_users: dict = field(default_factory=dict)  # user -> bcrypt hash


@dataclass(frozen=True)
class LogConfig:
    level: str = "info"
    format: str = "text"


@dataclass(frozen=True)
class Defaults:
    """Notification defaults for signatures that do not set their own."""

    repeat_s: float | None = None
    auto_resolve_s: float | None = None

    def apply(self, signatures) -> None:
        for sig in signatures:
            if sig.repeat_s is None and self.repeat_s is not None:
                sig.repeat_s = self.repeat_s
            if sig.auto_resolve_s is None and self.auto_resolve_s is not None:
                sig.auto_resolve_s = self.auto_resolve_s


@dataclass(frozen=True)
class Limits:
    """The config's ``limits``: signature id -> {field: seconds}, replacing the limits the
    signature sets with ``at_least`` (how long a recording may run, for instance)."""

    by_signature: dict[str, dict[str, float]] = field(default_factory=dict)
    where: str = ""  # the config file, for the lines that name a limit no signature has

    def apply(self, signatures) -> list[str]:
        """Set the limits on ``signatures``; a line for each limit that names no signature or
        a field the signature does not hold to a limit."""
        problems = []
        by_id = {sig.id: sig for sig in signatures}
        for sig_id, limits in self.by_signature.items():
            sig = by_id.get(sig_id)
            if sig is None:
                problems.append(f"{self.where}: limits.{sig_id}: no signature has this id")
                continue
            own = dict(sig.at_least)
            for name, seconds in limits.items():
                if name not in own:
                    known = ", ".join(sorted(own)) or "none"
                    problems.append(
                        f"{self.where}: limits.{sig_id}.{name}: {sig_id} has no at_least field {name!r} (it has: {known})"
                    )
                    continue
                own[name] = seconds
            sig.at_least = tuple(own.items())
        return problems


@dataclass
class Config:
    host: str
    patterns: list[Path]
    state: Path
    sources: list[SourceConfig]
    sinks: list[SinkSettings]
    path: Path | None = None
    heartbeat_s: float | None = None
    redact_rules: list[tuple[str, str]] = field(default_factory=list)
    probes: list[ProbeSettings] = field(default_factory=list)
    metrics: MetricsConfig | None = None
    log: LogConfig = field(default_factory=LogConfig)
    defaults: Defaults = field(default_factory=Defaults)
    limits: Limits = field(default_factory=Limits)
    eventlogs: list[EventLogConfig] = field(default_factory=list)  # sources of type eventlog
    bundled_patterns: bool = True  # the bundled library under ``patterns`` (false: only those folders)
    escalation_repeat_s: float | None = None  # report an overdue event again this often (default: once)
    radar: RadarSection = field(default_factory=RadarSection)  # the new-error radar's rules
    warnings: list[str] = field(default_factory=list)  # not errors, but worth a line at start

    @property
    def base(self) -> Path:
        """The folder relative paths of sinks and probes are taken from."""
        return self.path.parent if self.path else self.state.parent

    def redactor(self) -> Redactor:
        return Redactor.build(self.redact_rules)

    def with_radar(self, signatures: list[Signature]) -> list[Signature]:
        """The signatures a sidecar with this config runs: the library's, and the new-error
        radar's when it is on (every way into the state must know it, or its open events would
        be dropped as those of a signature that no longer exists)."""
        if not self.radar.enabled:
            return list(signatures)
        return [*signatures, radar_signature(self.radar_settings())]

    def radar_settings(self) -> RadarSettings:
        """The ``radar:`` section's rules, with the level regex of each source that has one."""
        return self.radar.settings(tuple((src.name, src.level) for src in self.sources if src.level))

    def source_for(self, path: str | Path) -> SourceConfig:
        """The configured source whose globs match ``path``, else one named after the file."""
        for src in self.sources:
            if src.claims(path):
                return src
        return SourceConfig(name=source_name_from_path(path))


def default_config() -> Config:
    return Config(host=socket.gethostname(), patterns=[], state=Path(DEFAULT_STATE), sources=[], sinks=[])


class _Reader:
    """Collects problems as ``file:line: message`` while the sections are read."""

    def __init__(self, path: Path, data: dict) -> None:
        self.path = path
        self.data = data
        self.problems: list[str] = []
        self.warnings: list[str] = []

    def err(self, container, key, message: str) -> None:
        line = container.line_of(key) if hasattr(container, "line_of") else None
        where = f"{self.path}:{line}" if line else str(self.path)
        self.problems.append(f"{where}: {key}: {message}")

    def rel(self, p: str) -> Path:
        q = Path(p)
        return q if q.is_absolute() else self.path.parent / q


def load_config(path: str | Path) -> Config:
    """Read and validate a config file; raises ConfigError listing every problem. Relative paths
    in it are taken from its folder and kept absolute (a relative ``-c`` would otherwise store
    paths that mean something else once started from another folder)."""
    path = Path(os.path.abspath(path))
    try:
        data = load_yaml(path)
    except YamlError as exc:
        raise ConfigError([str(exc)]) from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError([f"{path}: expected a mapping of settings (host, patterns, sources, sinks)"])
    r = _Reader(path, data)
    for key in data:
        if key not in _SECTIONS:
            r.err(data, key, "unknown key" + did_you_mean(key, _SECTIONS))
    values: dict[str, Any] = {name: read(r, data.get(key)) for key, (name, read) in _SECTIONS.items()}
    if r.problems:
        raise ConfigError(r.problems)
    sources = values.pop("sources")
    return Config(
        path=path,
        sources=[s for s in sources if isinstance(s, SourceConfig)],
        eventlogs=[s for s in sources if isinstance(s, EventLogConfig)],
        warnings=r.warnings,
        **values,
    )


# ---- sections --------------------------------------------------------------------------------


def _host(r: _Reader, value) -> str:
    if value is None:
        return socket.gethostname()
    if not isinstance(value, str) or not value:
        r.err(r.data, "host", "expected a string")
        return str(value)
    return value


def _patterns(r: _Reader, value) -> list[Path]:
    """Folders that add to the bundled library (and override its signatures of the same id)."""
    value = [] if value is None else value
    value = [value] if isinstance(value, str) else value
    if not isinstance(value, list) or not all(isinstance(p, str) for p in value):
        r.err(r.data, "patterns", "expected a folder or a list of folders")
        return []
    bad = [m for m in map(control_character_problem, value) if m]
    for message in bad:
        r.err(r.data, "patterns", message)
    return [] if bad else [r.rel(p) for p in value]


def _state(r: _Reader, value) -> Path:
    if value is not None and not isinstance(value, str):
        r.err(r.data, "state", "expected a file path")
        value = None
    elif value is not None and (problem := control_character_problem(value)):
        r.err(r.data, "state", problem)
        value = None
    return r.rel(value or DEFAULT_STATE)


def _sources(r: _Reader, value) -> list[SourceConfig | EventLogConfig]:
    """File sources (the default type) and event-log sources (``type: eventlog``)."""
    if value is None:
        return []
    if not isinstance(value, list):
        r.err(r.data, "sources", "expected a list of sources")
        return []
    out: list[SourceConfig | EventLogConfig] = []
    names: set[str] = set()
    for i, item in enumerate(value):
        label = f"sources[{i}]"
        if not isinstance(item, dict):
            r.err(value, i, f"{label}: expected a mapping with name and paths")
            continue
        kind = item.get("type", "files")
        if kind not in ("files", "eventlog"):
            r.err(item, "type", f"{label}: unknown source type {kind!r}; choose from files, eventlog")
            continue
        src: SourceConfig | EventLogConfig
        if kind == "eventlog":
            src, problems = parse_eventlog(item, label)
        else:
            src, problems = parse_source(item, label, r.rel)
        for container, key, message in problems:
            r.err(container, key, message)
        if src.name in names:
            r.err(value, i, f"{label}: duplicate source name {src.name!r}")
        names.add(src.name)
        if not problems:
            out.append(src)
    return out


def _typed_list(r: _Reader, value, key: str, types: dict, what: str) -> list:
    """A list of mappings with a ``type``, each read into its type's settings dataclass."""
    if value is None:
        return []
    if not isinstance(value, list):
        r.err(r.data, key, f"expected a list of mappings, each with a 'type' ({', '.join(sorted(types))})")
        return []
    out = []
    for i, item in enumerate(value):
        label = f"{key}[{i}]"
        kind = item.get("type") if isinstance(item, dict) else None
        if kind not in types:
            r.err(
                item if isinstance(item, dict) else value,
                "type" if isinstance(item, dict) else i,
                f"{label}: unknown {what} type {kind!r}; choose from {', '.join(sorted(types))}",
            )
            continue
        settings, problems = parse_section(types[kind].settings, item, f"a {kind} {what}")
        for k, message in problems:
            r.err(item, k, f"{label}: {message}")
        if settings is not None:
            out.append(settings)
    return out


def _sinks(r: _Reader, value) -> list[SinkSettings]:
    if value is None:
        return []
    from logsentinel.sinks.registry import SINK_TYPES  # every sink, requests included: only when there are sinks

    sinks = _typed_list(r, value, "sinks", SINK_TYPES, "sink")
    names = set()
    for i, cfg in enumerate(sinks):
        name = sink_name(cfg, i)
        if name in names:
            r.err(r.data, "sinks", f"sinks[{i}]: two sinks named {name!r}: give one a 'name'")
        names.add(name)
    return sinks


def _probes(r: _Reader, value) -> list[ProbeSettings]:
    if value is None:
        return []
    from logsentinel.sources.probes.registry import PROBE_TYPES

    return _typed_list(r, value, "probes", PROBE_TYPES, "probe")


def _bundled(r: _Reader, value) -> bool:
    if value is None:
        return True
    if not isinstance(value, bool):
        r.err(r.data, "bundled_patterns", f"expected true or false, got {value!r}")
        return True
    return value


def _escalation(r: _Reader, value) -> float | None:
    if value is None:
        return None
    if not isinstance(value, dict) or set(value) - {"repeat"}:
        r.err(r.data, "escalation", "expected {repeat: DURATION} (how often an overdue event is reported again)")
        return None
    try:
        seconds = parse_duration(value.get("repeat", 0))
    except ValueError as exc:
        r.err(r.data, "escalation", f"repeat: {exc}")
        return None
    return seconds or None


def _heartbeat(r: _Reader, value) -> float | None:
    if value is None:
        return None
    if not isinstance(value, dict) or set(value) - {"interval"}:
        r.err(r.data, "heartbeat", "expected {interval: DURATION}")
        return None
    try:
        seconds = parse_duration(value.get("interval", "60s"))
    except ValueError as exc:
        r.err(r.data, "heartbeat", f"interval: {exc}")
        return None
    if not 0 < seconds < float("inf"):
        r.err(r.data, "heartbeat", f"interval: expected a positive duration, got {value.get('interval')!r}")
        return None
    return seconds


def _redact(r: _Reader, value) -> list[tuple[str, str]]:
    rules = []
    for i, rule in enumerate(value or []):
        if not isinstance(rule, dict) or not isinstance(rule.get("pattern"), str):
            r.err(r.data, "redact", f"redact[{i}]: expected {{pattern: REGEX, replace: TEXT}}")
            continue
        try:
            re.compile(rule["pattern"])
        except re.error as exc:
            r.err(r.data, "redact", f"redact[{i}].pattern: bad regex: {exc}")
            continue
        rules.append((rule["pattern"], str(rule.get("replace", "***"))))
    return rules


def _metrics(r: _Reader, value) -> MetricsConfig | None:
    """``{listen: HOST:PORT, tls_server_config: {cert_file, key_file}, basic_auth_users: {user: bcrypt}}``,
    the keys of Prometheus exporters' web config."""
    if value is None:
        return None
    keys = {"listen", "tls_server_config", "basic_auth_users"}
    if not isinstance(value, dict) or set(value) - keys:
        r.err(
            r.data,
            "metrics",
            f"expected {{listen: {DEFAULT_LISTEN}, tls_server_config: ..., basic_auth_users: ...}}"
            + (did_you_mean(next(iter(set(value) - keys)), keys) if isinstance(value, dict) else ""),
        )
        return None
    listen = str(value.get("listen", DEFAULT_LISTEN))
    host, _, port = listen.rpartition(":")
    if not port.isdigit() or not 0 < int(port) < 65536:
        r.err(r.data, "metrics", f"listen: expected HOST:PORT with a port from 1 to 65535, got {listen!r}")
        return None
    tls = value.get("tls_server_config") or {}
    cert = key = None
    if tls:
        if not isinstance(tls, dict) or set(tls) != {"cert_file", "key_file"}:
            r.err(value, "tls_server_config", "expected {cert_file: PATH, key_file: PATH}")
            return None
        cert, key = str(r.rel(tls["cert_file"])), str(r.rel(tls["key_file"]))
        for name, path in (("cert_file", cert), ("key_file", key)):
            if not Path(path).is_file():
                r.err(value, "tls_server_config", f"{name}: no such file {path}")
    users = value.get("basic_auth_users") or {}
    if not isinstance(users, dict) or not all(
        isinstance(h, str) and h.startswith(("$2a$", "$2b$", "$2y$")) for h in users.values()
    ):
        r.err(
            value,
            "basic_auth_users",
            "expected {user: bcrypt hash ($2b$...)}: "
            "python -c 'import bcrypt,getpass; print(bcrypt.hashpw(getpass.getpass().encode(), bcrypt.gensalt()).decode())'",
        )
        users = {}
    if host in ("0.0.0.0", "::", "[::]") and not (cert and users):
        r.warnings.append(
            f"{r.path}: metrics: listen: {listen} serves the status page (which shows log lines) on "
            "every interface: set tls_server_config and basic_auth_users, or listen on 127.0.0.1"
        )
    return MetricsConfig(host or "127.0.0.1", int(port), cert, key, {str(u): h for u, h in users.items()})


def _log(r: _Reader, value) -> LogConfig:
    value = value or {}
    if not isinstance(value, dict) or set(value) - {"level", "format"}:
        r.err(r.data, "log", "expected {level: info, format: text|json}")
        return LogConfig()
    cfg = LogConfig(str(value.get("level", "info")).lower(), value.get("format", "text"))
    if cfg.format not in ("text", "json"):
        r.err(value, "format", "log.format: expected text or json")
    if cfg.level not in ("debug", "info", "warning", "error"):
        r.err(value, "level", "log.level: expected debug, info, warning or error")
    return cfg


def _defaults(r: _Reader, value) -> Defaults:
    value = value or {}
    if not isinstance(value, dict):
        r.err(r.data, "defaults", "expected {repeat: DURATION, auto_resolve: DURATION}")
        return Defaults()
    out = {}
    for key, v in value.items():
        if key not in ("repeat", "auto_resolve"):
            r.err(value, key, "defaults: unknown key" + did_you_mean(key, {"repeat", "auto_resolve"}))
            continue
        try:
            out[f"{key}_s"] = parse_duration(v)
        except ValueError as exc:
            r.err(value, key, f"defaults.{key}: {exc}")
    return Defaults(**out)


def _limits(r: _Reader, value) -> Limits:
    value = value or {}
    if not isinstance(value, dict):
        r.err(r.data, "limits", "expected {SIGNATURE_ID: {FIELD: DURATION}}")
        return Limits(where=str(r.path))
    out: dict[str, dict[str, float]] = {}
    for sig_id, fields in value.items():
        if not isinstance(fields, dict) or not fields:
            r.err(value, sig_id, f"limits.{sig_id}: expected {{FIELD: DURATION}}, e.g. {{duration: 6h}}")
            continue
        for name, v in fields.items():
            try:
                seconds = parse_duration(v)
            except ValueError as exc:
                r.err(fields, name, f"limits.{sig_id}.{name}: {exc}")
                continue
            out.setdefault(str(sig_id), {})[str(name)] = seconds
    return Limits(out, str(r.path))


def _radar(r: _Reader, value) -> RadarSection:
    if value is None:
        return RadarSection()
    if not isinstance(value, dict):
        r.err(r.data, "radar", "expected a mapping (enabled, learn, count, within, quiet, ...: docs/radar.md)")
        return RadarSection()
    section, problems = parse_section(RadarSection, value, "radar")
    for key, message in problems:
        r.err(value if key in value else r.data, key if key in value else "radar", f"radar.{key}: {message}")
    return section if isinstance(section, RadarSection) else RadarSection()


# YAML key -> (Config field, reader); the one list of top-level keys
_SECTIONS = {
    "host": ("host", _host),
    "patterns": ("patterns", _patterns),
    "bundled_patterns": ("bundled_patterns", _bundled),
    "state": ("state", _state),
    "sources": ("sources", _sources),
    "sinks": ("sinks", _sinks),
    "probes": ("probes", _probes),
    "heartbeat": ("heartbeat_s", _heartbeat),
    "redact": ("redact_rules", _redact),
    "escalation": ("escalation_repeat_s", _escalation),
    "metrics": ("metrics", _metrics),
    "log": ("log", _log),
    "defaults": ("defaults", _defaults),
    "limits": ("limits", _limits),
    "radar": ("radar", _radar),
}
