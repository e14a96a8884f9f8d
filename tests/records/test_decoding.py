"""Decoding: any encoding, any split of the bytes, CRLF, bad bytes and huge lines."""

from __future__ import annotations

import codecs

from hypothesis import given, settings
from hypothesis import strategies as st

from logsentinel.records.decoding import LineDecoder

_lines = st.lists(
    st.text(alphabet=st.characters(blacklist_categories=["Cs"], blacklist_characters="\r\n\ufeff\ufffd"), max_size=30),
    min_size=1,
    max_size=15,
)


def decode_all(data: bytes, cuts: list[int], **kw) -> tuple[bytes, LineDecoder]:
    dec = LineDecoder(**kw)
    out, start = [], 0
    for cut in [*sorted(set(cuts)), len(data)]:
        out.append(dec.feed(data[start:cut]))
        start = max(start, cut)
    out.append(dec.finish())
    return b"".join(out), dec


@settings(max_examples=300, deadline=None)
@given(
    lines=_lines,
    crlf=st.booleans(),
    enc=st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "utf-16-le-nobom"]),
    cuts=st.lists(st.integers(0, 2000), max_size=10),
)
def test_split_anywhere_gives_the_same_lines(lines, crlf, enc, cuts):
    """Bytes split at arbitrary boundaries (inside characters and CRLF pairs) decode to the
    lines written, as UTF-8 with LF."""
    text = ("\r\n" if crlf else "\n").join(lines) + ("\r\n" if crlf else "\n")
    if enc == "utf-16-le-nobom":
        if not lines[0][:1] or not lines[0][:1].isascii() or not lines[0][:2].isascii() or len(lines[0]) < 2:
            return  # BOM-less UTF-16 is sniffed from ASCII text only
        data, encoding = text.encode("utf-16-le"), "auto"
    else:
        data, encoding = text.encode(enc), "auto"
    out, dec = decode_all(data, [c % (len(data) + 1) for c in cuts], encoding=encoding)
    assert out.decode("utf-8") == "\n".join(lines) + "\n"
    assert dec.stats.replaced == 0


def test_cp1252():
    out, _ = decode_all("caffè ok\r\n".encode("cp1252"), [5], encoding="cp1252")
    assert out == "caffè ok\n".encode()


def test_undecodable_bytes_are_replaced_and_counted():
    out, dec = decode_all(b"good\nbad \xff\xfe here\nend\n", [7])
    assert out == "good\nbad \ufffd\ufffd here\nend\n".encode()
    assert dec.stats.replaced == 2


def test_last_line_without_newline_is_kept_at_finish():
    out, _ = decode_all(b"a\nb", [])
    assert out == b"a\nb\n"


def test_huge_line_is_cut_and_memory_stays_bounded():
    dec = LineDecoder(max_line_bytes=1000)
    out = [dec.feed(b"start\n")]
    for _ in range(50_000):  # a 50 MB line, fed in 1 KB pieces
        out.append(dec.feed(b"x" * 1000))
        assert dec.pending_bytes() <= 2000
    out.append(dec.feed(b"\nafter\n"))
    lines = b"".join(out).split(b"\n")
    assert lines[0] == b"start" and lines[1] == b"x" * 1000 and lines[2] == b"after"
    assert dec.stats.cut_lines == 1


def test_cut_never_splits_a_character():
    dec = LineDecoder(max_line_bytes=16)
    out = dec.feed(("é" * 20 + "\n").encode()) + dec.finish()
    out.decode("utf-8")  # valid UTF-8
    assert dec.stats.cut_lines == 1


def test_bom_is_dropped():
    out, _ = decode_all(codecs.BOM_UTF8 + b"x\r\n", [1])
    assert out == b"x\n"


def test_bomless_utf16_big_endian_is_recognised():
    from logsentinel.records.decoding import LineDecoder

    text = "2026-11-27 10:00:00 Low database space for database DB1\n"
    dec = LineDecoder("auto")
    assert dec.feed(text.encode("utf-16-be")) + dec.finish() == text.encode("utf-8")
