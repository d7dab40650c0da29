"""SQL for the corpus: outlets, documents, sentences, imports."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, and_, func, insert, select

from annotator.storage.engine import bulk_insert
from annotator.storage.schema import (
    documents,
    imports,
    outlets,
    progress,
    sentences,
    utcnow,
)


@dataclass(frozen=True)
class DocumentRecord:
    id: int
    uid: str
    outlet: str
    title: str
    url: str
    published: str
    language: str
    sentence_count: int


@dataclass(frozen=True)
class SentenceRecord:
    id: int
    document_id: int
    position: int
    start_char: int
    end_char: int
    text: str


@dataclass(frozen=True)
class OutletCounts:
    outlet: str
    documents: int
    sentences: int


def outlet_ids(conn: Connection, names: Iterable[str]) -> dict[str, int]:
    """Ids of the named outlets, creating the missing ones."""
    wanted = set(names)
    if not wanted:
        return {}
    rows = conn.execute(select(outlets.c.name, outlets.c.id).where(outlets.c.name.in_(wanted)))
    found: dict[str, int] = dict(rows.all())
    missing = sorted(wanted - found.keys())
    if missing:
        now = utcnow()
        conn.execute(insert(outlets), [{"name": n, "created_at": now} for n in missing])
        rows = conn.execute(select(outlets.c.name, outlets.c.id).where(outlets.c.name.in_(missing)))
        found.update(dict(rows.all()))
    return found


def _chunks(items: Sequence[Any], size: int = 500) -> Iterable[Sequence[Any]]:
    # Bound IN (...) lists: SQLite and drivers limit bound parameters.
    for i in range(0, len(items), size):
        yield items[i : i + size]


def existing_hashes(conn: Connection, hashes: Sequence[str]) -> dict[str, str]:
    """Content hashes already stored, mapped to their document uid."""
    found: dict[str, str] = {}
    for chunk in _chunks(list(dict.fromkeys(hashes))):
        rows = conn.execute(
            select(documents.c.content_hash, documents.c.uid).where(
                documents.c.content_hash.in_(chunk)
            )
        )
        found.update(dict(rows.all()))
    return found


def document_ids_by_uid(conn: Connection, uids: Sequence[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for chunk in _chunks(list(dict.fromkeys(uids))):
        rows = conn.execute(
            select(documents.c.uid, documents.c.id).where(documents.c.uid.in_(chunk))
        )
        found.update(dict(rows.all()))
    return found


def record_import(
    conn: Connection,
    *,
    kind: str,
    sources: list[str],
    summary: dict[str, Any],
    created_by: str = "",
) -> int:
    result = conn.execute(
        insert(imports).values(
            kind=kind, sources=sources, summary=summary, created_by=created_by, created_at=utcnow()
        )
    )
    return int(result.inserted_primary_key[0])  # type: ignore[index]


def insert_documents(conn: Connection, rows: list[dict[str, Any]]) -> list[int]:
    """Insert documents (dicts of column values) and return their ids, in order."""
    if not rows:
        return []
    now = utcnow()
    for row in rows:
        row.setdefault("created_at", now)
    result = conn.execute(
        insert(documents).returning(documents.c.id, sort_by_parameter_order=True), rows
    )
    return [int(r[0]) for r in result]


SENTENCE_COLUMNS = ("document_id", "position", "start_char", "end_char", "text")
SentenceRow = tuple[int, int, int, int, str]  # in the order of SENTENCE_COLUMNS


def insert_sentences(conn: Connection, rows: list[dict[str, Any]]) -> None:
    """Insert sentences given as dicts of :data:`SENTENCE_COLUMNS` values."""
    insert_sentence_rows(conn, [tuple(row[c] for c in SENTENCE_COLUMNS) for row in rows])


def insert_sentence_rows(conn: Connection, rows: Sequence[SentenceRow]) -> None:
    """Insert sentences given as tuples in the order of :data:`SENTENCE_COLUMNS`:
    the bulk path of imports (see :func:`~annotator.storage.engine.bulk_insert`)."""
    bulk_insert(conn, sentences, SENTENCE_COLUMNS, rows)


def sentence_ids_of(conn: Connection, document_ids: Sequence[int]) -> dict[tuple[int, int], int]:
    """(document id, position) -> sentence id for many documents."""
    found: dict[tuple[int, int], int] = {}
    for chunk in _chunks(list(document_ids)):
        rows = conn.execute(
            select(sentences.c.document_id, sentences.c.position, sentences.c.id).where(
                sentences.c.document_id.in_(chunk)
            )
        )
        found.update({(d, p): i for d, p, i in rows})
    return found


def sentence_ids(conn: Connection, document_id: int) -> dict[int, int]:
    """position -> sentence id for one document."""
    rows = conn.execute(
        select(sentences.c.position, sentences.c.id).where(sentences.c.document_id == document_id)
    )
    return dict(rows.all())


_SENTENCE_FIELDS = (
    sentences.c.id,
    sentences.c.document_id,
    sentences.c.position,
    sentences.c.start_char,
    sentences.c.end_char,
    sentences.c.text,
)


def sentences_of(conn: Connection, document_id: int) -> list[SentenceRecord]:
    rows = conn.execute(
        select(*_SENTENCE_FIELDS)
        .where(sentences.c.document_id == document_id)
        .order_by(sentences.c.position)
    )
    return [SentenceRecord(*r) for r in rows]


def sentence_chunk(
    conn: Connection, *, after: int = 0, limit: int = 50_000
) -> list[tuple[int, str]]:
    """(id, text) of up to ``limit`` sentences with ids above ``after``, in id order."""
    rows = conn.execute(
        select(sentences.c.id, sentences.c.text)
        .where(sentences.c.id > after)
        .order_by(sentences.c.id)
        .limit(limit)
    )
    return [(int(i), str(t)) for i, t in rows]


def sentence_outlets(conn: Connection, sentence_ids: Sequence[int]) -> dict[int, tuple[str, str]]:
    """sentence id -> (text, outlet name), for the ids given."""
    found: dict[int, tuple[str, str]] = {}
    for chunk in _chunks(list(sentence_ids)):
        rows = conn.execute(
            select(sentences.c.id, sentences.c.text, outlets.c.name)
            .join(documents, documents.c.id == sentences.c.document_id)
            .join(outlets, outlets.c.id == documents.c.outlet_id)
            .where(sentences.c.id.in_(chunk))
        )
        found.update({i: (t, o) for i, t, o in rows})
    return found


def get_sentence(conn: Connection, sentence_id: int) -> SentenceRecord | None:
    row = conn.execute(select(*_SENTENCE_FIELDS).where(sentences.c.id == sentence_id)).first()
    return SentenceRecord(*row) if row else None


def neighbours(
    conn: Connection, sentence: SentenceRecord, *, before: int = 1, after: int = 1
) -> list[SentenceRecord]:
    """The sentence with up to ``before``/``after`` sentences around it, in order."""
    rows = conn.execute(
        select(*_SENTENCE_FIELDS)
        .where(
            and_(
                sentences.c.document_id == sentence.document_id,
                sentences.c.position.between(sentence.position - before, sentence.position + after),
            )
        )
        .order_by(sentences.c.position)
    )
    return [SentenceRecord(*r) for r in rows]


# The fields of DocumentRecord but its sentence count.
_DOCUMENT_FIELDS = (
    documents.c.id,
    documents.c.uid,
    outlets.c.name,
    documents.c.title,
    documents.c.url,
    documents.c.published,
    documents.c.language,
)


def get_document(conn: Connection, document_id: int) -> DocumentRecord | None:
    count = (
        select(func.count())
        .select_from(sentences)
        .where(sentences.c.document_id == documents.c.id)
        .scalar_subquery()
    )
    row = conn.execute(
        select(*_DOCUMENT_FIELDS, count)
        .join(outlets, outlets.c.id == documents.c.outlet_id)
        .where(documents.c.id == document_id)
    ).first()
    return DocumentRecord(*row) if row else None


def list_documents(conn: Connection) -> list[DocumentRecord]:
    counts = (
        select(sentences.c.document_id, func.count().label("n"))
        .group_by(sentences.c.document_id)
        .subquery()
    )
    rows = conn.execute(
        select(*_DOCUMENT_FIELDS, func.coalesce(counts.c.n, 0))
        .join(outlets, outlets.c.id == documents.c.outlet_id)
        .outerjoin(counts, counts.c.document_id == documents.c.id)
        .order_by(documents.c.id)
    )
    return [DocumentRecord(*r) for r in rows]


def document_text(conn: Connection, document_id: int) -> str:
    return str(conn.scalar(select(documents.c.text).where(documents.c.id == document_id)) or "")


def count_sentences(conn: Connection) -> int:
    return int(conn.scalar(select(func.count()).select_from(sentences)) or 0)


def max_sentence_id(conn: Connection) -> int:
    return int(conn.scalar(select(func.max(sentences.c.id))) or 0)


def count_documents(conn: Connection) -> int:
    return int(conn.scalar(select(func.count()).select_from(documents)) or 0)


def outlet_counts(conn: Connection) -> list[OutletCounts]:
    """Documents and sentences per outlet, outlets by name."""
    doc_counts = (
        select(documents.c.outlet_id, func.count().label("n"))
        .group_by(documents.c.outlet_id)
        .subquery()
    )
    sent_counts = (
        select(documents.c.outlet_id, func.count().label("n"))
        .select_from(sentences.join(documents, documents.c.id == sentences.c.document_id))
        .group_by(documents.c.outlet_id)
        .subquery()
    )
    rows = conn.execute(
        select(outlets.c.name, func.coalesce(doc_counts.c.n, 0), func.coalesce(sent_counts.c.n, 0))
        .outerjoin(doc_counts, doc_counts.c.outlet_id == outlets.c.id)
        .outerjoin(sent_counts, sent_counts.c.outlet_id == outlets.c.id)
        .order_by(outlets.c.name)
    )
    return [OutletCounts(str(n), int(d), int(s)) for n, d, s in rows]


def labelled_per_outlet(conn: Connection, annotator: str | None = None) -> dict[str, int]:
    """Sentences with a current label (by anyone, or by ``annotator``) per outlet."""
    done = select(progress.c.sentence_id).distinct()
    if annotator is not None:
        done = done.where(progress.c.annotator == annotator)
    done_sq = done.subquery()
    rows = conn.execute(
        select(outlets.c.name, func.count())
        .select_from(
            done_sq.join(sentences, sentences.c.id == done_sq.c.sentence_id)
            .join(documents, documents.c.id == sentences.c.document_id)
            .join(outlets, outlets.c.id == documents.c.outlet_id)
        )
        .group_by(outlets.c.name)
    )
    return {str(n): int(c) for n, c in rows}
