"""Bytes to text: encodings, byte-order marks, and refusing binary files."""

from __future__ import annotations

import codecs
import re

from annotator.problems import Problem

_MAGIC = (
    (b"%PDF", "a PDF document"),
    (b"PK\x03\x04", "a ZIP archive; .docx, .xlsx and .odt files are ZIP archives"),
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"\xd0\xcf\x11\xe0", "an old Microsoft Office document"),
)
# Control bytes that never occur in text files (tab, newlines, form feed and
# escape do); more than a few percent of them means binary data.
_CONTROL_BYTES = bytes([*range(9), 11, *range(14, 27), *range(28, 32), 127])
_BINARY_SAMPLE = 8192
_BINARY_SHARE = 0.05
_WIDE_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_META_CHARSET = re.compile(rb"<meta[^>]+charset\s*=\s*[\"']?([A-Za-z0-9_.:-]+)", re.IGNORECASE)


def decode(
    data: bytes, name: str, encoding: str | None, *, html: bool
) -> tuple[str, Problem | None]:
    if encoding is None:
        encoding = next((codec for bom, codec in _WIDE_BOMS if data.startswith(bom)), None)
    if encoding is None and html:
        encoding = _html_charset(data)
    try:
        codec = codecs.lookup(encoding or "utf-8").name
    except LookupError:
        return "", Problem(name, f"unknown encoding {encoding!r}", field="encoding")
    wide = codec.startswith(("utf-16", "utf-32"))  # NUL bytes are normal there
    if not wide:
        problem = _binary_problem(data, name)
        if problem is not None:
            return "", problem
    offset = 3 if codec == "utf-8" and data.startswith(codecs.BOM_UTF8) else 0
    try:
        text = data[offset:].decode(codec)
    except UnicodeDecodeError as error:
        return "", _decode_problem(data, name, codec, offset + error.start)
    if "\x00" in text:
        return "", Problem(name, "looks like a binary file (it contains NUL characters)")
    return text, None


def _html_charset(data: bytes) -> str | None:
    found = _META_CHARSET.search(data[:4096])
    return found.group(1).decode("ascii") if found else None


def _binary_problem(data: bytes, name: str) -> Problem | None:
    for magic, what in _MAGIC:
        if data.startswith(magic):
            return Problem(name, f"looks like a binary file ({what}), not text")
    if b"\x00" in data:
        return Problem(name, "looks like a binary file (it contains NUL bytes)")
    sample = data[:_BINARY_SAMPLE]
    controls = len(sample) - len(sample.translate(None, _CONTROL_BYTES))
    if controls > _BINARY_SHARE * len(sample):
        return Problem(name, "looks like a binary file (mostly non-text bytes)")
    return None


def _decode_problem(data: bytes, name: str, codec: str, position: int) -> Problem:
    line = data.count(b"\n", 0, position) + 1
    column = position - (data.rfind(b"\n", 0, position) + 1) + 1
    where = f"byte 0x{data[position]:02x} at byte {column} of the line"
    if codec == "utf-8":
        hint = "if it was saved in another encoding, pass it, e.g. --encoding cp1252 or latin-1"
        return Problem(name, f"not valid UTF-8: {where}; {hint}", line=line)
    return Problem(name, f"cannot be decoded as {codec}: {where}", line=line)
