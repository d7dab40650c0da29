"""SQL for comparing outlets: labels and model predictions within a scope of documents.

Start with :class:`Filters` (which documents and labels count), then
:func:`people_rows` (current labels of people, with their cue text),
:func:`prediction_rows` (the active model's guesses above a confidence
threshold) and :func:`prediction_counts` (the same guesses counted in SQL,
which is what keeps the compare page fast at a million sentences).
Majority votes and shares are computed from these in :mod:`annotator.outlets`.
"""

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import (
    Connection,
    Integer,
    and_,
    column,
    false,
    func,
    inspect,
    literal,
    or_,
    select,
    table,
    union_all,
)
from sqlalchemy.sql import ColumnElement, Select

from annotator.storage import labels as labels_sql
from annotator.storage.labels import GOLD_ANNOTATOR
from annotator.storage.schema import annotations, documents, outlets, predictions, sentences

# Stories come from migration 4 (another module owns them); only these two
# columns are relied on, and only when the table exists.
story_documents = table(
    "story_documents", column("story_id", Integer), column("document_id", Integer)
)

ROW_COLUMNS = ("sentence_id", "document_id", "outlet_id", "published")
PEOPLE_COLUMNS = (
    *ROW_COLUMNS,
    "annotator",
    "task",
    "target",
    "value",
    "cue",
)
PREDICTION_COLUMNS = (*ROW_COLUMNS, "task", "target", "value", "probability")


@dataclass(frozen=True)
class Filters:
    """Which labels a comparison counts; every empty field means "all".

    ``outlets``: outlet names. ``date_from``/``date_to``: inclusive, on the
    document's ``published`` date (documents without a date are left out
    once either bound is set). ``document_ids``: ``documents.id`` values.
    ``story``: a story id (documents in ``story_documents``; no such table
    yet means no story has documents). ``targets``: stance targets (tasks
    without targets are kept). ``label_set_version``: only current labels
    made under this version, and model predictions only when the active
    version was trained under it.
    """

    outlets: tuple[str, ...] = ()
    date_from: date | None = None
    date_to: date | None = None
    document_ids: tuple[int, ...] = ()
    story: int | None = None
    targets: tuple[str, ...] = ()
    label_set_version: int | None = None


def _scope(conn: Connection, filters: Filters) -> list[ColumnElement[bool]]:
    """Conditions on ``documents`` for the filters that pick documents."""
    where: list[ColumnElement[bool]] = []
    if filters.outlets:
        named = select(outlets.c.id).where(outlets.c.name.in_(filters.outlets))
        where.append(documents.c.outlet_id.in_(named))
    # ISO dates compare as strings; a timestamp on the last day sorts below the next day.
    if filters.date_from is not None:
        where.append(documents.c.published >= filters.date_from.isoformat())
    if filters.date_to is not None:
        where.append(documents.c.published < (filters.date_to + timedelta(days=1)).isoformat())
    if filters.document_ids:
        where.append(documents.c.id.in_(filters.document_ids))
    if filters.story is not None:
        if inspect(conn).has_table("story_documents"):
            in_story = select(story_documents.c.document_id).where(
                story_documents.c.story_id == filters.story
            )
            where.append(documents.c.id.in_(in_story))
        else:
            where.append(false())
    return where


def _targets(filters: Filters, target: Any) -> list[ColumnElement[bool]]:
    if not filters.targets:
        return []
    return [or_(target == "", target.in_(filters.targets))]


def outlet_names(conn: Connection) -> dict[int, str]:
    return {int(i): str(n) for i, n in conn.execute(select(outlets.c.id, outlets.c.name))}


# ---------------------------------------------------------------- people


def _people_where(
    conn: Connection,
    filters: Filters,
    *,
    label_set: str,
    annotators: str,
    sources: Collection[str],
    tasks: Sequence[str] | None,
) -> list[ColumnElement[bool]]:
    """Conditions on ``annotations`` for :func:`people_rows`."""
    superseded = labels_sql.superseded()
    if annotators == "gold":
        who = annotations.c.annotator == GOLD_ANNOTATOR
    elif annotators == "others":
        who = annotations.c.annotator != GOLD_ANNOTATOR
    else:
        raise ValueError(f"annotators must be 'gold' or 'others', not {annotators!r}")
    where = [
        annotations.c.label_set == label_set,
        annotations.c.value.is_not(None),
        who,
        annotations.c.source.in_(sorted(sources)),
        *_targets(filters, annotations.c.target),
    ]
    if filters.label_set_version is not None:
        where.append(annotations.c.label_set_version == filters.label_set_version)
    if tasks is not None:
        where.append(annotations.c.task.in_(tasks))
    scope = _scope(conn, filters)
    if scope:
        # On the annotation row itself, so that SQLite tests it before the
        # (costlier) superseded check rather than after the joins.
        in_scope = (
            select(sentences.c.id)
            .join(documents, documents.c.id == sentences.c.document_id)
            .where(and_(*scope))
        )
        where.append(annotations.c.sentence_id.in_(in_scope))
    where.append(~superseded)
    return where


def people_rows(
    conn: Connection,
    filters: Filters,
    *,
    label_set: str,
    annotators: str,
    sources: Collection[str],
    tasks: Sequence[str] | None = None,
) -> list[tuple[Any, ...]]:
    """Current, not cleared label rows of people in scope, in :data:`PEOPLE_COLUMNS`
    order: one row per stored annotation row (a value chosen with two cue
    spans gives two rows). ``cue`` is the span's text, or None.

    ``annotators``: ``"gold"`` for :data:`GOLD_ANNOTATOR` only, ``"others"``
    for everyone else. ``sources``: the annotation sources that count.
    ``tasks``: only these tasks.
    """
    where = _people_where(
        conn, filters, label_set=label_set, annotators=annotators, sources=sources, tasks=tasks
    )
    cue = func.substr(
        sentences.c.text,
        annotations.c.span_start + 1,
        annotations.c.span_end - annotations.c.span_start,
    )
    query = (
        select(
            annotations.c.sentence_id,
            documents.c.id,
            documents.c.outlet_id,
            documents.c.published,
            annotations.c.annotator,
            annotations.c.task,
            annotations.c.target,
            annotations.c.value,
            cue,
        )
        .select_from(
            annotations.join(sentences, sentences.c.id == annotations.c.sentence_id).join(
                documents, documents.c.id == sentences.c.document_id
            )
        )
        .where(and_(*where))
    )
    return [tuple(r) for r in conn.execute(query)]


# ---------------------------------------------------------------- model


def _predictions_in_scope(
    conn: Connection,
    filters: Filters,
    *,
    version_id: int,
    threshold: float,
    tasks: Sequence[str] | None,
) -> list[ColumnElement[bool]]:
    where = [
        predictions.c.model_version_id == version_id,
        predictions.c.probability >= threshold,
        *_scope(conn, filters),
        *_targets(filters, predictions.c.target),
    ]
    # No task condition unless asked: with one, SQLite seeks the primary key
    # once per task and sentence instead of reading the covering index once.
    if tasks is not None:
        where.append(predictions.c.task.in_(tasks))
    return where


def _from_predictions() -> Any:
    return predictions.join(sentences, sentences.c.id == predictions.c.sentence_id).join(
        documents, documents.c.id == sentences.c.document_id
    )


def prediction_rows(
    conn: Connection,
    filters: Filters,
    *,
    version_id: int,
    threshold: float,
    tasks: Sequence[str] | None = None,
    value: str | None = None,
    limit: int | None = None,
) -> list[tuple[Any, ...]]:
    """A model version's predictions with probability >= ``threshold`` in
    scope, in :data:`PREDICTION_COLUMNS` order (by sentence when
    ``limit`` is given: the first ``limit`` rows). ``tasks``: only these
    (default: all). ``value``: only rows of this value."""
    return _prediction_rows(
        conn,
        filters,
        version_id=version_id,
        threshold=threshold,
        tasks=tasks,
        value=value,
        limit=limit,
    )


def replaced_counts(
    conn: Connection,
    filters: Filters,
    *,
    label_set: str,
    sources: Collection[str],
    tasks: Sequence[str],
    version_id: int,
    threshold: float,
) -> tuple[list[tuple[int, str, str, str, int]], list[tuple[int, str, str, int]]]:
    """The predictions a human label takes over in "human else model":
    those above ``threshold`` on a (sentence, task, target) with a current
    label of people (:func:`people_rows` with ``annotators="others"``) in
    ``tasks``, counted in SQL. Returns ``(outlet_id, task, target, value,
    count)`` rows and ``(outlet_id, task, target, sentences)`` rows."""
    where = _people_where(
        conn, filters, label_set=label_set, annotators="others", sources=sources, tasks=tasks
    )
    keys = (
        select(annotations.c.sentence_id, annotations.c.task, annotations.c.target)
        .where(and_(*where))
        .distinct()
        .subquery()
    )
    p = predictions
    on_key = and_(
        p.c.sentence_id == keys.c.sentence_id,
        p.c.model_version_id == version_id,
        p.c.task == keys.c.task,
        p.c.target == keys.c.target,
    )
    hit = (
        select(documents.c.outlet_id, p.c.sentence_id, p.c.task, p.c.target, p.c.value)
        .select_from(
            keys.join(p, on_key)
            .join(sentences, sentences.c.id == p.c.sentence_id)
            .join(documents, documents.c.id == sentences.c.document_id)
        )
        .where(p.c.probability >= threshold)
        .cte("hit")
    )
    grouped = (hit.c.outlet_id, hit.c.task, hit.c.target)
    # One statement, so the keys are found once: kind 1 counts values, 2 sentences.
    both = union_all(
        select(literal(1), *grouped, hit.c.value, func.count()).group_by(*grouped, hit.c.value),
        select(
            literal(2), *grouped, literal(""), func.count(hit.c.sentence_id.distinct())
        ).group_by(*grouped),
    )
    values: list[tuple[int, str, str, str, int]] = []
    totals: list[tuple[int, str, str, int]] = []
    for kind, outlet, task, target, value, n in conn.execute(both):
        if kind == 1:
            values.append((int(outlet), str(task), str(target), str(value), int(n)))
        else:
            totals.append((int(outlet), str(task), str(target), int(n)))
    return values, totals


def _prediction_rows(
    conn: Connection,
    filters: Filters,
    *,
    version_id: int,
    threshold: float,
    tasks: Sequence[str] | None = None,
    value: str | None = None,
    limit: int | None = None,
) -> list[tuple[Any, ...]]:
    where = _predictions_in_scope(
        conn, filters, version_id=version_id, threshold=threshold, tasks=tasks
    )
    if value is not None:
        where.append(predictions.c.value == value)
    query: Select[Any] = (
        select(
            predictions.c.sentence_id,
            documents.c.id,
            documents.c.outlet_id,
            documents.c.published,
            predictions.c.task,
            predictions.c.target,
            predictions.c.value,
            predictions.c.probability,
        )
        .select_from(_from_predictions())
        .where(and_(*where))
    )
    if limit is not None:
        query = query.order_by(
            predictions.c.sentence_id, predictions.c.task, predictions.c.target, predictions.c.value
        ).limit(limit)
    return [tuple(r) for r in conn.execute(query)]


def prediction_counts(
    conn: Connection, filters: Filters, *, version_id: int, threshold: float
) -> list[tuple[int, str, str, str, int]]:
    """Predictions above ``threshold`` in scope counted per outlet: rows of
    ``(outlet_id, task, target, value, count)``, every task the version predicts."""
    where = _predictions_in_scope(
        conn, filters, version_id=version_id, threshold=threshold, tasks=None
    )
    keys = (documents.c.outlet_id, predictions.c.task, predictions.c.target, predictions.c.value)
    counted = conn.execute(
        select(*keys, func.count())
        .select_from(_from_predictions())
        .where(and_(*where))
        .group_by(*keys)
    )
    return [(int(o), str(t), str(g), str(v), int(c)) for o, t, g, v, c in counted]


def predicted_sentences(
    conn: Connection, filters: Filters, *, version_id: int, threshold: float, task: str
) -> list[tuple[int, int]]:
    """``(outlet_id, n)``: sentences in scope with at least one prediction of
    ``task`` above ``threshold`` (a multi-choice task has several rows per
    sentence; each sentence counts once)."""
    confident = (
        select(predictions.c.sentence_id)
        .where(
            predictions.c.model_version_id == version_id,
            predictions.c.sentence_id == sentences.c.id,
            predictions.c.task == task,
            predictions.c.probability >= threshold,
        )
        .exists()
    )
    # Driven by the sentences in scope, which come in outlet order: no sort,
    # no DISTINCT over the prediction rows.
    found = conn.execute(
        select(documents.c.outlet_id, func.count())
        .select_from(sentences.join(documents, documents.c.id == sentences.c.document_id))
        .where(and_(confident, *_scope(conn, filters)))
        .group_by(documents.c.outlet_id)
    )
    return [(int(o), int(n)) for o, n in found]
