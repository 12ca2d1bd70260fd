"""Bytes to text for the text formats: byte-order mark, plain UTF-16, UTF-8, a detected encoding; binary is refused."""

from __future__ import annotations

import codecs

from charset_normalizer import from_bytes

from indexer.errors import ReadError

_SINGLE_BYTE_WESTERN = {"cp1250", "cp1252", "latin_1", "iso8859_15", "iso8859_2", "cp1257", "iso8859_13", "mac_roman"}
# Longest first: UTF-32 LE's mark begins with UTF-16 LE's.
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le", "UTF-32"),
    (codecs.BOM_UTF32_BE, "utf-32-be", "UTF-32"),
    (codecs.BOM_UTF8, "utf-8", "UTF-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le", "UTF-16"),
    (codecs.BOM_UTF16_BE, "utf-16-be", "UTF-16"),
)
_SAMPLE = 8192
BINARY = "binary data, not text (is the extension right?)"


def decode_text(data: bytes) -> str:
    if not data.strip():
        raise ReadError("empty file")
    text = _marked(data)
    if text is None:
        text = _plain_utf16(data)
    if text is None:
        if b"\x00" in data[:_SAMPLE]:
            raise ReadError(BINARY)
        text = _unmarked(data)
    if not text.strip():
        raise ReadError("empty file")
    controls = sum(1 for ch in text[:_SAMPLE] if ord(ch) < 32 and ch not in "\n\r\t\f")
    if controls > 0.05 * min(len(text), _SAMPLE):
        raise ReadError(BINARY)
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _marked(data: bytes) -> str | None:
    """The text of a file that starts with a byte-order mark (Windows editors' "Unicode" files), else None."""
    for bom, codec, name in _BOMS:
        if data.startswith(bom):
            try:
                return data[len(bom) :].decode(codec)
            except UnicodeDecodeError:
                raise ReadError(f"starts with a {name} byte-order mark but is not valid {name} text") from None
    return None


def _plain_utf16(data: bytes) -> str | None:
    """UTF-16 without a mark, recognised when it is plain: mostly ASCII-range characters, so one byte of nearly every
    pair is NUL and always the same one (the second in little-endian, the first in big-endian); else None."""
    sample = data[: _SAMPLE - _SAMPLE % 2]
    if len(data) % 2 or len(sample) < 4:
        return None
    pairs = len(sample) // 2
    nul_first = sample[0::2].count(0)
    nul_second = sample[1::2].count(0)
    if nul_second >= 0.7 * pairs and nul_first == 0:
        codec = "utf-16-le"
    elif nul_first >= 0.7 * pairs and nul_second == 0:
        codec = "utf-16-be"
    else:
        return None
    try:
        return data.decode(codec)
    except UnicodeDecodeError:
        return None  # judged below as the NUL bytes it holds: binary


def _unmarked(data: bytes) -> str:
    """UTF-8, else the encoding charset-normalizer finds most likely (Windows-1252 among its Western neighbours)."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    best = from_bytes(data).best()
    if best is None:
        raise ReadError("not text in any known encoding")
    text = str(best)
    # Short legacy files are often guessed as a neighbouring single-byte code page ("crčme"); Windows-1252
    # is by far the most common of them, so it wins whenever it decodes the bytes cleanly.
    if best.encoding in _SINGLE_BYTE_WESTERN:
        try:
            text = data.decode("cp1252")
        except UnicodeDecodeError:
            pass
    return text
