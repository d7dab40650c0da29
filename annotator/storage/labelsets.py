"""SQL for label-set versions (the definitions themselves are JSON)."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, func, insert, select

from annotator.storage.schema import label_sets, utcnow


@dataclass(frozen=True)
class StoredLabelSet:
    name: str
    version: int
    definition: dict[str, Any]
    source_hash: str
    note: str
    created_at: datetime


_LABEL_SET_FIELDS = (
    label_sets.c.name,
    label_sets.c.version,
    label_sets.c.definition,
    label_sets.c.source_hash,
    label_sets.c.note,
    label_sets.c.created_at,
)


def latest_label_set(conn: Connection, name: str) -> StoredLabelSet | None:
    row = conn.execute(
        select(*_LABEL_SET_FIELDS)
        .where(label_sets.c.name == name)
        .order_by(label_sets.c.version.desc())
        .limit(1)
    ).first()
    return StoredLabelSet(*row) if row else None


def label_set_history(conn: Connection, name: str) -> list[StoredLabelSet]:
    rows = conn.execute(
        select(*_LABEL_SET_FIELDS).where(label_sets.c.name == name).order_by(label_sets.c.version)
    )
    return [StoredLabelSet(*r) for r in rows]


def label_set_names(conn: Connection) -> list[str]:
    return list(conn.scalars(select(label_sets.c.name).distinct().order_by(label_sets.c.name)))


def insert_label_set(
    conn: Connection,
    *,
    name: str,
    definition: dict[str, Any],
    source_hash: str = "",
    note: str = "",
) -> int:
    """Store a new version of the label set ``name``; returns its number."""
    last = conn.scalar(select(func.max(label_sets.c.version)).where(label_sets.c.name == name))
    version = int(last or 0) + 1
    conn.execute(
        insert(label_sets).values(
            name=name,
            version=version,
            definition=definition,
            source_hash=source_hash,
            note=note,
            created_at=utcnow(),
        )
    )
    return version
