"""Tallies of a model version's predictions per outlet, publication day and probability step.

The compare page counts the active model's predictions above a threshold
per outlet. Over a million sentences (3.6M prediction rows) that is seconds
of SQL; counted from these tallies it is a few thousand rows. Start with
:func:`tally` (count a batch of prediction rows in memory; tallies of
batches add up with :meth:`Tally.plus`), :func:`save` (store a version's
tallies whole and mark them complete) and :func:`value_counts` /
:func:`sentence_counts` (what the compare page reads instead of the
predictions, when :func:`answers` says they can). :func:`build` tallies a
version's stored predictions (migration 8; versions whose predictions were
stored some other way than :func:`annotator.preannotation.preannotate`).

Steps: a prediction of probability ``p`` is at step ``k``, the highest ``k``
with ``p >= STEPS[k]``; it counts at threshold ``STEPS[j]`` exactly when
``k >= j``, the same comparison of the same doubles as ``probability >=
threshold`` in SQL. Other thresholds are not answered (the caller counts
the predictions). Days: the first 10 characters of ``documents.published``
(an ISO date or date-time, or ""), which compare with a date bound's
``YYYY-MM-DD`` exactly as the whole value does. Filters that pick documents
one by one (documents, story) are not answered either: the predictions of a
few documents are quick to count.

Tallies are complete only while settings holds the version's key
(:func:`is_built`): storing or clearing a version's predictions
(:mod:`annotator.storage.models`) drops them first.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, Final

import numpy as np
import pandas as pd
from sqlalchemy import Connection, and_, delete, func, insert, or_, select
from sqlalchemy.sql import ColumnElement

from annotator.storage.compare import Filters
from annotator.storage.engine import bulk_insert
from annotator.storage.schema import (
    documents,
    outlets,
    prediction_sentence_tallies,
    prediction_tallies,
    predictions,
    sentences,
    settings,
)

STEPS: Final = tuple(round(k / 20, 2) for k in range(21))
_STEP_OF: Final = {t: k for k, t in enumerate(STEPS)}
VALUE_KEYS = ("outlet_id", "day", "task", "target", "value", "step")
SENTENCE_KEYS = ("outlet_id", "day", "task", "target", "step")
CHUNK = 50_000  # sentence ids per read in build()


def step_index(threshold: float) -> int | None:
    """The step of a threshold that is one of :data:`STEPS`, else None."""
    return _STEP_OF.get(threshold)


def steps_of(probability: np.ndarray) -> np.ndarray:
    """Per probability its step (-1 below the first)."""
    return np.searchsorted(np.asarray(STEPS), probability, side="right") - 1


def answers(filters: Filters, threshold: float) -> bool:
    """Whether tallies can count predictions for these filters and threshold."""
    return step_index(threshold) is not None and not filters.document_ids and filters.story is None


def _key(version_id: int) -> str:
    return f"prediction_tallies:{version_id}"


# ---------------------------------------------------------------- counting


def _empty(keys: Sequence[str], column: str) -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype="int64" if c in ("outlet_id", "step", column) else object)
                         for c in (*keys, column)})  # fmt: skip


@dataclass(frozen=True)
class Tally:
    """Prediction rows per :data:`VALUE_KEYS` (column ``predictions``) and
    sentences per :data:`SENTENCE_KEYS` by their most probable row (``sentences``)."""

    values: pd.DataFrame = field(default_factory=lambda: _empty(VALUE_KEYS, "predictions"))
    sentences: pd.DataFrame = field(default_factory=lambda: _empty(SENTENCE_KEYS, "sentences"))

    def plus(self, other: Tally) -> Tally:
        """The tally of both batches (of disjoint sentences)."""
        return Tally(
            _sum([self.values, other.values], VALUE_KEYS, "predictions"),
            _sum([self.sentences, other.sentences], SENTENCE_KEYS, "sentences"),
        )


def _sum(parts: list[pd.DataFrame], keys: Sequence[str], column: str) -> pd.DataFrame:
    parts = [p for p in parts if not p.empty]
    if not parts:
        return _empty(keys, column)
    stacked = pd.concat(parts, ignore_index=True)
    return stacked.groupby(list(keys), sort=False)[column].sum().reset_index()


def places(conn: Connection, first: int, last: int) -> pd.DataFrame:
    """``sentence_id, outlet_id, day`` of the sentences with ids ``first``..``last``."""
    rows = conn.execute(
        select(sentences.c.id, documents.c.outlet_id, documents.c.published)
        .select_from(sentences.join(documents, documents.c.id == sentences.c.document_id))
        .where(sentences.c.id.between(first, last))
    ).all()
    frame = pd.DataFrame(rows, columns=["sentence_id", "outlet_id", "day"])
    frame["day"] = frame["day"].astype(str).str[:10]
    return frame


def tally(rows: Sequence[tuple[int, str, str, str, float]], where: pd.DataFrame) -> Tally:
    """The tally of prediction rows ``(sentence_id, task, target, value,
    probability)`` of disjoint sentences; ``where``: their :func:`places`
    (rows of sentences not in it are left out). Counted in numpy over
    integer codes: it runs on every batch of pre-annotation."""
    if not rows:
        return Tally()
    n = len(rows)
    sids, tasks, targets, values, probabilities = zip(*rows, strict=True)
    keys: dict[tuple[str, str, str], int] = {}
    code = np.fromiter(
        (keys.setdefault(k, len(keys)) for k in zip(tasks, targets, values, strict=True)),
        dtype=np.int64,
        count=n,
    )
    sid = np.fromiter(sids, dtype=np.int64, count=n)
    step = steps_of(np.fromiter(probabilities, dtype=np.float64, count=n))
    # Each sentence's place: (outlet, day) as a code.
    places_of: dict[tuple[int, str], int] = {}
    known = where["sentence_id"].to_numpy(dtype=np.int64)
    place_code = np.fromiter(
        (places_of.setdefault((int(o), str(d)), len(places_of))
         for o, d in zip(where["outlet_id"].tolist(), where["day"].tolist(), strict=True)),
        dtype=np.int64, count=len(known),
    )  # fmt: skip
    order = np.argsort(known)
    at = np.searchsorted(known[order], sid).clip(max=max(len(known) - 1, 0))
    keep = (known[order][at] == sid) if len(known) else np.zeros(n, dtype=bool)
    place = place_code[order][at]
    sid, code, step, place = sid[keep], code[keep], step[keep], place[keep]
    nsteps, nkeys = len(STEPS), max(len(keys), 1)
    counted = step >= 0
    found, many = np.unique(
        (place[counted] * nkeys + code[counted]) * nsteps + step[counted], return_counts=True
    )
    # Sentences per (task, target) by their highest step (the most probable row's).
    pairs: dict[tuple[str, str], int] = {}
    pair_of = np.array([pairs.setdefault(k[:2], len(pairs)) for k in keys], dtype=np.int64)
    npairs = max(len(pairs), 1)
    sentence_key = sid * npairs + pair_of[code] if len(code) else code
    by = np.lexsort((step, sentence_key))
    last = by[np.flatnonzero(np.diff(sentence_key[by], append=-1) != 0)] if len(by) else by
    top = step[last] >= 0
    found2, many2 = np.unique(
        (place[last][top] * npairs + pair_of[code[last][top]]) * nsteps + step[last][top],
        return_counts=True,
    )
    key_list, place_list, pair_list = list(keys), list(places_of), list(pairs)
    v_step, v_rest = found % nsteps, found // nsteps
    v_places = [place_list[i] for i in (v_rest // nkeys).tolist()]
    v_keys = [key_list[i] for i in (v_rest % nkeys).tolist()]
    s_step, s_rest = found2 % nsteps, found2 // nsteps
    s_places = [place_list[i] for i in (s_rest // npairs).tolist()]
    s_pairs = [pair_list[i] for i in (s_rest % npairs).tolist()]
    value_frame = pd.DataFrame(
        {
            "outlet_id": pd.Series([o for o, _ in v_places], dtype="int64"),
            "day": [d for _, d in v_places],
            "task": [k[0] for k in v_keys],
            "target": [k[1] for k in v_keys],
            "value": [k[2] for k in v_keys],
            "step": v_step.astype("int64"),
            "predictions": many.astype("int64"),
        }
    )
    sentence_frame = pd.DataFrame(
        {
            "outlet_id": pd.Series([o for o, _ in s_places], dtype="int64"),
            "day": [d for _, d in s_places],
            "task": [k[0] for k in s_pairs],
            "target": [k[1] for k in s_pairs],
            "step": s_step.astype("int64"),
            "sentences": many2.astype("int64"),
        }
    )
    return Tally(value_frame, sentence_frame)


# ---------------------------------------------------------------- storing


def clear(conn: Connection, version_id: int) -> None:
    """Drop a version's tallies (and the mark that they are complete)."""
    conn.execute(delete(settings).where(settings.c.key == _key(version_id)))
    for table in (prediction_tallies, prediction_sentence_tallies):
        conn.execute(delete(table).where(table.c.model_version_id == version_id))


def save(conn: Connection, version_id: int, tallied: Tally) -> None:
    """Store a version's tallies, replacing any, and mark them complete."""
    clear(conn, version_id)
    for table, frame, keys, column in (
        (prediction_tallies, tallied.values, VALUE_KEYS, "predictions"),
        (prediction_sentence_tallies, tallied.sentences, SENTENCE_KEYS, "sentences"),
    ):
        columns = ["model_version_id", *keys, column]
        cells = [[version_id] * len(frame), *(frame[c].tolist() for c in columns[1:])]
        bulk_insert(conn, table, columns, list(zip(*cells, strict=True)))
    conn.execute(insert(settings).values(key=_key(version_id), value={"steps": list(STEPS)}))


def is_built(conn: Connection, version_id: int) -> bool:
    """Whether a version's tallies are complete and use :data:`STEPS`."""
    mark = conn.scalar(select(settings.c.value).where(settings.c.key == _key(version_id)))
    return isinstance(mark, dict) and mark.get("steps") == list(STEPS)


def build(conn: Connection, version_id: int) -> Tally:
    """Tally a version's stored predictions and :func:`save` them."""
    last = conn.scalar(select(func.max(sentences.c.id))) or 0
    total = Tally()
    for first in range(1, int(last) + 1, CHUNK):
        end = first + CHUNK - 1
        rows = conn.execute(
            select(
                predictions.c.sentence_id,
                predictions.c.task,
                predictions.c.target,
                predictions.c.value,
                predictions.c.probability,
            ).where(
                predictions.c.sentence_id.between(first, end),
                predictions.c.model_version_id == version_id,
            )
        ).all()
        if rows:
            total = total.plus(tally([tuple(r) for r in rows], places(conn, first, end)))
    save(conn, version_id, total)
    return total


# ---------------------------------------------------------------- reading


def _scope(filters: Filters, table: Any) -> list[ColumnElement[bool]]:
    if not answers(filters, STEPS[0]):
        raise ValueError("tallies do not answer document or story filters")
    where: list[ColumnElement[bool]] = []
    if filters.outlets:
        named = select(outlets.c.id).where(outlets.c.name.in_(filters.outlets))
        where.append(table.c.outlet_id.in_(named))
    # As storage.compare._scope on documents.published (see the module docstring).
    if filters.date_from is not None:
        where.append(table.c.day >= filters.date_from.isoformat())
    if filters.date_to is not None:
        where.append(table.c.day < (filters.date_to + timedelta(days=1)).isoformat())
    if filters.targets:
        where.append(or_(table.c.target == "", table.c.target.in_(filters.targets)))
    return where


def _counted(
    conn: Connection, table: Any, keys: Sequence[str], column: str, where: list[Any]
) -> list[tuple[Any, ...]]:
    grouped = [table.c[k] for k in keys]
    query = select(*grouped, func.sum(table.c[column])).where(and_(*where)).group_by(*grouped)
    return [(*r[:-1], int(r[-1])) for r in conn.execute(query)]


def value_counts(
    conn: Connection, filters: Filters, *, version_id: int, threshold: float
) -> list[tuple[int, str, str, str, int]]:
    """``(outlet_id, task, target, value, count)``: predictions at or above
    ``threshold`` in scope, as :func:`annotator.storage.compare.prediction_counts`."""
    step = step_index(threshold)
    if step is None:
        raise ValueError(f"tallies count at the thresholds {STEPS}, not at {threshold}")
    t = prediction_tallies
    where = [t.c.model_version_id == version_id, t.c.step >= step, *_scope(filters, t)]
    keys = ("outlet_id", "task", "target", "value")
    return [(int(o), str(a), str(g), str(v), c) for o, a, g, v, c in _counted(conn, t, keys, "predictions", where)]  # fmt: skip


def sentence_counts(
    conn: Connection, filters: Filters, *, version_id: int, threshold: float
) -> list[tuple[int, str, str, int]]:
    """``(outlet_id, task, target, n)``: sentences in scope with at least one
    prediction of the task and target at or above ``threshold``."""
    step = step_index(threshold)
    if step is None:
        raise ValueError(f"tallies count at the thresholds {STEPS}, not at {threshold}")
    t = prediction_sentence_tallies
    where = [t.c.model_version_id == version_id, t.c.step >= step, *_scope(filters, t)]
    keys = ("outlet_id", "task", "target")
    return [(int(o), str(a), str(g), n) for o, a, g, n in _counted(conn, t, keys, "sentences", where)]  # fmt: skip
