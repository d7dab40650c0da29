"""Annotators saving at the same time, and a retrain while they label.

Eight processes, each an annotator saving 500 labels as fast as it can on the
same sentences (a save holds a sentence's decisions, as the page's does: two
labels a save here): every label is stored, no save fails, the stored labels are
what each process says it saved, and the agreement figure from the store is
the one from what they saved. A train paused at each of its phases does not
hold up an annotator's saves. Both run on SQLite and on PostgreSQL.
Speed is measured in ``bench/concurrent_saves.py``, not here.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from annotator import agreement
from annotator.storage import Store
from annotator.storage import labels as labels_sql
from annotator.storage import models as models_sql
from tests.reliability import (
    BACKENDS,
    DECIDED,
    HANG_GUARD_S,
    PAUSES,
    Saved,
    annotator_process,
    backends,
    consistency_problems,
    fresh_database,
    generated_store,
    holder_process,
    impatient_saver_process,
    label_quickly,
    saver_process,
    spawn,
    stored_labels,
    train_process,
)

# One worker runs these one after another: each starts up to nine processes.
pytestmark = pytest.mark.xdist_group("reliability")

WRITERS = 8
LABELS = 500  # per annotator: two decisions (opinion, bias) in each save of a sentence
SENTENCES = LABELS // len(DECIDED)


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "database" in metafunc.fixturenames:
        metafunc.parametrize("database", backends(metafunc.config), indirect=True)


@pytest.fixture
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database URL on the backend in ``request.param``."""
    with fresh_database(request, tmp_path, getattr(request, "param", BACKENDS[0])) as url:
        yield url


def run_annotators(url: str, names: list[str], sentences: int) -> list[Saved]:
    ctx = spawn()
    barrier = ctx.Barrier(len(names))
    results = ctx.Queue()
    processes = [
        ctx.Process(target=annotator_process, args=(url, name, sentences, barrier, results))
        for name in names
    ]
    for process in processes:
        process.start()
    try:
        reports = [results.get(timeout=HANG_GUARD_S) for _ in processes]
    finally:
        for process in processes:
            process.join(timeout=HANG_GUARD_S)
            if process.is_alive():
                process.kill()
    return sorted(reports, key=lambda r: r.annotator)


def alpha_of(labels: dict[tuple[str, int], str], values: tuple[str, ...]) -> float:
    """Nominal alpha of (annotator, sentence) -> value, by the plain-array function."""
    annotators = sorted({a for a, _ in labels})
    units = sorted({s for _, s in labels})
    matrix = np.full((len(annotators), len(units)), np.nan)
    for (annotator, sentence), value in labels.items():
        matrix[annotators.index(annotator), units.index(sentence)] = values.index(value)
    return agreement.krippendorff_alpha(matrix)


def test_eight_annotators_saving_at_once_store_every_label(database: str) -> None:
    store = generated_store(database, sentences=SENTENCES)
    names = [f"annotator{i}" for i in range(WRITERS)]

    reports = run_annotators(database, names, SENTENCES)

    failures = [r.error for r in reports if r.error]
    assert not failures, failures[0]
    saved = {(r.annotator, sid, task): value for r in reports for sid, task, value in r.labels}
    assert len(saved) == WRITERS * LABELS  # 4,000: every annotator labelled every sentence
    with store.read() as conn:
        current = {name: len(labels_sql.current_labels(conn, annotator=name)) for name in names}
        sentences = {name: labels_sql.progress_count(conn, name) for name in names}
    assert current == dict.fromkeys(names, LABELS)
    assert sentences == dict.fromkeys(names, SENTENCES)
    for task in DECIDED:
        mine = {(a, sid): value for (a, sid, t), value in saved.items() if t == task}
        assert stored_labels(store, task=task) == mine
    assert consistency_problems(store) == []

    # The agreement figure does not depend on how the saves interleaved.
    alpha = agreement.reliability(agreement.load_labels(store), n_boot=0, by_outlet=False).alpha
    for task, values in DECIDED.items():
        (stored_alpha,) = alpha.loc[(alpha["level"] == "task") & (alpha["task"] == task), "alpha"]
        assert 0.3 < stored_alpha < 0.9  # noisy annotators who mostly agree
        reported = {(a, sid): value for (a, sid, t), value in saved.items() if t == task}
        assert stored_alpha == pytest.approx(alpha_of(reported, values), abs=1e-12)
    store.engine.dispose()


def status_of(store: Store, version_id: int) -> str:
    with store.read() as conn:
        record = models_sql.get_version(conn, version_id)
    assert record is not None
    return record.status


def test_saves_complete_while_a_retrain_runs(database: str) -> None:
    store = generated_store(database, sentences=300)
    label_quickly(store, annotators=["ani", "budi"], sentence_ids=range(1, 201))
    ctx = spawn()
    train_end, train_control = ctx.Pipe()
    saver_end, saver_control = ctx.Pipe()
    trainer = ctx.Process(target=train_process, args=(database, train_end))
    saver = ctx.Process(target=saver_process, args=(database, "citra", saver_end))
    trainer.start()
    saver.start()
    saved: list[tuple[int, str]] = []
    try:
        for where in PAUSES:
            assert train_control.poll(HANG_GUARD_S), f"the train never reached {where!r}"
            message = train_control.recv()
            assert message == ("paused", where), message
            with store.read() as conn:
                (version,) = models_sql.training_versions(conn)
            saver_control.send(10)
            assert saver_control.poll(HANG_GUARD_S), f"saves blocked while the train was {where}"
            done = saver_control.recv()
            assert isinstance(done, list), done
            assert len(done) == 10
            saved.extend(done)
            # The train is still in the middle of its work: the saves did not wait for it.
            assert status_of(store, version.id) == "training"
            train_control.send("go")
        assert train_control.poll(HANG_GUARD_S), "the train did not finish"
        assert train_control.recv() == ("done", "ready")
    finally:
        saver_control.send(None)
        for process in (trainer, saver):
            process.join(timeout=HANG_GUARD_S)
            if process.is_alive():
                process.kill()
    assert status_of(store, version.id) == "ready"
    with store.read() as conn:
        assert models_sql.active_version(conn, "default").id == version.id  # type: ignore[union-attr]
        assert models_sql.has_predictions(conn, version.id)
    citra = {sid: v for (who, sid), v in stored_labels(store).items() if who == "citra"}
    assert citra == dict(saved) and len(citra) == 3 * 10
    assert consistency_problems(store) == []
    store.engine.dispose()


def test_a_save_that_times_out_waiting_for_the_lock_waits_again(database: str) -> None:
    """The lock is held past the saver's (shortened) lock timeout: the save
    waits again inside the library and stores, instead of failing."""
    store = generated_store(database, sentences=10)
    ctx = spawn()
    holder_end, holder = ctx.Pipe()
    saver_end, saver = ctx.Pipe()
    holding = ctx.Process(target=holder_process, args=(database, holder_end))
    saving = ctx.Process(target=impatient_saver_process, args=(database, saver_end))
    holding.start()
    try:
        assert holder.poll(HANG_GUARD_S) and holder.recv() == "holding"
        saving.start()
        assert saver.poll(HANG_GUARD_S), "the saver neither saved nor timed out"
        first = saver.recv()
        # It did wait past its timeout ("database is locked", "... due to lock timeout") ...
        assert first[0] == "timed out" and "lock" in first[1], first
        holder.send("release")
        assert holder.poll(HANG_GUARD_S) and holder.recv() == "released"
        assert saver.poll(HANG_GUARD_S)
        outcome = saver.recv()
        assert outcome[0] == "saved" and outcome[1], outcome  # ... and saved all the same
    finally:
        for process in (holding, saving):
            process.join(timeout=HANG_GUARD_S)
            if process.is_alive():
                process.kill()
    assert stored_labels(store) == {("dewi", 1): "mixed"}
    assert consistency_problems(store) == []
    store.engine.dispose()
