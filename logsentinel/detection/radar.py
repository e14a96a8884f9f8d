"""The new-error radar: error records no signature knows, mined into templates per source as
they stream (Drain, logpai's streaming log parser, through ``drain3``), and reported when a
template appears that was not seen while the radar learnt (the ``radar.new_error`` event).

Pure, as the rest of detection: time comes with the records. Per host and source:

* the record's first line after its level word (the time, thread and level columns off),
  secrets masked by the detector's redactor, then numbers, GUIDs, IPs, hex, paths, e-mail
  addresses, quoted values and times masked (``RadarSettings.masks``), is added to the source's
  Drain tree;
* a template first seen within ``learn_s`` of the source's first record (or during a baseline:
  ``learning``) is known; one first seen after is new; ``ignored`` ones are never reported;
* each occurrence of a new template is a hit of the ``radar.new_error`` signature, keyed by the
  source and the template's id (the detector's threshold, dedup and ``auto_resolve`` do the
  rest: ``count`` within ``within_s``, quiet for ``quiet_s``); past ``burst_count`` new
  templates of one source within ``burst_within_s``, the next fold into one ``burst`` key;
* at most ``max_templates`` per source are kept: Drain forgets the least recently seen.
"""

from __future__ import annotations

import itertools
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from logsentinel.signatures.model import Rx, Signature, Threshold

if TYPE_CHECKING:  # drain3 (and what it imports) only once a source has an error to mine
    from logsentinel.detection.templates import Template, Templates

RADAR_ID = "radar.new_error"
PARAM = "<*>"
# (name, regex): applied in this order, each occurrence replaced by <NAME>
DEFAULT_MASKS: tuple[tuple[str, str], ...] = (
    ("DATETIME", r"\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(?:[.,]\d+)?(?:Z|[+-]\d\d:?\d\d)?"),
    ("TIME", r"(?<![\w:])\d{1,2}:\d\d(?::\d\d)?(?:[.,]\d+)?(?![\w:])"),
    ("GUID", r"(?i)(?<![\w-])\{?[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\}?(?![\w-])"),
    ("EMAIL", r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+"),
    ("IP", r"(?<![\w.])\d{1,3}(?:\.\d{1,3}){3}(?::\d+)?(?![\w.])"),
    ("QUOTED", r"\"[^\"\n]*\"|'[^'\n]*'"),
    ("PATH", r"(?:(?<![\w])[A-Za-z]:\\|\\\\|(?<![\w.:/])/)[^\s\"'<>|,;]*"),
    (
        "HEX",
        r"(?i)(?<![\w])(?:0x[0-9a-f]+|[0-9a-f]*\d[0-9a-f]*[a-f][0-9a-f]*|[0-9a-f]*[a-f][0-9a-f]*\d[0-9a-f]*)(?![\w])",
    ),
    ("NUM", r"(?<![\w.])[-+]?\d+(?:[.,]\d+)*(?![\w])"),
)
# a level word near the start of a line (its layout's level column): ^ and not \A, so that the
# block scan finds it in any record; the radar then wants it on the record's first line
LEVEL = r"(?im)^[^\n]{0,80}?\b(?:WARN|WARNING|ERROR|ERR|FATAL|FTL|CRIT|CRITICAL|SEVERE|EMERG|ALERT)\b"
# the same for ``re``, twice as fast: the lookahead skips the words' alternation at most places
# (hyperscan, which scans for ``LEVEL``, has no lookahead)
FAST_LEVEL = LEVEL.replace(r"\b(?:", r"\b(?=[acefsw])(?:", 1)
EVENTLOG_LEVELS = ("Error", "Critical")  # the Windows event log's levels the radar reads
TEMPLATE_MAX_CHARS = 500
MEMO_MIN = 1000  # lines remembered per source: as many as templates kept, at least this (then forgotten at once)
_DIGITS = b"0123456789"
LONG_AGO = -(10**15)  # a source's start once a baseline was learnt: its learning period is over
RECORD_MAX_CHARS = 1000  # of a record's first line, mined
FIRST_RECORD_CHARS = 300  # of the first record a template keeps


def _one_pass(masks: tuple[tuple[str, str], ...]) -> tuple[re.Pattern[str], dict[int, str]] | None:
    """The masks as one alternation (a mask's leading inline flags scoped to it), and the
    replacement of each alternative's group."""
    if not masks:
        return None
    parts, names = [], {}
    for i, (name, rx) in enumerate(masks, start=1):
        flags = re.match(r"^\(\?([aiLmsux]+)\)", rx)
        body = rx[flags.end() :] if flags else rx
        body = re.sub(r"\((?!\?)", "(?:", body)  # a mask's own groups do not count
        parts.append(f"({f'(?{flags.group(1)}:' if flags else '(?:'}{body}))")
        names[i] = f"<{name}>"
    return re.compile("|".join(parts)), names


@dataclass(frozen=True)
class RadarSettings:
    learn_s: float = 7 * 86400.0
    count: int = 1
    within_s: float = 3600.0
    quiet_s: float = 86400.0
    burst_count: int = 5
    burst_within_s: float = 600.0
    max_templates: int = 10000
    similarity: float = 0.4
    masks: tuple[tuple[str, str], ...] = DEFAULT_MASKS
    level: str = LEVEL
    levels: tuple[tuple[str, str], ...] = ()  # (source, regex): where a source's layout has its level


def radar_signature(settings: RadarSettings) -> Signature:
    """The radar's own signature: its level regex finds the records to mine; its threshold,
    dedup and auto-resolve are the radar's rules."""
    from logsentinel.signatures.model import PRIORITY_RESPONSE_S

    return Signature(
        id=RADAR_ID,
        title="A new kind of error",
        priority="P4",
        response_time_s=PRIORITY_RESPONSE_S["P4"],
        category="anomaly",
        application="",
        description="An error or warning no signature knows, of a kind (template) not seen while the radar learnt "
        "this source: read the record, then ignore the template (logsentinel radar ignore) or promote it to "
        "a signature (logsentinel radar promote).",
        # any level regex finds candidates; the radar then wants its source's own
        match=(
            Rx(settings.level, key="radar.level"),
            *(Rx(rx, key=f"radar.level.{source}") for source, rx in settings.levels if rx != settings.level),
        ),
        dedup_by=("source", "template_id"),
        dedup_window_s=settings.quiet_s,
        threshold=Threshold(settings.count, settings.within_s) if settings.count > 1 else None,
        auto_resolve_s=settings.quiet_s,
        only_unmatched=True,
        file="(radar)",
    )


_put = dict.__setitem__  # a template moved in its map, as it is (no ``Templates.__setitem__``)


@dataclass
class SourceMiner:
    drain: Any  # drain3's Drain (``templates.new_drain``)
    started: int | None = None
    new_firsts: list[tuple[int, int]] = field(default_factory=list)  # (first seen, id) of new templates
    memo: dict[int, int] = field(default_factory=dict)  # hash of a first line without its digits -> template id

    @property
    def templates(self) -> Templates:
        return self.drain.id_to_cluster  # type: ignore[no-any-return]


class Radar:
    """Template mining and novelty for one host's sources."""

    def __init__(self, settings: RadarSettings = RadarSettings()) -> None:
        self.settings = settings
        self.masks = _one_pass(settings.masks)
        self.level = re.compile(FAST_LEVEL if settings.level == LEVEL else settings.level)
        self.levels = {source: re.compile(rx) for source, rx in settings.levels}  # a source's own
        self.sources: dict[str, SourceMiner] = {}
        self.learning = False  # a baseline is being replayed: everything seen is known
        self.learnt = False  # a baseline was replayed: no source learns any more, even a new one
        self.changed: set[tuple[str, int]] = set()  # templates changed since taken (the state's rows)

    def mask(self, line: str) -> str:
        """Every masked value replaced by ``<NAME>``, in one pass: at each place the first mask
        (in the settings' order) that matches takes it."""
        if self.masks is None:
            return line
        rx, names = self.masks
        return rx.sub(lambda m: names[m.lastindex or 0], line)

    def _miner(self, source: str) -> SourceMiner:
        miner = self.sources.get(source)
        if miner is None:
            from logsentinel.detection.templates import new_drain

            miner = self.sources[source] = SourceMiner(new_drain(self.settings.similarity, PARAM))
        return miner

    def observe(
        self, source: str, text: str, t: int, attrs: dict[str, Any] | None, redact: Callable[[str], str]
    ) -> dict[str, Any] | None:
        """Mine one unmatched error record; the ``radar.new_error`` hit's fields if its template
        is new (None otherwise)."""
        if attrs is not None and attrs.get("level") not in EVENTLOG_LEVELS:
            return None
        raw = text.split("\n", 1)[0][:RECORD_MAX_CHARS]
        level = self.levels.get(source, self.level).search(raw)
        if level is None:
            return None  # the level word was on a later line of the record (a stack trace's)
        miner = self._miner(source)
        if miner.started is None:
            miner.started = LONG_AGO if self.learnt else t
        # a line seen before but for its digits is the same template: no redaction, masking or
        # Drain again (the key stays in memory only)
        key = _memo_key(raw, level)
        tid = miner.memo.get(key)
        tpl = miner.templates.get(tid) if tid is not None else None
        if tpl is None:
            tpl = self._mine(source, miner, redact(raw), t)
            if len(miner.memo) >= max(MEMO_MIN, self.settings.max_templates):
                miner.memo.clear()
            miner.memo[key] = tpl.id
        else:
            miner.templates[tpl.id] = miner.templates.pop(tpl.id)  # the most recently seen
        tpl.count += 1
        tpl.last_seen = max(tpl.last_seen, t)
        self.changed.add((source, tpl.id))
        if tpl.status != "new":
            return None
        return {"source": source, "template_id": self._key(miner, tpl), "template": _text(miner, tpl)}

    def gate(self, source: str, first_line: str, about: int | None) -> bool:
        """The matcher's gate (``Matcher.gate``): True when ``observe`` would raise nothing for a
        text record with this first line and the radar has done its part already, without the
        record being dated: the level word is not on the first line, or the line is one the
        memo knows of a known or ignored template (counted here; last seen ``about``, the time
        of the block's last dated record)."""
        raw = first_line[:RECORD_MAX_CHARS]
        level = self.levels.get(source, self.level).search(raw)
        if level is None:
            return True
        miner = self.sources.get(source)
        if miner is None:
            return False
        tid = miner.memo.get(_memo_key(raw, level))
        templates = miner.drain.id_to_cluster
        tpl = templates.get(tid) if tid is not None else None
        if tid is None or tpl is None or tpl.status == "new":
            return False
        _put(templates, tid, templates.pop(tid))  # the most recently seen
        tpl.count += 1
        if about is not None and about > tpl.last_seen:
            tpl.last_seen = about
        self.changed.add((source, tid))
        return True

    def _mine(self, source: str, miner: SourceMiner, first_line: str, t: int) -> Template:
        """The template of a (redacted) first line: Drain's cluster, made a template if new."""
        level = self.levels.get(source, self.level).search(first_line)
        message = first_line[level.end() :] if level else first_line  # the time, thread and level columns off
        cluster, _change = miner.drain.add_log_message(self.mask(message))
        tpl = miner.templates.pop(cluster.cluster_id)
        miner.templates[tpl.id] = tpl  # the most recently seen
        if not tpl.status:  # Drain just made it
            started = miner.started if miner.started is not None else t
            learning = self.learning or t - started < self.settings.learn_s * 1000
            tpl.status = "known" if learning else "new"
            tpl.first_seen = tpl.last_seen = t
            if tpl.status == "new":
                tpl.first_record = first_line[:FIRST_RECORD_CHARS]
                miner.new_firsts.append((t, tpl.id))
            self._evict(source, miner)
        return tpl

    def _key(self, miner: SourceMiner, tpl: Template) -> str:
        """The template's id, or ``burst`` past ``burst_count`` new templates of the source
        first seen within ``burst_within_s`` before it."""
        horizon = tpl.first_seen - self.settings.burst_within_s * 1000
        before = [i for at, i in miner.new_firsts if horizon <= at <= tpl.first_seen and i != tpl.id]
        return "burst" if len(before) >= self.settings.burst_count else str(tpl.id)

    def _evict(self, source: str, miner: SourceMiner) -> None:
        """Past ``max_templates``, the least recently seen templates go (from Drain's clusters
        too; its tree skips an id it no longer has)."""
        excess = len(miner.templates) - self.settings.max_templates
        if excess <= 0:
            return
        for tid in list(itertools.islice(miner.templates, excess)):
            del miner.templates[tid]  # Drain's tree skips an id its map no longer has
            self.changed.add((source, tid))  # gone from the state too
        horizon = max((at for at, _ in miner.new_firsts), default=0) - self.settings.burst_within_s * 1000
        miner.new_firsts = [(at, i) for at, i in miner.new_firsts if at >= horizon]

    def finish_learning(self) -> None:
        """A baseline has been replayed: from now on every source's unseen templates are new."""
        self.learning, self.learnt = False, True
        for miner in self.sources.values():
            miner.started = LONG_AGO

    # ---- state --------------------------------------------------------------------------
    def templates(self) -> list[tuple[str, Template]]:
        return [(source, tpl) for source, miner in sorted(self.sources.items()) for tpl in miner.templates.values()]

    def snapshot(self) -> dict[str, Any]:
        """Every source's start and templates (the Drain tree is rebuilt from the templates)."""
        return {
            source: {
                "started": miner.started,
                "templates": [_tpl_dict(t, miner) for t in miner.templates.values()],
            }
            for source, miner in self.sources.items()
        }

    def take_changes(self) -> tuple[list[tuple[str, dict[str, Any]]], list[tuple[str, int]]]:
        """The templates changed since the last call (as rows) and those forgotten (source, id)."""
        rows, gone = [], []
        for source, tid in sorted(self.changed):
            miner = self.sources.get(source)
            tpl = miner.templates.get(tid) if miner is not None else None
            if tpl is None or miner is None:
                gone.append((source, tid))
            else:
                rows.append((source, _tpl_dict(tpl, miner)))
        self.changed.clear()
        return rows, gone

    def starts(self) -> dict[str, int | None]:
        return {source: miner.started for source, miner in self.sources.items()}

    def restore(self, snap: dict[str, Any]) -> None:
        for source, data in snap.items():
            miner = self._miner(source)
            miner.started = data.get("started")
            for d in sorted(data.get("templates", []), key=lambda d: d["last_seen"]):  # LRU order
                self.restore_template(source, d)

    def restore_template(self, source: str, d: dict[str, Any]) -> None:
        from logsentinel.detection.templates import Template

        miner = self._miner(source)
        tokens = tuple(sys.intern(t) for t in d["tokens"])
        tpl = Template(tokens, int(d["id"]), d["status"], d["first_seen"], d["last_seen"], d["count"])
        tpl.first_record = d["first_record"]
        tpl.size = max(int(d.get("count", 1)), 1)
        miner.templates[tpl.id] = tpl
        miner.drain.add_seq_to_prefix_tree(miner.drain.root_node, tpl)
        miner.drain.clusters_counter = max(miner.drain.clusters_counter, tpl.id)
        if tpl.status == "new":
            miner.new_firsts.append((tpl.first_seen, tpl.id))
            miner.new_firsts.sort()

    def set_status(self, source: str, template_id: int, status: str) -> bool:
        miner = self.sources.get(source)
        tpl = miner.templates.get(template_id) if miner is not None else None
        if tpl is None:
            return False
        tpl.status = status
        self.changed.add((source, template_id))
        return True


def _memo_key(raw: str, level: re.Match[str]) -> int:
    """A first line's memo key: what follows its level word, digits out, hashed (the memo holds
    no log text)."""
    return hash(raw[level.end() :].encode("utf-8", "surrogatepass").translate(None, _DIGITS))


def _text(miner: SourceMiner, tpl: Template) -> str:
    """The template as text (its tokens, shared with Drain's tree)."""
    return " ".join(tpl.log_template_tokens)[:TEMPLATE_MAX_CHARS]


def _tpl_dict(tpl: Template, miner: SourceMiner) -> dict[str, Any]:
    return {
        "id": tpl.id,
        "status": tpl.status,
        "first_seen": tpl.first_seen,
        "last_seen": tpl.last_seen,
        "count": tpl.count,
        "first_record": tpl.first_record,
        "text": _text(miner, tpl),
        "tokens": list(tpl.log_template_tokens),
    }
