"""SQL for the tidy export: current labels joined with sentence, document, outlet."""

from typing import Any

from sqlalchemy import Connection, and_, select

from annotator.storage import labels as labels_sql
from annotator.storage.schema import annotations, documents, outlets, sentences

TIDY_SQL_COLUMNS = (
    "document_id",
    "outlet",
    "title",
    "published",
    "url",
    "sentence_index",
    "text",
    "annotator",
    "task",
    "target",
    "value",
    "span_start",
    "span_end",
    "label_set",
    "label_set_version",
    "source",
    "created_at",
)


def tidy_rows(conn: Connection, *, include_unlabelled: bool = False) -> list[tuple[Any, ...]]:
    """Current labels joined with their sentence, document and outlet, in the
    order of :data:`TIDY_SQL_COLUMNS`; unlabelled sentences as rows of NULLs.

    Rows come in no particular order: the export sorts them. On SQLite they
    are the driver's own tuples, ``created_at`` its stored text (naive UTC),
    since SQLAlchemy's row objects and per-row timestamp parsing were a third
    of a large export; elsewhere ``created_at`` is a UTC ``datetime``.
    """
    superseded = labels_sql.superseded()
    # In the ON clause rather than a derived table: SQLite scanned a derived
    # table of all current labels once per sentence in the outer join.
    on = and_(
        annotations.c.sentence_id == sentences.c.id,
        annotations.c.value.is_not(None),
        ~superseded,
    )
    base = sentences.join(documents, documents.c.id == sentences.c.document_id).join(
        outlets, outlets.c.id == documents.c.outlet_id
    )
    base = base.outerjoin(annotations, on) if include_unlabelled else base.join(annotations, on)
    query = select(
        documents.c.uid,
        outlets.c.name,
        documents.c.title,
        documents.c.published,
        documents.c.url,
        sentences.c.position,
        sentences.c.text,
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
    ).select_from(base)
    if conn.dialect.name != "sqlite":
        return [tuple(row) for row in conn.execute(query)]
    compiled = query.compile(dialect=conn.dialect)
    assert not compiled.params, compiled.params  # a statement without parameters
    cursor = conn.connection.cursor()
    try:
        cursor.execute(str(compiled))
        return list(cursor.fetchall())
    finally:
        cursor.close()
