"""Figures per outlet: what the corpus holds and how much of it is labelled.

Start with :func:`summary` (one row per outlet, for the home page) and
:func:`totals` (the figures of ``workbench stats --json``). The outlet
comparison (stance, frames, differences) builds on these.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from annotator.storage import Store
from annotator.storage import labels as labels_sql
from annotator.storage import texts as texts_sql

SUMMARY_COLUMNS = ("outlet", "documents", "sentences", "labelled", "labelled_share")


def summary(store: Store, *, annotator: str | None = None) -> pd.DataFrame:
    """Documents, sentences and labelled sentences per outlet (labelled by
    anyone, or by ``annotator``), outlets by name."""
    with store.read() as conn:
        counts = texts_sql.outlet_counts(conn)
        labelled = texts_sql.labelled_per_outlet(conn, annotator)
    frame = pd.DataFrame(
        [(c.outlet, c.documents, c.sentences, labelled.get(c.outlet, 0)) for c in counts],
        columns=list(SUMMARY_COLUMNS[:-1]),
    )
    frame["labelled_share"] = (
        frame["labelled"] / frame["sentences"].where(frame["sentences"] > 0)
    ).fillna(0.0)
    return frame


def totals(store: Store) -> dict[str, Any]:
    """Documents, sentences, annotations, and per outlet documents and sentences."""
    records: list[dict[Any, Any]] = summary(store).to_dict("records")
    with store.read() as conn:
        return {
            "documents": texts_sql.count_documents(conn),
            "sentences": texts_sql.count_sentences(conn),
            "annotations": labels_sql.annotation_count(conn),
            "labelled_sentences": labels_sql.progress_count(conn),
            "annotators": labels_sql.annotators(conn),
            "outlets": {
                str(row["outlet"]): {
                    "documents": int(row["documents"]),
                    "sentences": int(row["sentences"]),
                    "labelled": int(row["labelled"]),
                }
                for row in records
            },
        }


DOCUMENT_COLUMNS = ("outlet", "title", "published", "language", "sentences", "document_id")


def documents(store: Store) -> pd.DataFrame:
    """Every document with its outlet, headline, date, language and sentence count."""
    with store.read() as conn:
        records = texts_sql.list_documents(conn)
    return pd.DataFrame(
        [(d.outlet, d.title, d.published, d.language, d.sentence_count, d.uid) for d in records],
        columns=list(DOCUMENT_COLUMNS),
    )
