"""How many log files may be held open at once: the process's descriptor limit, raised.

Every followed file used to stay open, so 1,500 logs under ``ulimit -n 1024`` ran out of
descriptors, and a glob that silently listed nothing made every file look gone. Now the soft
limit is raised to the hard one at start, and the file sources share a budget well below it
(sockets, the state database and the sinks need descriptors too); files beyond it are closed
while idle and reopened, by identity, when they grow.
"""

from __future__ import annotations

RESERVED = 64  # descriptors left for sockets, the state database, sinks, probes
WINDOWS_BUDGET = 512  # no per-process descriptor limit to read there: a generous fixed budget
MIN_PER_SOURCE = 4


def raise_open_limit() -> int | None:
    """Raise the soft descriptor limit to the hard one; return the soft limit now in force
    (None where there is no such limit, i.e. Windows)."""
    try:
        import resource
    except ImportError:
        return None
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = hard if hard != resource.RLIM_INFINITY else max(soft, 1 << 16)
    if soft != resource.RLIM_INFINITY and soft < want:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))
            soft = want
        except (ValueError, OSError):
            pass
    return None if soft == resource.RLIM_INFINITY else soft


def per_source_budget(limit: int | None, sources: int) -> int:
    """Files each of ``sources`` file sources may hold open under a descriptor ``limit``."""
    total = WINDOWS_BUDGET if limit is None else max((limit - RESERVED) // 2, MIN_PER_SOURCE)
    return max(total // max(sources, 1), MIN_PER_SOURCE)


def is_out_of_descriptors(exc: OSError) -> bool:
    """EMFILE/ENFILE: the process (or system) has no descriptor left; says nothing about the file."""
    import errno

    return exc.errno in (errno.EMFILE, errno.ENFILE) or getattr(exc, "winerror", None) == 4  # ERROR_TOO_MANY_OPEN_FILES
