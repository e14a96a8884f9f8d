"""Matching: which signatures each record hits, resolves or beats the heart of.

``evaluate`` is the meaning of a match (every regex searched in the whole record, with a
timeout). ``Matcher.naive`` applies it to every record of a block: the reference. ``Matcher.scan``
gives the same result fast: a block scanner (hyperscan when its wheel is installed, else one
combined ``re`` pattern) finds the few records that *might* match, using the superset patterns
of ``prefilter``, and only those records are built and confirmed with ``evaluate``. A regex that
has no superset form is confirmed on every record of its sources.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from logsentinel.matching.prefilter import scoped, superset
from logsentinel.records.blocks import Block, Record, iter_records, make_record, record_bounds, record_spans
from logsentinel.signatures.model import DEFAULT_MATCH_TIMEOUT_S, Signature

log = logging.getLogger("logsentinel.matching")

try:  # the fast engine is optional: wheels exist for Linux x86-64 and Windows x64
    import hyperscan as _hs
except ImportError:  # pragma: no cover - depends on the platform
    _hs = None

ENGINES = ("auto", "hyperscan", "python", "naive")


@dataclass(frozen=True)
class Match:
    signature: Signature
    kind: str      # "hit", "resolve" or "heartbeat"
    fields: dict


@dataclass(frozen=True)
class MatchedRecord:
    record: Record
    matches: tuple[Match, ...]


@dataclass
class SignatureStats:
    hits: int = 0
    resolves: int = 0
    heartbeats: int = 0
    candidates: int = 0
    timeouts: int = 0
    seconds: float = 0.0
    last_hit: int | None = None


@dataclass
class MatchStats:
    per_signature: dict = field(default_factory=lambda: defaultdict(SignatureStats))
    blocks: int = 0
    bytes: int = 0
    lines: int = 0
    scan_seconds: float = 0.0


def evaluate(sig: Signature, text: str, timeout: float | None = DEFAULT_MATCH_TIMEOUT_S) -> list[Match]:
    """The matches of one signature on one record (raises TimeoutError from a slow regex)."""
    out = []
    fields = sig.hit(text, timeout)
    if fields is not None:
        out.append(Match(sig, "hit", fields))
    elif sig.resolve:
        captured = sig.resolves(text, timeout)
        if captured is not None:
            out.append(Match(sig, "resolve", captured))
    if sig.absent is not None and sig.heartbeat(text, timeout):
        out.append(Match(sig, "heartbeat", {}))
    return out


def available_engine(name: str = "auto") -> str:
    if name not in ENGINES:
        raise ValueError(f"unknown matching engine {name!r}; choose from {', '.join(ENGINES)}")
    if name == "auto":
        return "hyperscan" if _hs is not None else "python"
    if name == "hyperscan" and _hs is None:
        raise ValueError("the hyperscan engine is not installed on this machine (pip install hyperscan)")
    return name


class _Plan:
    """Everything needed to scan the blocks of one source."""

    def __init__(self, sigs: list[Signature], engine: str):
        self.sigs = sigs
        self.engine = engine
        self.always: list[int] = []      # signature indexes confirmed on every record
        self.slow_regexes: list[tuple[Signature, str]] = []
        self.db = None
        self.combined = None
        exprs: list[tuple[int, object]] = []
        dialect = "hyperscan" if engine == "hyperscan" else "python"
        for i, sig in enumerate(sigs):
            forms = []
            for _kind, rx in sig.all_regexes():
                pf = superset(rx.source, dialect)
                if pf is None:
                    forms = None
                    self.slow_regexes.append((sig, rx.key))
                    break
                forms.append(pf)
            if forms is None:
                self.always.append(i)
            else:
                exprs.extend((i, pf) for pf in forms)
        if engine == "hyperscan" and exprs:
            self.db = self._hs_compile(exprs, sigs)
        elif engine == "python" and exprs:
            self.combined = re.compile("|".join(scoped(pf) for _i, pf in exprs), re.MULTILINE)
            self.python_ids = sorted({i for i, _pf in exprs})

    def _hs_compile(self, exprs, sigs):
        """One database for all; if hyperscan refuses it, find and set aside the culprits."""
        try:
            return _hs_database(exprs, cache=True)
        except Exception:  # hyperscan.error: which expression is named only in the text
            pass
        bad = {i for i, pf in exprs if not _hs_ok(pf)}
        for i in sorted(bad):
            self.always.append(i)
            self.slow_regexes.append((sigs[i], "match"))
        kept = [(i, pf) for i, pf in exprs if i not in bad]
        return _hs_database(kept, cache=True) if kept else None


def _hs_flags(pf) -> int:
    flags = _hs.HS_FLAG_MULTILINE | _hs.HS_FLAG_UTF8 | _hs.HS_FLAG_UCP | _hs.HS_FLAG_PREFILTER
    if pf.caseless:
        flags |= _hs.HS_FLAG_CASELESS
    if pf.dotall:
        flags |= _hs.HS_FLAG_DOTALL
    return flags


def _hs_ok(pf) -> bool:
    """True if hyperscan accepts this pattern on its own."""
    try:
        _hs_database([(0, pf)])
        return True
    except Exception:  # hyperscan.error (pattern too large, unsupported construct...)
        return False


def _hs_database(exprs, cache: bool = False):
    patterns = [pf.pattern.encode("utf-8") for _i, pf in exprs]
    ids = [i for i, _pf in exprs]
    flags = [_hs_flags(pf) for _i, pf in exprs]
    path = _cache_path(patterns, ids, flags) if cache else None
    if path is not None:
        try:
            db = _hs.loadb(path.read_bytes(), mode=_hs.HS_MODE_BLOCK)
            db.scratch = _hs.Scratch(db)  # a loaded database comes without scratch space
            db.scan(b"probe\n", match_event_handler=lambda *a: None)
            return db
        except Exception:  # absent, unreadable or from another hyperscan: compile again
            pass
    db = _hs.Database(mode=_hs.HS_MODE_BLOCK)
    db.compile(expressions=patterns, ids=ids, elements=len(exprs), flags=flags)
    if path is not None:
        _cache_store(path, _hs.dumpb(db))
    return db


def cache_dir() -> Path:
    """Where compiled scan databases are kept (LOGSENTINEL_CACHE_DIR overrides)."""
    env = os.environ.get("LOGSENTINEL_CACHE_DIR")
    if env:
        return Path(env)
    if os.name == "nt":
        return Path(os.environ.get("LOCALAPPDATA", Path.home())) / "logsentinel" / "cache"
    return Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "logsentinel"


def _cache_path(patterns, ids, flags) -> Path | None:
    h = hashlib.sha256(repr((getattr(_hs, "__version__", ""), patterns, ids, flags)).encode())
    return cache_dir() / f"hs-{h.hexdigest()[:32]}.db"


def _cache_store(path: Path, data: bytes, keep: int = 16) -> None:
    """Write atomically; keep the newest ``keep`` databases. A cache that fails is no error."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_bytes(data)
        os.replace(tmp, path)
        old = sorted(path.parent.glob("hs-*.db"), key=lambda p: p.stat().st_mtime, reverse=True)[keep:]
        for p in old:
            p.unlink(missing_ok=True)
    except OSError as exc:
        log.debug("cannot cache the scan database in %s: %s", path.parent, exc)


class Matcher:
    """Finds the matches of a signature library in blocks of records."""

    def __init__(self, signatures: list[Signature], engine: str = "auto",
                 timeout: float | None = DEFAULT_MATCH_TIMEOUT_S):
        self.signatures = list(signatures)
        self.engine = available_engine(engine)
        self.timeout = timeout
        self.stats = MatchStats()
        self._plans: dict[str, _Plan] = {}
        self._shared: dict[tuple, _Plan] = {}

    def plan(self, source: str) -> _Plan:
        """The scan plan for a source; sources admitting the same signatures share one."""
        plan = self._plans.get(source)
        if plan is None:
            admitted = tuple(i for i, s in enumerate(self.signatures) if s.applies_to(source))
            plan = self._shared.get(admitted)
            if plan is None:
                sigs = [self.signatures[i] for i in admitted]
                plan = _Plan(sigs, "python" if self.engine == "naive" else self.engine)
                if self.engine == "naive":
                    plan.always = list(range(len(sigs)))
                self._shared[admitted] = plan
            self._plans[source] = plan
        return plan

    def slow_regexes(self, source: str = "") -> list[tuple[Signature, str]]:
        return self.plan(source).slow_regexes

    # ---- the reference ----------------------------------------------------------------
    def naive(self, block: Block) -> list[MatchedRecord]:
        sigs = self.plan(block.spec.name).sigs
        out = []
        for rec in iter_records(block):
            found = self._confirm(rec, range(len(sigs)), sigs)
            if found:
                out.append(MatchedRecord(rec, tuple(found)))
        return out

    # ---- the fast path ----------------------------------------------------------------
    def scan(self, block: Block) -> list[MatchedRecord]:
        plan = self.plan(block.spec.name)
        st = self.stats
        st.blocks += 1
        st.bytes += len(block.data)
        st.lines += block.data.count(b"\n")
        t0 = time.perf_counter()
        if plan.db is not None:
            candidates = self._hyperscan(plan, block)
        elif plan.combined is not None:
            candidates = self._combined(plan, block)
        else:
            candidates = {}
        st.scan_seconds += time.perf_counter() - t0
        if plan.always:
            for rs, re_ in _all_bounds(block):
                candidates.setdefault((rs, re_), set()).update(plan.always)
        out = []
        data, pos, line = block.data, 0, block.first_line
        for bounds in sorted(candidates):
            line += data.count(b"\n", pos, bounds[0])  # count lines once, walking forward
            pos = bounds[0]
            rec = make_record(block, bounds[0], bounds[1], line)
            found = self._confirm(rec, sorted(candidates[bounds]), plan.sigs)
            if found:
                out.append(MatchedRecord(rec, tuple(found)))
        return out

    def _hyperscan(self, plan: _Plan, block: Block) -> dict:
        ends: list[tuple[int, int]] = []
        append = ends.append

        def on_match(sig_index, _from, to, _flags, _ctx):
            append((to, sig_index))

        plan.db.scan(block.data, match_event_handler=on_match)
        candidates: dict = {}
        cur_end = -1
        cur = None
        for to, i in sorted(ends):
            if to > cur_end or cur is None:
                bounds = record_bounds(block, max(to - 1, 0))
                cur_end = bounds[1]
                cur = candidates.setdefault(bounds, set())
            cur.add(i)
        return candidates

    def _combined(self, plan: _Plan, block: Block) -> dict:
        text = block.data.decode("utf-8", "replace")
        ascii_only = block.data.isascii()
        candidates: dict = {}
        s_pos = b_pos = 0  # incremental str -> byte offset mapping

        def to_bytes(p: int) -> int:
            nonlocal s_pos, b_pos
            if ascii_only:
                return p
            if p >= s_pos:
                b_pos += len(text[s_pos:p].encode("utf-8"))
            else:
                b_pos = len(text[:p].encode("utf-8"))
            s_pos = p
            return b_pos

        pos = 0
        ids = set(plan.python_ids)
        while True:
            m = plan.combined.search(text, pos)
            if m is None:
                break
            first = record_bounds(block, to_bytes(m.start()))
            last_pos = to_bytes(max(m.end() - 1, m.start()))
            bounds = first
            while True:
                candidates.setdefault(bounds, set()).update(ids)
                if bounds[1] > last_pos or bounds[1] >= len(block.data):
                    break
                bounds = record_bounds(block, bounds[1])
            # continue after the last record touched, in str offsets
            end_b = bounds[1]
            pos = len(block.data[:end_b].decode("utf-8", "replace")) if not ascii_only else end_b
            if pos >= len(text):
                break
        return candidates

    def _confirm(self, rec: Record, indexes, sigs: list[Signature]) -> list[Match]:
        found: list[Match] = []
        per = self.stats.per_signature
        for i in indexes:
            sig = sigs[i]
            st = per[sig.id]
            st.candidates += 1
            t0 = time.perf_counter()
            try:
                matches = evaluate(sig, rec.text, self.timeout)
            except TimeoutError:
                st.timeouts += 1
                if st.timeouts <= 5 or st.timeouts % 1000 == 0:
                    log.warning("signature %s: regex timed out after %ss on %s line %s (%d so far); record skipped",
                                sig.id, self.timeout, rec.path, rec.line, st.timeouts)
                matches = []
            st.seconds += time.perf_counter() - t0
            for m in matches:
                if m.kind == "hit":
                    st.hits += 1
                    st.last_hit = rec.time
                elif m.kind == "resolve":
                    st.resolves += 1
                else:
                    st.heartbeats += 1
            found.extend(matches)
        return found


def _all_bounds(block: Block):
    return [(rs, re_) for rs, re_, _line in record_spans(block)]
