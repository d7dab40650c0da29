"""Opening a database: URL resolution, SQLite and PostgreSQL settings, transactions.

Start with :func:`open_store`. Any SQLAlchemy URL works; the default is a
SQLite file under ``data/`` in the working directory, or the URL in the
``WORKBENCH_DB`` environment variable (e.g.
``postgresql+psycopg://user:password@host/workbench``).

Both databases give the same guarantees through :class:`Store`: a write
transaction runs alone (SQLite: ``BEGIN IMMEDIATE``; PostgreSQL: a
transaction-scoped advisory lock, so several app instances on one database
queue their writes instead of failing on each other's read-then-insert), and
a read sees one snapshot of the database from its first query to its end
(SQLite: WAL; PostgreSQL: ``REPEATABLE READ``).
"""

from __future__ import annotations

import os
import sqlite3
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, Table, create_engine, event, insert, text
from sqlalchemy.engine import RootTransaction, make_url
from sqlalchemy.exc import OperationalError

ENV_VAR = "WORKBENCH_DB"
DEFAULT_PATH = Path("data") / "workbench.sqlite"
BUSY_TIMEOUT_MS = 30_000
# Held by every write transaction on PostgreSQL (migrations take another one).
WRITE_LOCK_KEY = 7272000
# A write waits this long for the others before it fails, like SQLite's busy timeout.
LOCK_TIMEOUT = "30s"
# A write whose wait for the lock timed out waits again, for this long in all.
WRITE_PATIENCE_S = 300.0


def resolve_url(url: str | None = None) -> str:
    """The database URL to use: the argument, else ``$WORKBENCH_DB``, else the default file."""
    if url:
        return url
    if os.environ.get(ENV_VAR):
        return os.environ[ENV_VAR]
    return f"sqlite:///{DEFAULT_PATH}"


@dataclass(frozen=True)
class Store:
    """A handle on one database. Cheap to pass around; share one per process."""

    engine: Engine

    @property
    def url(self) -> str:
        return self.engine.url.render_as_string(hide_password=True)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextmanager
    def read(self) -> Iterator[Connection]:
        """A connection for reading one snapshot; the transaction is rolled back at the end."""
        with self.engine.connect() as conn:
            if conn.dialect.name == "postgresql":
                conn = conn.execution_options(isolation_level="REPEATABLE READ")
            yield conn

    @contextmanager
    def write(self) -> Iterator[Connection]:
        """A write transaction, committed at the end or rolled back on error.

        One at a time per database. On SQLite it starts with ``BEGIN
        IMMEDIATE``: a deferred transaction that reads before it writes fails
        at once under concurrent writers, whatever the busy timeout. On
        PostgreSQL it first takes an advisory lock that only write
        transactions take (reads never wait for it), then runs in READ
        COMMITTED, so every query after the lock sees what earlier writers
        committed.
        """
        with self.engine.connect() as conn:
            conn = conn.execution_options(workbench_immediate=True)
            with _begin_locked(conn):
                yield conn


def _begin_locked(conn: Connection) -> RootTransaction:
    """Begin a write transaction holding the write lock.

    A wait for the lock that times out (SQLite's busy timeout, PostgreSQL's
    lock timeout) is tried again until :data:`WRITE_PATIENCE_S` have passed:
    nothing has run in the transaction yet, so trying again is safe, and a
    save made during a long import then waits for it instead of failing.
    """
    give_up = time.monotonic() + WRITE_PATIENCE_S
    while True:
        try:
            transaction = conn.begin()  # SQLite: BEGIN IMMEDIATE takes the lock
            try:
                if conn.dialect.name == "postgresql":
                    conn.execute(
                        text("SELECT pg_advisory_xact_lock(:key)"), {"key": WRITE_LOCK_KEY}
                    )
            except BaseException:
                transaction.rollback()
                raise
            return transaction
        except OperationalError as error:
            if not _lock_timed_out(error) or time.monotonic() >= give_up:
                raise


def _lock_timed_out(error: OperationalError) -> bool:
    """SQLite's "database is locked" (SQLITE_BUSY) or PostgreSQL's lock_not_available."""
    code = getattr(error.orig, "sqlite_errorcode", None)
    if code is not None:
        return bool(code & 0xFF == sqlite3.SQLITE_BUSY)
    return getattr(error.orig, "sqlstate", None) == "55P03"


def bulk_insert(
    conn: Connection, table: Table, columns: Sequence[str], rows: Sequence[tuple[Any, ...]]
) -> None:
    """Insert many rows, given as plain tuples in ``columns`` order, the fastest
    way the database offers; the path of imports and predictions.

    Only for columns that need no conversion on the way in (integers, floats,
    text: not timestamps or JSON), since no SQLAlchemy type processing runs.
    SQLite: the driver's ``executemany`` of the compiled INSERT (SQLAlchemy's
    per-row parameter processing was most of a million-row insert).
    PostgreSQL through psycopg: ``COPY ... FROM STDIN``, about 3x the rows per
    second of an ``executemany``. Anything else: SQLAlchemy's ``executemany``.
    """
    if not rows:
        return
    dialect = conn.dialect
    if dialect.name == "sqlite":
        compiled = insert(table).compile(dialect=dialect, column_keys=list(columns))
        # Positional placeholders: the tuples must follow the statement's order.
        assert tuple(compiled.positiontup or ()) == tuple(columns), compiled.positiontup
        conn.exec_driver_sql(str(compiled), rows)
        return
    if dialect.name == "postgresql" and dialect.driver == "psycopg":
        from psycopg import sql

        statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
            sql.Identifier(*([table.schema] if table.schema else []), table.name),
            sql.SQL(", ").join(sql.Identifier(c) for c in columns),
        )
        cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        try:
            with cursor.copy(statement) as copy:
                for row in rows:
                    copy.write_row(row)
        finally:
            cursor.close()
        return
    conn.execute(insert(table), [dict(zip(columns, r, strict=True)) for r in rows])


def _sqlite_engine(url: str, **kwargs: Any) -> Engine:
    parsed = make_url(url)
    database = parsed.database or ""
    if database and database != ":memory:" and not database.startswith("file:"):
        Path(database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, **kwargs)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the sqlite3 driver, decide when BEGIN happens.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        immediate = conn.get_execution_options().get("workbench_immediate", False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine


def _postgresql_engine(url: str) -> Engine:
    # pre_ping: a server restart (or a dropped idle connection) costs a
    # reconnect, not an error on the next page view.
    engine = create_engine(url, pool_pre_ping=True, isolation_level="READ COMMITTED")

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        with dbapi_connection.cursor() as cursor:
            cursor.execute(f"SET lock_timeout = '{LOCK_TIMEOUT}'")
            cursor.execute("SET application_name = 'workbench'")
        dbapi_connection.commit()

    return engine


def open_store(url: str | None = None, *, migrate: bool = True) -> Store:
    """Open (and by default create or upgrade) the database at ``url``."""
    resolved = resolve_url(url)
    backend = make_url(resolved).get_backend_name()
    if backend == "sqlite":
        engine = _sqlite_engine(resolved)
    elif backend == "postgresql":
        engine = _postgresql_engine(resolved)
    else:
        engine = create_engine(resolved, pool_pre_ping=True)
    store = Store(engine)
    if migrate:
        from annotator.storage.migrations import migrate as run_migrations

        run_migrations(store)
    return store
