"""Which label each sentence has, by label source: people's majority, gold, the model.

Start with :func:`label_frame` (one row per sentence, task, target and
chosen value, for a source and :class:`Filters`: also "the sentences behind
a bar" on the compare page), then :func:`counts` (labelled sentences per
outlet and value, what every comparison in :mod:`annotator.outlets` is
computed from).

Label sources (:data:`LABEL_SOURCES`):

- ``gold``: current labels of annotator :data:`GOLD_ANNOTATOR` with source
  :data:`GOLD_SOURCE` (adjudication writes these).
- ``human``: the majority of every other annotator's current label per
  sentence, task and target (:func:`majority`). Single choice and stance:
  the value most annotators chose; a tie goes to the value listed first in
  the label set (values the label set no longer has come last, then by
  name), the rule of :func:`annotator.training.training_data`. Multi choice:
  each value chosen by more than half of the sentence's annotators; none
  such means the sentence is labelled with no value (value ``""``).
- ``model``: the active model version's predictions with probability at
  least ``threshold`` (a multi-choice value below it is dropped; a sentence
  none of whose rows pass is not counted for that task).
- ``human_else_model``: per sentence, task and target the human majority
  where there is one, else the model's prediction.

A cleared label (``value`` NULL in the newest revision) counts as no label;
``""`` (multi choice, "no value applies") counts as a labelled sentence
with no value: it is in ``n`` and in no frame's ``count``.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Final, Literal

import numpy as np
import pandas as pd

from annotator.labelsets import LabelSet
from annotator.model_counts import COUNT_COLUMNS, TOTAL_COLUMNS, model_counts
from annotator.storage import Store
from annotator.storage import compare as compare_sql
from annotator.storage import models as models_sql
from annotator.storage.compare import Filters
from annotator.storage.labels import GOLD_ANNOTATOR, GOLD_SOURCE, PEOPLE_SOURCES

# counts: labelled sentences per value (COUNT_COLUMNS) and in all (TOTAL_COLUMNS).
__all__ = ["COUNT_COLUMNS", "GOLD_ANNOTATOR", "GOLD_SOURCE", "TOTAL_COLUMNS", "Filters"]

LabelSource = Literal["gold", "human", "model", "human_else_model"]
GOLD: Final = "gold"
HUMAN: Final = "human"
MODEL: Final = "model"
HUMAN_ELSE_MODEL: Final = "human_else_model"
LABEL_SOURCES: tuple[LabelSource, ...] = ("gold", "human", "model", "human_else_model")
DEFAULT_THRESHOLD = 0.5

# label_frame: one row per sentence, task, target and chosen value.
# ``document_id`` is ``documents.id``; ``probability`` is NaN for people's
# labels; ``source`` is "gold", "human" or "model" (where the row came from).
LABEL_COLUMNS = (
    "sentence_id", "document_id", "outlet", "published", "task", "target", "value",
    "probability", "source",
)  # fmt: skip

_KEYS = ["sentence_id", "task", "target"]
# Queries that do not depend on each other run in this many threads.
WORKERS = min(4, os.cpu_count() or 1) + 1


def check_source(source: str) -> None:
    if source not in LABEL_SOURCES:
        raise ValueError(f"unknown label source {source!r}; known: {', '.join(LABEL_SOURCES)}")


def ranks(labelset: LabelSet) -> pd.DataFrame:
    """(task, value, rank): the label set's order of each task's values."""
    return pd.DataFrame(
        [(t.name, v.name, i) for t in labelset.tasks for i, v in enumerate(t.values)],
        columns=["task", "value", "rank"],
    )


def people(
    store: Store,
    labelset: LabelSet,
    filters: Filters,
    *,
    gold: bool,
    tasks: list[str] | None = None,
) -> pd.DataFrame:
    """Current label rows of gold, or of everyone else, with outlet names."""
    with store.read() as conn:
        rows = compare_sql.people_rows(
            conn,
            filters,
            label_set=labelset.name,
            annotators="gold" if gold else "others",
            sources={GOLD_SOURCE} if gold else PEOPLE_SOURCES,
            tasks=tasks,
        )
        names = compare_sql.outlet_names(conn)
    frame = pd.DataFrame(rows, columns=list(compare_sql.PEOPLE_COLUMNS))
    frame = frame[frame["task"].isin([t.name for t in labelset.tasks])]
    frame["outlet"] = frame["outlet_id"].map(names)
    return frame


def majority(votes: pd.DataFrame, labelset: LabelSet) -> pd.DataFrame:
    """One label per sentence, task and target from several annotators'
    rows (columns sentence_id, annotator, task, target, value), by the rule
    in the module docstring; columns sentence_id, task, target, value."""
    votes = votes.drop_duplicates([*_KEYS, "annotator", "value"])
    kinds = {t.name: t.kind for t in labelset.tasks}
    multi = votes["task"].map(kinds).eq("multi")
    one = votes[~multi].groupby([*_KEYS, "value"]).size().rename("votes").reset_index()
    one = one.merge(ranks(labelset), on=["task", "value"], how="left")
    one["rank"] = one["rank"].fillna(len(votes) + 1)
    one = one.sort_values(
        [*_KEYS, "votes", "rank", "value"], ascending=[True, True, True, False, True, True]
    ).drop_duplicates(_KEYS)
    many = votes[multi]
    voters = many.groupby(_KEYS)["annotator"].nunique().rename("voters").reset_index()
    chosen = (
        many[many["value"] != ""].groupby([*_KEYS, "value"]).size().rename("votes").reset_index()
    )
    chosen = chosen.merge(voters, on=_KEYS)
    chosen = chosen[chosen["votes"] * 2 > chosen["voters"]]
    none = voters.merge(chosen[_KEYS].drop_duplicates(), on=_KEYS, how="left", indicator=True)
    none = none[none["_merge"] == "left_only"].assign(value="")
    columns = [*_KEYS, "value"]
    out = pd.concat([one[columns], chosen[columns], none[columns]], ignore_index=True)
    return out.sort_values(columns, ignore_index=True)


def _with_rows(chosen: pd.DataFrame, rows: pd.DataFrame, source: str) -> pd.DataFrame:
    meta = rows[["sentence_id", "document_id", "outlet", "published"]].drop_duplicates(
        "sentence_id"
    )
    out = chosen.merge(meta, on="sentence_id", how="left")
    out["probability"] = np.nan
    out["source"] = source
    return out[list(LABEL_COLUMNS)]


def _human(rows: pd.DataFrame, labelset: LabelSet, *, gold: bool) -> pd.DataFrame:
    chosen = rows[[*_KEYS, "value"]].drop_duplicates() if gold else majority(rows, labelset)
    return _with_rows(chosen, rows, GOLD if gold else HUMAN)


def _active_version(store: Store, labelset: LabelSet, filters: Filters) -> int | None:
    with store.read() as conn:
        record = models_sql.active_version(conn, labelset.name)
    if record is None or record.status != models_sql.READY:
        return None
    if filters.label_set_version not in (None, record.label_set_version):
        return None
    return record.id


def _model(
    store: Store,
    labelset: LabelSet,
    filters: Filters,
    *,
    threshold: float,
    tasks: list[str] | None = None,
    value: str | None = None,
    limit: int | None = None,
) -> pd.DataFrame:
    version = _active_version(store, labelset, filters)
    rows: list[tuple[Any, ...]] = []
    with store.read() as conn:
        if version is not None:
            rows = compare_sql.prediction_rows(
                conn,
                filters,
                version_id=version,
                threshold=threshold,
                tasks=tasks,
                value=value,
                limit=limit,
            )
        names = compare_sql.outlet_names(conn)
    frame = pd.DataFrame(rows, columns=list(compare_sql.PREDICTION_COLUMNS))
    frame = frame[frame["task"].isin([t.name for t in labelset.tasks])]
    frame["outlet"] = frame["outlet_id"].map(names)
    frame["source"] = MODEL
    return frame[list(LABEL_COLUMNS)]


def _without_keys(frame: pd.DataFrame, keys: pd.DataFrame) -> pd.DataFrame:
    """Rows of ``frame`` whose (sentence, task, target) is not in ``keys``."""
    marked = frame.merge(keys[_KEYS].drop_duplicates(), on=_KEYS, how="left", indicator=True)
    return marked[marked["_merge"] == "left_only"].drop(columns="_merge")


def _sorted(frame: pd.DataFrame) -> pd.DataFrame:
    frame = frame.sort_values(["sentence_id", "task", "target", "value"], ignore_index=True)
    return frame.astype({"sentence_id": "int64", "document_id": "int64", "probability": "float64"})


def label_frame(
    store: Store,
    labelset: LabelSet,
    *,
    source: LabelSource = HUMAN,
    filters: Filters | None = None,
    threshold: float = DEFAULT_THRESHOLD,
    task: str | None = None,
    value: str | None = None,
    limit: int | None = None,
) -> pd.DataFrame:
    """The chosen label of every sentence in scope, one row per sentence,
    task, target and value (:data:`LABEL_COLUMNS`), by sentence id. Multi
    choice: one row per value present, or one with value "" when none is.

    ``task``, ``value`` and ``limit`` narrow it to the first ``limit`` rows
    behind one bar (the choice is still made over all values: a value
    outvoted on a sentence is not listed).
    """
    check_source(source)
    filters = filters or Filters()
    tasks = None if task is None else [task]
    if source == MODEL:
        model = _model(
            store, labelset, filters, threshold=threshold, tasks=tasks, value=value, limit=limit
        )
        return _sorted(model)
    gold = source == GOLD
    human = _human(people(store, labelset, filters, gold=gold, tasks=tasks), labelset, gold=gold)
    parts = [human]
    if source == HUMAN_ELSE_MODEL:
        model = _model(store, labelset, filters, threshold=threshold, tasks=tasks, value=value)
        parts.append(_without_keys(model, human))
    out = pd.concat(parts, ignore_index=True)
    if value is not None:
        out = out[out["value"] == value]
    out = _sorted(out)
    return out if limit is None else out.head(limit)


# ---------------------------------------------------------------- counts


@dataclass(frozen=True)
class Counts:
    """Labelled sentences per outlet, task, target and value (``values``,
    :data:`COUNT_COLUMNS`) and per outlet, task and target (``totals``,
    :data:`TOTAL_COLUMNS`). Everything below is computed from these."""

    values: pd.DataFrame
    totals: pd.DataFrame
    source: str = HUMAN
    model_version: int | None = None  # the model version that fed them, if any
    # People's label rows (:func:`people`) and the labels chosen from them
    # (:data:`LABEL_COLUMNS`) behind the counts; None when only the model
    # fed them. The cue phrases are read from these.
    people: pd.DataFrame | None = None
    human: pd.DataFrame | None = None


def _count(frame: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    groups = ["outlet", "task", "target"]
    values = frame.groupby([*groups, "value"]).size().rename("count").reset_index()
    totals = frame.groupby(groups)["sentence_id"].nunique().rename("n").reset_index()
    return values, totals


def _replaced(
    store: Store, labelset: LabelSet, filters: Filters, version: int, threshold: float
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Counts of the model rows a human label replaces (same sentence and
    key, the human label being the majority of people's current labels)."""
    with store.read() as conn:
        values, totals = compare_sql.replaced_counts(
            conn,
            filters,
            label_set=labelset.name,
            sources=PEOPLE_SOURCES,
            tasks=[t.name for t in labelset.tasks],
            version_id=version,
            threshold=threshold,
        )
        names = compare_sql.outlet_names(conn)
    out = []
    for rows, columns in ((values, COUNT_COLUMNS), (totals, TOTAL_COLUMNS)):
        frame = pd.DataFrame(rows, columns=["outlet_id", *columns[1:]])
        frame.insert(0, "outlet", frame.pop("outlet_id").map(names))
        out.append(frame)
    return out[0], out[1]


def _combine(
    parts: list[tuple[pd.DataFrame, pd.DataFrame]], signs: list[int]
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Signed sum of count tables (the model's counts, minus those a human
    label replaces, plus the human ones)."""
    out = []
    for which, keys, column in (
        (0, list(COUNT_COLUMNS[:-1]), "count"),
        (1, list(TOTAL_COLUMNS[:-1]), "n"),
    ):
        stacked = pd.concat(
            [
                p[which].assign(**{column: p[which][column] * s})
                for p, s in zip(parts, signs, strict=True)
            ],
            ignore_index=True,
        )
        summed = stacked.groupby(keys)[column].sum().reset_index()
        out.append(summed[summed[column] > 0])
    return out[0], out[1]


def counts(
    store: Store,
    labelset: LabelSet,
    *,
    source: LabelSource = HUMAN,
    filters: Filters | None = None,
    threshold: float = DEFAULT_THRESHOLD,
) -> Counts:
    """Labelled sentences per outlet, task, target and value, for a label
    source: the same numbers as counting :func:`label_frame`, but the
    model's share is counted in SQL. Independent queries run side by side
    on their own connections (SQLite in WAL mode and PostgreSQL serve
    concurrent readers; the drivers release the GIL while a query runs)."""
    check_source(source)
    filters = filters or Filters()
    if source in (GOLD, HUMAN):
        rows = people(store, labelset, filters, gold=source == GOLD)
        frame = _human(rows, labelset, gold=source == GOLD)
        return Counts(*_count(frame), source=source, people=rows, human=frame)
    version = _active_version(store, labelset, filters)
    nothing = (empty(COUNT_COLUMNS), empty(TOTAL_COLUMNS))
    with ThreadPoolExecutor(WORKERS) as pool:
        fetching = replacing = None
        if source == HUMAN_ELSE_MODEL:
            fetching = pool.submit(people, store, labelset, filters, gold=False)
            if version is not None:
                replacing = pool.submit(_replaced, store, labelset, filters, version, threshold)
        if version is None:
            model = nothing
        else:
            model = model_counts(
                store, labelset, filters, threshold=threshold, version=version, pool=pool
            )
        if fetching is None:
            return Counts(*_combine([model], [1]), source=source, model_version=version)
        rows = fetching.result()
        human = _human(rows, labelset, gold=False)
        replaced = nothing if replacing is None else replacing.result()
    values, totals = _combine([model, replaced, _count(human)], [1, -1, 1])
    return Counts(values, totals, source=source, model_version=version, people=rows, human=human)


def empty(columns: tuple[str, ...]) -> pd.DataFrame:
    return pd.DataFrame(
        {c: pd.Series(dtype="int64" if c in ("count", "n") else object) for c in columns}
    )
