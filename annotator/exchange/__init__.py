"""Exchange formats for label sets: the tidy table and the tools' own files.

Every format turns the tidy table (:mod:`annotator.exchange.tidy`, one row per
label) into bytes and back: ``to_bytes(frame)`` and ``from_bytes(data, name)
-> (frame, problems)``, plus ``write(frame, path)`` and ``read(path)``.
Readers never raise on bad input; they return what parsed and a list of
:class:`~annotator.problems.Problem`. Start with :data:`FORMATS` and
:func:`format_for`; :mod:`annotator.exchange.card` writes the data card that
goes along with an export.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from annotator.exchange import doccano, labelstudio, prodigy, tidyfiles
from annotator.exchange.tidy import Read


class UnknownFormat(ValueError):
    """No format matches a name, an extension or a file's first line."""


@dataclass(frozen=True)
class Format:
    """One file format: how to name, write and read it."""

    name: str
    extension: str
    media_type: str
    to_bytes: Callable[[pd.DataFrame], bytes]
    from_bytes: Callable[[bytes, str], Read]
    description: str = ""

    def write(self, frame: pd.DataFrame, path: Path) -> None:
        Path(path).write_bytes(self.to_bytes(frame))

    def read(self, path: Path) -> Read:
        return self.from_bytes(Path(path).read_bytes(), str(path))

    def file_name(self, stem: str) -> str:
        return stem + self.extension


def _tidy(fmt: str) -> tuple[Callable[[pd.DataFrame], bytes], Callable[[bytes, str], Read]]:
    return (lambda frame: tidyfiles.to_bytes(frame, fmt)), (
        lambda data, name: tidyfiles.from_bytes(data, fmt, name=name)
    )


FORMATS: dict[str, Format] = {
    f.name: f
    for f in (
        Format("csv", ".csv", "text/csv", *_tidy("csv"),
               "Tidy table as CSV (UTF-8), safe to open in a spreadsheet"),
        Format("jsonl", ".jsonl", "application/x-ndjson", *_tidy("jsonl"),
               "Tidy table as JSON Lines, one label per line"),
        Format("parquet", ".parquet", "application/vnd.apache.parquet", *_tidy("parquet"),
               "Tidy table as Parquet, with column types"),
        Format("label-studio", ".json", "application/json", labelstudio.to_bytes,
               labelstudio.from_bytes, "Label Studio JSON export (tasks with annotations)"),
        Format("doccano", ".jsonl", "application/x-ndjson", doccano.to_bytes,
               doccano.from_bytes, "doccano JSONL (one line per sentence and annotator)"),
        Format("prodigy", ".jsonl", "application/x-ndjson", prodigy.to_bytes,
               prodigy.from_bytes, "Prodigy JSONL, choice interface"),
    )
}  # fmt: skip

_BY_EXTENSION = {".csv": "csv", ".parquet": "parquet", ".pq": "parquet", ".json": "label-studio",
                 ".zip": "doccano"}  # fmt: skip


def sniff_jsonl(head: bytes) -> str:
    """Which JSON Lines format a file is, from its first non-empty line:
    Prodigy has ``_input_hash`` or ``answer``, the tidy table ``task``,
    doccano ``label`` (or ``entities`` / ``cats``)."""
    text = head.decode("utf-8-sig", errors="replace")
    line = next((ln for ln in text.split("\n") if ln.strip()), "")
    keys = _top_level_keys(line)
    if {"_input_hash", "answer"} & keys:
        return "prodigy"
    if "task" in keys:
        return "jsonl"
    if {"label", "entities", "cats"} & keys:
        return "doccano"
    raise UnknownFormat("not a JSON Lines file of Prodigy, doccano or the tidy table")


def _top_level_keys(line: str) -> set[str]:
    """The keys of a JSON object, as far as ``line`` goes: an upload's first
    bytes may end in the middle of the first line."""
    decoder, keys = json.JSONDecoder(), set[str]()
    at = len(line) - len(line.lstrip())
    if line[at : at + 1] != "{":
        return keys
    at += 1
    try:
        while True:
            key, at = decoder.raw_decode(line, _skip(line, at))
            keys.add(str(key))
            at = _skip(line, at)
            if line[at : at + 1] != ":":
                return keys
            _, at = decoder.raw_decode(line, _skip(line, at + 1))
            at = _skip(line, at)
            if line[at : at + 1] != ",":
                return keys
            at += 1
    except json.JSONDecodeError:
        return keys


def _skip(text: str, at: int) -> int:
    while text[at : at + 1] in (" ", "\t", "\r"):
        at += 1
    return at


def format_for(path_or_name: str | Path, *, head: bytes | None = None) -> Format:
    """The format named ``path_or_name`` (e.g. ``"doccano"``), else the
    format of that file by its extension. A ``.jsonl`` file is sniffed from
    ``head`` (its first bytes, e.g. of an upload) or else from the file."""
    if isinstance(path_or_name, str) and path_or_name in FORMATS:
        return FORMATS[path_or_name]
    path = Path(path_or_name)
    suffix = path.suffix.lower()
    if suffix in _BY_EXTENSION:
        return FORMATS[_BY_EXTENSION[suffix]]
    if suffix == ".jsonl":
        if head is None:
            try:
                with path.open("rb") as handle:
                    head = handle.read(1 << 20)  # a first line longer than 1 MB is not ours
            except OSError as exc:
                raise UnknownFormat(f"{path}: cannot sniff a .jsonl file: {exc}") from exc
        return FORMATS[sniff_jsonl(head)]
    raise UnknownFormat(f"no format for {str(path_or_name)!r}; known: {', '.join(FORMATS)}")


def read(path: Path, *, fmt: str | None = None) -> Read:
    """Read a file in ``fmt``, or in the format :func:`format_for` finds."""
    return format_for(fmt or path).read(path)


def write(frame: pd.DataFrame, path: Path, *, fmt: str | None = None) -> None:
    """Write the table in ``fmt``, or by the path's extension (``.jsonl``
    meaning the tidy table: name the format to write doccano or Prodigy)."""
    suffix = Path(path).suffix.lower()
    name = fmt or ("jsonl" if suffix == ".jsonl" else _BY_EXTENSION.get(suffix))
    if name not in FORMATS or (suffix == ".zip" and fmt is None):
        raise UnknownFormat(f"no format to write {str(path)!r}; known: {', '.join(FORMATS)}")
    FORMATS[name].write(frame, path)


__all__ = ["FORMATS", "Format", "UnknownFormat", "format_for", "read", "sniff_jsonl", "write"]
