"""The store: schema creation, migrations, SQLite settings, append-only labels, progress."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import text

from annotator.storage import Store, open_store, resolve_url
from annotator.storage import assignment as assignment_sql
from annotator.storage import labels as labels_sql
from annotator.storage import texts as texts_sql
from annotator.storage.migrations import LATEST, MIGRATIONS, NotAWorkbenchDatabase, current_version


def _label(sentence_id: int, value: str | None, **extra: object) -> dict[str, object]:
    return {
        "sentence_id": sentence_id,
        "task": "bias",
        "value": value,
        "label_set": "default",
        "label_set_version": 1,
        **extra,
    }


def test_a_new_database_is_stamped_with_every_migration(db_url: str) -> None:
    store = open_store(db_url)
    assert current_version(store) == LATEST == MIGRATIONS[-1].version


def test_opening_twice_applies_nothing_the_second_time(db_url: str) -> None:
    from annotator.storage.migrations import migrate

    store = open_store(db_url)
    assert migrate(store) == []


def test_a_foreign_database_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "other.sqlite"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE customers (id INTEGER)")
    with pytest.raises(NotAWorkbenchDatabase):
        open_store(f"sqlite:///{path}")


@pytest.mark.sqlite_only
def test_sqlite_runs_in_wal_with_a_busy_timeout(store: Store) -> None:
    with store.read() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA busy_timeout")).scalar() == 30_000
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1


def test_the_url_comes_from_the_argument_then_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("WORKBENCH_DB", "sqlite:///from-env.sqlite")
    assert resolve_url("sqlite:///given.sqlite") == "sqlite:///given.sqlite"
    assert resolve_url() == "sqlite:///from-env.sqlite"
    monkeypatch.delenv("WORKBENCH_DB")
    assert resolve_url() == "sqlite:///data/workbench.sqlite"


def test_a_failed_write_transaction_leaves_nothing(store: Store) -> None:
    with store.read() as conn:
        before = labels_sql.annotation_count(conn)
    with pytest.raises(RuntimeError), store.write() as conn:
        labels_sql.add_revision(conn, annotator="a", source="human", rows=[_label(1, "biased")])
        raise RuntimeError("crash in the middle")
    with store.read() as conn:
        assert labels_sql.annotation_count(conn) == before
        assert labels_sql.progress_count(conn, "a") == 0


def test_the_current_label_is_the_newest_revision_and_history_keeps_all(store: Store) -> None:
    with store.write() as conn:
        labels_sql.add_revision(conn, annotator="a", source="human", rows=[_label(1, "biased")])
        labels_sql.add_revision(conn, annotator="a", source="human", rows=[_label(1, "not-biased")])
    with store.read() as conn:
        current = labels_sql.current_labels(conn, sentence_id=1, annotator="a")
        assert [lab.value for lab in current] == ["not-biased"]
        assert [lab.value for lab in labels_sql.history(conn, 1)] == ["biased", "not-biased"]


def test_progress_follows_labels_set_and_cleared(store: Store) -> None:
    with store.write() as conn:
        labels_sql.add_revision(conn, annotator="a", source="human", rows=[_label(3, "biased")])
    with store.read() as conn:
        assert labels_sql.is_labelled(conn, 3, "a")
        assert assignment_sql.open_ids(conn, "a", after=2) == [4]
    with store.write() as conn:
        labels_sql.add_revision(conn, annotator="a", source="human", rows=[_label(3, None)])
    with store.read() as conn:
        assert not labels_sql.is_labelled(conn, 3, "a")
        assert assignment_sql.open_ids(conn, "a", after=2) == [3]
        assert labels_sql.current_labels(conn, sentence_id=3) == []


def test_clearing_one_task_keeps_the_sentence_labelled_by_another(store: Store) -> None:
    with store.write() as conn:
        labels_sql.add_revision(
            conn,
            annotator="a",
            source="human",
            rows=[_label(5, "biased"), {**_label(5, "factual"), "task": "opinion"}],
        )
        labels_sql.add_revision(conn, annotator="a", source="human", rows=[_label(5, None)])
    with store.read() as conn:
        assert labels_sql.is_labelled(conn, 5, "a")
        assert [lab.task for lab in labels_sql.current_labels(conn, sentence_id=5)] == ["opinion"]


def test_sentences_point_back_into_their_document(store: Store) -> None:
    with store.read() as conn:
        for document in texts_sql.list_documents(conn):
            body = texts_sql.document_text(conn, document.id)
            for sentence in texts_sql.sentences_of(conn, document.id):
                assert body[sentence.start_char : sentence.end_char] == sentence.text


def test_neighbours_stay_inside_the_document(store: Store) -> None:
    with store.read() as conn:
        first_doc, _ = texts_sql.list_documents(conn)
        last = texts_sql.sentences_of(conn, first_doc.id)[-1]
        around = texts_sql.neighbours(conn, last)
    assert [s.document_id for s in around] == [first_doc.id, first_doc.id]
    assert around[-1].id == last.id


def test_outlet_counts_and_labelled_per_outlet(store: Store) -> None:
    with store.write() as conn:
        labels_sql.add_revision(
            conn, annotator="a", source="human", rows=[_label(1, "biased"), _label(2, "biased")]
        )
        labels_sql.add_revision(conn, annotator="b", source="human", rows=[_label(1, "biased")])
    with store.read() as conn:
        counts = {c.outlet: (c.documents, c.sentences) for c in texts_sql.outlet_counts(conn)}
        assert counts == {"BBC News Indonesia": (1, 39), "kumparan": (1, 19)}
        assert texts_sql.labelled_per_outlet(conn) == {"BBC News Indonesia": 2}
        assert texts_sql.labelled_per_outlet(conn, "b") == {"BBC News Indonesia": 1}
        assert labels_sql.annotators(conn) == ["a", "b"]


def test_data_revision_moves_with_every_save(store: Store) -> None:
    with store.read() as conn:
        before = labels_sql.data_revision(conn)
    with store.write() as conn:
        labels_sql.add_revision(conn, annotator="a", source="human", rows=[_label(1, "biased")])
    with store.read() as conn:
        assert labels_sql.data_revision(conn) != before


def test_timestamps_come_back_in_utc(store: Store) -> None:
    with store.write() as conn:
        labels_sql.add_revision(conn, annotator="a", source="human", rows=[_label(1, "biased")])
    with store.read() as conn:
        (label,) = labels_sql.current_labels(conn)
    assert label.created_at.utcoffset() is not None
    assert label.created_at.utcoffset().total_seconds() == 0


def test_a_database_at_version_1_is_upgraded_to_the_newest_schema(tmp_path: Path) -> None:
    from sqlalchemy import inspect

    from annotator.storage.schema import metadata

    path = tmp_path / "v1.sqlite"
    with sqlite3.connect(path) as conn:
        conn.executescript((Path(__file__).parent / "data" / "schema_v1_sqlite.sql").read_text())
    store = open_store(f"sqlite:///{path}", migrate=False)
    assert current_version(store) == 1
    store.engine.dispose()
    upgraded = open_store(f"sqlite:///{path}")
    assert current_version(upgraded) == LATEST
    with upgraded.read() as conn:
        inspector = inspect(conn)
        for table in metadata.sorted_tables:  # every table, column and index of schema.py
            assert {c["name"] for c in inspector.get_columns(table.name)} == set(table.c.keys())
            names = {ix["name"] for ix in inspector.get_indexes(table.name)}
            assert {ix.name for ix in table.indexes} <= names, table.name
        # Migration 6 replaced it with ix_predictions_counts.
        assert "ix_predictions_sentence" not in {
            ix["name"] for ix in inspector.get_indexes("predictions")
        }


def test_a_database_from_before_migration_9_gets_the_sentence_leases_table(store: Store) -> None:
    from sqlalchemy import delete, inspect, select

    from annotator.storage.migrations import migrate
    from annotator.storage.schema import schema_migrations, utcnow

    with store.write() as conn:  # back to the shape before leases
        conn.execute(text("DROP TABLE sentence_leases"))
        conn.execute(delete(schema_migrations).where(schema_migrations.c.version == 9))
    assert migrate(store) == [9]
    with store.read() as conn:
        inspector = inspect(conn)
        columns = {c["name"] for c in inspector.get_columns("sentence_leases")}
        indexes = {ix["name"] for ix in inspector.get_indexes("sentence_leases")}
        key = inspector.get_pk_constraint("sentence_leases")["constrained_columns"]
        assert 9 in set(conn.scalars(select(schema_migrations.c.version)))
    assert columns == {"sentence_id", "annotator", "expires_at"}
    assert set(key) == {"sentence_id", "annotator"}
    assert "ix_sentence_leases_expires" in indexes
    with store.write() as conn:  # and the upgraded table takes leases
        now = utcnow()
        assignment_sql.take_lease(conn, 1, "ani", expires_at=now, now=now)
    with store.read() as conn:
        assert [(sid, who) for sid, who, _ in assignment_sql.leases(conn)] == [(1, "ani")]
