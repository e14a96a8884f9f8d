"""Matching: which signatures each record hits, resolves or beats the heart of.

``evaluate`` is the meaning of a match (every regex searched in the whole record, with a
timeout). ``Matcher.naive`` applies it to every record of a block: the reference. ``Matcher.scan``
gives the same result fast: a block scanner (hyperscan when its wheel is installed, else one
combined ``re`` pattern) finds the few records that *might* match, using the superset patterns
of ``prefilter``, and only those records are built and confirmed with ``evaluate``. A regex that
has no superset form is confirmed on every record of its sources.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from logsentinel.matching import hyperscan
from logsentinel.matching.model import Match, MatchedRecord, MatchStats, evaluate
from logsentinel.matching.prefilter import Prefilter, scoped, superset
from logsentinel.matching.wordscan import WordScan
from logsentinel.records.blocks import (
    Block,
    Record,
    end_time,
    iter_records,
    make_record,
    record_bounds,
    record_spans,
    record_text,
)
from logsentinel.signatures.model import DEFAULT_MATCH_TIMEOUT_S, Signature

ENGINES = ("auto", "hyperscan", "python", "naive")
CHOOSE_ON_BYTES = 64 * 1024  # the python engine times its two scans on this much of a block

__all__ = ["ENGINES", "Match", "MatchedRecord", "Matcher", "available_engine", "evaluate"]


def _no_timer() -> float:
    return 0.0


def available_engine(name: str = "auto") -> str:
    if name not in ENGINES:
        raise ValueError(f"unknown matching engine {name!r}; choose from {', '.join(ENGINES)}")
    if name == "auto":
        return "hyperscan" if hyperscan.hs is not None else "python"
    if name == "hyperscan" and hyperscan.hs is None:
        raise ValueError("the hyperscan engine is not installed on this machine (pip install hyperscan)")
    return name


# record bounds -> {signature index: the ids of the regexes whose scan form hit, or None: all}
Candidates = dict[tuple[int, int], dict[int, set[int] | None]]


class _Plan:
    """Everything needed to scan the blocks of one source."""

    def __init__(self, sigs: list[Signature], engine: str, cache: Any) -> None:
        self.sigs = sigs
        self.engine = engine
        self.always: list[int] = []  # signature indexes confirmed on every record
        self.no_scan_form: list[tuple[Signature, str]] = []  # regexes with no block-scan form
        self.db: Any = None  # the hyperscan database
        self.combined: re.Pattern[str] | None = None
        self.words: WordScan | None = None  # the python engine's word scanner
        self.prefer_words: bool | None = None  # the python engine's choice, once timed on a block
        # a scan pattern's id is its place in ``owner``: (signature index, id() of its regex), so
        # a candidate record is confirmed with the regexes whose scan form matched in it only
        self.owner: list[tuple[int, int]] = []
        self.sources: list[str] = []  # by pattern id: the exact regex
        self.wordless: re.Pattern[str] | None = None  # the python engine's regex for regexes without words
        self.wordless_ids: list[int] = []
        # the one ``only_unmatched`` signature (the radar's level rule), which a gate may take
        gated = [i for i, sig in enumerate(sigs) if sig.only_unmatched]
        self.gated: int | None = gated[0] if len(gated) == 1 else None
        exprs: list[tuple[int, object]] = []
        dialect = "hyperscan" if engine == "hyperscan" else "python"
        memo = getattr(cache, "forms", None)  # widened forms worked out on earlier starts
        for i, sig in enumerate(sigs):
            forms: list[tuple[int, Prefilter, str]] = []
            for _kind, rx in sig.all_regexes():
                pf = _superset(rx.source, dialect, memo)
                if pf is None:
                    self.no_scan_form.append((sig, rx.key))
                    self.always.append(i)
                    break
                forms.append((id(rx), pf, rx.source))
            else:
                self._add_forms(i, forms, exprs)
        if engine == "hyperscan" and exprs:
            self.db = self._hs_compile(exprs, sigs, cache)
        elif engine == "python" and exprs:
            self._python(exprs)

    def _add_forms(self, sig_index: int, forms: list[tuple[int, Prefilter, str]], exprs: list[Any]) -> None:
        for rx_id, pf, source in forms:
            exprs.append((len(self.owner), pf))
            self.owner.append((sig_index, rx_id))
            self.sources.append(source)

    def _python(self, exprs: Any) -> None:
        """Words where every regex has some (``wordscan``), one combined regex for the others
        and for the blocks the word scanner leaves alone."""
        self.combined = re.compile("|".join(scoped(pf) for _j, pf in exprs), re.MULTILINE)
        self.python_ids = sorted({self.owner[j][0] for j, _pf in exprs})
        if not WordScan.available():
            return
        self.words = WordScan([(j, self.sources[j]) for j, _pf in exprs])
        wordless = set(self.words.wordless)
        if wordless:
            self.wordless = re.compile("|".join(scoped(pf) for j, pf in exprs if j in wordless), re.MULTILINE)
            self.wordless_ids = sorted({self.owner[j][0] for j in wordless})

    def _hs_compile(self, exprs: Any, sigs: Any, cache: Any) -> Any:
        """One database for all; if hyperscan refuses it, find and set aside the culprits."""
        try:
            return hyperscan.database(exprs, cache)
        except Exception:  # hyperscan.error: which expression is named only in the text
            pass
        bad = {self.owner[j][0] for j, pf in exprs if not hyperscan.accepts(pf)}
        for i in sorted(bad):
            self.always.append(i)
            self.no_scan_form.append((sigs[i], "match"))
        kept = [(j, pf) for j, pf in exprs if self.owner[j][0] not in bad]
        return hyperscan.database(kept, cache) if kept else None


class Matcher:
    """Finds the matches of a signature library in blocks of records.

    Pure: the shell hands in the compiled-database ``cache``, a ``timer`` (for the time spent
    per signature; none by default) and ``on_timeout(signature, record, count)`` to hear of a
    regex that timed out (the record is skipped for that signature).

    ``gate(source, first line, time about)``, when set, sees first each record that only the
    ``only_unmatched`` signature may take; True means the gate took it (the radar counted a
    template it knows): it is neither confirmed, dated nor returned. ``time about`` is the time
    of the block's last dated record."""

    gate: Callable[[str, str, int | None], bool] | None = None

    def __init__(
        self,
        signatures: list[Signature],
        engine: str = "auto",
        timeout: float | None = DEFAULT_MATCH_TIMEOUT_S,
        cache: Any = None,
        timer: Callable[[], float] = _no_timer,
        on_timeout: Any = None,
    ) -> None:
        self.signatures = list(signatures)
        self.engine = available_engine(engine)
        self.timeout = timeout
        self.cache = cache
        self.timer = timer
        self.on_timeout = on_timeout
        self.stats = MatchStats()
        self._plans: dict[str, _Plan] = {}
        self._record_sigs: dict[str, list[Signature]] = {}  # per source: those with an event selector
        self._order = {sig.id: i for i, sig in enumerate(self.signatures)}
        self._shared: dict[tuple[Any, ...], _Plan] = {}

    def plan(self, source: str) -> _Plan:
        """The scan plan for a source; sources admitting the same signatures share one."""
        plan = self._plans.get(source)
        if plan is None:
            # event-log selectors never hit a text block: they are for ``match_records``
            admitted = tuple(i for i, s in enumerate(self.signatures) if s.applies_to(source) and s.event is None)
            plan = self._shared.get(admitted)
            if plan is None:
                sigs = [self.signatures[i] for i in admitted]
                plan = _Plan(sigs, "python" if self.engine == "naive" else self.engine, self.cache)
                if self.engine == "naive":
                    plan.always = list(range(len(sigs)))
                self._shared[admitted] = plan
            self._plans[source] = plan
        return plan

    def no_scan_form(self, source: str = "") -> list[tuple[Signature, str]]:
        """(signature, regex key) of regexes confirmed on every record of ``source``."""
        return self.plan(source).no_scan_form

    # ---- the reference ----------------------------------------------------------------
    def naive(self, block: Block) -> list[MatchedRecord]:
        sigs = self.plan(block.spec.name).sigs
        out = []
        for rec in iter_records(block):
            found = settle(self._confirm(rec, _every(range(len(sigs))), sigs))
            if found:
                out.append(MatchedRecord(rec, tuple(found)))
        return out

    # ---- the fast path ----------------------------------------------------------------
    def scan(self, block: Block) -> list[MatchedRecord]:
        plan = self.plan(block.spec.name)
        st = self.stats
        st.blocks += 1
        st.bytes += len(block.data)
        t0 = self.timer()
        if plan.db is not None:
            candidates = self._hyperscan(plan, block)
        elif plan.words is not None and plan.prefer_words is not False and plan.words.can_scan(block):
            if plan.prefer_words is None and plan.words.settled and len(block.data) >= CHOOSE_ON_BYTES:
                self._choose_python_scan(plan, block)
            candidates = self._words(plan, block)
        elif plan.combined is not None:
            candidates = self._combined(plan, block, plan.combined, plan.python_ids)
        else:
            candidates = {}
        st.scan_seconds += self.timer() - t0
        if plan.always:
            for rs, re_ in _all_bounds(block):
                regexes = candidates.setdefault((rs, re_), {})
                for i in plan.always:
                    regexes[i] = None
        out = []
        data, pos, line = block.data, 0, block.first_line
        gate, gated, about = self.gate, plan.gated, _Later(block)
        for bounds in sorted(candidates):
            line += data.count(b"\n", pos, bounds[0])  # count lines once, walking forward
            pos = bounds[0]
            regexes = candidates[bounds]
            if (
                gate is not None
                and gated is not None
                and len(regexes) == 1
                and gated in regexes
                and gate(block.spec.name, _first_line(data, bounds), about.time())
            ):
                continue  # the radar counted it: a template it knows
            # confirmed on its text first: only a record that matches is dated
            text = record_text(block, bounds[0], bounds[1])
            probe = Record(text, None, line, block.spec.name, block.path, False)
            found = settle(self._confirm(probe, sorted(candidates[bounds].items()), plan.sigs))
            if found:
                rec = make_record(block, bounds[0], bounds[1], line)
                for m in found:
                    if m.kind == "hit":
                        st.per_signature[m.signature.id].last_hit = rec.time
                out.append(MatchedRecord(rec, tuple(found)))
        # lines counted once: by the cutter, or here to the end of the block
        st.lines += block.lines if block.lines is not None else line - block.first_line + data.count(b"\n", pos)
        return out

    # ---- records that come whole (the Windows event log) -----------------------------
    def match_records(self, records: list[Record], source: str) -> list[MatchedRecord]:
        """The matches of records that arrive one by one (event-log events), the same as
        ``naive`` would find: each record's text is scanned with the source's plan, so only the
        text signatures it may hit are confirmed, and the signatures with an ``event`` selector
        are confirmed where the selector takes the record's fields."""
        plan = self.plan(source)
        selectors = self._record_sigs.get(source)
        if selectors is None:
            selectors = self._record_sigs[source] = [s for s in self.signatures if s.applies_to(source) and s.event]
        out = []
        for rec in records:
            self.stats.lines += 1
            found = self._confirm(rec, _every(self._record_candidates(plan, rec.text)), plan.sigs)
            chosen = [s for s in selectors if s.selects_record(rec.attrs)]
            if chosen:
                found += self._confirm(rec, _every(range(len(chosen))), chosen)
                found.sort(key=lambda m: self._order[m.signature.id])
            found = settle(found)
            if found:
                out.append(MatchedRecord(rec, tuple(found)))
        return out

    def _record_candidates(self, plan: _Plan, text: str) -> list[int]:
        hit: set[int] = set(plan.always)
        if plan.db is not None:
            plan.db.scan(text.encode("utf-8"), match_event_handler=lambda j, *_: hit.add(plan.owner[j][0]))
        elif plan.combined is not None and plan.combined.search(text):
            hit.update(plan.python_ids)
        return sorted(hit)

    def _hyperscan(self, plan: _Plan, block: Block) -> Candidates:
        ends: list[tuple[int, int]] = []
        append = ends.append

        def on_match(pattern_id: Any, _from: Any, to: Any, _flags: Any, _ctx: Any) -> None:
            append((to, pattern_id))

        plan.db.scan(block.data, match_event_handler=on_match)
        candidates: Candidates = {}
        cur_end = -1
        cur: dict[int, set[int] | None] = {}
        owner = plan.owner
        for to, j in sorted(ends):
            if to > cur_end:
                bounds = record_bounds(block, to - 1 if to > 0 else 0)
                cur_end = bounds[1]
                cur = candidates.setdefault(bounds, {})
            i, rx_id = owner[j]
            regex_ids = cur.setdefault(i, set())
            if regex_ids is not None:
                regex_ids.add(rx_id)
        return candidates

    def _choose_python_scan(self, plan: _Plan, block: Block) -> None:
        """Words or the combined regex, whichever scans the first CHOOSE_ON_BYTES of this block
        faster (its word sets already chosen). Either gives the same matches in the end (both
        find supersets): only the speed differs. Words win a library of gap-joined words (the
        bundled one: fifty times faster), the combined regex a library whose regexes all start
        with one long literal (``sre`` skips to it)."""
        cut = block.data.rfind(b"\n", 0, CHOOSE_ON_BYTES) + 1
        if cut <= 0:
            return
        trial = Block(block.data[:cut], block.first_line, block.path, block.spec, block.prev_time)
        t0 = self.timer()
        self._words(plan, trial)
        t1 = self.timer()
        if plan.combined is not None:
            self._combined(plan, trial, plan.combined, plan.python_ids)
        plan.prefer_words = t1 - t0 <= self.timer() - t1

    def _words(self, plan: _Plan, block: Block) -> Candidates:
        candidates: Candidates = {}
        owner = plan.owner
        assert plan.words is not None
        for bounds, ids in plan.words.scan(block).items():
            regexes: dict[int, set[int] | None] = {}
            candidates[bounds] = regexes
            for j in ids:
                i, rx_id = owner[j]
                regex_ids = regexes.setdefault(i, set())
                if regex_ids is not None:
                    regex_ids.add(rx_id)
        if plan.wordless is not None:
            for bounds, regexes in self._combined(plan, block, plan.wordless, plan.wordless_ids).items():
                candidates.setdefault(bounds, {}).update(regexes)
        return candidates

    def _combined(self, plan: _Plan, block: Block, combined: re.Pattern[str], sig_ids: list[int]) -> Candidates:
        text = block.data.decode("utf-8", "replace")
        ascii_only = block.data.isascii()
        candidates: Candidates = {}
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
        ids = set(sig_ids)
        while True:
            m = combined.search(text, pos)
            if m is None:
                break
            first = record_bounds(block, to_bytes(m.start()))
            last_pos = to_bytes(max(m.end() - 1, m.start()))
            bounds = first
            while True:
                regexes = candidates.setdefault(bounds, {})
                for i in ids:
                    regexes[i] = None
                if bounds[1] > last_pos or bounds[1] >= len(block.data):
                    break
                bounds = record_bounds(block, bounds[1])
            # continue after the last record touched, in str offsets
            end_b = bounds[1]
            pos = len(block.data[:end_b].decode("utf-8", "replace")) if not ascii_only else end_b
            if pos >= len(text):
                break
        return candidates

    def _confirm(self, rec: Record, wanted: Any, sigs: list[Signature]) -> list[Match]:
        """The matches of ``wanted``: (signature index, regex ids or None for all) pairs."""
        found: list[Match] = []
        per = self.stats.per_signature
        for i, only in wanted:
            sig = sigs[i]
            st = per[sig.id]
            st.candidates += 1
            t0 = self.timer()
            try:
                matches = evaluate(sig, rec.text, self.timeout, rec.attrs, only)
            except TimeoutError:
                st.timeouts += 1
                if self.on_timeout is not None:
                    self.on_timeout(sig, rec, st.timeouts)
                matches = []
            st.seconds += self.timer() - t0
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


def _superset(source: str, dialect: str, memo: dict[str, Any] | None) -> Prefilter | None:
    """``prefilter.superset``, through ``memo`` (a dict the shell keeps) when there is one."""
    if memo is None:
        return superset(source, dialect)
    key = f"{dialect}\x00{source}"
    known = memo.get(key, False)
    if known is None:
        return None
    if isinstance(known, list) and len(known) == 3:
        return Prefilter(str(known[0]), bool(known[1]), bool(known[2]))
    pf = superset(source, dialect)
    memo[key] = None if pf is None else [pf.pattern, pf.caseless, pf.dotall]
    return pf


class _Later:
    """The block's end time, worked out once when first asked."""

    def __init__(self, block: Block) -> None:
        self.block, self.known = block, False
        self.value: int | None = None

    def time(self) -> int | None:
        if not self.known:
            self.value, self.known = end_time(self.block), True
        return self.value


def _first_line(data: bytes, bounds: tuple[int, int]) -> str:
    """The first line of the record at ``bounds``, as ``record_text`` would give it."""
    rs, re_ = bounds
    end = data.find(b"\n", rs, re_)
    return data[rs : end if end >= 0 else re_].decode("utf-8", "replace")


def _every(indexes: Any) -> list[tuple[int, None]]:
    """``_confirm``'s pairs for confirming every regex of these signatures."""
    return [(i, None) for i in indexes]


def _all_bounds(block: Block) -> list[tuple[int, int]]:
    return [(rs, re_) for rs, re_, _line in record_spans(block)]


def settle(found: list[Match]) -> list[Match]:
    """A record's matches, with the hits of ``only_unmatched`` signatures (the radar's level
    rule) kept only when no other signature took the record, then as ``radar`` matches."""
    if not any(m.signature.only_unmatched for m in found):
        return found
    others = [m for m in found if not m.signature.only_unmatched]
    if others:
        return others
    return [Match(m.signature, "radar", m.fields) for m in found if m.kind == "hit"]
