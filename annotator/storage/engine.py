"""Opening a database: URL resolution, SQLite settings, transactions.

Start with :func:`open_store`. Any SQLAlchemy URL works; the default is a
SQLite file under ``data/`` in the working directory, or the URL in the
``WORKBENCH_DB`` environment variable.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url

ENV_VAR = "WORKBENCH_DB"
DEFAULT_PATH = Path("data") / "workbench.sqlite"
BUSY_TIMEOUT_MS = 30_000


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
        """A connection for reading; the transaction is rolled back at the end."""
        with self.engine.connect() as conn:
            yield conn

    @contextmanager
    def write(self) -> Iterator[Connection]:
        """A write transaction, committed at the end or rolled back on error.

        On SQLite it starts with ``BEGIN IMMEDIATE``: a deferred transaction
        that reads before it writes fails at once under concurrent writers,
        whatever the busy timeout.
        """
        with self.engine.connect() as conn:
            conn = conn.execution_options(workbench_immediate=True)
            with conn.begin():
                yield conn


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


def open_store(url: str | None = None, *, migrate: bool = True) -> Store:
    """Open (and by default create or upgrade) the database at ``url``."""
    resolved = resolve_url(url)
    if make_url(resolved).get_backend_name() == "sqlite":
        engine = _sqlite_engine(resolved)
    else:
        engine = create_engine(resolved, pool_pre_ping=True)
    store = Store(engine)
    if migrate:
        from annotator.storage.migrations import migrate as run_migrations

        run_migrations(store)
    return store
