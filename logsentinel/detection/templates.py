"""The radar's templates as Drain holds them (``drain3``, imported only once a source has an
error record to mine): a ``Template`` is a Drain cluster with the radar's fields, kept in Drain's
own map of clusters (``Templates``), so each template is one object, held once."""

from __future__ import annotations

import sys
from typing import Any

from drain3.drain import Drain, LogCluster


class InternedDrain(Drain):  # type: ignore[misc]  # drain3 ships no type hints
    """Drain with its tokens interned: templates share their words (a logger's name, "failed",
    "<NUM>") instead of holding a copy each."""

    def get_content_as_tokens(self, content: str) -> list[str]:
        return [sys.intern(t) for t in super().get_content_as_tokens(content)]


class Template(LogCluster):  # type: ignore[misc]  # drain3 ships no type hints
    """A Drain cluster (its tokens, id and size) with what the radar knows of it: one object a
    template, held once (``SourceMiner.templates`` is Drain's own map of clusters)."""

    __slots__ = ("count", "first_record", "first_seen", "last_seen", "status")

    def __init__(
        self, tokens: Any, cluster_id: int, status: str = "", first_seen: int = 0, last_seen: int = 0, count: int = 0
    ) -> None:
        super().__init__(tokens, cluster_id)
        self.status = status  # known, new or ignored ("": Drain just made it)
        self.first_seen, self.last_seen, self.count = first_seen, last_seen, count
        self.first_record = ""  # the first record of a new template; known ones keep none (memory)

    @property
    def id(self) -> int:
        return int(self.cluster_id)


class Templates(dict[int, Template]):
    """Drain's clusters by id, in least recently seen order: a cluster Drain makes is kept as a
    ``Template`` (its radar fields filled in by the radar)."""

    def __setitem__(self, key: int, value: Any) -> None:
        if not isinstance(value, Template):
            value = Template(value.log_template_tokens, value.cluster_id)
        super().__setitem__(key, value)


def new_drain(similarity: float, param: str) -> InternedDrain:
    """A Drain tree whose clusters are ``Templates``: no ``max_clusters``, the radar keeps its
    own LRU order (that map), so that a template counted through the memo, which Drain never
    sees, stays recent."""
    drain = InternedDrain(sim_th=similarity, param_str=param)
    drain.id_to_cluster = Templates()
    return drain
