"""SQL for labels: revisions, annotations, progress.

Annotations are only ever inserted. :func:`add_revision` is the one write
path for labels: it stores a revision, its annotation rows, and keeps the
``progress`` table in step in the same transaction.
"""

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, and_, delete, func, insert, select
from sqlalchemy.orm import aliased
from sqlalchemy.sql import ColumnElement

from annotator.storage.schema import (
    annotations,
    label_sets,
    progress,
    revisions,
    sentences,
    utcnow,
)
from annotator.storage.texts import _chunks

LabelKey = tuple[int, str, str, str]  # sentence_id, annotator, task, target

# Who wrote a label. Gold (a curator's adjudicated decision) is stored under
# the reserved annotator name GOLD_ANNOTATOR with source GOLD_SOURCE, in a
# revision of the curator who decided; it is not an annotator's vote.
GOLD_ANNOTATOR = "gold"
GOLD_SOURCE = "adjudicated"
# Annotators' own labels: typed in the app, or imported from a label set.
ANNOTATOR_SOURCES = ("human", "import")
# Labels people gave (annotators and gold): what training and the "human"
# label source read; model suggestions accepted by a person are "human".
PEOPLE_SOURCES = frozenset({*ANNOTATOR_SOURCES, GOLD_SOURCE})


def superseded() -> ColumnElement[bool]:
    """True for an ``annotations`` row that is not current: a later revision
    has a row for the same (sentence, annotator, task, target). An index
    lookup on ix_annotations_key; ``~superseded()`` keeps current rows
    (``value IS NULL`` among them means the label was cleared)."""
    newer = aliased(annotations)
    return (
        select(newer.c.id)
        .where(
            newer.c.sentence_id == annotations.c.sentence_id,
            newer.c.annotator == annotations.c.annotator,
            newer.c.task == annotations.c.task,
            newer.c.target == annotations.c.target,
            newer.c.revision_id > annotations.c.revision_id,
        )
        .exists()
    )


@dataclass(frozen=True)
class Label:
    """One stored annotation row."""

    sentence_id: int
    annotator: str
    task: str
    target: str
    value: str | None  # None: cleared; "": annotated, no value applies
    span_start: int | None
    span_end: int | None
    label_set: str
    label_set_version: int
    source: str
    created_at: datetime
    revision_id: int

    @property
    def key(self) -> LabelKey:
        return (self.sentence_id, self.annotator, self.task, self.target)


_LABEL_COLUMNS = (
    annotations.c.sentence_id,
    annotations.c.annotator,
    annotations.c.task,
    annotations.c.target,
    annotations.c.value,
    annotations.c.span_start,
    annotations.c.span_end,
    annotations.c.label_set,
    annotations.c.label_set_version,
    annotations.c.source,
    annotations.c.created_at,
    annotations.c.revision_id,
)


def _label(row: Any) -> Label:
    return Label(*row)


# ---------------------------------------------------------------- writing


def add_revision(
    conn: Connection,
    *,
    annotator: str,
    source: str,
    rows: Sequence[dict[str, Any]],
    seconds: int | None = None,
    reverts_id: int | None = None,
    import_id: int | None = None,
    created_at: datetime | None = None,
    model_version_id: int | None = None,
    suggestion: str | None = None,
) -> int:
    """Store one save: a revision and its annotation rows.

    Each row gives ``sentence_id, task, target, value`` and optionally
    ``span_start, span_end, label_set, label_set_version, annotator,
    created_at, source`` (imports keep the annotator, time and source of each
    label). Every (sentence, annotator, task, target) key in ``rows`` gets its
    complete new state: rows not given for a key are not kept.
    """
    now = created_at or utcnow()
    revision_id = int(
        conn.execute(
            insert(revisions).values(
                annotator=annotator,
                source=source,
                created_at=now,
                seconds=seconds,
                reverts_id=reverts_id,
                import_id=import_id,
                model_version_id=model_version_id,
                suggestion=suggestion,
            )
        ).inserted_primary_key[0]  # type: ignore[index]
    )
    if not rows:
        return revision_id
    records = [
        {
            "revision_id": revision_id,
            "sentence_id": row["sentence_id"],
            "annotator": row.get("annotator") or annotator,
            "task": row["task"],
            "target": row.get("target") or "",
            "value": row["value"],
            "span_start": row.get("span_start"),
            "span_end": row.get("span_end"),
            "label_set": row["label_set"],
            "label_set_version": row["label_set_version"],
            "source": row.get("source") or source,
            "created_at": row.get("created_at") or now,
        }
        for row in rows
    ]
    conn.execute(insert(annotations), records)
    _refresh_progress(conn, records)
    return revision_id


def _refresh_progress(conn: Connection, records: list[dict[str, Any]]) -> None:
    labelled: set[tuple[str, int]] = set()
    cleared: set[tuple[str, int]] = set()
    for r in records:
        (labelled if r["value"] is not None else cleared).add((r["annotator"], r["sentence_id"]))
    # A sentence whose new state clears some keys may still hold other labels.
    for annotator, sentence_id in cleared - labelled:
        if any(
            lab.value is not None
            for lab in current_labels(conn, sentence_id=sentence_id, annotator=annotator)
        ):
            labelled.add((annotator, sentence_id))
        else:
            conn.execute(
                delete(progress).where(
                    and_(progress.c.annotator == annotator, progress.c.sentence_id == sentence_id)
                )
            )
    if not labelled:
        return
    pairs = sorted(labelled)
    by_annotator: dict[str, list[int]] = defaultdict(list)
    for annotator, sentence_id in pairs:
        by_annotator[annotator].append(sentence_id)
    existing: set[tuple[str, int]] = set()
    # One annotator per query: SQLite answers "annotator = ? AND sentence_id
    # IN (...)" from the primary key, but scans the whole table for a
    # (annotator, sentence_id) IN (...) row-value list.
    for annotator, ids in by_annotator.items():
        for chunk in _chunks(ids):
            found = conn.scalars(
                select(progress.c.sentence_id).where(
                    and_(progress.c.annotator == annotator, progress.c.sentence_id.in_(chunk))
                )
            )
            existing.update((annotator, int(s)) for s in found)
    missing = [{"annotator": a, "sentence_id": s} for a, s in pairs if (a, s) not in existing]
    if missing:
        conn.execute(insert(progress), missing)


# ---------------------------------------------------------------- reading


def current_labels(
    conn: Connection,
    *,
    sentence_id: int | None = None,
    annotator: str | None = None,
    include_cleared: bool = False,
) -> list[Label]:
    """The current label rows: per key, the rows of its newest revision."""
    latest = select(
        annotations.c.sentence_id,
        annotations.c.annotator,
        annotations.c.task,
        annotations.c.target,
        func.max(annotations.c.revision_id).label("revision_id"),
    )
    if sentence_id is not None:
        latest = latest.where(annotations.c.sentence_id == sentence_id)
    if annotator is not None:
        latest = latest.where(annotations.c.annotator == annotator)
    latest_sq = latest.group_by(
        annotations.c.sentence_id, annotations.c.annotator, annotations.c.task, annotations.c.target
    ).subquery()
    query = (
        select(*_LABEL_COLUMNS)
        .join(
            latest_sq,
            and_(
                annotations.c.sentence_id == latest_sq.c.sentence_id,
                annotations.c.annotator == latest_sq.c.annotator,
                annotations.c.task == latest_sq.c.task,
                annotations.c.target == latest_sq.c.target,
                annotations.c.revision_id == latest_sq.c.revision_id,
            ),
        )
        .order_by(annotations.c.id)
    )
    if not include_cleared:
        query = query.where(annotations.c.value.is_not(None))
    return [_label(r) for r in conn.execute(query)]


def labels_for_sentence(conn: Connection, sentence_id: int, annotator: str) -> list[Label]:
    """Every stored row of one annotator on one sentence, oldest first."""
    rows = conn.execute(
        select(*_LABEL_COLUMNS)
        .where(and_(annotations.c.sentence_id == sentence_id, annotations.c.annotator == annotator))
        .order_by(annotations.c.revision_id, annotations.c.id)
    )
    return [_label(r) for r in rows]


def history(conn: Connection, sentence_id: int) -> list[Label]:
    """Every stored row on a sentence, by anyone, oldest first."""
    rows = conn.execute(
        select(*_LABEL_COLUMNS)
        .where(annotations.c.sentence_id == sentence_id)
        .order_by(annotations.c.revision_id, annotations.c.id)
    )
    return [_label(r) for r in rows]


@dataclass(frozen=True)
class RevisionRecord:
    id: int
    annotator: str
    source: str
    created_at: datetime
    reverts_id: int | None


def last_undoable_revision(conn: Connection, annotator: str) -> RevisionRecord | None:
    """The annotator's newest human save that no undo has reversed yet."""
    undo = revisions.alias("undo")
    undone = select(undo.c.id).where(undo.c.reverts_id == revisions.c.id).exists()
    row = conn.execute(
        select(
            revisions.c.id,
            revisions.c.annotator,
            revisions.c.source,
            revisions.c.created_at,
            revisions.c.reverts_id,
        )
        .where(
            and_(
                revisions.c.annotator == annotator,
                revisions.c.source == "human",
                revisions.c.reverts_id.is_(None),
                ~undone,
            )
        )
        .order_by(revisions.c.id.desc())
        .limit(1)
    ).first()
    return RevisionRecord(*row) if row else None


def revision_labels(conn: Connection, revision_id: int) -> list[Label]:
    rows = conn.execute(
        select(*_LABEL_COLUMNS)
        .where(annotations.c.revision_id == revision_id)
        .order_by(annotations.c.id)
    )
    return [_label(r) for r in rows]


def labels_before(
    conn: Connection, keys: Iterable[LabelKey], revision_id: int
) -> dict[LabelKey, list[Label]]:
    """For each key, the rows of its newest revision older than ``revision_id``."""
    out: dict[LabelKey, list[Label]] = defaultdict(list)
    for sentence_id, annotator, task, target in keys:
        rows = conn.execute(
            select(*_LABEL_COLUMNS)
            .where(
                and_(
                    annotations.c.sentence_id == sentence_id,
                    annotations.c.annotator == annotator,
                    annotations.c.task == task,
                    annotations.c.target == target,
                    annotations.c.revision_id < revision_id,
                )
            )
            .order_by(annotations.c.revision_id.desc(), annotations.c.id)
        )
        labels = [_label(r) for r in rows]
        if labels:
            newest = labels[0].revision_id
            out[(sentence_id, annotator, task, target)] = [
                x for x in labels if x.revision_id == newest
            ]
    return out


def progress_count(conn: Connection, annotator: str | None = None) -> int:
    """Sentences with a current label by ``annotator`` (or by anyone)."""
    if annotator is None:
        query = select(func.count(progress.c.sentence_id.distinct()))
    else:
        query = select(func.count()).select_from(progress).where(progress.c.annotator == annotator)
    return int(conn.scalar(query) or 0)


def is_labelled(conn: Connection, sentence_id: int, annotator: str) -> bool:
    row = conn.execute(
        select(progress.c.sentence_id).where(
            and_(progress.c.annotator == annotator, progress.c.sentence_id == sentence_id)
        )
    ).first()
    return row is not None


def annotators(conn: Connection) -> list[str]:
    return list(
        conn.scalars(select(progress.c.annotator).distinct().order_by(progress.c.annotator))
    )


def annotation_count(conn: Connection) -> int:
    return int(
        conn.scalar(
            select(func.count()).select_from(annotations).where(annotations.c.value.is_not(None))
        )
        or 0
    )


def data_revision(conn: Connection) -> tuple[int, int, int]:
    """A cheap marker that changes whenever labels, the corpus or a label set
    change: caches key on it so new data shows at once."""
    row = conn.execute(
        select(
            select(func.max(revisions.c.id)).scalar_subquery(),
            select(func.max(sentences.c.id)).scalar_subquery(),
            select(func.max(label_sets.c.id)).scalar_subquery(),
        )
    ).one()
    return (int(row[0] or 0), int(row[1] or 0), int(row[2] or 0))


@dataclass(frozen=True)
class RevisionInfo:
    id: int
    annotator: str
    seconds: int | None
    model_version_id: int | None
    suggestion: str | None


def revision_info(conn: Connection, revision_id: int) -> RevisionInfo | None:
    row = conn.execute(
        select(
            revisions.c.id,
            revisions.c.annotator,
            revisions.c.seconds,
            revisions.c.model_version_id,
            revisions.c.suggestion,
        ).where(revisions.c.id == revision_id)
    ).first()
    return RevisionInfo(*row) if row else None
