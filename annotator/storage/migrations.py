"""Numbered schema migrations.

A new database is created from :mod:`annotator.storage.schema` and stamped
with every migration number; an existing one runs the steps it has not seen,
in order, each in the same transaction as its stamp. To change the schema:
edit ``schema.py`` *and* append a :class:`Migration` whose ``upgrade`` brings
a database at the previous number to the new shape.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import Connection, func, insert, inspect, select, text

from annotator.storage import tallies
from annotator.storage.engine import Store
from annotator.storage.schema import (
    login_sessions,
    metadata,
    model_versions,
    prediction_scores,
    prediction_sentence_tallies,
    prediction_tallies,
    predictions,
    revisions,
    schema_migrations,
    sentence_leases,
    settings,
    stories,
    story_documents,
    users,
    utcnow,
)


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    upgrade: Callable[[Connection], None]


def _initial(conn: Connection) -> None:
    # Reached only by databases created before migrations were tracked,
    # which never existed: the first release stamped version 1 at creation.
    metadata.create_all(conn)


def _undo_indexes(conn: Connection) -> None:
    for index in revisions.indexes:
        if index.name in ("ix_revisions_annotator", "ix_revisions_reverts"):
            index.create(conn, checkfirst=True)


def _models(conn: Connection) -> None:
    for table in (settings, model_versions, predictions, prediction_scores):
        table.create(conn, checkfirst=True)
    conn.execute(
        text(
            "ALTER TABLE revisions ADD COLUMN model_version_id INTEGER "
            "REFERENCES model_versions (id)"
        )
    )
    conn.execute(text("ALTER TABLE revisions ADD COLUMN suggestion VARCHAR(20)"))


def _stories(conn: Connection) -> None:
    # create() makes each table's indexes too.
    for table in (stories, story_documents):
        table.create(conn, checkfirst=True)


def _users(conn: Connection) -> None:
    users.create(conn, checkfirst=True)


def _prediction_counts(conn: Connection) -> None:
    for index in predictions.indexes:
        if index.name == "ix_predictions_counts":
            index.create(conn, checkfirst=True)
    conn.execute(text("DROP INDEX IF EXISTS ix_predictions_sentence"))


def _login_sessions(conn: Connection) -> None:
    login_sessions.create(conn, checkfirst=True)  # with its index


def _prediction_tallies(conn: Connection) -> None:
    for table in (prediction_tallies, prediction_sentence_tallies):
        table.create(conn, checkfirst=True)
    # Versions stored before this step get theirs now, so the compare page
    # is fast on an upgraded database too.
    for version_id in conn.scalars(select(model_versions.c.id)).all():
        stored = select(predictions.c.sentence_id).where(
            predictions.c.model_version_id == version_id
        )
        if conn.scalar(stored.limit(1)) is not None:
            tallies.build(conn, int(version_id))


def _sentence_leases(conn: Connection) -> None:
    sentence_leases.create(conn, checkfirst=True)  # with its index


MIGRATIONS: tuple[Migration, ...] = (
    Migration(1, "initial schema", _initial),
    Migration(2, "indexes on revisions for undo", _undo_indexes),
    Migration(3, "settings, model versions, predictions, suggestions on revisions", _models),
    Migration(4, "stories: documents grouped by event", _stories),
    Migration(5, "users and roles for team mode", _users),
    Migration(6, "covering index for counting predictions per outlet", _prediction_counts),
    Migration(7, "login sessions: a login kept across reloads and tabs", _login_sessions),
    Migration(8, "prediction tallies per outlet, day and probability step", _prediction_tallies),
    Migration(9, "sentence leases: a sentence reserved while someone labels it", _sentence_leases),
)

LATEST = MIGRATIONS[-1].version


class NotAWorkbenchDatabase(RuntimeError):
    """The database has tables but none of ours: refuse to touch it."""


def current_version(store: Store) -> int:
    with store.read() as conn:
        if not inspect(conn).has_table("schema_migrations"):
            return 0
        return int(conn.scalar(select(func.max(schema_migrations.c.version))) or 0)


def migrate(store: Store) -> list[int]:
    """Create or upgrade the schema; returns the migration numbers applied."""
    with store.write() as conn:
        if conn.dialect.name == "postgresql":
            # Two app instances starting at once must not both create tables.
            conn.execute(text("SELECT pg_advisory_xact_lock(7272001)"))
        inspector = inspect(conn)
        if not inspector.has_table("schema_migrations"):
            if inspector.get_table_names():
                raise NotAWorkbenchDatabase(
                    f"{store.url} holds tables but no schema_migrations table: "
                    "not a workbench database"
                )
            metadata.create_all(conn)
            now = utcnow()
            conn.execute(
                insert(schema_migrations),
                [{"version": m.version, "name": m.name, "applied_at": now} for m in MIGRATIONS],
            )
            return [m.version for m in MIGRATIONS]
        # Steps are found by number, not by "above the highest": a step
        # written in parallel with a higher one (4 landing after 5) still runs
        # on a database that got 5 first.
        done = {int(v) for v in conn.scalars(select(schema_migrations.c.version))}
        applied = []
        for migration in MIGRATIONS:
            if migration.version in done:
                continue
            migration.upgrade(conn)
            conn.execute(
                insert(schema_migrations).values(
                    version=migration.version, name=migration.name, applied_at=utcnow()
                )
            )
            applied.append(migration.version)
        return applied
