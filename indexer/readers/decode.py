"""Bytes to text for the text formats: UTF-8 first, then a detected encoding; binary data is refused."""

from __future__ import annotations

from charset_normalizer import from_bytes

from indexer.readers import ReadError

_SINGLE_BYTE_WESTERN = {"cp1250", "cp1252", "latin_1", "iso8859_15", "iso8859_2", "cp1257", "iso8859_13", "mac_roman"}


def decode_text(data: bytes) -> str:
    if not data.strip():
        raise ReadError("empty file")
    if b"\x00" in data[:8192]:
        raise ReadError("binary data, not text (is the extension right?)")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        best = from_bytes(data).best()
        if best is None:
            raise ReadError("not text in any known encoding") from None
        text = str(best)
        # Short legacy files are often guessed as a neighbouring single-byte code page ("crčme"); Windows-1252
        # is by far the most common of them, so it wins whenever it decodes the bytes cleanly.
        if best.encoding in _SINGLE_BYTE_WESTERN:
            try:
                text = data.decode("cp1252")
            except UnicodeDecodeError:
                pass
    controls = sum(1 for ch in text[:8192] if ord(ch) < 32 and ch not in "\n\r\t\f")
    if controls > 0.05 * min(len(text), 8192):
        raise ReadError("binary data, not text (is the extension right?)")
    return text.replace("\r\n", "\n").replace("\r", "\n")
