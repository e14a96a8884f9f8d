"""The open events of a detector, noting which changed since the state last wrote them, so that
a commit writes only those (a burst of 100k open events rewrote an 82 MB snapshot on every
commit). Pure: the state (``state.database``) takes the changes."""

from __future__ import annotations

from dataclasses import dataclass, field

from logsentinel.detection.events import Event


@dataclass
class Changes:
    """What to write: events added or changed, keys gone, or everything (``rewrite``)."""

    upserts: list[Event] = field(default_factory=list)
    deletes: list[str] = field(default_factory=list)
    rewrite: bool = False


class OpenEvents(dict[str, Event]):
    """Open events by dedup key. Adding or removing one is noted; an event changed in place is
    noted with ``touch``. ``rewrite``: the state must be written whole (a detector built from a
    snapshot that is not the state's own rows)."""

    def __init__(self, rewrite: bool = True) -> None:
        super().__init__()
        self.changed: set[str] = set()
        self.rewrite = rewrite

    def __setitem__(self, key: str, ev: Event) -> None:
        super().__setitem__(key, ev)
        self.changed.add(key)

    def __delitem__(self, key: str) -> None:
        super().__delitem__(key)
        self.changed.add(key)

    def touch(self, key: str) -> None:
        self.changed.add(key)

    def take_changes(self) -> Changes:
        """The changes since the last call (and forget them)."""
        if self.rewrite:
            out = Changes(list(self.values()), [], True)
        else:
            out = Changes(
                [self[k] for k in sorted(self.changed) if k in self],
                sorted(k for k in self.changed if k not in self),
            )
        self.changed.clear()
        self.rewrite = False
        return out
