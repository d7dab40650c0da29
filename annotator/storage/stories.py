"""SQL for stories: documents grouped by event, and the texts that group them."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, and_, delete, func, insert, select, update

from annotator.storage.schema import (
    documents,
    outlets,
    sentences,
    stories,
    story_documents,
    utcnow,
)
from annotator.storage.texts import DocumentRecord


@dataclass(frozen=True)
class StoryRow:
    id: int
    name: str
    created_by: str
    created_at: datetime


@dataclass(frozen=True)
class SentenceText:
    """A sentence with what alignment needs: its document's outlet, in reading order."""

    id: int
    document_id: int
    outlet: str
    text: str


def _chunks(items: Sequence[int], size: int = 500) -> Iterable[Sequence[int]]:
    # Bound IN (...) lists: SQLite and drivers limit bound parameters.
    for i in range(0, len(items), size):
        yield items[i : i + size]


def insert_story(conn: Connection, *, name: str, created_by: str = "") -> int:
    result = conn.execute(
        insert(stories).values(name=name, created_by=created_by, created_at=utcnow())
    )
    return int(result.inserted_primary_key[0])  # type: ignore[index]


def rename_story(conn: Connection, story_id: int, name: str) -> bool:
    """Rename; False when there is no such story."""
    result = conn.execute(update(stories).where(stories.c.id == story_id).values(name=name))
    return result.rowcount > 0


def delete_story(conn: Connection, story_id: int) -> bool:
    """Delete a story and its memberships (never the documents); False when absent."""
    conn.execute(delete(story_documents).where(story_documents.c.story_id == story_id))
    result = conn.execute(delete(stories).where(stories.c.id == story_id))
    return result.rowcount > 0


def story_exists(conn: Connection, story_id: int) -> bool:
    return conn.scalar(select(stories.c.id).where(stories.c.id == story_id)) is not None


def existing_documents(conn: Connection, document_ids: Sequence[int]) -> set[int]:
    found: set[int] = set()
    for chunk in _chunks(list(dict.fromkeys(document_ids))):
        found.update(conn.scalars(select(documents.c.id).where(documents.c.id.in_(chunk))))
    return found


def add_story_documents(conn: Connection, story_id: int, document_ids: Sequence[int]) -> int:
    """Add documents to a story, skipping those already in it; returns how many were added."""
    wanted = list(dict.fromkeys(document_ids))
    present: set[int] = set()
    for chunk in _chunks(wanted):
        present.update(
            conn.scalars(
                select(story_documents.c.document_id).where(
                    and_(
                        story_documents.c.story_id == story_id,
                        story_documents.c.document_id.in_(chunk),
                    )
                )
            )
        )
    new = [d for d in wanted if d not in present]
    if new:
        conn.execute(
            insert(story_documents), [{"story_id": story_id, "document_id": d} for d in new]
        )
    return len(new)


def remove_story_documents(conn: Connection, story_id: int, document_ids: Sequence[int]) -> int:
    """Remove documents from a story; returns how many were in it."""
    removed = 0
    for chunk in _chunks(list(dict.fromkeys(document_ids))):
        result = conn.execute(
            delete(story_documents).where(
                and_(
                    story_documents.c.story_id == story_id,
                    story_documents.c.document_id.in_(chunk),
                )
            )
        )
        removed += result.rowcount
    return removed


def list_stories(conn: Connection, story_id: int | None = None) -> list[StoryRow]:
    """Every story by id, or only the one given."""
    query = select(stories.c.id, stories.c.name, stories.c.created_by, stories.c.created_at)
    if story_id is not None:
        query = query.where(stories.c.id == story_id)
    rows = conn.execute(query.order_by(stories.c.id))
    return [StoryRow(int(i), str(n), str(b), a) for i, n, b, a in rows]


def story_members(
    conn: Connection, story_id: int | None = None
) -> list[tuple[int, DocumentRecord]]:
    """(story id, document) for every membership (or the given story's), by
    story then document id."""
    counts = (
        select(sentences.c.document_id, func.count().label("n"))
        .group_by(sentences.c.document_id)
        .subquery()
    )
    query = (
        select(
            story_documents.c.story_id,
            documents.c.id,
            documents.c.uid,
            outlets.c.name,
            documents.c.title,
            documents.c.url,
            documents.c.published,
            documents.c.language,
            func.coalesce(counts.c.n, 0),
        )
        .select_from(story_documents)
        .join(documents, documents.c.id == story_documents.c.document_id)
        .join(outlets, outlets.c.id == documents.c.outlet_id)
        .outerjoin(counts, counts.c.document_id == documents.c.id)
        .order_by(story_documents.c.story_id, documents.c.id)
    )
    if story_id is not None:
        query = query.where(story_documents.c.story_id == story_id)
    return [(int(r[0]), DocumentRecord(*r[1:])) for r in conn.execute(query)]


def document_ids_in_stories(conn: Connection) -> set[int]:
    return set(conn.scalars(select(story_documents.c.document_id).distinct()))


def story_document_ids(conn: Connection, story_id: int) -> list[int]:
    return list(
        conn.scalars(
            select(story_documents.c.document_id)
            .where(story_documents.c.story_id == story_id)
            .order_by(story_documents.c.document_id)
        )
    )


def document_sentence_texts(conn: Connection, document_ids: Sequence[int]) -> list[SentenceText]:
    """The sentences of the documents given, by document id then position.

    Sentences, not ``documents.text``: the stored text keeps the boilerplate
    (site menus, footers) that would make every article of an outlet alike.
    """
    found: list[SentenceText] = []
    for chunk in _chunks(sorted(set(document_ids))):
        rows = conn.execute(
            select(sentences.c.id, sentences.c.document_id, outlets.c.name, sentences.c.text)
            .join(documents, documents.c.id == sentences.c.document_id)
            .join(outlets, outlets.c.id == documents.c.outlet_id)
            .where(sentences.c.document_id.in_(chunk))
            .order_by(sentences.c.document_id, sentences.c.position)
        )
        found.extend(SentenceText(int(i), int(d), str(o), str(t)) for i, d, o, t in rows)
    return found
