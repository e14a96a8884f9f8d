"""Probes: measurements that no log line announces (disk and database space, reachability of
api.imagicle.com). Each probe writes one record per interval, ``probe=<type> ... level=...``,
into the same matching and detection path as log lines, so dedup, repeat, resolve and sinks
apply unchanged; the built-in signatures for them are in ``patterns/``."""

from logsentinel.sources.probes.base import Probe, ProbeResult, build_probes
from logsentinel.sources.probes.levels import Levels

__all__ = ["Probe", "ProbeResult", "build_probes", "Levels"]
