"""SQL for agreement: the annotators' current labels with each sentence's outlet.

One query, :func:`annotator_labels`. Gold labels (annotator ``gold``, source
``adjudicated``) and model guesses are not an annotator's judgement and are
left out; so are cleared labels.
"""

from collections.abc import Collection, Sequence
from typing import Any

from sqlalchemy import Connection, and_, select

from annotator.storage import labels as labels_sql
from annotator.storage.labels import ANNOTATOR_SOURCES, GOLD_ANNOTATOR
from annotator.storage.schema import annotations, documents, outlets, sentences

LABEL_COLUMNS = ("sentence_id", "outlet", "annotator", "task", "target", "value")


def annotator_labels(
    conn: Connection,
    *,
    sources: Collection[str] = ANNOTATOR_SOURCES,
    exclude_annotators: Collection[str] = (GOLD_ANNOTATOR,),
    tasks: Sequence[str] | None = None,
) -> list[tuple[Any, ...]]:
    """Current labels in the order of :data:`LABEL_COLUMNS`, one row per value.

    The current label of (sentence, annotator, task, target) is its newest
    revision's rows; that choice is made over every source before
    ``sources`` filters, so a newer model or gold row for the same key is
    never mistaken for the annotator's own. ``value = ''`` (annotated, none
    applies) is kept; cleared keys (``value IS NULL``) are not.
    """
    superseded = labels_sql.superseded()
    query = (
        select(
            annotations.c.sentence_id,
            outlets.c.name,
            annotations.c.annotator,
            annotations.c.task,
            annotations.c.target,
            annotations.c.value,
        )
        .select_from(
            annotations.join(sentences, sentences.c.id == annotations.c.sentence_id)
            .join(documents, documents.c.id == sentences.c.document_id)
            .join(outlets, outlets.c.id == documents.c.outlet_id)
        )
        .where(
            and_(
                annotations.c.value.is_not(None),
                annotations.c.source.in_(sorted(sources)),
                ~superseded,
            )
        )
        .distinct()  # a value marked with several cue spans is one judgement
    )
    if exclude_annotators:
        query = query.where(annotations.c.annotator.not_in(sorted(exclude_annotators)))
    if tasks is not None:
        query = query.where(annotations.c.task.in_(list(tasks)))
    return [tuple(row) for row in conn.execute(query)]
