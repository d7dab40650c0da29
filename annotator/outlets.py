"""Figures per outlet: what the corpus holds, and how outlets compare on it.

Start with :func:`summary` (one row per outlet, for the home page) and
:func:`totals` (the figures of ``workbench stats --json``). The comparison
starts with :func:`aggregate`: everything the compare page shows, for a
label source and :class:`Filters`. It is built from
:func:`annotator.label_sources.counts` (re-exported here with
:func:`label_frame`, "the sentences behind a bar"), then :func:`stance`,
:func:`frames`, :func:`single_choice`, :func:`differences`, :func:`cues`
and :func:`model_score`. Every table's columns are the ``*_COLUMNS``
constants below; the label sources are described in
:mod:`annotator.label_sources`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from annotator.label_sources import (
    COUNT_COLUMNS,
    DEFAULT_THRESHOLD,
    GOLD,
    GOLD_ANNOTATOR,
    GOLD_SOURCE,
    HUMAN,
    HUMAN_ELSE_MODEL,
    LABEL_COLUMNS,
    LABEL_SOURCES,
    MODEL,
    TOTAL_COLUMNS,
    Counts,
    Filters,
    LabelSource,
    check_source,
    counts,
    empty,
    label_frame,
    majority,
    people,
    ranks,
)
from annotator.labelsets import LabelSet, Task
from annotator.proportions import compare_proportions, wilson
from annotator.storage import Store
from annotator.storage import labels as labels_sql
from annotator.storage import models as models_sql
from annotator.storage import texts as texts_sql

__all__ = [
    "COUNT_COLUMNS",
    "DEFAULT_THRESHOLD",
    "GOLD",
    "GOLD_ANNOTATOR",
    "GOLD_SOURCE",
    "HUMAN",
    "HUMAN_ELSE_MODEL",
    "LABEL_COLUMNS",
    "LABEL_SOURCES",
    "MODEL",
    "TOTAL_COLUMNS",
    "Counts",
    "Filters",
    "LabelSource",
    "counts",
    "label_frame",
]


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


# ---------------------------------------------------------------- comparison: columns

# Below this many labelled sentences a share is flagged ``small`` (shown, not hidden).
SMALL_N = 10
_KEYS = ["sentence_id", "task", "target"]

# stance / frames / single_choice: ``count`` of ``n`` labelled sentences,
# ``share`` = count / n with its Wilson 95% interval ``low``..``high``;
# ``small``: n < SMALL_N. Every value of the label set is listed (count 0
# too) for each outlet (and target) with n > 0.
STANCE_COLUMNS = ("outlet", "target", "value", "count", "n", "share", "low", "high", "small")
FRAME_COLUMNS = ("outlet", "frame", "count", "n", "share", "low", "high", "small")
CHOICE_COLUMNS = ("outlet", "task", "value", "count", "n", "share", "low", "high", "small")
# differences: outlet a minus outlet b per cell (task, target, value); ``p``
# of ``test`` ("fisher", "chi-square", or "" when a side has no labels),
# ``p_adjusted`` by Benjamini-Hochberg across all cells of the call.
DIFFERENCE_COLUMNS = (
    "task", "target", "value", "outlet_a", "outlet_b", "count_a", "n_a", "count_b", "n_b",
    "share_a", "share_b", "difference", "p", "p_adjusted", "significant", "test",
)  # fmt: skip
# cues: the text of cue spans (trimmed, lower case, spaces collapsed) and how
# many label rows marked it, per outlet, task and value; most used first.
CUE_COLUMNS = ("outlet", "task", "value", "cue", "count")


# ---------------------------------------------------------------- comparison: shares


def _shares(found: Counts, labelset: LabelSet, tasks: list[Task]) -> pd.DataFrame:
    """Every value of ``tasks`` for each outlet (and target) with labels:
    count, n, share, Wilson interval, small; in label-set order."""
    names = [t.name for t in tasks]
    totals = found.totals[found.totals["task"].isin(names) & (found.totals["n"] > 0)]
    grid = totals.merge(ranks(labelset), on="task")
    grid = grid.merge(found.values, on=["outlet", "task", "target", "value"], how="left")
    grid["count"] = grid["count"].fillna(0).astype("int64")
    grid["n"] = grid["n"].astype("int64")
    grid["share"] = grid["count"] / grid["n"]
    grid["low"], grid["high"] = wilson(grid["count"], grid["n"])
    grid["small"] = grid["n"] < SMALL_N
    order = pd.DataFrame(
        [(t.name, g.name, i) for t in tasks for i, g in enumerate(t.targets)],
        columns=["task", "target", "target_rank"],
    )
    grid = grid.merge(order, on=["task", "target"], how="left")
    grid["task_rank"] = grid["task"].map({n: i for i, n in enumerate(names)})
    grid["target_rank"] = grid["target_rank"].fillna(len(order))
    grid = grid.sort_values(["outlet", "task_rank", "target_rank", "target", "rank"])
    return grid.reset_index(drop=True)


def _task(labelset: LabelSet, kind: str, name: str | None) -> Task | None:
    for task in labelset.tasks:
        if task.kind == kind and (name is None or task.name == name):
            return task
    return None


def stance(found: Counts, labelset: LabelSet, *, task: str | None = None) -> pd.DataFrame:
    """Stance toward each target per outlet (:data:`STANCE_COLUMNS`): the
    label set's first stance task, or ``task``."""
    chosen = _task(labelset, "stance", task)
    if chosen is None:
        return empty(STANCE_COLUMNS)
    return _shares(found, labelset, [chosen])[list(STANCE_COLUMNS)]


def frames(found: Counts, labelset: LabelSet, *, task: str | None = None) -> pd.DataFrame:
    """Share of labelled sentences with each frame, per outlet
    (:data:`FRAME_COLUMNS`): the label set's first multi-choice task, or ``task``."""
    chosen = _task(labelset, "multi", task)
    if chosen is None:
        return empty(FRAME_COLUMNS)
    shares = _shares(found, labelset, [chosen]).rename(columns={"value": "frame"})
    return shares[list(FRAME_COLUMNS)]


def single_choice(found: Counts, labelset: LabelSet) -> pd.DataFrame:
    """Share of each value of every single-choice task (bias, opinion) per
    outlet (:data:`CHOICE_COLUMNS`)."""
    tasks = [t for t in labelset.tasks if t.kind == "single"]
    return _shares(found, labelset, tasks)[list(CHOICE_COLUMNS)]


def differences(
    found: Counts, labelset: LabelSet, *, outlet_a: str, outlet_b: str, alpha: float = 0.05
) -> pd.DataFrame:
    """Outlet a against outlet b on every stance value per target, frame and
    single-choice value (:data:`DIFFERENCE_COLUMNS`): a 2x2 test per cell,
    Benjamini-Hochberg across the cells (see
    :func:`annotator.proportions.compare_proportions`)."""
    shares = _shares(found, labelset, list(labelset.tasks))
    cell = ["task", "target", "value"]
    kept = [*cell, "count", "n", "task_rank", "target_rank", "rank"]
    a = shares[shares["outlet"] == outlet_a][kept]
    b = shares[shares["outlet"] == outlet_b][kept]
    table = a.merge(
        b, on=[*cell, "task_rank", "target_rank", "rank"], how="outer", suffixes=("_a", "_b")
    )
    for column in ("count_a", "n_a", "count_b", "n_b"):
        table[column] = table[column].fillna(0).astype("int64")
    table = table.sort_values(["task_rank", "target_rank", "target", "rank"], ignore_index=True)
    tests = compare_proportions(
        table["count_a"], table["n_a"], table["count_b"], table["n_b"], alpha=alpha
    )
    table["outlet_a"], table["outlet_b"] = outlet_a, outlet_b
    with np.errstate(divide="ignore", invalid="ignore"):
        table["share_a"] = table["count_a"] / table["n_a"].where(table["n_a"] > 0)
        table["share_b"] = table["count_b"] / table["n_b"].where(table["n_b"] > 0)
    table["difference"] = table["share_a"] - table["share_b"]
    table["p"], table["p_adjusted"] = tests.p, tests.p_adjusted
    table["significant"], table["test"] = tests.significant, tests.test
    return table[list(DIFFERENCE_COLUMNS)]


# ---------------------------------------------------------------- comparison: cues and trust


def cues(
    store: Store,
    labelset: LabelSet,
    *,
    source: LabelSource = HUMAN,
    filters: Filters | None = None,
    limit: int | None = 10,
    found: Counts | None = None,
) -> pd.DataFrame:
    """The cue phrases marked most per outlet, task and value
    (:data:`CUE_COLUMNS`), at most ``limit`` per group. Cues are people's
    spans: gold's for ``gold``; for ``human`` and ``human_else_model`` the
    spans of annotators whose value is the majority's; none for ``model``.
    ``found``: counts of the same source and filters, whose label rows are
    reused instead of read again."""
    check_source(source)
    if source == MODEL:
        return empty(CUE_COLUMNS)
    gold = source == GOLD
    if found is not None and found.people is not None and found.human is not None:
        rows, chosen = found.people, found.human
    else:
        rows = people(store, labelset, filters or Filters(), gold=gold)
        chosen = rows if gold else majority(rows, labelset)
    marked = rows[rows["cue"].notna()]
    if not gold:
        marked = marked.merge(chosen[[*_KEYS, "value"]], on=[*_KEYS, "value"])
    text = marked["cue"].astype(str).str.strip().str.casefold()
    marked = marked.assign(cue=text.str.replace(r"\s+", " ", regex=True))
    marked = marked[marked["cue"] != ""]
    table = marked.groupby(["outlet", "task", "value", "cue"]).size().rename("count").reset_index()
    table = table.sort_values(
        ["outlet", "task", "value", "count", "cue"], ascending=[True, True, True, False, True]
    )
    if limit is not None:
        table = table.groupby(["outlet", "task", "value"]).head(limit)
    return table.reset_index(drop=True)[list(CUE_COLUMNS)]


@dataclass(frozen=True)
class ModelScore:
    """How far a model's labels can be trusted on outlets it has not seen:
    macro-F1 with each outlet held out in turn, from the version's card."""

    version_id: int
    task: str
    macro_f1: float
    n: int  # labels the score was measured on
    folds: int


def model_score(store: Store, labelset: LabelSet, *, task: str) -> ModelScore | None:
    """The active model version's outlet-held-out score on ``task``; None
    when there is no active version, it did not train ``task``, or it could
    not hold outlets out (labels from one outlet only)."""
    with store.read() as conn:
        record = models_sql.active_version(conn, labelset.name)
    if record is None or not record.card:
        return None
    card = record.card.get("tasks", {}).get(task)
    grouped = (card or {}).get("metrics", {}).get("grouped")
    if not grouped:
        return None
    return ModelScore(
        version_id=record.id,
        task=task,
        macro_f1=float(grouped["macro_f1"]),
        n=int(grouped["n"]),
        folds=int(grouped["folds"]),
    )


# ---------------------------------------------------------------- comparison: everything


@dataclass(frozen=True)
class Comparison:
    """Every table of the compare page, for one label source and filters."""

    counts: Counts
    stance: pd.DataFrame
    frames: pd.DataFrame
    single_choice: pd.DataFrame
    differences: pd.DataFrame
    cues: pd.DataFrame
    scores: dict[str, ModelScore | None] = field(default_factory=dict)  # model-fed only


def aggregate(
    store: Store,
    labelset: LabelSet,
    *,
    source: LabelSource = HUMAN,
    filters: Filters | None = None,
    threshold: float = DEFAULT_THRESHOLD,
    pair: tuple[str, str] | None = None,
    alpha: float = 0.05,
) -> Comparison:
    """Everything the compare page shows: shares per outlet, cues, the
    differences between the two outlets of ``pair`` (none without one) and,
    when the model feeds the numbers, its outlet-held-out score per task."""
    filters = filters or Filters()
    found = counts(store, labelset, source=source, filters=filters, threshold=threshold)
    if pair is None:
        diff = empty(DIFFERENCE_COLUMNS)
    else:
        diff = differences(found, labelset, outlet_a=pair[0], outlet_b=pair[1], alpha=alpha)
    scores: dict[str, ModelScore | None] = {}
    if source in (MODEL, HUMAN_ELSE_MODEL):
        scores = {t.name: model_score(store, labelset, task=t.name) for t in labelset.tasks}
    return Comparison(
        counts=found,
        stance=stance(found, labelset),
        frames=frames(found, labelset),
        single_choice=single_choice(found, labelset),
        differences=diff,
        cues=cues(store, labelset, source=source, filters=filters, found=found),
        scores=scores,
    )
