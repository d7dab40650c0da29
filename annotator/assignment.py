"""Assignment: how many annotators label each sentence, and who has done how much.

The overlap ``k`` (a project setting shared by every app instance) caps the
annotators per sentence: once ``k`` people have labelled a sentence, no
queue offers it to anyone else. No setting (the default) means no cap.
Every strategy in :mod:`annotator.queue` reads it through :func:`overlap`.
Start with :func:`overlap` / :func:`set_overlap` and :func:`progress`.

Changing the setting is an admin's action: pages and the command line go
through :func:`annotator.team.set_overlap`, which checks the role.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from sqlalchemy import Connection

from annotator.storage import Store
from annotator.storage import assignment as assignment_sql
from annotator.storage import models as models_sql
from annotator.storage import users as users_sql
from annotator.storage.assignment import AnnotatorProgress

OVERLAP = "assignment.overlap"  # settings key: annotators per sentence (absent: no cap)
PROGRESS_COLUMNS = ("annotator", "labelled", "last_active")


def read_overlap(conn: Connection) -> int | None:
    value = models_sql.get_setting(conn, OVERLAP)
    return int(value) if value else None


def overlap(store: Store) -> int | None:
    """Annotators per sentence, or None when there is no cap."""
    with store.read() as conn:
        return read_overlap(conn)


def set_overlap(store: Store, k: int | None) -> None:
    """Cap the annotators per sentence at ``k`` (None or 0: no cap)."""
    if k is not None and k < 0:
        raise ValueError("the overlap is a number of annotators: 1 or more (0: no cap)")
    with store.write() as conn:
        models_sql.set_setting(conn, OVERLAP, int(k or 0))


def progress(store: Store) -> list[AnnotatorProgress]:
    """Every annotator with labels, and in team mode every enabled account
    (at 0 until they start), by name."""
    with store.read() as conn:
        found = {p.annotator: p for p in assignment_sql.annotator_progress(conn)}
        for row in users_sql.list_users(conn):
            if not row.disabled and row.name not in found:
                found[row.name] = AnnotatorProgress(row.name, 0, None)
    return [found[name] for name in sorted(found)]


def progress_rows(store: Store) -> list[dict[str, Any]]:
    """:func:`progress` as plain rows with :data:`PROGRESS_COLUMNS` (for a table)."""
    return [asdict(p) for p in progress(store)]
