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


def read_size(max_line_bytes: int) -> int:
    """The bytes ``read_blocks`` reads at a time (a range of ``tools.parallel`` ends on one)."""
    return min(CHUNK_BYTES, max(4096, max_line_bytes))


def read_blocks(
    path: Path,
    spec: SourceSpec,
    encoding: str = "auto",
    max_line_bytes: int = 1024 * 1024,
    on_progress=None,
    decoder_out: list | None = None,
    ceiling: int | None = None,
    span: tuple[int, int, int] | None = None,
) -> Iterator[Block]:
    """Blocks of whole records of ``path``, read in bounded chunks; record times after
    ``ceiling`` (epoch ms) are not believed (``records.blocks.Block``).

    ``span``: (start, first_end, stop), a range of a plain file (``tools.parallel``): read from
    ``start`` (a record where a whole read cuts a block) to ``first_end`` (a chunk's end), then
    chunk by chunk to ``stop`` (a chunk's end too), so that its blocks are those a whole read
    cuts there; short of the file's end, what is left after the last block is the next range's.
    Its line numbers count from 1 and its first records know no time from before it."""
    decoder = LineDecoder(encoding, max_line_bytes)
    if decoder_out is not None:
        decoder_out.append(decoder)
    cutter = RecordCutter(spec, str(path))
    cutter.ceiling = ceiling
    chunk = read_size(max_line_bytes)
    ends = False
    with open_log(path) if span is None else open(path, "rb") as fh:
        raw_fh = fh.fileobj if isinstance(fh, gzip.GzipFile) else fh
        done = 0
        want = chunk
        if span is not None:
            fh.seek(span[0])
            done, want = span[0], span[1] - span[0]
        while True:
            if span is not None:
                want = min(want, span[2] - raw_fh.tell())
            raw = fh.read(want) if want > 0 else b""
            want = chunk
            if not raw:
                ends = span is None or raw_fh.tell() >= path.stat().st_size
                break
            if on_progress is not None:
                pos = raw_fh.tell()
                on_progress(pos - done)
                done = pos
            block = cutter.feed(decoder.feed(raw))
            if block is not None:
                yield block
    if not ends:
        return  # a range short of the file's end: the rest is the next range's
    block = cutter.feed(decoder.finish())
    if block is not None:
        yield block
    block = cutter.flush()
    if block is not None:
        yield block
