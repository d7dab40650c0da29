"""kill -9 during an import and during a save: the database stays sound.

A child process imports many documents (or saves labels) and stops at a
chosen point *inside* the write transaction: just after a step of the
import returned or a given statement ran, or just before COMMIT. It tells
the parent where it is and waits; the parent sends SIGKILL. Afterwards the database opens, passes SQLite's
``integrity_check`` and the store's own invariants (``progress`` in step with
the labels, no orphan sentences, each import holding what its summary
says), holds all of the import or none of it, and a new import of the same
files (or a new save) works. On SQLite and on PostgreSQL.
"""

from __future__ import annotations

import os
import signal
import traceback
from collections.abc import Iterator
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event

from annotator import labelsets
from annotator.annotations import Choice, Decision, save
from annotator.corpus import import_paths
from annotator.storage import Store, open_store
from annotator.storage import labels as labels_sql
from annotator.storage import texts as texts_sql
from tests.reliability import (
    BACKENDS,
    HANG_GUARD_S,
    TASK,
    article_files,
    backends,
    consistency_problems,
    counts,
    fresh_database,
    generated_store,
    spawn,
    stored_labels,
)

ARTICLES, PER_ARTICLE = 300, 40  # 12,000 sentences: more than SQLite's page cache holds
COMMIT = "commit"  # stop just before the transaction commits
RETURNED = "returned"  # stop after the import returned (committed): all of it is there
NEW_OUTLET = "Harian Baru"  # not in the generated corpus: the import adds it


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "database" in metafunc.fixturenames:
        metafunc.parametrize("database", backends(metafunc.config), indirect=True)


@pytest.fixture
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    with fresh_database(request, tmp_path, getattr(request, "param", BACKENDS[0])) as url:
        yield url


# ---------------------------------------------------------------- the child


def stop_at(store: Store, point: str, control: Connection) -> None:
    """Make the process tell the parent and wait (for ever) when it reaches
    ``point``: at ``commit``; after the first statement starting with
    ``point`` (e.g. ``INSERT INTO progress``); or, for a name of
    :mod:`annotator.storage.texts` (e.g. ``insert_sentence_rows``, which may
    not go through SQLAlchemy's statements), after its first call returned."""

    def stop() -> None:
        control.send(("inside", point))
        control.recv()  # the parent kills us before anything comes

    if point == COMMIT:
        event.listen(store.engine, "commit", lambda _conn: stop())
    elif hasattr(texts_sql, point):
        function = getattr(texts_sql, point)

        def wrapper(*args: Any, **kwargs: Any) -> Any:
            result = function(*args, **kwargs)
            stop()
            return result

        setattr(texts_sql, point, wrapper)
    else:

        def after(_conn: Any, _cursor: Any, statement: str, *_rest: Any) -> None:
            if " ".join(statement.split()).upper().startswith(point.upper()):
                stop()

        event.listen(store.engine, "after_cursor_execute", after)


def import_process(url: str, paths: list[Path], point: str, control: Connection) -> None:
    try:
        store = open_store(url, migrate=False)
        if point != RETURNED:
            stop_at(store, point, control)
        report = import_paths(store, paths, outlet=NEW_OUTLET)
        control.send(("imported", report.stored))
        control.recv()
    except BaseException:
        control.send(("error", traceback.format_exc()))


def save_process(url: str, point: str, before: int, control: Connection) -> None:
    """Save ``before`` labels, then one more that stops at ``point``."""
    try:
        store = open_store(url, migrate=False)
        labelset = labelsets.current(store)
        for sentence_id in range(1, before + 2):
            if sentence_id == before + 1:
                stop_at(store, point, control)
            decision = Decision(TASK[0], TASK[1], (Choice("factual"),))
            save(
                store,
                sentence_id=sentence_id,
                annotator="ani",
                decisions=[decision],
                labelset=labelset,
            )
        control.send(("saved", before + 1))
        control.recv()
    except BaseException:
        control.send(("error", traceback.format_exc()))


# ---------------------------------------------------------------- the parent


def run_and_kill(target: Any, *args: Any) -> tuple[str, Any]:
    """Start ``target(*args, control)`` in a child; SIGKILL it as soon as it reports."""
    ctx = spawn()
    child_end, parent_end = ctx.Pipe()
    process = ctx.Process(target=target, args=(*args, child_end))
    process.start()
    try:
        assert parent_end.poll(HANG_GUARD_S), "the child never reached its stopping point"
        message = parent_end.recv()
        assert process.pid is not None
        os.kill(process.pid, signal.SIGKILL)
        process.join(timeout=HANG_GUARD_S)
        assert process.exitcode == -signal.SIGKILL
    finally:
        if process.is_alive():
            process.kill()
    assert message[0] != "error", message[1]
    return message


# In the order an import reaches them (functions of annotator.storage.texts).
IMPORT_POINTS = (
    "record_import",
    "outlet_ids",
    "insert_documents",
    "insert_sentence_rows",
    COMMIT,
    RETURNED,
)


@pytest.mark.parametrize("point", IMPORT_POINTS)
def test_a_killed_import_stores_all_of_it_or_nothing(
    database: str, tmp_path: Path, point: str
) -> None:
    store = generated_store(database, sentences=100)
    before = counts(store)
    store.engine.dispose()
    paths = article_files(tmp_path / "articles", articles=ARTICLES, per_article=PER_ARTICLE)

    message = run_and_kill(import_process, database, paths, point)

    assert message == (("imported", True) if point == RETURNED else ("inside", point))
    store = open_store(database)
    assert consistency_problems(store) == []
    after = counts(store)
    everything = (before[0] + 1, before[1] + ARTICLES, before[2] + ARTICLES * PER_ARTICLE)
    assert after == (everything if point == RETURNED else before)

    again = import_paths(store, paths, outlet=NEW_OUTLET)
    if point == RETURNED:
        assert not again.stored and len(again.duplicates) == ARTICLES
    else:
        assert again.stored and again.ok, again.problems
    assert counts(store) == everything
    assert consistency_problems(store) == []
    store.engine.dispose()


SAVE_POINTS = (
    "INSERT INTO revisions",
    "INSERT INTO annotations",
    "INSERT INTO progress",
    COMMIT,
)


@pytest.mark.parametrize("point", SAVE_POINTS)
def test_a_killed_save_leaves_the_earlier_labels_and_nothing_half_done(
    database: str, point: str
) -> None:
    store = generated_store(database, sentences=100)
    store.engine.dispose()

    message = run_and_kill(save_process, database, point, 20)

    assert message == ("inside", point)
    store = open_store(database)
    assert consistency_problems(store) == []
    assert stored_labels(store) == {("ani", sid): "factual" for sid in range(1, 21)}
    with store.read() as conn:
        assert labels_sql.progress_count(conn, "ani") == 20
        assert not labels_sql.is_labelled(conn, 21, "ani")
    # The killed save can be made again.
    labelset = labelsets.current(store)
    decision = Decision(TASK[0], TASK[1], (Choice("opinion"),))
    assert save(store, sentence_id=21, annotator="ani", decisions=[decision], labelset=labelset)
    assert stored_labels(store)[("ani", 21)] == "opinion"
    assert consistency_problems(store) == []
    store.engine.dispose()
