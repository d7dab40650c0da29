"""The tidy table's own files: CSV, JSON Lines and Parquet.

Start with :func:`to_bytes` / :func:`from_bytes` (what the format registry
uses) or the path-based :func:`write_csv` / :func:`read_csv` and friends.
Readers return the canonical frame of :func:`annotator.exchange.tidy.normalize`
plus problems, and never raise on bad input.
"""

from __future__ import annotations

import csv
import io
import json
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from annotator.exchange.peers import JSON, decode, json_lines, records
from annotator.exchange.tidy import (
    FLOAT_PATTERN,
    INT_COLUMNS,
    NEUTRALISED,
    STRING_COLUMNS,
    Read,
    check,
    empty,
    neutralise,
    normalize,
    restore,
    sort,
    unique_columns,
)
from annotator.problems import Problem

# ---------------------------------------------------------------- writers


def to_csv_bytes(frame: pd.DataFrame) -> bytes:
    """The table as UTF-8 CSV with a header, safe to open in a spreadsheet."""
    frame = sort(normalize(frame))
    for col in frame.columns:
        if frame[col].dtype == "str":
            frame[col] = neutralise(frame[col])
    fast = _csv_fast(frame)
    if fast is not None:
        return fast
    # CRLF (RFC 4180) also makes the csv module quote a lone "\r" in a cell.
    return frame.to_csv(index=False, lineterminator="\r\n").encode("utf-8")


def _csv_quotes_only(chars: str) -> bool:
    """Whether the csv module (as pandas calls it) quotes a cell exactly when
    it holds one of ``chars``; checked once, so that another Python's csv
    module can only make :func:`_csv_fast` step aside, never differ."""
    probes = [chr(c) for c in range(128)] + ["é", "\u2028", "\x85", "🙂"]
    cells = [p + "x" for p in probes] + ["x" + p for p in probes] + ["", " ", "x"]
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows([[c, "y"] for c in cells])
    expected = "".join(
        ('"' + c.replace('"', '""') + '"' if any(q in c for q in chars) else c) + ",y\r\n"
        for c in cells
    )
    return buffer.getvalue() == expected


_CSV_QUOTED = ',"\r\n'
_CSV_FAST = _csv_quotes_only(_CSV_QUOTED)


def _csv_fast(frame: pd.DataFrame) -> bytes | None:
    """What ``frame.to_csv(index=False, lineterminator="\\r\\n")`` writes, built by
    pyarrow a column at a time; None for a table it does not cover (a column
    neither text nor whole numbers, a single column, text a csv module of
    another Python quotes differently)."""
    if not _CSV_FAST or len(frame.columns) < 2 or not _text_and_numbers(frame):
        return None
    header = io.StringIO()
    csv.writer(header, lineterminator="\r\n").writerow([str(c) for c in frame.columns])
    if frame.empty:
        return header.getvalue().encode("utf-8")
    pieces: list[pa.ChunkedArray | pa.Scalar] = []
    for col in pa.Table.from_pandas(frame, preserve_index=False).columns:
        number = pa.types.is_integer(col.type)
        col = pc.fill_null(pc.cast(col, pa.large_string()), _text(""))  # ints as str() writes them
        # Looking for the characters in the whole column first is much faster
        # than asking each cell, and most columns hold none.
        if not number and _has_any(_utf8(col), _CSV_QUOTED.encode()):
            special = pc.match_substring_regex(col, f"[{_CSV_QUOTED}]")
            doubled = pc.replace_substring(col, '"', '""')
            col = pc.if_else(
                special, pc.binary_join_element_wise(_QUOTE, doubled, _QUOTE, _text("")), col
            )
        pieces += [col, _text(",")]
    pieces[-1] = _text("\r\n")
    lines = pc.binary_join_element_wise(*pieces, _text(""))
    return _utf8(lines, before=header.getvalue().encode("utf-8"))


def _text_and_numbers(frame: pd.DataFrame) -> bool:
    """Whether every column is text or whole numbers (what the fast writers cover)."""
    return all(
        frame[c].dtype == "str" or isinstance(frame[c].dtype, pd.Int64Dtype) for c in frame.columns
    )


def _text(value: str) -> pa.Scalar:
    return pa.scalar(value, pa.large_string())


_QUOTE = _text('"')


def _has_any(data: bytes, chars: bytes) -> bool:
    return any(bytes([c]) in data for c in chars)


def _utf8(values: pa.ChunkedArray | pa.Array, *, before: bytes = b"") -> bytes:
    """``before``, then all strings of an Arrow string column concatenated
    (its data buffers already hold them back to back)."""
    parts: list[bytes | memoryview] = [before]
    for chunk in values.chunks if isinstance(values, pa.ChunkedArray) else [values]:
        if len(chunk):
            offsets = np.frombuffer(chunk.buffers()[1], dtype=np.int64)
            first, last = offsets[chunk.offset], offsets[chunk.offset + len(chunk)]
            parts.append(memoryview(chunk.buffers()[2])[first:last])
    return b"".join(parts)


def to_jsonl_bytes(frame: pd.DataFrame) -> bytes:
    """The table as JSON Lines: one object per row, all columns, UTF-8."""
    frame = sort(normalize(frame))
    fast = _jsonl_fast(frame)
    if fast is not None:
        return fast
    lines = [json.dumps(r, ensure_ascii=False) for r in records(frame)]
    return "".join(line + "\n" for line in lines).encode("utf-8")


_JSON_ESCAPED = r'["\\\x00-\x1f]'  # what JSON writes other than as they are, in a string


def _jsonl_fast(frame: pd.DataFrame) -> bytes | None:
    """What ``json.dumps(record, ensure_ascii=False)`` writes for each row of
    :func:`records`, a line each, built by pyarrow a column at a time; None
    for a table with a column neither text nor whole numbers."""
    if not _text_and_numbers(frame):
        return None
    if frame.empty:
        return b""
    pieces: list[pa.ChunkedArray | pa.Array | pa.Scalar] = []
    table = pa.Table.from_pandas(frame, preserve_index=False)
    for i, (name, col) in enumerate(zip(frame.columns, table.columns, strict=True)):
        pieces += [_text(("{" if i == 0 else ", ") + JSON.encode(str(name)) + ": ")]
        pieces += [_json_values(col)]
    lines = pc.binary_join_element_wise(*pieces, _text("}\n"), _text(""))
    return _utf8(lines)


def _json_values(col: pa.ChunkedArray) -> pa.ChunkedArray | pa.Array:
    """Each cell as JSON: a number, a string, or null."""
    if pa.types.is_integer(col.type):
        return pc.fill_null(pc.cast(col, pa.large_string()), _text("null"))
    col = pc.cast(col, pa.large_string())
    quoted = pc.binary_join_element_wise(_QUOTE, col, _QUOTE, _text(""))
    data = _utf8(pc.fill_null(col, _text("")))
    if b'"' in data or b"\\" in data or (data and np.frombuffer(data, np.uint8).min() < 0x20):
        # Only cells with quotes, backslashes or control characters need the
        # encoder itself; the column is searched as a whole first.
        escape = pc.fill_null(pc.match_substring_regex(col, _JSON_ESCAPED), False).combine_chunks()
        escaped = [JSON.encode(v) for v in col.filter(escape).to_pylist()]
        quoted = pc.replace_with_mask(
            quoted.combine_chunks(), escape, pa.array(escaped, type=pa.large_string())
        )
    return pc.fill_null(quoted, _text("null"))


def to_parquet_bytes(frame: pd.DataFrame) -> bytes:
    """The table as Parquet (pyarrow), keeping the column types."""
    buffer = io.BytesIO()
    sort(normalize(frame)).to_parquet(buffer, engine="pyarrow", index=False)
    return buffer.getvalue()


_WRITERS: dict[str, Callable[[pd.DataFrame], bytes]] = {
    "csv": to_csv_bytes,
    "jsonl": to_jsonl_bytes,
    "parquet": to_parquet_bytes,
}


def to_bytes(frame: pd.DataFrame, fmt: str) -> bytes:
    """The table in ``fmt`` (one of :data:`TIDY_FORMATS`), e.g. for a download."""
    return _WRITERS[fmt](frame)


def write_csv(frame: pd.DataFrame, path: Path) -> None:
    Path(path).write_bytes(to_csv_bytes(frame))


def write_jsonl(frame: pd.DataFrame, path: Path) -> None:
    Path(path).write_bytes(to_jsonl_bytes(frame))


def write_parquet(frame: pd.DataFrame, path: Path) -> None:
    Path(path).write_bytes(to_parquet_bytes(frame))


def read_csv_bytes(data: bytes, name: str = "<csv>") -> Read:
    """Parse CSV written by :func:`to_csv_bytes` (or by hand, or a spreadsheet)."""
    text, problems = decode(data, name)
    header = next(csv.reader(io.StringIO(text, newline="")), [])
    # Excel saves ";"-separated CSV where the decimal mark is a comma (as in Indonesia).
    sep = ";" if ";" in text.partition("\n")[0] and len(header) == 1 else ","
    raw = _parse_csv_fast(text, sep) if len(set(header)) == len(header) else None
    if raw is None:  # malformed somewhere: the slow parser says where
        raw, lines = _parse_csv_slow(text, sep, name, problems)
    else:
        lines = np.arange(2, len(raw) + 2)
    if raw is None:
        return empty(), problems
    raw, problems = unique_columns(raw, name, problems)
    for col in raw.columns:
        if col not in INT_COLUMNS:
            raw[col] = restore(raw[col]) if col in STRING_COLUMNS else _csv_extra(raw[col])
    frame, found = check(raw, file=name, lines=lines)
    return frame, problems + found


def read_jsonl_bytes(data: bytes, name: str = "<jsonl>") -> Read:
    """Parse JSON Lines written by :func:`to_jsonl_bytes`."""
    text, problems = decode(data, name)
    items = json_lines(text, name, problems)
    rows = [obj for _, obj in items]
    frame, found = check(pd.DataFrame(rows), file=name, lines=[ln for ln, _ in items])
    return frame, problems + found


def read_parquet_bytes(data: bytes, name: str = "<parquet>") -> Read:
    """Parse Parquet written by :func:`to_parquet_bytes` (or pandas, or pyarrow)."""
    try:
        # A damaged file can hold invalid UTF-8 that pyarrow only notices when
        # asked to check every value.
        pq.read_table(io.BytesIO(data)).validate(full=True)
        raw = pd.read_parquet(io.BytesIO(data), engine="pyarrow")
    except Exception as exc:  # pyarrow raises several types for a broken file
        return empty(), [Problem(name, f"not a readable Parquet file: {exc}")]
    return check(raw, file=name, lines=np.arange(2, len(raw) + 2))


_READERS: dict[str, Callable[[bytes, str], Read]] = {
    "csv": read_csv_bytes,
    "jsonl": read_jsonl_bytes,
    "parquet": read_parquet_bytes,
}


def from_bytes(data: bytes, fmt: str, *, name: str = "<upload>") -> Read:
    """Parse ``data`` in ``fmt`` (one of :data:`TIDY_FORMATS`)."""
    return _READERS[fmt](data, name)


def read_csv(path: Path) -> Read:
    return read_csv_bytes(Path(path).read_bytes(), str(path))


def read_jsonl(path: Path) -> Read:
    return read_jsonl_bytes(Path(path).read_bytes(), str(path))


def read_parquet(path: Path) -> Read:
    return read_parquet_bytes(Path(path).read_bytes(), str(path))


def _parse_csv_fast(text: str, sep: str) -> pd.DataFrame | None:
    """pandas' C parser, or None when the input needs the careful parser."""
    if not text.strip():
        return None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # a skipped line must not pass silently
            raw = pd.read_csv(
                io.StringIO(text, newline=""), sep=sep, dtype="str", keep_default_na=False,
                on_bad_lines="warn", skip_blank_lines=True,
            )  # fmt: skip
    except Exception:
        return None
    # A short row is padded with NaN (a real empty cell reads as "").
    return None if raw.isna().any().any() else raw


def _parse_csv_slow(text: str, sep: str, name: str, problems: list[Problem]) -> tuple[Any, Any]:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=sep)
    header: list[str] | None = None
    rows: list[list[str]] = []
    lines: list[int] = []
    line = 1  # header line 1, then one line per record, as a spreadsheet numbers rows
    try:
        for row in reader:
            if not row:
                continue
            if header is None:
                header = row
                continue
            line += 1
            if len(row) != len(header):
                message = f"expected {len(header)} cells, found {len(row)}"
                problems.append(Problem(name, message, line))
            else:
                rows.append(row)
                lines.append(line)
    except csv.Error as exc:
        problems.append(Problem(name, f"malformed CSV: {exc}", line + 1))
    if header is None:
        problems.append(Problem(name, "empty file: expected a header line", 1))
        return None, None
    raw = pd.DataFrame(rows, columns=header, dtype="str")
    return raw, np.asarray(lines, dtype=int)


def _csv_extra(values: pd.Series) -> pd.Series:
    """An extra CSV column: numbers and booleans become typed again, unless a
    cell was neutralised (then the column was text)."""
    if values.str.match(NEUTRALISED).any():
        return restore(values)
    present = values[values != ""]
    if present.empty:
        return values
    if present.isin(["True", "False"]).all():
        return values.map({"True": True, "False": False, "": None}).astype("boolean")
    if present.str.fullmatch(r"[+-]?\d{1,15}").all():
        return pd.to_numeric(values.replace("", None)).astype("Int64")
    if not present.map(lambda v: FLOAT_PATTERN.fullmatch(v) is not None).all():
        return values
    # Python's float() is exact where a faster parser may round the last bit.
    return pd.Series([float(v) if v else None for v in values], dtype="Float64")
