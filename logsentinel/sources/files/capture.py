"""Reading a captured log file from its beginning: plain or gzip, any supported encoding."""

from __future__ import annotations

import gzip
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO, cast

from logsentinel.records.blocks import Block, RecordCutter, SourceSpec
from logsentinel.records.decoding import LineDecoder

CHUNK_BYTES = 1024 * 1024


def open_log(path: Path) -> BinaryIO:
    """Open a log for binary reading; gzip is recognised by its magic bytes, not its name."""
    fh = open(path, "rb")  # noqa: SIM115 (returned to the caller, who closes it)
    if fh.read(2) == b"\x1f\x8b":
        fh.close()
        return cast(BinaryIO, gzip.open(path, "rb"))  # a GzipFile reads as a binary file does
    fh.seek(0)
    return fh


def read_blocks(
    path: Path,
    spec: SourceSpec,
    encoding: str = "auto",
    max_line_bytes: int = 1024 * 1024,
    on_progress=None,
    decoder_out: list | None = None,
    ceiling: int | None = None,
) -> Iterator[Block]:
    """Blocks of whole records of ``path``, read in bounded chunks; record times after
    ``ceiling`` (epoch ms) are not believed (``records.blocks.Block``)."""
    decoder = LineDecoder(encoding, max_line_bytes)
    if decoder_out is not None:
        decoder_out.append(decoder)
    cutter = RecordCutter(spec, str(path))
    cutter.ceiling = ceiling
    chunk = min(CHUNK_BYTES, max(4096, max_line_bytes))
    with open_log(path) as fh:
        raw_fh = fh.fileobj if isinstance(fh, gzip.GzipFile) else fh
        done = 0
        while True:
            raw = fh.read(chunk)
            if not raw:
                break
            if on_progress is not None:
                pos = raw_fh.tell()
                on_progress(pos - done)
                done = pos
            block = cutter.feed(decoder.feed(raw))
            if block is not None:
                yield block
    block = cutter.feed(decoder.finish())
    if block is not None:
        yield block
    block = cutter.flush()
    if block is not None:
        yield block
