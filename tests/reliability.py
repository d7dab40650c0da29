"""What the reliability tests share: databases on both backends, a generated
corpus, annotators and trains in other processes, and the store's consistency checks.

Start with :func:`generated_store` (a database holding a generated corpus)
and :func:`consistency_problems` (what is wrong with a database after
concurrent writers or a killed process; empty when it is sound).
:func:`annotate` is one annotator working through the annotate page's state
machine. The ``*_process`` functions run in spawned processes (used by
``tests/test_concurrency.py``), so they take plain data (a database URL,
names, counts, a pipe) and report plain data.
"""

from __future__ import annotations

import multiprocessing
import random
import traceback
import uuid
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from multiprocessing.connection import Connection as PipeEnd
from multiprocessing.context import SpawnContext
from multiprocessing.queues import Queue
from multiprocessing.synchronize import Barrier as BarrierType
from pathlib import Path
from typing import TypeVar

import pytest
from sqlalchemy import Connection, func, select

from annotator import labelsets
from annotator.annotations import Choice, Decision, save
from annotator.bootstrap import bootstrap
from annotator.corpus import import_articles
from annotator.session import AnnotateSession
from annotator.storage import Store, open_store
from annotator.storage import labels as labels_sql
from annotator.storage.schema import documents, imports, progress, sentences
from bench.corpus_gen import corpus

T = TypeVar("T")
TASK = ("opinion", "")
VALUES = ("factual", "mixed", "opinion")
# What the concurrent annotators decide on each sentence, one save per sentence.
DECIDED = {"opinion": VALUES, "bias": ("biased", "not-biased")}
# A hang guard for waiting on another process, not a speed target: a healthy
# wait takes seconds; a blocked writer would wait for ever on PostgreSQL.
HANG_GUARD_S = 240.0


BACKENDS = ("sqlite", "postgresql")


def backends(config: pytest.Config) -> tuple[str, ...]:
    """Both databases, unless ``--db`` (tests/conftest.py) asks for one."""
    choice = config.getoption("--db", default="both")
    return BACKENDS if choice in (None, "both") else (str(choice),)


@contextmanager
def fresh_database(request: pytest.FixtureRequest, tmp_path: Path, backend: str) -> Iterator[str]:
    """An empty database on ``backend``; on PostgreSQL, on the session's
    throwaway server (the ``postgres_server`` fixture), dropped afterwards."""
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'workbench.sqlite'}"
        return
    server = request.getfixturevalue("postgres_server")
    name = f"reliability_{uuid.uuid4().hex[:12]}"
    url = str(server.create_database(name))
    try:
        yield url
    finally:
        server.drop_database(name)


def spawn() -> SpawnContext:
    """Fresh interpreters: no engine, connection or lock inherited from pytest."""
    return multiprocessing.get_context("spawn")


def generated_store(url: str, *, sentences: int, per_article: int = 50) -> Store:
    """A database with the label sets and ``sentences`` generated sentences."""
    store = open_store(url)
    bootstrap(store, seeds_dir=None)
    report = import_articles(
        store, (a.raw_article() for a in corpus(sentences, per_article=per_article))
    )
    assert report.stored and report.sentence_count == sentences, report.problems
    return store


def article_files(folder: Path, *, articles: int, per_article: int = 20) -> list[Path]:
    """Generated articles written as text files, for imports from paths."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for generated in corpus(articles * per_article, per_article=per_article):
        path = folder / f"{generated.index:04d}.txt"
        path.write_text(generated.raw(), encoding="utf-8")
        paths.append(path)
    return paths


def judged_value(
    sentence_id: int, rng: random.Random, *, agreement: float, values: tuple[str, ...] = VALUES
) -> str:
    """A noisy annotator: the sentence's "true" value with probability ``agreement``."""
    if rng.random() < agreement:
        return values[sentence_id % len(values)]
    return rng.choice(values)


# ---------------------------------------------------------------- annotators


@dataclass(frozen=True)
class Saved:
    """What one annotator process says it stored: (sentence id, task, value) in order."""

    annotator: str
    labels: tuple[tuple[int, str, str], ...]
    error: str | None = None


def annotate(
    store: Store,
    annotator: str,
    *,
    count: int,
    seed: int,
    strategy: str = "sequential",
    state: dict[str, object] | None = None,
) -> list[tuple[int, str]]:
    """Label ``count`` sentences as the annotate page does: show, press, save, next.

    Raises when the page would show a refusal: a save must either store or fail loudly.
    """
    labelset = labelsets.current(store)
    rng = random.Random(f"{seed}:{annotator}")
    session = AnnotateSession(
        state if state is not None else {},
        store=store,
        labelset=labelset,
        annotator=annotator,
        strategy=strategy,
    )
    session.start()
    saved: list[tuple[int, str]] = []
    for _ in range(count):
        view = session.view()
        if view is None:
            raise AssertionError(f"{annotator}: the queue ran out after {len(saved)} saves")
        value = judged_value(view.sentence.id, rng, agreement=0.7)
        session.press(TASK, value)
        session.save()
        if session.message:
            raise AssertionError(f"{annotator}: the page would show {session.message!r}")
        saved.append((view.sentence.id, value))
    return saved


def label_quickly(store: Store, *, annotators: Iterable[str], sentence_ids: Iterable[int]) -> int:
    """Opinion and bias labels in one transaction (set-up for a train, not under test)."""
    labelset = labelsets.current(store)
    ids = list(sentence_ids)
    base = {"label_set": labelset.name, "label_set_version": labelset.version}
    written = 0
    with store.write() as conn:
        for annotator in annotators:
            rng = random.Random(annotator)
            for sid in ids:
                rows = [
                    {**base, "sentence_id": sid, "task": TASK[0], "target": "",
                     "value": judged_value(sid, rng, agreement=0.8)},
                    {**base, "sentence_id": sid, "task": "bias", "target": "",
                     "value": "biased" if sid % 2 else "not-biased"},
                ]  # fmt: skip
                labels_sql.add_revision(conn, annotator=annotator, source="human", rows=rows)
                written += len(rows)
    return written


# ---------------------------------------------------------------- consistency


def stored_labels(store: Store, *, task: str = TASK[0]) -> dict[tuple[str, int], str]:
    """(annotator, sentence id) -> the current value of ``task``."""
    with store.read() as conn:
        return {
            (lab.annotator, lab.sentence_id): str(lab.value)
            for lab in labels_sql.current_labels(conn)
            if lab.task == task
        }


def consistency_problems(store: Store) -> list[str]:
    """Everything that breaks the store's invariants; empty when it is sound.

    - SQLite's own ``integrity_check`` and ``foreign_key_check``;
    - ``progress`` holds exactly the (annotator, sentence) pairs with a
      current label (the invariant :func:`labels_sql.add_revision` keeps);
    - no sentence without its document, no document without sentences;
    - every article import holds the documents and sentences its summary counts.
    """
    problems: list[str] = []
    with store.read() as conn:
        if store.dialect == "sqlite":
            integrity = [r[0] for r in conn.exec_driver_sql("PRAGMA integrity_check")]
            if integrity != ["ok"]:
                problems.append(f"integrity_check: {integrity[:5]}")
            broken = list(conn.exec_driver_sql("PRAGMA foreign_key_check"))
            if broken:
                problems.append(f"foreign_key_check: {broken[:5]}")
        labelled = {
            (lab.annotator, lab.sentence_id)
            for lab in labels_sql.current_labels(conn)
            if lab.value is not None
        }
        tracked = {(str(a), int(s)) for a, s in conn.execute(select(progress))}
        if labelled != tracked:
            problems.append(
                f"progress out of step: {len(tracked - labelled)} extra, "
                f"{len(labelled - tracked)} missing"
            )
        orphans = conn.scalar(
            select(func.count())
            .select_from(sentences)
            .where(
                ~select(documents.c.id).where(documents.c.id == sentences.c.document_id).exists()
            )
        )
        if orphans:
            problems.append(f"{orphans} sentences without their document")
        empty = conn.scalar(
            select(func.count())
            .select_from(documents)
            .where(
                ~select(sentences.c.id).where(sentences.c.document_id == documents.c.id).exists()
            )
        )
        if empty:
            problems.append(f"{empty} documents without sentences")
        problems.extend(_import_problems(conn))
    return problems


def _import_problems(conn: Connection) -> Iterable[str]:
    for import_id, summary in conn.execute(
        select(imports.c.id, imports.c.summary).where(imports.c.kind == "articles")
    ):
        docs = conn.scalar(
            select(func.count()).select_from(documents).where(documents.c.import_id == import_id)
        )
        sents = conn.scalar(
            select(func.count())
            .select_from(sentences.join(documents, documents.c.id == sentences.c.document_id))
            .where(documents.c.import_id == import_id)
        )
        if (docs, sents) != (summary.get("documents"), summary.get("sentences")):
            yield (
                f"import {import_id} holds {docs} documents and {sents} sentences, "
                f"its summary says {summary}"
            )


def counts(store: Store) -> tuple[int, int, int]:
    """(imports of articles, documents, sentences)."""
    with store.read() as conn:
        return (
            int(
                conn.scalar(
                    select(func.count()).select_from(imports).where(imports.c.kind == "articles")
                )
                or 0
            ),
            int(conn.scalar(select(func.count()).select_from(documents)) or 0),
            int(conn.scalar(select(func.count()).select_from(sentences)) or 0),
        )


# ---------------------------------------------------------------- process entry points


def annotator_process(
    url: str,
    annotator: str,
    count: int,
    barrier: BarrierType,
    results: Queue[Saved],
) -> None:
    """One annotator in its own process: open, wait for the others, then save
    ``count`` sentences as fast as it can (1..count, in an order of its own),
    each with a decision per task of :data:`DECIDED` in one save, as the page
    does; report what it saved, or the traceback of what reached it."""
    try:
        store = open_store(url, migrate=False)
        labelset = labelsets.current(store)
        rng = random.Random(annotator)
        order = list(range(1, count + 1))
        rng.shuffle(order)
        saved: list[tuple[int, str, str]] = []
        barrier.wait(timeout=HANG_GUARD_S)
        for sentence_id in order:
            chosen = {
                task: judged_value(sentence_id, rng, agreement=0.7, values=values)
                for task, values in DECIDED.items()
            }
            revision = save(
                store,
                sentence_id=sentence_id,
                annotator=annotator,
                decisions=[Decision(task, "", (Choice(v),)) for task, v in chosen.items()],
                labelset=labelset,
            )
            if revision is None:
                raise AssertionError(f"{annotator}: sentence {sentence_id} was not saved")
            saved.extend((sentence_id, task, value) for task, value in chosen.items())
        results.put(Saved(annotator, tuple(saved)))
    except BaseException:
        results.put(Saved(annotator, (), traceback.format_exc()))


def saver_process(url: str, annotator: str, commands: PipeEnd) -> None:
    """An annotator who saves on request: receives a count, labels that many
    sentences through the page's state machine, sends back what it saved
    (or a traceback); ``None`` ends it."""
    try:
        store = open_store(url, migrate=False)
        state: dict[str, object] = {}
        while (count := commands.recv()) is not None:
            commands.send(annotate(store, annotator, count=count, seed=11, state=state))
    except BaseException:
        commands.send(traceback.format_exc())


# Where a train stops until the parent says "go": inside its read of the
# labels, once its models are fitted (not yet stored), and inside its read of
# the corpus for pre-annotation. The train holds no write transaction at any of them; if it
# held one (or any lock a save needs), the saves made meanwhile would block.
PAUSES = ("reading labels", "fitted", "pre-annotating")


def train_process(url: str, control: PipeEnd) -> None:
    """Run :func:`annotator.training.train`, stopping at each of :data:`PAUSES`:
    sends ``("paused", where)`` and waits for any message; at the end sends
    ``("done", status)`` or ``("error", traceback)``."""
    from annotator import model, training
    from annotator.storage import texts as texts_sql

    def pausing(where: str, function: Callable[..., T]) -> Callable[..., T]:
        paused = False

        def wrapper(*args: object, **kwargs: object) -> T:
            nonlocal paused
            result = function(*args, **kwargs)
            if not paused:
                paused = True
                control.send(("paused", where))
                control.recv()
            return result

        return wrapper

    labels_sql.current_labels = pausing(PAUSES[0], labels_sql.current_labels)
    model.fit_tasks = pausing(PAUSES[1], model.fit_tasks)
    texts_sql.sentence_chunk = pausing(PAUSES[2], texts_sql.sentence_chunk)
    try:
        store = open_store(url, migrate=False)
        outcome = training.train(store, labelset=labelsets.current(store), created_by="admin")
        control.send(("done", outcome.version.status))
    except BaseException:
        control.send(("error", traceback.format_exc()))


def holder_process(url: str, control: PipeEnd) -> None:
    """Hold the write lock (an open write transaction) until told to let go."""
    try:
        store = open_store(url, migrate=False)
        with store.write():
            control.send("holding")
            control.recv()
        control.send("released")
    except BaseException:
        control.send(traceback.format_exc())


def impatient_saver_process(url: str, control: PipeEnd) -> None:
    """Save one label with a short lock timeout; tell the parent when a wait
    for the lock timed out, then whether the save went through."""
    from sqlalchemy import event

    from annotator.storage import engine

    engine.BUSY_TIMEOUT_MS = 300
    engine.LOCK_TIMEOUT = "300ms"
    try:
        store = open_store(url, migrate=False)
        labelset = labelsets.current(store)
        told = False

        def on_error(context: object) -> None:
            nonlocal told
            if not told:
                told = True
                control.send(("timed out", str(getattr(context, "original_exception", ""))))

        event.listen(store.engine, "handle_error", on_error)
        revision = save(
            store,
            sentence_id=1,
            annotator="dewi",
            decisions=[Decision(TASK[0], TASK[1], (Choice("mixed"),))],
            labelset=labelset,
        )
        control.send(("saved", revision))
    except BaseException:
        control.send(("error", traceback.format_exc()))
