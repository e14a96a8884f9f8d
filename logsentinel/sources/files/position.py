"""Where the reading of one followed file stands: what the state database keeps for it."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class FileRow:
    source: str
    file_key: str  # device:inode (volume serial:file index on Windows)
    path: str  # the last path it was seen at
    head: bytes  # its first bytes: tell a reused inode from the same file
    offset: int  # raw bytes consumed
    reader: dict  # decoder and record-cutter state (held-back bytes)
    gone: bool  # no configured path points at it any more
