"""SQL for the history of a sentence: every stored label row with the revision it came in.

One query, :func:`sentence_rows`. A row's ``annotator`` is whose label it is
(``gold`` for an adjudication); ``changed_by`` is who saved the revision
(the curator, for gold), ``reverts_id`` the revision an undo reversed.
"""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, select

from annotator.storage.schema import annotations, revisions


@dataclass(frozen=True)
class HistoryRow:
    revision_id: int
    changed_by: str
    created_at: datetime
    reverts_id: int | None
    annotator: str
    task: str
    target: str
    value: str | None  # None: cleared
    source: str


def sentence_rows(
    conn: Connection, sentence_id: int, *, annotator: str | None = None
) -> list[HistoryRow]:
    """Every row stored on ``sentence_id`` (only ``annotator``'s labels when
    given), oldest revision first."""
    query = (
        select(
            annotations.c.revision_id,
            revisions.c.annotator,
            revisions.c.created_at,
            revisions.c.reverts_id,
            annotations.c.annotator,
            annotations.c.task,
            annotations.c.target,
            annotations.c.value,
            annotations.c.source,
        )
        .join(revisions, revisions.c.id == annotations.c.revision_id)
        .where(annotations.c.sentence_id == sentence_id)
        .order_by(annotations.c.revision_id, annotations.c.id)
    )
    if annotator is not None:
        query = query.where(annotations.c.annotator == annotator)
    return [HistoryRow(*row) for row in conn.execute(query)]
