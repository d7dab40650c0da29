"""Export label sets from the store: the tidy table, files in every format, data cards.

Start with :func:`export_frame` (the current labels as a tidy table, one row
per label) and :func:`export_files` (a file in any registered format with
its data card beside it).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

from annotator import labelsets
from annotator.exchange import FORMATS, Format, tidy
from annotator.exchange import card as card_mod
from annotator.storage import Store
from annotator.storage import labels as labels_sql

EXPORTS_DIR = Path("labels") / "exports"


def export_frame(store: Store, *, include_unlabelled: bool = False) -> pd.DataFrame:
    """The current labels as the canonical tidy table, one row per label."""
    with store.read() as conn:
        rows = labels_sql.tidy_rows(conn, include_unlabelled=include_unlabelled)
    frame = pd.DataFrame.from_records(rows, columns=list(labels_sql.TIDY_SQL_COLUMNS))
    if frame.empty:
        return tidy.normalize(pd.DataFrame(columns=list(tidy.COLUMNS)))
    position = frame["sentence_index"].astype("int64")
    frame["sentence_id"] = frame["document_id"] + ":" + position.astype(str)
    frame["created_at"] = [
        ts.isoformat() if ts is not None and not pd.isna(ts) else "" for ts in frame["created_at"]
    ]
    starts = frame["span_start"]
    has_span = starts.notna()
    frame["span_text"] = ""
    if has_span.any():
        frame.loc[has_span, "span_text"] = [
            text[int(s) : int(e)]
            for text, s, e in zip(
                frame.loc[has_span, "text"],
                starts[has_span],
                frame.loc[has_span, "span_end"],
                strict=True,
            )
        ]
    return tidy.sort(tidy.normalize(frame))


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
