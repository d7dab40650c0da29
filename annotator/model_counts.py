"""The active model's predictions above a threshold, counted per outlet.

Start with :func:`model_counts`: labelled sentences per outlet, task,
target and value (:data:`COUNT_COLUMNS`) and per outlet, task and target
(:data:`TOTAL_COLUMNS`), the model's share of
:func:`annotator.label_sources.counts`. It reads the version's tallies
(:mod:`annotator.storage.tallies`: a few thousand rows) when they are built
and answer the filters and threshold, else counts the predictions in SQL
(:func:`exact_counts`). Both give the numbers of counting
:func:`annotator.label_sources.label_frame`.
"""

from __future__ import annotations

from concurrent.futures import Executor
from dataclasses import replace

import pandas as pd

from annotator.labelsets import LabelSet
from annotator.storage import Store
from annotator.storage import compare as compare_sql
from annotator.storage import tallies as tallies_sql
from annotator.storage.compare import Filters

COUNT_COLUMNS = ("outlet", "task", "target", "value", "count")
TOTAL_COLUMNS = ("outlet", "task", "target", "n")


def model_counts(
    store: Store,
    labelset: LabelSet,
    filters: Filters,
    *,
    threshold: float,
    version: int,
    pool: Executor,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``(values, totals)`` of a version's predictions at or above ``threshold``."""
    if tallies_sql.answers(filters, threshold):
        found = tallied_counts(store, labelset, filters, threshold=threshold, version=version)
        if found is not None:
            return found
    return exact_counts(store, labelset, filters, threshold=threshold, version=version, pool=pool)


def tallied_counts(
    store: Store, labelset: LabelSet, filters: Filters, *, threshold: float, version: int
) -> tuple[pd.DataFrame, pd.DataFrame] | None:
    """The counts from the version's tallies; None when it has none."""
    with store.read() as conn:
        if not tallies_sql.is_built(conn, version):
            return None
        names = compare_sql.outlet_names(conn)
        counted = tallies_sql.value_counts(conn, filters, version_id=version, threshold=threshold)
        totals = tallies_sql.sentence_counts(conn, filters, version_id=version, threshold=threshold)
    tasks = [t.name for t in labelset.tasks]
    values = pd.DataFrame(counted, columns=["outlet_id", *COUNT_COLUMNS[1:]])
    sentences = pd.DataFrame(totals, columns=["outlet_id", *TOTAL_COLUMNS[1:]])
    out = []
    for frame in (values, sentences):
        frame = frame[frame["task"].isin(tasks)]
        frame.insert(0, "outlet", frame.pop("outlet_id").map(names))
        out.append(frame.reset_index(drop=True))
    return out[0], out[1]


def _value_counts(
    store: Store, filters: Filters, version: int, threshold: float
) -> list[tuple[int, str, str, str, int]]:
    with store.read() as conn:
        return compare_sql.prediction_counts(conn, filters, version_id=version, threshold=threshold)


def _sentence_counts(
    store: Store, filters: Filters, version: int, threshold: float, task: str
) -> list[tuple[int, int]]:
    with store.read() as conn:
        return compare_sql.predicted_sentences(
            conn, filters, version_id=version, threshold=threshold, task=task
        )


def exact_counts(
    store: Store,
    labelset: LabelSet,
    filters: Filters,
    *,
    threshold: float,
    version: int,
    pool: Executor,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The counts grouped in SQL over the predictions (a pass in Python over
    a million predictions would not meet the page's second), the queries
    side by side."""
    multi = [t.name for t in labelset.tasks if t.kind == "multi"]
    with store.read() as conn:
        names = compare_sql.outlet_names(conn)
    # One query per outlet: they run side by side, and SQLite's sort for the
    # GROUP BY (most of the time) is split too.
    parts = [replace(filters, outlets=(o,)) for o in filters.outlets or sorted(names.values())]
    counting = [pool.submit(_value_counts, store, f, version, threshold) for f in parts]
    sentences = [
        (task, pool.submit(_sentence_counts, store, f, version, threshold, task))
        for task in multi
        for f in parts
    ]
    counted = [row for future in counting for row in future.result()]
    values = pd.DataFrame(counted, columns=["outlet_id", "task", "target", "value", "count"])
    values = values[values["task"].isin([t.name for t in labelset.tasks])]
    values.insert(0, "outlet", values.pop("outlet_id").map(names))
    # One row per sentence and key in single choice and stance: n is the sum.
    single = values[~values["task"].isin(multi)]
    totals = single.groupby(["outlet", "task", "target"])["count"].sum().rename("n").reset_index()
    many = pd.DataFrame(
        [(names[o], task, "", n) for task, future in sentences for o, n in future.result()],
        columns=list(TOTAL_COLUMNS),
    )
    return values, pd.concat([totals, many], ignore_index=True)
