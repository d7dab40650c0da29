"""SQL for assignment: which sentences are still open to an annotator, and
how far each annotator has got.

A sentence is *open* to an annotator when they have no current label on it
and, with an overlap ``k``, fewer than ``k`` annotators have one. Both are
read from the ``progress`` table (primary key (annotator, sentence) and an
index on sentence), so each test is an index lookup per candidate sentence.
With an overlap, other annotators' unexpired *leases* (``sentence_leases``:
the sentence was offered to them and they have not moved on yet) count too,
each annotator once whether they hold a lease, a label or both. Gold labels
(annotator ``gold``) are an adjudication, not an annotator, and do not count
toward the overlap. Start with :func:`open_ids`; leases are written by
:func:`take_lease` and ended by :func:`end_lease`.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    and_,
    delete,
    desc,
    func,
    insert,
    select,
    update,
)

from annotator.storage.labels import GOLD_ANNOTATOR
from annotator.storage.schema import (
    documents,
    outlets,
    prediction_scores,
    progress,
    revisions,
    sentence_leases,
    sentences,
    utcnow,
)

MEASURES = ("least_confidence", "margin", "entropy")


def is_open(
    sentence_id: Any, annotator: str, overlap: int | None, *, now: datetime | None = None
) -> ColumnElement[bool]:
    """The condition "open to ``annotator``" on a sentence-id column (leases
    count when they expire after ``now``, the current time by default)."""
    mine = select(progress.c.sentence_id).where(
        and_(progress.c.annotator == annotator, progress.c.sentence_id == sentence_id)
    )
    condition: ColumnElement[bool] = ~mine.exists()
    if overlap is not None:
        labelled = (
            select(func.count())
            .select_from(progress)
            .where(
                and_(progress.c.sentence_id == sentence_id, progress.c.annotator != GOLD_ANNOTATOR)
            )
            .scalar_subquery()
        )
        # A lease holder who has also saved a label is counted once, by the label.
        holder_labelled = select(progress.c.sentence_id).where(
            and_(
                progress.c.sentence_id == sentence_leases.c.sentence_id,
                progress.c.annotator == sentence_leases.c.annotator,
            )
        )
        leased = (
            select(func.count())
            .select_from(sentence_leases)
            .where(
                and_(
                    sentence_leases.c.sentence_id == sentence_id,
                    sentence_leases.c.annotator != annotator,
                    sentence_leases.c.annotator != GOLD_ANNOTATOR,
                    sentence_leases.c.expires_at > (now or utcnow()),
                    ~holder_labelled.exists(),
                )
            )
            .scalar_subquery()
        )
        condition = and_(condition, labelled + leased < overlap)
    return condition


def still_open(
    conn: Connection, sentence_id: int, annotator: str, overlap: int | None, *, now: datetime
) -> bool:
    """Whether one sentence is open to ``annotator`` at ``now``."""
    query = select(sentences.c.id).where(
        and_(sentences.c.id == sentence_id, is_open(sentences.c.id, annotator, overlap, now=now))
    )
    return conn.scalar(query) is not None


def take_lease(
    conn: Connection, sentence_id: int, annotator: str, *, expires_at: datetime, now: datetime
) -> None:
    """Record or refresh ``annotator``'s lease on a sentence, and sweep
    every lease that expired before ``now`` (index on ``expires_at``)."""
    conn.execute(delete(sentence_leases).where(sentence_leases.c.expires_at <= now))
    refreshed = conn.execute(
        update(sentence_leases)
        .where(
            and_(
                sentence_leases.c.sentence_id == sentence_id,
                sentence_leases.c.annotator == annotator,
            )
        )
        .values(expires_at=expires_at)
    )
    if not refreshed.rowcount:
        conn.execute(
            insert(sentence_leases).values(
                sentence_id=sentence_id, annotator=annotator, expires_at=expires_at
            )
        )


def end_lease(conn: Connection, sentence_id: int, annotator: str) -> None:
    """``annotator`` moved on from the sentence (saved or skipped it)."""
    conn.execute(
        delete(sentence_leases).where(
            and_(
                sentence_leases.c.sentence_id == sentence_id,
                sentence_leases.c.annotator == annotator,
            )
        )
    )


def leases(conn: Connection) -> list[tuple[int, str, datetime]]:
    """Every stored lease (sentence id, annotator, expiry), expired ones too."""
    rows = conn.execute(
        select(
            sentence_leases.c.sentence_id, sentence_leases.c.annotator, sentence_leases.c.expires_at
        ).order_by(sentence_leases.c.sentence_id, sentence_leases.c.annotator)
    ).all()
    return [(int(sid), str(who), expires) for sid, who, expires in rows]


def open_ids(
    conn: Connection,
    annotator: str,
    *,
    overlap: int | None = None,
    after: int = 0,
    before: int | None = None,
    limit: int = 1,
    outlet: str | None = None,
    now: datetime | None = None,
) -> list[int]:
    """Open sentence ids above ``after`` (and below ``before``; of ``outlet``
    only, when given), in id order; leases count when they expire after ``now``."""
    query = select(sentences.c.id).where(
        and_(sentences.c.id > after, is_open(sentences.c.id, annotator, overlap, now=now))
    )
    if before is not None:
        query = query.where(sentences.c.id < before)
    if outlet is not None:
        of_outlet = (
            select(documents.c.id)
            .join(outlets, outlets.c.id == documents.c.outlet_id)
            .where(outlets.c.name == outlet)
        )
        query = query.where(sentences.c.document_id.in_(of_outlet))
    return [int(i) for i in conn.scalars(query.order_by(sentences.c.id).limit(limit))]


def most_uncertain_open(
    conn: Connection,
    version_id: int,
    annotator: str,
    *,
    measure: str,
    overlap: int | None = None,
    limit: int = 1,
) -> list[int]:
    """Open sentence ids, the ones the model version is least sure of first."""
    if measure not in MEASURES:
        raise ValueError(f"unknown uncertainty measure {measure!r}; known: {', '.join(MEASURES)}")
    query = (
        select(prediction_scores.c.sentence_id)
        .where(
            and_(
                prediction_scores.c.model_version_id == version_id,
                is_open(prediction_scores.c.sentence_id, annotator, overlap),
            )
        )
        .order_by(desc(prediction_scores.c[measure]), prediction_scores.c.sentence_id)
        .limit(limit)
    )
    return [int(i) for i in conn.scalars(query)]


@dataclass(frozen=True)
class AnnotatorProgress:
    annotator: str
    labelled: int  # sentences with a current label
    last_active: datetime | None  # newest save by hand


def annotator_progress(conn: Connection) -> list[AnnotatorProgress]:
    """Per annotator (gold left out): labelled sentences and the newest save, by name."""
    counts: dict[str, int] = dict(
        conn.execute(
            select(progress.c.annotator, func.count())
            .where(progress.c.annotator != GOLD_ANNOTATOR)
            .group_by(progress.c.annotator)
        ).all()
    )
    last: dict[str, datetime] = dict(
        conn.execute(
            select(revisions.c.annotator, func.max(revisions.c.created_at))
            .where(and_(revisions.c.source == "human", revisions.c.annotator != GOLD_ANNOTATOR))
            .group_by(revisions.c.annotator)
        ).all()
    )
    return [
        AnnotatorProgress(str(name), int(counts.get(name, 0)), last.get(name))
        for name in sorted(set(counts) | set(last))
    ]
