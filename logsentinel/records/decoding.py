"""Raw log bytes -> whole lines of UTF-8 text with LF line ends, in bounded memory.

The suite may write UTF-8 (with or without BOM), UTF-16 with BOM, or a Windows code page, with
CRLF line ends. Everything downstream sees one form: valid UTF-8, ``\\n`` line ends, complete
lines only. Undecodable bytes become U+FFFD and are counted; a line longer than
``max_line_bytes`` is cut there (and counted), the rest of it skipped up to its newline, so a
50 MB line costs no more memory than a short one.
"""

from __future__ import annotations

import base64
import codecs
from dataclasses import dataclass
from typing import Any

DEFAULT_MAX_LINE_BYTES = 1024 * 1024
REPLACEMENT = "\ufffd".encode("utf-8")

_BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)


def sniff_encoding(head: bytes) -> tuple[str, int]:
    """(encoding, BOM length) for the first bytes of a file read with ``encoding: auto``."""
    for bom, name in _BOMS:
        if head.startswith(bom):
            return name, len(bom)
    if len(head) >= 4 and head[1] == 0 and head[3] == 0 and head[0] != 0:
        return "utf-16-le", 0  # UTF-16 written without a BOM
    if len(head) >= 4 and head[0] == 0 and head[2] == 0 and head[1] != 0:
        return "utf-16-be", 0  # big-endian, without a BOM
    return "utf-8", 0


def _can_sniff(head: bytes) -> bool:
    """Enough bytes to tell the encoding: four, or a whole BOM, or a UTF-8-looking line."""
    if len(head) >= 4 or head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE, codecs.BOM_UTF8)):
        return True
    return b"\n" in head and b"\x00" not in head and not codecs.BOM_UTF8.startswith(head)


def normal_encoding(name: str) -> str:
    """Canonical codec name, or ValueError for an unknown one ('auto' passes through)."""
    if name == "auto":
        return name
    try:
        info = codecs.lookup(name)
    except LookupError:
        raise ValueError(f"unknown encoding {name!r} (use auto, utf-8, utf-16, cp1252, ...)") from None
    if not getattr(info, "_is_text_encoding", True):  # rot13, base64, zlib...: not a text encoding
        raise ValueError(f"{name!r} is not a text encoding (use auto, utf-8, utf-16, cp1252, ...)")
    return {"utf-16": "utf-16"}.get(info.name, info.name)


@dataclass
class DecodeStats:
    replaced: int = 0  # undecodable byte sequences replaced by U+FFFD
    cut_lines: int = 0  # lines cut at max_line_bytes


class LineDecoder:
    """Feed raw bytes in any pieces; get back whole normalised lines."""

    def __init__(self, encoding: str = "auto", max_line_bytes: int = DEFAULT_MAX_LINE_BYTES) -> None:
        self.encoding = normal_encoding(encoding)
        self.max_line = max(16, max_line_bytes)
        self.stats = DecodeStats()
        self._sniffed = self.encoding != "auto"
        self._head = b""
        self._decoder: codecs.IncrementalDecoder | None = None
        self._partial = b""
        self._skipping = False
        self._first = True
        if self._sniffed:
            self._set(self.encoding)

    def _set(self, encoding: str) -> None:
        self.encoding = encoding
        if encoding.replace("_", "-") not in ("utf-8", "utf8"):
            self._decoder = codecs.getincrementaldecoder(encoding)(errors="replace")

    def feed(self, raw: bytes) -> bytes:
        """Whole lines decoded from ``raw`` (and what was held back before)."""
        if not self._sniffed:
            self._head += raw
            if not _can_sniff(self._head):
                return b""
            raw, self._head = self._head, b""
            self._sniff(raw)
            raw = raw[self._bom :]
        if self._decoder is not None:
            text = self._decoder.decode(raw)
            self.stats.replaced += text.count("\ufffd")
            raw = text.encode("utf-8")
        out = []
        step = self.max_line
        for i in range(0, len(raw), step):
            piece = self._lines(raw[i : i + step])
            if piece:
                out.append(piece)
        return b"".join(out)

    def finish(self) -> bytes:
        """The last line even without its newline (end of file)."""
        out = b""
        if not self._sniffed and self._head:
            raw, self._head = self._head, b""
            self._sniff(raw)
            out = self.feed(raw[self._bom :])
        if self._decoder is not None:
            tail = self._decoder.decode(b"", final=True)
            if tail:
                self.stats.replaced += tail.count("\ufffd")
                out += self._lines(tail.encode("utf-8"))
        if self._partial and not self._skipping:
            last = self._normalise(self._partial)
            self._partial = b""
            out += last if last.endswith(b"\n") else last + b"\n"
        self._partial, self._skipping = b"", False
        return out

    def join_at(self, file_head: bytes) -> None:
        """Start in the middle of a file: take the encoding from its first bytes, skip its BOM."""
        if not self._sniffed:
            self._sniff(file_head)
        self._first = False

    def snapshot(self) -> dict[str, Any]:
        """Everything needed to go on after a restart from the same raw offset."""
        dec = self._decoder.getstate() if self._decoder is not None else None
        return {
            "encoding": self.encoding,
            "sniffed": self._sniffed,
            "bom": self._bom,
            "head": _b64(self._head),
            "partial": _b64(self._partial),
            "skipping": self._skipping,
            "first": self._first,
            "decoder": [_b64(dec[0]), dec[1]] if dec is not None else None,
            "replaced": self.stats.replaced,
            "cut_lines": self.stats.cut_lines,
        }

    @classmethod
    def restore(cls, snap: dict[str, Any], max_line_bytes: int = DEFAULT_MAX_LINE_BYTES) -> LineDecoder:
        dec = cls(snap["encoding"] if snap["sniffed"] else "auto", max_line_bytes)
        dec._bom = snap["bom"]
        dec._head = _unb64(snap["head"])
        dec._partial = _unb64(snap["partial"])
        dec._skipping = snap["skipping"]
        dec._first = snap["first"]
        if snap["decoder"] is not None and dec._decoder is not None:
            dec._decoder.setstate((_unb64(snap["decoder"][0]), snap["decoder"][1]))
        dec.stats = DecodeStats(snap.get("replaced", 0), snap.get("cut_lines", 0))
        return dec

    def pending_bytes(self) -> int:
        return len(self._partial) + len(self._head)

    def _sniff(self, head: bytes) -> None:
        self._sniffed = True
        name, self._bom = sniff_encoding(head)
        self._set(name)

    _bom = 0

    def _lines(self, data: bytes) -> bytes:
        if self._skipping:
            nl = data.find(b"\n")
            if nl < 0:
                return b""
            data, self._skipping = data[nl + 1 :], False
        buf = self._partial + data if self._partial else data
        nl = buf.rfind(b"\n")
        if nl < 0:
            self._partial = buf
            if len(buf) > self.max_line:
                return self._cut(buf)
            return b""
        complete, self._partial = buf[: nl + 1], buf[nl + 1 :]
        first_nl = complete.find(b"\n")
        if first_nl > self.max_line:  # only the first line can be over the limit
            head = self._cut_line(complete[:first_nl])
            complete = head + complete[first_nl + 1 :]
        if len(self._partial) > self.max_line:
            return self._normalise(complete) + self._cut(self._partial)
        return self._normalise(complete)

    def _cut(self, buf: bytes) -> bytes:
        self._partial = b""
        self._skipping = True
        return self._cut_line(buf)

    def _cut_line(self, line: bytes) -> bytes:
        self.stats.cut_lines += 1
        end = self.max_line
        while end > 0 and (line[end] & 0xC0) == 0x80:  # do not split a UTF-8 character
            end -= 1
        return self._normalise(line[:end] + b"\n")

    def _normalise(self, data: bytes) -> bytes:
        if self._first:
            self._first = False
            if data.startswith(codecs.BOM_UTF8):
                data = data[3:]
        if self._decoder is None:
            try:
                data.decode("utf-8")
            except UnicodeDecodeError:
                text = data.decode("utf-8", "replace")
                self.stats.replaced += text.count("\ufffd") - data.count(REPLACEMENT)
                data = text.encode("utf-8")
        if b"\r" in data:
            data = data.replace(b"\r\n", b"\n")
        return data


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.b64decode(text.encode("ascii"))
