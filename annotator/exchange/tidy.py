"""The tidy label table: its columns, canonical form and checks.

One row per label, columns :data:`COLUMNS`. Start with :func:`normalize`
(the canonical form every reader returns and every writer accepts),
:func:`sort` and :func:`validate`. Its files (CSV, JSON Lines, Parquet) are
:mod:`annotator.exchange.tidyfiles`; the peer tools' formats share helpers in
:mod:`annotator.exchange.peers`.
Conventions (the peer formats rely on them too):

* a span is ``span_start``/``span_end``, offsets into ``text`` in Python
  characters (code points), ``span_text == text[span_start:span_end]``;
* ``task`` set and ``value == ""``: "annotated, and no value applies";
* ``task``, ``target`` and ``value`` empty and no span: an *unlabelled row*
  (the sentence is exported without labels; normally ``annotator`` is empty);
* Problems carry spreadsheet row numbers: the header is line 1, the first row
  line 2. Parquet has no lines: its problems are numbered the same way, as the
  table's CSV export would be.

CSV is UTF-8 with a header and CRLF line ends. A text cell a spreadsheet would
run as a formula (starting with ``= + - @``, tab or CR) is written with a
leading apostrophe, and so is a cell that already starts with apostrophes
followed by one of those, which makes :func:`restore` the exact inverse of
:func:`neutralise`. Numbers are never touched. A ``;``-separated file, as a
spreadsheet saves it where the decimal mark is a comma, is read too.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from annotator.problems import Problem, Severity

Read = tuple[pd.DataFrame, list[Problem]]


COLUMNS = (
    "document_id", "outlet", "title", "published", "url", "sentence_id", "sentence_index",
    "text", "annotator", "task", "target", "value", "span_start", "span_end", "span_text",
    "label_set", "label_set_version", "source", "created_at",
)  # fmt: skip
INT_COLUMNS = ("sentence_index", "span_start", "span_end", "label_set_version")
STRING_COLUMNS = tuple(c for c in COLUMNS if c not in INT_COLUMNS)
REQUIRED = ("text", "task", "value")
# What identifies a sentence when a format groups labels by sentence.
SENTENCE_COLUMNS = (
    "document_id", "outlet", "title", "published", "url", "sentence_id", "sentence_index", "text",
)  # fmt: skip
SORT_KEYS = (
    "document_id", "sentence_index", "annotator", "task", "target", "value", "span_start",
    "created_at",
)  # fmt: skip
SOURCES = ("human", "import", "model", "adjudicated")
TIDY_FORMATS = ("csv", "jsonl", "parquet")
# Cells a spreadsheet would run as a formula start with one of these.
_FORMULA = r"'*[=+\-@\t\r]"
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
NEUTRALISED = r"'+[=+\-@\t\r]"
FLOAT_PATTERN = re.compile(r"[+-]?(\d+\.?\d*([eE][+-]?\d+)?|\.\d+([eE][+-]?\d+)?|inf|nan)")
_MAX_PER_KIND = 20  # problems of one kind listed before they are summarised
_BIGGEST_INT = 2**53  # beyond this a float cannot say which integer it was


def empty() -> pd.DataFrame:
    """A tidy table with no rows."""
    return normalize(pd.DataFrame({c: [] for c in REQUIRED}))


def extra_columns(frame: pd.DataFrame) -> list[str]:
    """Columns beyond :data:`COLUMNS` (e.g. ``probability``), in their order."""
    return [c for c in frame.columns if c not in COLUMNS]


def normalize(frame: pd.DataFrame) -> pd.DataFrame:
    """The canonical form: every column of :data:`COLUMNS` in order, text as
    ``str`` with ``""`` for missing, the integer columns as ``Int64``, extra
    columns after them with a type chosen from their values alone (so that a
    file format that loses the type still gives the same frame back).

    Raises ``ValueError`` when an integer column holds something that is not a
    whole number; readers report those as problems before they get here.
    """
    frame = frame.reset_index(drop=True)
    n = len(frame)
    out: dict[str, pd.Series] = {}
    for col in COLUMNS:
        series = frame[col] if col in frame.columns else None
        if col in INT_COLUMNS:
            ints, bad = _to_int64(series, n)
            if bad.any():
                raise ValueError(f"column {col!r} holds values that are not whole numbers")
            out[col] = ints
        else:
            out[col] = _to_text(series, n)
    for col in extra_columns(frame):
        out[str(col)] = _canonical_extra(frame[col])
    return pd.DataFrame(out)


def sort(frame: pd.DataFrame) -> pd.DataFrame:
    """Rows in the stable order of :data:`SORT_KEYS`, the other columns
    breaking ties so that the order does not depend on how a file was read.

    The order of ``frame.sort_values(<all those keys>)``, found faster: a
    frame already in order (every writer gets one from the export) is only
    checked, and the long text columns are compared only between rows that
    tie on :data:`SORT_KEYS`.
    """
    keys = [*SORT_KEYS, *(c for c in COLUMNS if c not in SORT_KEYS)]
    if _in_order(frame, keys):
        return frame.reset_index(drop=True)
    out = frame.sort_values(list(SORT_KEYS), na_position="first", ignore_index=True)
    tied = np.flatnonzero(out.duplicated(list(SORT_KEYS), keep=False).to_numpy(dtype=bool))
    if not len(tied):
        return out
    # Both sorts are stable and the tied rows come in runs: sorting them by
    # every key and putting them back in their places is the full sort.
    order = np.arange(len(out))
    order[tied] = out.iloc[tied].sort_values(keys, na_position="first").index.to_numpy()
    return out.take(order).reset_index(drop=True)


def _steps(values: pd.Series) -> tuple[np.ndarray, np.ndarray] | None:
    """How each row compares with the one before it in :func:`sort`'s order
    (missing numbers first): ``(less, equal)``. None for a column whose
    order is not simply ``<`` (text with missing values, other types)."""
    if values.dtype == "str" and not values.hasnans:
        arr = values.array
        return np.asarray(arr[1:] < arr[:-1], dtype=bool), np.asarray(
            arr[1:] == arr[:-1], dtype=bool
        )
    if isinstance(values.dtype, pd.Int64Dtype):
        missing = values.isna().to_numpy(dtype=bool)
        num = values.to_numpy(dtype="int64", na_value=0)
        both = ~missing[1:] & ~missing[:-1]
        less = (missing[1:] & ~missing[:-1]) | (both & (num[1:] < num[:-1]))
        return less, (missing[1:] & missing[:-1]) | (both & (num[1:] == num[:-1]))
    return None


def _in_order(frame: pd.DataFrame, keys: list[str]) -> bool:
    """Whether the rows already are in the order of ``keys`` (ties allowed)."""
    tied = np.ones(max(len(frame) - 1, 0), dtype=bool)
    for key in keys:
        if not tied.any():
            return True
        steps = _steps(frame[key])
        if steps is None or (tied & steps[0]).any():
            return False
        tied &= steps[1]
    return True


def neutralise(values: pd.Series) -> pd.Series:
    """Prefix an apostrophe to text a spreadsheet would run as a formula.

    Text already of the form ``'...'=...`` (apostrophes, then a formula
    character) gets one more, so :func:`restore` is its exact inverse.
    """
    first = values.str.slice(0, 1)
    hit = np.array(first.isin(_FORMULA_START), dtype=bool)  # a writable copy
    quoted = (first == "'").to_numpy(dtype=bool)
    if quoted.any():  # only these need the pattern: apostrophes, then what?
        hit[quoted] = values[quoted].str.match(_FORMULA).fillna(False).to_numpy(dtype=bool)
    out = values.copy()
    if hit.any():
        out[hit] = ("'" + values[hit]).to_numpy()
    return out


def restore(values: pd.Series) -> pd.Series:
    """Undo :func:`neutralise`: drop one apostrophe where it was added."""
    hit = values.str.match(NEUTRALISED).fillna(False).astype(bool)
    return values.where(~hit, values.str.slice(1))


# ------------------------------------------------------- checking a read


def check(raw: pd.DataFrame, *, file: str, lines: Sequence[int] | np.ndarray) -> Read:
    """Turn whatever a reader parsed into a canonical frame plus problems.

    ``lines[i]`` is the line number reported for row ``i``.
    """
    if raw.empty and not len(raw.columns):
        return empty(), []
    missing = [c for c in REQUIRED if c not in raw.columns]
    if missing:
        return empty(), [Problem(file, "missing column", 1, c) for c in missing]
    lines = np.asarray(lines, dtype=int)
    raw, problems = unique_columns(raw.reset_index(drop=True), file, [])
    for col in INT_COLUMNS:
        if col in raw.columns:
            ints, bad = _to_int64(raw[col], len(raw))
            problems += _rows(file, lines, bad, col, "not a whole number")
            raw[col] = ints
    for col in STRING_COLUMNS:
        if col in raw.columns and raw[col].dtype == object:
            nested = raw[col].map(lambda v: isinstance(v, (dict, list, tuple))).astype(bool)
            problems += _rows(file, lines, nested.to_numpy(), col, "expected text")
            raw[col] = raw[col].where(~nested, "")
    frame = normalize(raw)
    frame["span_text"] = _filled_span_text(frame)
    problems += validate(frame, file=file, lines=lines)
    return sort(frame), problems


def validate(
    frame: pd.DataFrame, *, file: str, lines: Sequence[int] | np.ndarray | None = None
) -> list[Problem]:
    """What is wrong with a canonical frame (spans, special rows, sources)."""
    at = np.arange(2, len(frame) + 2) if lines is None else np.asarray(lines, dtype=int)
    start, end = frame["span_start"], frame["span_end"]
    both = (start.notna() & end.notna()).to_numpy(dtype=bool)
    one = (start.notna() ^ end.notna()).to_numpy(dtype=bool)
    lengths = frame["text"].str.len().to_numpy()
    s = start.fillna(0).to_numpy(dtype="int64")
    e = end.fillna(0).to_numpy(dtype="int64")
    order = both & ((s < 0) | (e <= s))
    beyond = both & ~order & (e > lengths)
    problems = _rows(file, at, one, "span_end", "span_start and span_end go together")
    problems += _rows(file, at, order, "span_end", "a span needs 0 <= span_start < span_end")
    problems += _rows(file, at, beyond, "span_end", "the span ends beyond the sentence text")
    ok = both & ~order & ~beyond
    given = frame["span_text"].to_numpy(dtype=object)
    texts = frame["text"].to_numpy(dtype=object)
    wrong = np.zeros(len(frame), dtype=bool)
    for i in np.flatnonzero(ok):  # only span rows: slicing has no vector form
        wrong[i] = given[i] != texts[i][s[i] : e[i]]
    problems += _rows(file, at, wrong, "span_text", "span_text is not text[span_start:span_end]")
    stray = ~both & ~one & (frame["span_text"] != "").to_numpy(dtype=bool)
    problems += _rows(file, at, stray, "span_text", "span_text without span_start and span_end")
    no_task = (frame["task"] == "") & ((frame["value"] != "") | (frame["target"] != ""))
    problems += _rows(file, at, no_task.to_numpy(dtype=bool) | (both & (frame["task"] == "")),
                      "task", "a label needs a task")  # fmt: skip
    for col in ("sentence_index", "label_set_version"):
        negative = (frame[col] < 0).fillna(False).to_numpy(dtype=bool)
        problems += _rows(file, at, negative, col, "must not be negative")
    unknown = ~frame["source"].isin(["", *SOURCES])
    problems += _rows(file, at, unknown.to_numpy(dtype=bool), "source",
                      f"source is not one of {', '.join(SOURCES)}", severity="warning")  # fmt: skip
    return problems + _label_conflicts(frame, at, file)


def _label_conflicts(frame: pd.DataFrame, at: np.ndarray, file: str) -> list[Problem]:
    """'No value applies' next to a value; a value both with and without cue
    spans; the same label twice. Found through row hashes: no Python loop."""
    labelled = (frame["task"] != "").to_numpy(dtype=bool)
    if not labelled.any():
        return []
    group = [*SENTENCE_COLUMNS, "annotator", "task", "target"]
    g = pd.util.hash_pandas_object(frame[group], index=False).to_numpy()
    gv = pd.util.hash_pandas_object(frame[[*group, "value"]], index=False).to_numpy()
    none = labelled & (frame["value"] == "").to_numpy(dtype=bool)
    some = labelled & ~none
    clash = some & np.isin(g, g[none])
    spanned = frame["span_start"].notna().to_numpy(dtype=bool)
    mixed = some & np.isin(gv, gv[some & spanned]) & np.isin(gv, gv[some & ~spanned])
    twice = frame.duplicated([*group, "value", "span_start", "span_end"]).to_numpy(dtype=bool)
    return (
        _rows(file, at, clash, "value", "'no value applies' (empty value) next to a value")
        + _rows(
            file,
            at,
            mixed,
            "span_start",
            "a value both with and without cue spans",
            severity="warning",
        )
        + _rows(file, at, labelled & twice, "value", "the same label twice", severity="warning")
    )


def _rows(
    file: str,
    lines: np.ndarray,
    mask: np.ndarray | pd.Series,
    field: str,
    message: str,
    *,
    severity: Severity = "error",
) -> list[Problem]:
    """One problem per flagged row, the first few of a kind, then a count."""
    hits = np.flatnonzero(np.asarray(mask, dtype=bool))
    out = [Problem(file, message, int(lines[i]), field, severity) for i in hits[:_MAX_PER_KIND]]
    if len(hits) > _MAX_PER_KIND:
        more = f"{message}: {len(hits) - _MAX_PER_KIND} more row(s) like this"
        out.append(Problem(file, more, None, field, severity))
    return out


def _filled_span_text(frame: pd.DataFrame) -> pd.Series:
    """span_text taken from the text where a file gave offsets only."""
    need = frame["span_start"].notna() & frame["span_end"].notna() & (frame["span_text"] == "")
    if not need.any():
        return frame["span_text"]
    out = frame["span_text"].to_numpy(dtype=object)
    texts = frame["text"].to_numpy(dtype=object)
    starts, ends = frame["span_start"].to_numpy(object), frame["span_end"].to_numpy(object)
    for i in np.flatnonzero(need.to_numpy(dtype=bool)):
        if 0 <= starts[i] < ends[i] <= len(texts[i]):
            out[i] = texts[i][starts[i] : ends[i]]
    return pd.Series(out, dtype="str")


# ------------------------------------------------------- column coercion


def _to_text(values: pd.Series | None, n: int) -> pd.Series:
    if values is None:
        return pd.Series([""] * n, dtype="str")
    if values.dtype == "str":
        return values.fillna("")
    return values.astype(object).where(values.notna(), "").astype("str")


def _to_int64(values: pd.Series | None, n: int) -> tuple[pd.Series, np.ndarray]:
    """Whole numbers as Int64, and a mask of the cells that were not."""
    if values is None:
        return pd.Series([pd.NA] * n, dtype="Int64"), np.zeros(n, dtype=bool)
    if isinstance(values.dtype, pd.Int64Dtype):
        return values, np.zeros(n, dtype=bool)
    if pd.api.types.is_integer_dtype(values.dtype) and values.dtype != bool:
        return values.astype("Int64"), np.zeros(n, dtype=bool)
    if values.dtype == "str":
        obj = values.str.strip().astype(object)
        missing = (obj.isna() | (obj == "")).to_numpy(dtype=bool)
        odd = np.zeros(n, dtype=bool)
    else:  # JSON gives any type: booleans, lists and the like are not numbers
        obj = values.astype(object)
        missing = obj.map(lambda v: v is None or v is pd.NA or v == "" or v != v).to_numpy(bool)
        odd = obj.map(_not_a_number).to_numpy(dtype=bool) & ~missing
    number = pd.to_numeric(obj.where(~(missing | odd), None), errors="coerce").astype("float64")
    num = number.to_numpy()
    whole = np.isfinite(num) & (np.abs(num) < _BIGGEST_INT)
    whole[whole] = num[whole] == np.floor(num[whole])
    bad = ~missing & (odd | ~whole)
    result = pd.Series(np.where(whole & ~bad, num, np.nan)).astype("Int64")
    return result, bad


def _not_a_number(value: Any) -> bool:
    return isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, str))


def _canonical_extra(values: pd.Series) -> pd.Series:
    obj = values.reset_index(drop=True).astype(object)
    missing = obj.isna() | obj.map(lambda v: isinstance(v, str) and v == "")
    kind = pd.api.types.infer_dtype(obj[~missing], skipna=True)
    present = obj.where(~missing, None)
    if kind == "empty":
        return pd.Series([""] * len(obj), dtype="str")
    if kind == "boolean":
        return present.astype("boolean")
    if kind == "integer":
        return pd.Series(present.tolist(), dtype="Int64")
    if kind in ("floating", "mixed-integer-float", "decimal"):
        return pd.Series([None if v is None else float(v) for v in present], dtype="Float64")
    return obj.where(~missing, "").astype("str")


def unique_columns(
    raw: pd.DataFrame, name: str, problems: list[Problem]
) -> tuple[pd.DataFrame, list[Problem]]:
    """Keep the first of columns that share a name; report the others."""
    twice = raw.columns.duplicated()
    problems += [Problem(name, "the column appears twice", 1, str(c)) for c in raw.columns[twice]]
    return raw.loc[:, ~twice], problems
