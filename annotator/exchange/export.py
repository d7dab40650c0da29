"""Export label sets from the store: the tidy table, files in every format, data cards.

Start with :func:`export_frame` (the current labels as a tidy table, one row
per label) and :func:`export_files` (a file in any registered format with
its data card beside it).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from annotator import labelsets
from annotator.exchange import FORMATS, Format, tidy
from annotator.exchange import card as card_mod
from annotator.storage import Store
from annotator.storage import tidy as tidy_sql

EXPORTS_DIR = Path("labels") / "exports"
_NUMBERS = ("sentence_index", "span_start", "span_end", "label_set_version")
# One row of tidy_rows, converted by pyarrow in one pass (no Python loop per cell).
_ROW = pa.struct(
    [(c, pa.int64() if c in _NUMBERS else pa.large_string()) for c in tidy_sql.TIDY_SQL_COLUMNS]
)
_TEXT = pd.StringDtype("pyarrow", na_value=np.nan)  # the "str" dtype normalize gives


def export_frame(store: Store, *, include_unlabelled: bool = False) -> pd.DataFrame:
    """The current labels as the canonical tidy table, one row per label."""
    with store.read() as conn:
        rows = tidy_sql.tidy_rows(conn, include_unlabelled=include_unlabelled)
    if not rows:
        return tidy.normalize(pd.DataFrame(columns=list(tidy.COLUMNS)))
    created_at, as_text = _iso_stamps([row[-1] for row in rows])
    if not as_text:  # the driver gave datetime objects, converted already
        rows = [(*row[:-1], None) for row in rows]
    raw = dict(zip(tidy_sql.TIDY_SQL_COLUMNS, pa.array(rows, type=_ROW).flatten(), strict=True))
    raw["created_at"] = created_at
    raw["sentence_id"] = pc.binary_join_element_wise(
        raw["document_id"],
        pc.cast(raw["sentence_index"], pa.large_string()),
        pa.scalar(":", pa.large_string()),
    )
    raw["span_text"] = _span_texts(raw["text"], raw["span_start"], raw["span_end"])
    frame = pd.DataFrame({c: _series(raw[c]) for c in tidy.COLUMNS})
    # Already canonical: normalize only checks it; sort runs once, here.
    return tidy.sort(tidy.normalize(frame))


def _series(values: pa.Array) -> pd.Series:
    if pa.types.is_integer(values.type):
        missing = values.is_null().to_numpy(zero_copy_only=False)
        numbers = pc.fill_null(values, 0).to_numpy(zero_copy_only=False, writable=True)
        return pd.Series(pd.arrays.IntegerArray(numbers, missing))
    return pd.Series(pc.fill_null(values, "").to_pandas(types_mapper={values.type: _TEXT}.get))


def _iso_stamps(stamps: Sequence[Any]) -> tuple[pa.Array, bool]:
    """``created_at`` as ISO-8601 UTC text (``""`` where missing), computed once
    per distinct value: a save gives all its rows the same timestamp. Also
    whether the values were text (SQLite) rather than datetime objects."""
    codes, uniques = pd.factorize(pd.Series(stamps, dtype=object))
    texts = [_iso_utc(value) for value in uniques] + [""]  # code -1: missing
    column = pa.array(texts, type=pa.large_string()).take(pa.array(codes % len(texts)))
    return column, all(isinstance(value, str) for value in uniques)


def _iso_utc(value: Any) -> str:
    """What the store's timestamp type reads back, as ``datetime.isoformat``
    writes it: SQLite's text is naive UTC, other drivers give a datetime."""
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    moment = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    return str(moment.isoformat())


def _span_texts(texts: pa.Array, starts: pa.Array, ends: pa.Array) -> pa.Array:
    """``text[span_start:span_end]`` where a row has a span, else ``""``."""
    has_span = pc.is_valid(starts)
    out = np.full(len(texts), "", dtype=object)
    at = np.flatnonzero(has_span.to_numpy(zero_copy_only=False))
    if len(at):  # only span rows: slicing by per-row offsets has no vector form
        spans = zip(
            texts.filter(has_span).to_pylist(),
            starts.filter(has_span).to_pylist(),
            ends.filter(has_span).to_pylist(),
            strict=True,
        )
        out[at] = [text[int(s) : int(e)] for text, s, e in spans]
    return pa.array(out, type=pa.large_string())


@dataclass(frozen=True)
class ExportResult:
    path: Path
    card_path: Path
    rows: int


def default_export_dir(name: str, *, now: datetime | None = None, root: Path = EXPORTS_DIR) -> Path:
    stamp = (now or datetime.now(UTC)).strftime("%Y%m%dT%H%M%SZ")
    return root / f"{name}-{stamp}"


def export_files(
    store: Store,
    format_name: str,
    *,
    out: Path | None = None,
    include_unlabelled: bool = False,
    labelset_name: str = labelsets.DEFAULT_NAME,
) -> ExportResult:
    """Write the label set in ``format_name`` with a data card beside it.

    ``out`` is a file path, or a directory (existing, or ending in a slash);
    by default ``labels/exports/<label set>-<timestamp>/``.
    """
    fmt: Format = FORMATS[format_name]
    now = datetime.now(UTC)
    labelset = labelsets.current(store, labelset_name)
    if out is None:
        out = default_export_dir(labelset.name, now=now)
    if out.is_dir() or str(out).endswith(("/", "\\")) or not out.suffix:
        path = out / f"{labelset.name}{fmt.extension}"
    else:
        path = out
    path.parent.mkdir(parents=True, exist_ok=True)
    frame = export_frame(store, include_unlabelled=include_unlabelled)
    fmt.write(frame, path)
    card_path = path.with_name(path.stem + ".card.md")
    card_mod.write_card(
        card_path,
        frame,
        name=labelset.name,
        format_name=fmt.name,
        codebook_toml=labelsets.to_toml(labelset),
        created=now,
    )
    return ExportResult(path=path, card_path=card_path, rows=len(frame))
