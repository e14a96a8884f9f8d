"""``jsonl`` sink: appends reports to a JSON Lines file, exactly once.

Each delivery appends its lines, flushes them to disk, and only then is marked delivered in the
state database together with the file's new size. After a crash between the two, the file is
longer than the recorded size: the extra tail (a batch that was never marked delivered) is cut
off at start, and the batch is written again. A file replaced by someone else (another
identity) is simply appended to.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
from dataclasses import dataclass, field
from pathlib import Path

from logsentinel.sinks.base import DeliveryError, Sink, SinkSettings, private_file
from logsentinel.sources.files.fileio import file_key

log = logging.getLogger("logsentinel.sinks")


@dataclass(frozen=True, kw_only=True)
class JsonlSettings(SinkSettings):
    path: str = field(metadata={"path": True})

    def target(self) -> str:
        return self.path


class JsonlSink(Sink):
    type = "jsonl"
    settings = JsonlSettings

    def __init__(self, name, cfg: JsonlSettings, base: Path, clock) -> None:
        super().__init__(name, cfg, base, clock)
        path = Path(cfg.path)
        self.path = path if path.is_absolute() else base / path

    def recover(self, store) -> None:
        raw = store.get("file")
        if raw is None:
            self._baseline(store)  # what is in the file now is not ours to cut
            return
        if not self.path.exists():
            return
        known = json.loads(raw)
        st = self.path.stat()
        if (known["key"] and file_key(st, self.path) != known["key"]) or st.st_size < known["size"]:
            return  # rotated or replaced by someone else: nothing of ours to cut
        if st.st_size > known["size"]:
            log.warning(
                "%s: cutting %d bytes of a batch that was written but not confirmed before a stop",
                self.path,
                st.st_size - known["size"],
            )
            with open(self.path, "r+b") as fh:
                fh.truncate(known["size"])

    def _baseline(self, store) -> None:
        if self.path.exists():
            st = self.path.stat()
            known = {"key": file_key(st, self.path), "size": st.st_size}
        else:
            known = {"key": "", "size": 0}
        store.put("file", json.dumps(known))

    def deliver(self, reports, store):
        data = "".join(r + "\n" for r in reports).encode("utf-8")
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            private_file(self.path)
            with open(self.path, "ab") as fh:
                start = fh.seek(0, os.SEEK_END)
                try:
                    fh.write(data)
                    fh.flush()
                    os.fsync(fh.fileno())
                except OSError:
                    _cut(fh, start)  # a disk full mid-batch: no broken line, no half batch to repeat
                    raise
                size = fh.tell()
                key = file_key(os.fstat(fh.fileno()), self.path)
        except OSError as exc:
            raise DeliveryError(f"{self.path}: {exc.strerror or exc}") from None
        return {"file": json.dumps({"key": key, "size": size})}


def _cut(fh, size: int) -> None:
    """Take back what a failed write left after ``size`` (what was buffered is dropped too)."""
    with contextlib.suppress(OSError, ValueError):  # the retry's start-up check (``recover``) cuts it then
        fh.truncate(size)
