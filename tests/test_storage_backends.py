"""What the store promises on every database, checked on SQLite and PostgreSQL:
writes run one at a time and see what the write before them committed, reads
never wait for a write and see one snapshot, the bulk insert path keeps any
text as it was, and a first-release database upgrades to the newest schema.
Plus the throwaway test server itself: it fails loudly when it cannot start.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import MetaData, create_engine, func, insert, inspect, select, text

from annotator.storage import Store, open_store
from annotator.storage import texts as texts_sql
from annotator.storage.migrations import LATEST, NotAWorkbenchDatabase, current_version
from annotator.storage.schema import metadata, outlets, schema_migrations, sentences, utcnow
from tests.postgres import BIN_ENV, PostgresUnavailable, find_bin_dir

HOLD_S = 0.4
V1_SQL = Path(__file__).parent / "data" / "schema_v1_sqlite.sql"


def _outlet_count(store: Store) -> int:
    with store.read() as conn:
        return int(conn.scalar(select(func.count()).select_from(outlets)) or 0)


def test_a_write_waits_for_the_one_before_it_and_sees_what_it_committed(
    empty_store: Store,
) -> None:
    first_inside = threading.Event()
    committing_at: list[float] = []
    second: dict[str, float | int] = {}

    def first() -> None:
        with empty_store.write() as conn:
            texts_sql.outlet_ids(conn, ["Tempo"])
            first_inside.set()
            time.sleep(HOLD_S)
            committing_at.append(time.monotonic())  # the commit comes after this

    def then() -> None:
        first_inside.wait()
        with empty_store.write() as conn:
            # Read, then write on what was read: the pattern that needs writers in line.
            second["entered"] = time.monotonic()
            second["seen"] = len(texts_sql.outlet_ids(conn, ["Tempo", "Kompas"]))
            second["outlets"] = int(conn.scalar(select(func.count()).select_from(outlets)) or 0)

    threads = [threading.Thread(target=first), threading.Thread(target=then)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert committing_at and second, "a writer did not finish"
    assert second["entered"] >= committing_at[0]
    assert second["outlets"] == 2  # Tempo from the first write, Kompas its own
    assert _outlet_count(empty_store) == 2


def test_a_read_neither_waits_for_a_write_nor_sees_it_before_its_commit(
    empty_store: Store,
) -> None:
    inside, release = threading.Event(), threading.Event()

    def writer() -> None:
        with empty_store.write() as conn:
            texts_sql.outlet_ids(conn, ["Tempo"])
            inside.set()
            release.wait(timeout=30)

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        assert inside.wait(timeout=30)
        # The writer holds its transaction until released below: a read that
        # waited for it would only return after 30 s, and then count 1.
        assert _outlet_count(empty_store) == 0
        assert thread.is_alive()
    finally:
        release.set()
        thread.join(timeout=30)
    assert _outlet_count(empty_store) == 1


def test_a_read_sees_one_snapshot_from_its_first_query_to_its_end(empty_store: Store) -> None:
    with empty_store.read() as conn:
        before = conn.scalar(select(func.count()).select_from(outlets))
        with empty_store.write() as other:
            texts_sql.outlet_ids(other, ["Tempo"])
        assert conn.scalar(select(func.count()).select_from(outlets)) == before == 0
    assert _outlet_count(empty_store) == 1


AWKWARD = [
    "tab\there, newline\nthere, carriage\rreturn",
    "backslash \\ and \\N and \\. and a lone \\",
    "quotes \" ' and a comma, and a semicolon;",
    "Rp15.000 — “kata Musk,” 🚀 ñ ü 中文",
    "",
    " leading and trailing spaces ",
]


def test_the_bulk_path_keeps_any_text_as_it_was(empty_store: Store) -> None:
    with empty_store.write() as conn:
        outlet = texts_sql.outlet_ids(conn, ["Tempo"])["Tempo"]
        (doc,) = texts_sql.insert_documents(
            conn, [{"uid": "d1", "outlet_id": outlet, "text": "x", "content_hash": "h1"}]
        )
        texts_sql.insert_sentence_rows(
            conn, [(doc, i, i, i + len(t), t) for i, t in enumerate(AWKWARD)]
        )
    with empty_store.read() as conn:
        stored = texts_sql.sentences_of(conn, doc)
    assert [s.text for s in stored] == AWKWARD
    assert [(s.position, s.start_char) for s in stored] == [(i, i) for i in range(len(AWKWARD))]


def test_the_bulk_path_is_part_of_the_transaction(empty_store: Store) -> None:
    with pytest.raises(RuntimeError), empty_store.write() as conn:
        outlet = texts_sql.outlet_ids(conn, ["Tempo"])["Tempo"]
        (doc,) = texts_sql.insert_documents(
            conn, [{"uid": "d1", "outlet_id": outlet, "text": "x", "content_hash": "h1"}]
        )
        texts_sql.insert_sentence_rows(conn, [(doc, 0, 0, 1, "x")])
        raise RuntimeError("crash after the bulk insert")
    with empty_store.read() as conn:
        assert conn.scalar(select(func.count()).select_from(sentences)) == 0


def _create_version_1(url: str, tmp_path: Path) -> None:
    """The first release's tables on the database at ``url``, stamped version 1.

    The reference is the SQLite DDL in tests/data; other databases get the
    same tables, columns, defaults and indexes through reflection.
    """
    reference = tmp_path / "v1-reference.sqlite"
    with sqlite3.connect(reference) as conn:
        conn.executescript(V1_SQL.read_text())
    v1 = MetaData()
    source = create_engine(f"sqlite:///{reference}")
    v1.reflect(source)
    source.dispose()
    for table in v1.tables.values():
        for column in table.columns:
            column.type = column.type.as_generic()
    target = create_engine(url)
    with target.begin() as conn:
        if conn.dialect.name == "sqlite":
            conn.connection.executescript(V1_SQL.read_text())  # type: ignore[attr-defined]
        else:
            v1.create_all(conn)
            conn.execute(insert(schema_migrations).values(version=1, name="x", applied_at=utcnow()))
    target.dispose()


def test_a_first_release_database_is_upgraded_to_the_newest_schema(
    db_url: str, tmp_path: Path
) -> None:
    _create_version_1(db_url, tmp_path)
    old = open_store(db_url, migrate=False)
    assert current_version(old) == 1
    old.engine.dispose()
    store = open_store(db_url)
    assert current_version(store) == LATEST
    with store.read() as conn:
        inspector = inspect(conn)
        for table in metadata.sorted_tables:
            assert {c["name"] for c in inspector.get_columns(table.name)} == set(table.c.keys())
            names = {ix["name"] for ix in inspector.get_indexes(table.name)}
            assert {ix.name for ix in table.indexes} <= names, table.name
    with store.write() as conn:  # the upgraded tables take rows with ids from their sequences
        ids = texts_sql.outlet_ids(conn, ["Tempo", "Kompas"])
    assert sorted(ids.values()) == [1, 2]
    store.engine.dispose()


def test_a_database_holding_someone_elses_tables_is_left_alone(db_url: str) -> None:
    engine = create_engine(db_url)
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE customers (id INTEGER PRIMARY KEY)"))
    engine.dispose()
    with pytest.raises(NotAWorkbenchDatabase):
        open_store(db_url)
    engine = create_engine(db_url)
    with engine.connect() as conn:
        assert inspect(conn).get_table_names() == ["customers"]
    engine.dispose()


def test_missing_server_binaries_are_an_error_that_says_what_to_do(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(BIN_ENV, str(tmp_path))
    with pytest.raises(PostgresUnavailable, match="make postgres-deps"):
        find_bin_dir()
