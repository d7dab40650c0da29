"""Assignment: how many annotators label each sentence, and who has done how much.

The overlap ``k`` (a project setting shared by every app instance) caps the
annotators per sentence: once ``k`` people have labelled a sentence, no
queue offers it to anyone else. No setting (the default) means no cap.
Every strategy in :mod:`annotator.queue` reads it through :func:`overlap`.
Start with :func:`overlap` / :func:`set_overlap` and :func:`progress`.

Leases: with an overlap set, a sentence offered to an annotator is reserved
for them for :data:`LEASE` (10 minutes), so annotators working at once are
offered different sentences; the reservation counts toward ``k`` like a
saved label. It ends when they move on (save or skip; :func:`hold` with
``release``) or when it expires; it is refreshed each time the queue offers
them the sentence again. No overlap: no leases, no writes.

Changing the setting is an admin's action: pages and the command line go
through :func:`annotator.team.set_overlap`, which checks the role.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection

from annotator.storage import Store
from annotator.storage import assignment as assignment_sql
from annotator.storage import models as models_sql
from annotator.storage import users as users_sql
from annotator.storage.assignment import AnnotatorProgress
from annotator.storage.schema import utcnow

OVERLAP = "assignment.overlap"  # settings key: annotators per sentence (absent: no cap)
PROGRESS_COLUMNS = ("annotator", "labelled", "last_active")
LEASE = timedelta(minutes=10)  # how long an offered sentence stays reserved


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


def hold(
    store: Store,
    annotator: str,
    sentence_id: int | None,
    *,
    release: int | None = None,
    now: datetime | None = None,
) -> bool:
    """Reserve ``sentence_id`` (None: nothing) for ``annotator`` and end their
    lease on ``release``, the sentence they move on from, in one write.

    False (and no lease) when the sentence stopped being open to them since
    the queue chose it: someone else's lease or label got there first. With
    no overlap set it only reads the setting and returns True.
    """
    with store.read() as conn:
        k = read_overlap(conn)
    if k is None:
        return True
    now = now or utcnow()
    with store.write() as conn:  # one writer at a time: the check below is exact
        if release is not None and release != sentence_id:
            assignment_sql.end_lease(conn, release, annotator)
        if sentence_id is None:
            return True
        if not assignment_sql.still_open(conn, sentence_id, annotator, k, now=now):
            return False
        assignment_sql.take_lease(conn, sentence_id, annotator, expires_at=now + LEASE, now=now)
    return True


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
