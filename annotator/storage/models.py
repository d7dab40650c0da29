"""SQL for model versions, their predictions and uncertainty scores."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, and_, delete, desc, func, insert, select, update

from annotator.storage import tallies
from annotator.storage.engine import bulk_insert
from annotator.storage.schema import (
    model_versions,
    prediction_scores,
    predictions,
    progress,
    revisions,
    settings,
    utcnow,
)

TRAINING, READY, FAILED = "training", "ready", "failed"
MEASURES = ("least_confidence", "margin", "entropy")


@dataclass(frozen=True)
class ModelVersionRecord:
    id: int
    label_set: str
    label_set_version: int
    status: str
    message: str
    card: dict[str, Any] | None
    active: bool
    created_by: str
    created_at: datetime
    finished_at: datetime | None


_FIELDS = (
    model_versions.c.id,
    model_versions.c.label_set,
    model_versions.c.label_set_version,
    model_versions.c.status,
    model_versions.c.message,
    model_versions.c.card,
    model_versions.c.active,
    model_versions.c.created_by,
    model_versions.c.created_at,
    model_versions.c.finished_at,
)


def _record(row: Any) -> ModelVersionRecord:
    return ModelVersionRecord(*row)


def start_version(
    conn: Connection, *, label_set: str, label_set_version: int, created_by: str
) -> int:
    """Record a train that has begun; returns the new version's id."""
    result = conn.execute(
        insert(model_versions).values(
            label_set=label_set,
            label_set_version=label_set_version,
            status=TRAINING,
            created_by=created_by,
            created_at=utcnow(),
        )
    )
    return int(result.inserted_primary_key[0])  # type: ignore[index]


def store_model(conn: Connection, version_id: int, *, data: bytes, card: dict[str, Any]) -> None:
    """Keep a version's model and card; it stays "training" until :func:`mark_ready`."""
    conn.execute(
        update(model_versions).where(model_versions.c.id == version_id).values(data=data, card=card)
    )


def mark_ready(conn: Connection, version_id: int) -> None:
    conn.execute(
        update(model_versions)
        .where(model_versions.c.id == version_id)
        .values(status=READY, message="", finished_at=utcnow())
    )


def finish_version(conn: Connection, version_id: int, *, data: bytes, card: dict[str, Any]) -> None:
    store_model(conn, version_id, data=data, card=card)
    mark_ready(conn, version_id)


def note_version(conn: Connection, version_id: int, message: str) -> None:
    """What a running train is doing now (shown as its progress)."""
    conn.execute(
        update(model_versions).where(model_versions.c.id == version_id).values(message=message)
    )


def fail_version(conn: Connection, version_id: int, message: str) -> None:
    conn.execute(
        update(model_versions)
        .where(model_versions.c.id == version_id)
        .values(status=FAILED, message=message, finished_at=utcnow())
    )


def list_versions(conn: Connection, label_set: str | None = None) -> list[ModelVersionRecord]:
    """Every model version, newest first."""
    query = select(*_FIELDS).order_by(desc(model_versions.c.id))
    if label_set is not None:
        query = query.where(model_versions.c.label_set == label_set)
    return [_record(r) for r in conn.execute(query)]


def get_version(conn: Connection, version_id: int) -> ModelVersionRecord | None:
    row = conn.execute(select(*_FIELDS).where(model_versions.c.id == version_id)).first()
    return _record(row) if row else None


def version_data(conn: Connection, version_id: int) -> bytes | None:
    data = conn.scalar(select(model_versions.c.data).where(model_versions.c.id == version_id))
    return bytes(data) if data is not None else None


def training_versions(conn: Connection) -> list[ModelVersionRecord]:
    query = (
        select(*_FIELDS).where(model_versions.c.status == TRAINING).order_by(model_versions.c.id)
    )
    return [_record(r) for r in conn.execute(query)]


def active_version(conn: Connection, label_set: str) -> ModelVersionRecord | None:
    row = conn.execute(
        select(*_FIELDS).where(
            and_(model_versions.c.label_set == label_set, model_versions.c.active.is_(True))
        )
    ).first()
    return _record(row) if row else None


def set_active(conn: Connection, version_id: int) -> None:
    """Make ``version_id`` the one active version of its label set."""
    label_set = conn.scalar(
        select(model_versions.c.label_set).where(model_versions.c.id == version_id)
    )
    conn.execute(
        update(model_versions)
        .where(and_(model_versions.c.label_set == label_set, model_versions.c.id != version_id))
        .values(active=False)
    )
    conn.execute(
        update(model_versions).where(model_versions.c.id == version_id).values(active=True)
    )


def get_setting(conn: Connection, key: str, default: Any = None) -> Any:
    value = conn.scalar(select(settings.c.value).where(settings.c.key == key))
    return default if value is None else value


def set_setting(conn: Connection, key: str, value: Any) -> None:
    if conn.scalar(select(settings.c.key).where(settings.c.key == key)) is None:
        conn.execute(insert(settings).values(key=key, value=value))
    else:
        conn.execute(update(settings).where(settings.c.key == key).values(value=value))


def human_saves_since(conn: Connection, version_id: int | None) -> int:
    """Saves (revisions) by people since a model version was started."""
    query = select(func.count()).select_from(revisions).where(revisions.c.source != "model")
    if version_id is not None:
        started = select(model_versions.c.created_at).where(model_versions.c.id == version_id)
        query = query.where(revisions.c.created_at > started.scalar_subquery())
    return int(conn.scalar(query) or 0)


# ---------------------------------------------------------------- predictions

PREDICTION_COLUMNS = ("sentence_id", "task", "target", "value", "probability")
SCORE_COLUMNS = ("sentence_id", *MEASURES)


def clear_predictions(conn: Connection, version_id: int) -> None:
    tallies.clear(conn, version_id)
    conn.execute(delete(predictions).where(predictions.c.model_version_id == version_id))
    conn.execute(
        delete(prediction_scores).where(prediction_scores.c.model_version_id == version_id)
    )


def add_predictions(
    conn: Connection,
    version_id: int,
    rows: Sequence[tuple[int, str, str, str, float]],
    scores: Sequence[tuple[int, float, float, float]],
) -> None:
    """Store predictions (rows in :data:`PREDICTION_COLUMNS` order) and scores
    (:data:`SCORE_COLUMNS`) of a model version. Its tallies no longer count
    every prediction: they are dropped (:func:`annotator.storage.tallies.save`
    stores new ones)."""
    tallies.clear(conn, version_id)
    _bulk(
        conn,
        predictions,
        ("model_version_id", *PREDICTION_COLUMNS),
        [(version_id, *r) for r in rows],
    )
    _bulk(
        conn,
        prediction_scores,
        ("model_version_id", *SCORE_COLUMNS),
        [(version_id, *r) for r in scores],
    )


def replace_predictions(
    conn: Connection,
    version_id: int,
    rows: Sequence[tuple[int, str, str, str, float]],
    scores: Sequence[tuple[int, float, float, float]],
) -> None:
    """All of a model version's predictions and scores, replacing any it had."""
    clear_predictions(conn, version_id)
    add_predictions(conn, version_id, rows, scores)


def _bulk(
    conn: Connection, table: Any, columns: Sequence[str], rows: list[tuple[Any, ...]]
) -> None:
    bulk_insert(conn, table, columns, rows)


def has_predictions(conn: Connection, version_id: int) -> bool:
    found = conn.scalar(
        select(prediction_scores.c.sentence_id)
        .where(prediction_scores.c.model_version_id == version_id)
        .limit(1)
    )
    return found is not None


@dataclass(frozen=True)
class Prediction:
    task: str
    target: str
    value: str
    probability: float


def predictions_for(conn: Connection, version_id: int, sentence_id: int) -> list[Prediction]:
    rows = conn.execute(
        select(
            predictions.c.task, predictions.c.target, predictions.c.value, predictions.c.probability
        )
        .where(
            and_(
                predictions.c.model_version_id == version_id,
                predictions.c.sentence_id == sentence_id,
            )
        )
        .order_by(predictions.c.task, predictions.c.target, desc(predictions.c.probability))
    )
    return [Prediction(*r) for r in rows]


def most_uncertain_unlabelled(
    conn: Connection, version_id: int, annotator: str, *, measure: str, limit: int = 1
) -> list[int]:
    """Sentence ids the annotator has not labelled, least certain first."""
    if measure not in MEASURES:
        raise ValueError(f"unknown uncertainty measure {measure!r}; known: {', '.join(MEASURES)}")
    done = select(progress.c.sentence_id).where(
        and_(
            progress.c.annotator == annotator,
            progress.c.sentence_id == prediction_scores.c.sentence_id,
        )
    )
    query = (
        select(prediction_scores.c.sentence_id)
        .where(and_(prediction_scores.c.model_version_id == version_id, ~done.exists()))
        .order_by(desc(prediction_scores.c[measure]), prediction_scores.c.sentence_id)
        .limit(limit)
    )
    return [int(i) for i in conn.scalars(query)]
