"""Tailing the files of one source: identity, rotation, truncation, partial lines, quiet flush.

Files are followed by identity, not by name: device + inode, confirmed by the file's first
bytes (so a reused inode is a new file) and by a size that never shrinks (a shrink is a
copy-truncate: read again from 0). A file that leaves the configured paths (rotated by rename,
or deleted) is read to its end through the handle still open on it, or found again by identity
in its folder, before the files that replaced it. A glob that also matches the
rotated names never reads a file twice: a renamed file keeps its identity and its offset.

Open files are a budget (``max_open``): beyond it the least recently used handles are closed,
and files idle for ``IDLE_CLOSE_S`` are closed too; a closed file keeps its identity and offset
and is reopened, identity checked, when it grows. A file that leaves the globs is remembered for
``FORGET_GONE_AFTER_S`` (a folder renamed away and back is not read again), and one that comes
back with other first bytes (or, for a tiny file, written since) is a new file on a reused
identity, read from the start without a copy-truncate warning. Running out of descriptors (EMFILE) is never taken for a file that left.

Each file has its own decoder (encoding, held-back partial line) and record cutter (held-back
last record); both are saved with the offset, so a restart goes on exactly where it stopped.
"""

from __future__ import annotations

import contextlib
import fnmatch
import glob
import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from logsentinel.clock import SYSTEM, Clock
from logsentinel.records.blocks import AHEAD_MS, Block, RecordCutter, SourceSpec
from logsentinel.records.decoding import LineDecoder
from logsentinel.sources.files.config import SourceConfig
from logsentinel.sources.files.fileio import HEAD_BYTES, count_lines, delete_pending, file_key, open_shared, read_head
from logsentinel.sources.files.handles import is_out_of_descriptors
from logsentinel.sources.files.position import FileRow

log = logging.getLogger("logsentinel.tail")

READ_CHUNK = 1 << 20
DEFAULT_MAX_OPEN = 256
IDLE_CLOSE_S = 300.0  # close a file read to its end that has been quiet this long
FORGET_GONE_AFTER_S = 24 * 3600.0  # how long a file that left the globs is remembered
MAX_GONE = 100_000  # a safety cap only: gone files are forgotten by time
TINY_HEAD = 64  # fewer first bytes known than this do not tell a file apart
# Windows: let go of a file read to its end. A handle, even with FILE_SHARE_DELETE, keeps a
# deleted log's name reserved until it is closed (on systems without POSIX delete semantics),
# and the suite could not create the next app.log. The file is found again by identity.
RELEASE_AT_EOF = os.name == "nt"


@dataclass
class TailStats:
    bytes_read: int = 0
    lines: int = 0
    files_opened: int = 0
    rotations: int = 0
    truncations: int = 0
    lost_files: int = 0
    closed_idle: int = 0  # handles let go of (idle, or over the open-file budget)
    open_failures: int = 0  # attempts to open a matched file that failed (warned once per file)


@dataclass
class FollowedFile:
    key: str
    path: str
    head: bytes
    offset: int
    decoder: LineDecoder
    cutter: RecordCutter
    fh: BinaryIO | None = None
    gone: bool = False
    last_data: float = 0.0  # monotonic time of the last bytes read
    last_size: int = -1
    dirty: bool = True
    read_to_end: bool = False  # the last read reached its end: closing it loses nothing
    last_used: float = 0.0  # monotonic time the handle was last used (budget: least recent closes first)
    last_mtime: int | None = None  # st_mtime_ns when the row was last written or swept (kept in the state)

    @property
    def reached(self) -> int | None:
        """Time of the last dated record read from this file."""
        return self.cutter.prev_time

    @property
    def holds_record(self) -> bool:
        """True while a last record is held back (its continuation lines may still come)."""
        return bool(self.cutter.pending)

    def row(self, source: str) -> FileRow:
        reader = {"decoder": self.decoder.snapshot(), "cutter": self.cutter.snapshot(), "mtime": self.last_mtime}
        return FileRow(source, self.key, self.path, self.head, self.offset, reader, self.gone)

    def close(self) -> None:
        if self.fh is not None:
            with contextlib.suppress(OSError):
                self.fh.close()
            self.fh = None


class SourceTail:
    """All files of one configured source."""

    def __init__(
        self,
        cfg: SourceConfig,
        spec: SourceSpec,
        rows: list[FileRow],
        first_start: bool,
        clock: Clock = SYSTEM,
        max_open: int = DEFAULT_MAX_OPEN,
    ) -> None:
        self.cfg = cfg
        self.max_open = max(max_open, 1)
        self.spec = spec
        self.clock = clock
        self.first_start = first_start
        self.files: dict[str, FollowedFile] = {}
        self.stats = TailStats()
        self.forgotten: list[str] = []
        self.skipped: set[str] = set()  # compressed files: never tailed
        self.unopenable: set[str] = set()  # files that could not be opened: warned once, tried each sweep
        self.out_of_descriptors = False  # warned once while opening fails with EMFILE
        for row in rows:
            ff = FollowedFile(
                row.file_key,
                row.path,
                row.head,
                row.offset,
                LineDecoder.restore(row.reader["decoder"], cfg.max_line_bytes),
                RecordCutter.restore(spec, row.path, row.reader["cutter"]),
                gone=row.gone,
                last_data=clock.monotonic(),
                last_mtime=row.reader.get("mtime"),  # a restart still tells a new tiny file on a reused identity
            )
            ff.dirty = False
            self.files[ff.key] = ff

    # ---- discovering files --------------------------------------------------------------
    def _matched(self) -> dict[str, tuple[str, os.stat_result]]:
        found: dict[str, tuple[str, os.stat_result]] = {}
        for pattern in self.cfg.paths:
            for path in sorted(glob.glob(pattern, recursive=True)):
                if any(Path(path).match(x) or _fnmatch(path, x) for x in self.cfg.exclude_paths):
                    continue
                try:
                    st = os.stat(path)
                except OSError:
                    continue  # vanished between listing and stat
                if not os.path.isfile(path):
                    continue
                found.setdefault(file_key(st, path), (path, st))
        return found

    def sweep(self) -> list[Block]:
        """Reconcile the followed files with what the globs match now. Returns the blocks
        released on the way (the rest of rotated files, records held before a truncation)."""
        blocks: list[Block] = []
        matched = self._matched()
        for key, ff in list(self.files.items()):
            pending = ff.fh is not None and delete_pending(ff.fh)
            if pending:
                matched.pop(key, None)  # deleted, still listed until we let go of it (Windows)
            elif key not in matched and not ff.gone and self._still_listed(ff):
                matched[key] = (ff.path, os.stat(ff.path))  # the listing failed (EMFILE...), the file did not
            if key in matched or (ff.gone and ff.fh is None):
                continue
            blocks += self._left(ff)  # rotated away or deleted: finish it first
        for key, (path, st) in matched.items():
            known = self.files.get(key)
            if known is None:
                self._pick_up(key, path, st)
                continue
            ff = known
            if ff.gone:
                ff.gone = False
                ff.dirty = True
                if not self._same_head(ff, path) or self._new_on_same_identity(ff, st):
                    # not a copy-truncate: a new file was given the identity of one that left
                    log.info(
                        "%s: %s is a new file on the identity of %s (reused); reading it from the start",
                        self.cfg.name,
                        path,
                        ff.path,
                    )
                    ff.path = path
                    blocks += self._restart(ff)
                    ff.last_size = st.st_size
                    ff.last_mtime = st.st_mtime_ns
                    continue
                if st.st_size >= ff.offset:
                    log.info("%s: %s is back (same file), going on at byte %d", self.cfg.name, path, ff.offset)
            if ff.path != path:
                # rotated by rename (and still matched, e.g. by app.log*): its writer has moved
                # on, so read it to its end and release its last line and record now
                log.info("%s: %s was renamed to %s", self.cfg.name, ff.path, path)
                ff.path = path
                ff.cutter.path = path
                blocks += self._read(ff, budget=None)
                blocks += self._finish(ff)
                ff.dirty = True
                self.stats.rotations += 1
            if st.st_size < ff.offset:
                blocks += self._truncated(ff, st)
            elif st.st_size != ff.last_size and not self._same_head(ff, path):
                log.info("%s: %s is a new file with a reused inode; reading it from the start", self.cfg.name, path)
                blocks += self._restart(ff)
            ff.last_size = st.st_size
            ff.last_mtime = st.st_mtime_ns
        self.first_start = False
        self._close_idle()
        self._prune_gone()
        return blocks

    @staticmethod
    def _new_on_same_identity(ff: FollowedFile, st: os.stat_result) -> bool:
        """A file that comes back with the first bytes we knew may still be a new one: when we
        knew only a few bytes of it (a tiny file: its whole content was its head) and it was
        written since, a deleted file's inode (or Wine's file index) went to a new file that
        happens to start alike. A file renamed away and back keeps its mtime."""
        tiny = len(ff.head) < TINY_HEAD
        return tiny and ff.last_mtime is not None and st.st_mtime_ns != ff.last_mtime

    def _still_listed(self, ff: FollowedFile) -> bool:
        """True if the file is still at its path and matched: the glob missed it, not the file."""
        try:
            if file_key(os.stat(ff.path), ff.path) != ff.key:
                return False
        except OSError:
            return False
        if any(Path(ff.path).match(x) or _fnmatch(ff.path, x) for x in self.cfg.exclude_paths):
            return False
        return any(_fnmatch(ff.path, pattern) for pattern in self.cfg.paths)

    # ---- the open-file budget -------------------------------------------------------------
    def open_handles(self) -> int:
        return sum(1 for ff in self.files.values() if ff.fh is not None)

    def _make_room(self, keep: FollowedFile | None = None) -> None:
        """Close the least recently used handles until one more fits in the budget."""
        held = [ff for ff in self.files.values() if ff.fh is not None and ff is not keep]
        excess = len(held) + (1 if keep is None or keep.fh is None else 0) - self.max_open
        if excess <= 0:
            return
        for ff in sorted(held, key=lambda f: f.last_used)[:excess]:
            ff.close()
            self.stats.closed_idle += 1

    def _close_idle(self) -> None:
        """Let go of files read to their end that have been quiet for IDLE_CLOSE_S."""
        now = self.clock.monotonic()
        for ff in self.files.values():
            if ff.fh is not None and ff.read_to_end and not ff.gone and now - ff.last_used >= IDLE_CLOSE_S:
                ff.close()
                self.stats.closed_idle += 1

    def _pick_up(self, key: str, path: str, st: os.stat_result) -> None:
        if key in self.skipped:
            return
        self._make_room()
        try:
            fh = open_shared(path)
        except OSError as exc:
            self.stats.open_failures += 1
            if is_out_of_descriptors(exc):
                self._warn_descriptors(path, exc)
                return
            if key not in self.unopenable:
                self.unopenable.add(key)
                log.warning("%s: cannot open %s: %s (tried again on every sweep; said once)", self.cfg.name, path, exc)
            return
        if key in self.unopenable:
            self.unopenable.discard(key)
            log.info("%s: %s can be opened now", self.cfg.name, path)
        if read_head(fh, 2) == b"\x1f\x8b":
            fh.close()
            self.skipped.add(key)
            log.info(
                "%s: %s is compressed (a rotated archive): not tailed (logsentinel replay reads it)",
                self.cfg.name,
                path,
            )
            return
        self.stats.files_opened += 1
        decoder = LineDecoder(self.cfg.encoding, self.cfg.max_line_bytes)
        offset, first_line = 0, 1
        if self.first_start and self.cfg.start_at == "end" and st.st_size:
            offset = st.st_size
            decoder.join_at(read_head(fh, 4))  # the encoding is told by the file's start
            first_line = 1 + count_lines(fh, offset, decoder.encoding.startswith("utf-16"))
        ff = FollowedFile(
            key,
            path,
            read_head(fh),
            offset,
            decoder,
            RecordCutter(self.spec, path, first_line),
            fh=fh,
            last_size=st.st_size,
            last_data=self.clock.monotonic(),
            last_used=self.clock.monotonic(),
            last_mtime=st.st_mtime_ns,
        )
        self.files[key] = ff
        where = "its end" if offset else "the start"
        log.info("%s: picked up %s (%d bytes), reading from %s", self.cfg.name, path, st.st_size, where)

    def _same_head(self, ff: FollowedFile, path: str) -> bool:
        fh = self._handle(ff, path)
        if fh is None:
            return True
        head = read_head(fh, HEAD_BYTES)
        if head[: len(ff.head)] != ff.head:
            return False
        if len(head) > len(ff.head):
            ff.head = head  # the file has grown past what we had: remember more of it
            ff.dirty = True
        return True

    def _handle(self, ff: FollowedFile, path: str | None = None) -> BinaryIO | None:
        if ff.fh is None:
            self._make_room(keep=ff)
            try:
                fh = open_shared(path or ff.path)
            except OSError as exc:
                if is_out_of_descriptors(exc):
                    self._warn_descriptors(path or ff.path, exc)
                return None
            try:
                st = os.fstat(fh.fileno())
            except OSError:
                fh.close()
                return None
            if file_key(st, path or ff.path) != ff.key:
                fh.close()
                return None
            ff.fh = fh
            self.out_of_descriptors = False
        ff.last_used = self.clock.monotonic()
        return ff.fh

    def _warn_descriptors(self, path: str, exc: OSError) -> None:
        if not self.out_of_descriptors:
            self.out_of_descriptors = True
            log.warning(
                "%s: out of file descriptors opening %s (%s); nothing is taken as gone, "
                "tried again on the next pass (raise LimitNOFILE / ulimit -n)",
                self.cfg.name,
                path,
                exc.strerror or exc,
            )

    def _truncated(self, ff: FollowedFile, st) -> list[Block]:
        log.warning(
            "%s: %s shrank from %d to %d bytes (copy-truncate?); reading it again from the start",
            self.cfg.name,
            ff.path,
            ff.offset,
            st.st_size,
        )
        self.stats.truncations += 1
        return self._restart(ff)

    def _restart(self, ff: FollowedFile) -> list[Block]:
        blocks = self._finish(ff)  # what was read of the old content is complete now
        ff.decoder = LineDecoder(self.cfg.encoding, self.cfg.max_line_bytes)
        ff.cutter = RecordCutter(self.spec, ff.path, 1, ff.cutter.prev_time)
        ff.offset = 0
        fh = self._handle(ff)
        ff.head = read_head(fh) if fh is not None else b""
        ff.dirty = True
        return blocks

    def _left(self, ff: FollowedFile) -> list[Block]:
        """The file is no longer at any configured path: read what is left, then let it go."""
        try:
            fh = ff.fh or self._find_moved(ff)
        except OSError as exc:  # its folder could not be listed: tell nothing now, look again later
            if is_out_of_descriptors(exc):
                self._warn_descriptors(str(Path(ff.path).parent), exc)
                return []
            fh = None
        # only a handle held on it can tell a deletion; a file not found is remembered (it may come back)
        deleted = fh is not None and _unlinked(fh)  # asked first: reading to the end may let go of it
        blocks: list[Block] = []
        if fh is not None:
            blocks += self._read(ff, budget=None)
        elif not ff.read_to_end or ff.last_size > ff.offset:
            log.warning(
                "%s: %s vanished before it was read to its end (from byte %d)", self.cfg.name, ff.path, ff.offset
            )
            self.stats.lost_files += 1
        blocks += self._finish(ff)
        ff.close()
        if deleted:
            # deleted: forget it, so that a new file reusing its inode is read from the start
            del self.files[ff.key]
            self.forgotten.append(ff.key)
            log.info("%s: %s was deleted; read to byte %d", self.cfg.name, ff.path, ff.offset)
        else:
            ff.gone = True
            ff.dirty = True
            self.stats.rotations += 1
            log.info("%s: %s left the watched paths; read to byte %d", self.cfg.name, ff.path, ff.offset)
        return blocks

    def _prune_gone(self) -> None:
        """Forget files that left the globs FORGET_GONE_AFTER_S ago (until then they may come back
        and go on where they were); MAX_GONE caps their number for safety only."""
        now = self.clock.monotonic()
        gone = sorted((ff for ff in self.files.values() if ff.gone and ff.fh is None), key=lambda f: f.last_data)
        over = len(gone) - MAX_GONE
        for i, ff in enumerate(gone):
            if i >= over and now - ff.last_data < FORGET_GONE_AFTER_S:
                break
            del self.files[ff.key]
            self.forgotten.append(ff.key)

    def _find_moved(self, ff: FollowedFile) -> BinaryIO | None:
        """Look for a file we hold no handle on by identity next to where it was. Raises OSError
        when the folder exists but cannot be listed (no descriptor left, no permission)."""
        folder = Path(ff.path).parent
        try:
            entries = list(os.scandir(folder))
        except FileNotFoundError:
            return None
        for entry in entries:
            try:
                # os.stat, not entry.stat(): on Windows a directory entry has no file index
                if entry.is_file() and file_key(os.stat(entry.path), entry.path) == ff.key:
                    log.info("%s: found %s again as %s", self.cfg.name, ff.path, entry.path)
                    ff.path = entry.path
                    return self._handle(ff, entry.path)
            except OSError:
                continue
        return None

    def _finish(self, ff: FollowedFile) -> list[Block]:
        blocks = []
        tail = ff.decoder.finish()
        if tail:
            block = ff.cutter.feed(tail)
            if block is not None:
                blocks.append(block)
        block = ff.cutter.flush()
        if block is not None:
            blocks.append(block)
        return blocks

    # ---- reading ----------------------------------------------------------------------
    def read(self, budget: int = READ_CHUNK) -> list[Block]:
        """New data of every followed file, oldest file first, up to ``budget`` bytes each."""
        # a closed file is opened again only when the last sweep saw it grow
        live = [
            ff
            for ff in self.files.values()
            if not ff.gone and (ff.fh is not None or ff.last_size > ff.offset or not ff.read_to_end)
        ]
        live.sort(key=lambda ff: (_mtime(ff.path), ff.path))
        blocks: list[Block] = []
        for ff in live:
            blocks += self._read(ff, budget)
        return blocks

    def waiting(self) -> list[FollowedFile]:
        """Followed files with bytes known to be unread (as of the last sweep)."""
        return [ff for ff in self.files.values() if not ff.gone and ff.last_size > ff.offset]

    def read_file(self, ff: FollowedFile, budget: int) -> list[Block]:
        """Up to ``budget`` new bytes of one file; a file that gives nothing is marked read."""
        before = ff.offset
        blocks = self._read(ff, budget)
        if ff.offset == before:
            ff.last_size = ff.offset  # nothing readable now: the next sweep tells more
        return blocks

    def _read(self, ff: FollowedFile, budget: int | None) -> list[Block]:
        fh = self._handle(ff)
        if fh is None:
            return []
        ff.read_to_end = False
        blocks: list[Block] = []
        left = budget
        try:
            fh.seek(ff.offset)
            while left is None or left > 0:
                raw = fh.read(READ_CHUNK if left is None else min(READ_CHUNK, left))
                if not raw:
                    ff.read_to_end = True
                    if RELEASE_AT_EOF:
                        ff.close()
                    break
                ff.offset += len(raw)
                ff.cutter.ceiling = int(self.clock.time() * 1000) + AHEAD_MS
                if left is not None:
                    left -= len(raw)
                self.stats.bytes_read += len(raw)
                ff.last_data = self.clock.monotonic()
                ff.dirty = True
                lines = ff.decoder.feed(raw)
                if lines:
                    self.stats.lines += lines.count(b"\n")
                    block = ff.cutter.feed(lines)
                    if block is not None:
                        blocks.append(block)
        except OSError as exc:
            log.warning("%s: reading %s failed at byte %d: %s", self.cfg.name, ff.path, ff.offset, exc)
            ff.close()
        return blocks

    def flush_quiet(self, now: float | None = None) -> list[Block]:
        """Release held-back records of files that have been quiet for ``flush_after``."""
        now = self.clock.monotonic() if now is None else now
        blocks = []
        for ff in self.files.values():
            if ff.cutter.pending and now - ff.last_data >= self.cfg.flush_after_s:
                block = ff.cutter.flush()
                if block is not None:
                    ff.dirty = True
                    blocks.append(block)
        return blocks

    def next_flush(self) -> float | None:
        """The monotonic time at which a held-back record is released if nothing more comes."""
        due = [ff.last_data + self.cfg.flush_after_s for ff in self.files.values() if ff.holds_record]
        return min(due) if due else None

    def lag(self) -> dict[str, int]:
        return {ff.path: max(ff.last_size - ff.offset, 0) for ff in self.files.values() if not ff.gone}

    def dirty_rows(self) -> list[FileRow]:
        rows = []
        for ff in self.files.values():
            if ff.dirty:
                rows.append(ff.row(self.cfg.name))
        return rows

    def take_forgotten(self) -> list[str]:
        keys, self.forgotten = self.forgotten, []
        return keys

    def mark_clean(self) -> None:
        for ff in self.files.values():
            ff.dirty = False

    def close(self) -> None:
        for ff in self.files.values():
            ff.close()


def _unlinked(fh: BinaryIO) -> bool:
    """True if the open file has no name left (deleted while we held it)."""
    try:
        return os.fstat(fh.fileno()).st_nlink == 0 or delete_pending(fh)
    except (OSError, ValueError):  # closed, or no longer there
        return True


def _mtime(path: str) -> float:
    try:
        return os.stat(path).st_mtime
    except OSError:
        return 0.0


def _fnmatch(path: str, pattern: str) -> bool:
    return fnmatch.fnmatch(Path(path).as_posix(), Path(pattern).as_posix())
