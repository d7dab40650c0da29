"""Saves under load: eight annotators at once, and one annotator while a retrain runs.

(a) ``--writers`` processes, each an annotator saving ``--saves`` labels
    (one decision a save, through :func:`annotator.annotations.save`) as fast
    as it can on the same sentences: saves per second over all writers, and
    the latency of a save (median, 90th, 99th percentile, worst).
(b) One annotator saving in a loop, alone and then while a retrain
    (:func:`annotator.training.train`, with pre-annotation) runs in another
    process (a second app instance) and in a thread of its own process (the
    Model page's background thread): the latency of its saves in each case.

On SQLite in a temporary directory; with ``--postgres`` also on a throwaway
PostgreSQL server (``tests/postgres.py``), or on ``--pg-url`` (an empty
database). The tests (``tests/test_concurrency.py``) check the correctness
of the same situations; this only measures.

    .venv/bin/python bench/concurrent_saves.py                # SQLite
    .venv/bin/python bench/concurrent_saves.py --postgres     # and PostgreSQL
    .venv/bin/python bench/concurrent_saves.py --quick
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
import multiprocessing
import random
import sys
import threading
import time
from collections.abc import Callable, Iterator
from multiprocessing.connection import Connection
from multiprocessing.queues import Queue
from multiprocessing.synchronize import Barrier
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from annotator import labelsets, training
from annotator.annotations import Choice, Decision, save
from annotator.bootstrap import bootstrap
from annotator.corpus import import_articles
from annotator.storage import Store, open_store
from annotator.storage import labels as labels_sql
from annotator.storage import models as models_sql
from bench.common import Report, machine, parser, quantile, sqlite_url, workdir
from bench.corpus_gen import corpus

VALUES = ("factual", "mixed", "opinion")
TRAIN_LABELLED = 3_000  # sentences with labels before the retrain (a few seconds of training)


def prepared_store(url: str, sentences: int, seed: int) -> Store:
    store = open_store(url)
    bootstrap(store, seeds_dir=None)
    report = import_articles(store, (a.raw_article() for a in corpus(sentences, seed=seed)))
    assert report.stored, report.problems
    return store


def save_one(store: Store, labelset: labelsets.LabelSet, annotator: str, sentence_id: int) -> float:
    """One save of a fresh value; returns its latency in seconds."""
    value = VALUES[(sentence_id + len(annotator)) % len(VALUES)]
    started = time.perf_counter()
    save(
        store,
        sentence_id=sentence_id,
        annotator=annotator,
        decisions=[Decision("opinion", "", (Choice(value),))],
        labelset=labelset,
    )
    return time.perf_counter() - started


def writer(
    url: str, annotator: str, saves: int, barrier: Barrier, results: Queue[tuple[float, ...]]
) -> None:
    store = open_store(url, migrate=False)
    labelset = labelsets.current(store)
    order = list(range(1, saves + 1))
    random.Random(annotator).shuffle(order)
    barrier.wait()
    results.put(tuple(save_one(store, labelset, annotator, sid) for sid in order))


def concurrent_writers(url: str, writers: int, saves: int) -> tuple[float, list[float]]:
    """Saves per second of ``writers`` processes at once, and every save's latency."""
    ctx = multiprocessing.get_context("spawn")
    barrier = ctx.Barrier(writers + 1)
    results: Queue[tuple[float, ...]] = ctx.Queue()
    processes = [
        ctx.Process(target=writer, args=(url, f"writer{i}", saves, barrier, results))
        for i in range(writers)
    ]
    for process in processes:
        process.start()
    barrier.wait()
    started = time.perf_counter()
    latencies = [x for _ in processes for x in results.get()]
    elapsed = time.perf_counter() - started
    for process in processes:
        process.join()
    return writers * saves / elapsed, latencies


def train_process(url: str, done: Connection) -> None:
    from joblib.externals.loky import get_reusable_executor

    store = open_store(url, migrate=False)
    started = time.perf_counter()
    training.train(store, labelset=labelsets.current(store), created_by="bench")
    done.send(time.perf_counter() - started)
    # A spawned child joins its children before atexit runs, so the train's
    # idle joblib workers would hold its exit for their 300 s idle timeout.
    get_reusable_executor().shutdown(wait=True)


def label_for_training(store: Store, sentences: int) -> None:
    labelset = labelsets.current(store)
    base = {"label_set": labelset.name, "label_set_version": labelset.version}
    rng = random.Random(0)
    with store.write() as conn:
        for sid in range(1, sentences + 1):
            rows = [
                {**base, "sentence_id": sid, "task": "opinion", "value": rng.choice(VALUES)},
                {**base, "sentence_id": sid, "task": "bias",
                 "value": "biased" if sid % 3 == 0 else "not-biased"},
            ]  # fmt: skip
            labels_sql.add_revision(conn, annotator="trainer", source="human", rows=rows)


def wait_until_training(store: Store) -> None:
    """Until a train has recorded itself (a process takes a while to start)."""
    while True:
        with store.read() as conn:
            if models_sql.training_versions(conn):
                return
        time.sleep(0.02)


@contextlib.contextmanager
def retrain_running(store: Store, mode: str) -> Iterator[Callable[[], bool]]:
    """A retrain started in another process or in a thread of this one;
    yields, once it has begun, a function that says whether it still runs."""
    url = store.engine.url.render_as_string(hide_password=False)
    if mode == "process":
        ctx = multiprocessing.get_context("spawn")
        receive, send = ctx.Pipe(duplex=False)
        process = ctx.Process(target=train_process, args=(url, send))
        process.start()
        wait_until_training(store)
        yield lambda: not receive.poll()
        process.join()
        return
    own = open_store(url, migrate=False)
    thread = threading.Thread(
        target=training.train,
        kwargs={"store": own, "labelset": labelsets.current(own), "created_by": "bench"},
    )
    thread.start()
    wait_until_training(store)
    yield thread.is_alive
    thread.join()
    own.engine.dispose()


def saves_while(store: Store, mode: str | None, ids: range, count: int) -> list[float]:
    """Latencies of one annotator's saves on ``ids``: ``count`` alone, or for
    as long as a retrain (in ``mode``) runs."""
    labelset = labelsets.current(store)
    if mode is None:
        return [save_one(store, labelset, "alone", sid) for sid in ids[:count]]
    latencies: list[float] = []
    with retrain_running(store, mode) as running:
        for n in itertools.count():
            if not running():
                break
            # A new annotator name on each pass over the ids: every save stores something.
            who = f"{mode}-{n // len(ids)}"
            latencies.append(save_one(store, labelset, who, ids[n % len(ids)]))
    return latencies


def percentiles(report: Report, label: str, latencies: list[float]) -> None:
    for name, q in (("median", 0.5), ("p90", 0.9), ("p99", 0.99), ("worst", 1.0)):
        report.add(f"{label}: {name}", quantile(latencies, q) * 1000, "ms")


def measure(report: Report, backend: str, url: str, args: argparse.Namespace) -> None:
    sentences = max(args.saves, TRAIN_LABELLED + args.alone)
    store = prepared_store(url, sentences, args.seed)
    rate, latencies = concurrent_writers(url, args.writers, args.saves)
    report.add(f"{backend}: {args.writers} writers, saves/s (all)", rate, "saves/s")
    percentiles(report, f"{backend}: {args.writers} writers, save latency", latencies)

    label_for_training(store, TRAIN_LABELLED)
    ids = range(TRAIN_LABELLED + 1, sentences + 1)
    alone = saves_while(store, None, ids, args.alone)
    percentiles(report, f"{backend}: one writer alone, save latency", alone)
    for mode in ("process", "thread"):
        during = saves_while(store, mode, ids, args.alone)
        percentiles(report, f"{backend}: one writer, retrain in a {mode}, save latency", during)
        report.details[f"{backend}: saves made during the retrain in a {mode}"] = len(during)
    store.engine.dispose()


def main(argv: list[str] | None = None) -> Report:
    p = parser(__doc__.split("\n")[0])
    p.add_argument("--writers", type=int, default=8)
    p.add_argument("--saves", type=int, default=500, help="saves per writer")
    p.add_argument("--alone", type=int, default=300, help="saves of the lone writer")
    p.add_argument("--postgres", action="store_true", help="also on a throwaway PostgreSQL")
    p.add_argument("--pg-url", default=None, help="also on this (empty) PostgreSQL database")
    args = p.parse_args(argv)
    if args.quick:
        args.writers, args.saves, args.alone = 4, 100, 100
    report = Report("concurrent-saves", {"writers": args.writers, "saves": args.saves})
    report.details["machine"] = machine()
    with workdir(args, "concurrent-saves") as tmp:
        measure(report, "sqlite", sqlite_url(tmp / "bench.sqlite"), args)
    if args.pg_url:
        measure(report, "postgresql", args.pg_url, args)
    elif args.postgres:
        from tests.postgres import running_server

        with running_server() as server:
            measure(report, "postgresql", server.create_database("bench"), args)
    report.finish(args)
    return report


if __name__ == "__main__":
    main()
