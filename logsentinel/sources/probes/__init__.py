"""Probes: measurements that no log line announces (disk and database space, reachability of
api.imagicle.com). Each probe writes one record per interval, ``probe=<type> ... level=...``,
into the same matching and detection path as log lines, so dedup, repeat, resolve and sinks
apply unchanged (``base``: the interface; ``registry``: the types); the built-in signatures for them are in ``patterns/``."""
