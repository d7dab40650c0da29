"""Pre-annotation: a model version's guesses for every sentence, stored.

Start with :func:`preannotate`: it predicts every task of a model version
for all sentences in batches (stance only for the targets a sentence names),
stores the predicted values with their probabilities, and an uncertainty
score per sentence (least confidence, margin, entropy; averaged over the
sentence's decisions) that the uncertainty queues order by.
:func:`annotator.annotations.suggestions` turns one sentence's stored
predictions into the decisions the annotate page pre-fills.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
import pandas as pd

from annotator import model
from annotator.labelsets import LabelSet, find_mentions
from annotator.model import TrainedTask
from annotator.model.multitask import Prepared, SharedPredictor
from annotator.storage import Store
from annotator.storage import models as models_sql
from annotator.storage import tallies as tallies_sql
from annotator.storage import texts as texts_sql

BATCH = 50_000
Key = tuple[str, str]
PredictionRow = tuple[int, str, str, str, float]  # sentence, task, target, value, probability


@dataclass(frozen=True)
class PreannotationReport:
    version_id: int
    sentences: int
    predictions: int
    seconds: float
    predict_seconds: float  # the model's own work, summed over threads (overlaps storing)

    @property
    def rate(self) -> float:
        return self.sentences / self.seconds if self.seconds else 0.0


def _uncertainties(proba: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per row, higher = less certain: least confidence, 1 - margin, normalised entropy."""
    if proba.shape[1] == 1:
        proba = np.hstack([proba, 1 - proba])
    ordered = np.sort(proba, axis=1)
    least = 1.0 - ordered[:, -1]
    margin = 1.0 - (ordered[:, -1] - ordered[:, -2])
    clipped = np.clip(proba, 1e-12, 1.0)
    entropy = -(clipped * np.log(clipped)).sum(axis=1) / np.log(proba.shape[1])
    return least, margin, entropy


def stance_pairs(labelset: LabelSet, texts: Sequence[str]) -> tuple[np.ndarray, list[str]]:
    """The targets each text names, as rows: the text's index and the target,
    text by text, targets in order of first mention.

    The same mentions as :func:`~annotator.labelsets.find_mentions` text by
    text, found in one pass over the texts joined by a NUL character (no
    alias holds one, and it is neither a word character nor "@", as the
    start and end of a text are not).
    """
    joined = "\x00".join(texts)
    mentions = find_mentions(labelset, joined)
    if not mentions:
        return np.zeros(0, dtype=np.int64), []
    starts = np.cumsum([0] + [len(t) + 1 for t in texts[:-1]])
    at = np.fromiter((m.start for m in mentions), dtype=np.int64, count=len(mentions))
    owners = (np.searchsorted(starts, at, side="right") - 1).tolist()
    pairs = list(dict.fromkeys(zip(owners, (m.target for m in mentions), strict=True)))
    where = np.fromiter((i for i, _ in pairs), dtype=np.int64, count=len(pairs))
    return where, [t for _, t in pairs]


def _predictor(trained: dict[str, TrainedTask] | SharedPredictor) -> SharedPredictor:
    return trained if isinstance(trained, SharedPredictor) else SharedPredictor(trained)


@dataclass(frozen=True)
class _Prepared:
    ids: list[int]
    stance: dict[str, tuple[np.ndarray, list[str]]]
    counted: Prepared


def _prepare(
    predictor: SharedPredictor, labelset: LabelSet, ids: Sequence[int], texts: Sequence[str]
) -> _Prepared:
    stance_tasks = [name for name, task in predictor.tasks.items() if task.kind == "stance"]
    stance: dict[str, tuple[np.ndarray, list[str]]] = {}
    if stance_tasks:
        where, targets = stance_pairs(labelset, texts)
        if len(where):
            stance = dict.fromkeys(stance_tasks, (where, targets))
    return _Prepared(list(ids), stance, predictor.prepare(texts, stance=stance))


def predict_batch(
    trained: dict[str, TrainedTask] | SharedPredictor,
    labelset: LabelSet,
    ids: Sequence[int],
    texts: Sequence[str],
) -> tuple[list[PredictionRow], np.ndarray]:
    """Prediction rows and the (n, 3) uncertainty scores of one batch.

    Rows come sorted as the predictions table's key (sentence, task,
    target, value), so storing them appends to its indexes. Pass a
    :class:`~annotator.model.multitask.SharedPredictor` built once when
    predicting many batches.
    """
    predictor = _predictor(trained)
    return _finish(predictor, _prepare(predictor, labelset, ids, texts))


def _finish(
    predictor: SharedPredictor, prepared: _Prepared
) -> tuple[list[PredictionRow], np.ndarray]:
    predicted = predictor.score(prepared.counted)
    stance = prepared.stance
    n = len(prepared.ids)
    sentence_ids = np.asarray(prepared.ids, dtype=np.int64)
    columns: list[_Column] = []
    sums = np.zeros((n, 3))
    counts = np.zeros(n)
    for name, (proba, classes) in predicted.items():
        task = predictor.tasks[name]
        values = [*classes, ""]  # the last: no value applies
        if task.kind == "stance":
            where, targets = stance[name]
            table = list(dict.fromkeys(targets))
            code = {t: i for i, t in enumerate(table)}
            target = np.fromiter(map(code.__getitem__, targets), np.int64, len(targets))
        else:
            where, table, target = np.arange(n), [""], np.zeros(n, dtype=np.int64)
        if task.kind == "multi":
            thresholds = np.asarray(task.model.named_steps["classify"].thresholds_)
            present = proba >= thresholds
            rows, chosen = np.nonzero(present)  # row by row, values in order
            probability = proba[rows, chosen]
            empty = np.flatnonzero(~present.any(axis=1))
            rows = np.concatenate([rows, empty])
            chosen = np.concatenate([chosen, np.full(len(empty), len(classes))])
            probability = np.concatenate([probability, 1.0 - proba[empty].max(axis=1)])
            columns.append(
                _Column(where[rows], name, table, target[rows], values, chosen, probability)
            )
            # Each value is a yes/no decision: its uncertainty, averaged over values.
            binary = np.stack([1 - proba, proba], axis=2).reshape(-1, 2)
            scores = np.stack(
                [u.reshape(len(where), -1).mean(axis=1) for u in _uncertainties(binary)], axis=1
            )
        else:
            best = proba.argmax(axis=1)
            probability = proba[np.arange(len(best)), best]
            columns.append(_Column(where, name, table, target, values, best, probability))
            scores = np.stack(_uncertainties(proba), axis=1)
        np.add.at(sums, where, scores)
        np.add.at(counts, where, 1)
    averaged = sums / np.maximum(counts, 1)[:, None]
    return _rows(sentence_ids, columns), averaged


@dataclass(frozen=True)
class _Column:
    """One task's prediction rows, its strings as codes into small tables."""

    where: np.ndarray  # the sentence's position in the batch
    task: str
    targets: list[str]
    target: np.ndarray
    values: list[str]
    value: np.ndarray
    probability: np.ndarray


def _rows(sentence_ids: np.ndarray, columns: list[_Column]) -> list[PredictionRow]:
    """Rows of every task, in key order (text compared by code point, as databases do)."""
    if not columns:
        return []
    strings = sorted({c.task for c in columns}.union(*(c.targets + c.values for c in columns)))
    rank = {s: i for i, s in enumerate(strings)}

    def ranks(table: list[str], codes: np.ndarray) -> np.ndarray:
        return np.asarray([rank[s] for s in table], dtype=np.int64)[codes]

    sid = sentence_ids[np.concatenate([c.where for c in columns])]
    task = np.concatenate([np.full(len(c.where), rank[c.task]) for c in columns])
    target = np.concatenate([ranks(c.targets, c.target) for c in columns])
    value = np.concatenate([ranks(c.values, c.value) for c in columns])
    probability = np.concatenate([c.probability for c in columns]).astype(np.float64)
    order = np.lexsort([value, target, task, sid])
    names = np.asarray(strings, dtype=object)
    return list(
        zip(
            sid[order].tolist(),
            names[task[order]].tolist(),
            names[target[order]].tolist(),
            names[value[order]].tolist(),
            probability[order].tolist(),
            strict=True,
        )
    )


Sink = Callable[[list[int], list[PredictionRow], np.ndarray], None]


def predict_corpus(
    store: Store,
    predictor: SharedPredictor,
    *,
    labelset: LabelSet,
    sink: Sink,
    batch: int = BATCH,
) -> tuple[int, float]:
    """Predict every sentence, batch by batch, and hand each batch's ids,
    rows and uncertainty scores to ``sink``, in order; returns the number of
    sentences and the seconds of model work (summed over the threads).

    Three batches are in flight: this thread reads and prepares one
    (splitting and counting hold the GIL) while a worker scores the one
    before (numpy and scipy mostly release it) and another runs ``sink`` on
    the one before that (a database write waits mostly outside Python).
    """
    work = [0.0]
    lock = threading.Lock()

    def score(prepared: _Prepared, previous: Future[None] | None) -> Future[None]:
        t0 = time.perf_counter()
        rows, uncertainty = _finish(predictor, prepared)
        with lock:
            work[0] += time.perf_counter() - t0
        if previous is not None:
            previous.result()  # one batch waiting to be stored at most
        return writer.submit(sink, prepared.ids, rows, uncertainty)

    done = after = 0
    with ThreadPoolExecutor(1) as scorer, ThreadPoolExecutor(1) as writer:
        scoring: Future[Future[None]] | None = None
        writing: Future[None] | None = None
        while True:
            with store.read() as conn:
                chunk = texts_sql.sentence_chunk(conn, after=after, limit=batch)
            if not chunk:
                break
            ids = [sid for sid, _ in chunk]
            t0 = time.perf_counter()
            prepared = _prepare(predictor, labelset, ids, [t for _, t in chunk])
            with lock:
                work[0] += time.perf_counter() - t0
            if scoring is not None:
                writing = scoring.result()
            scoring = scorer.submit(score, prepared, writing)
            done += len(ids)
            after = ids[-1]
        if scoring is not None:
            scoring.result().result()
    return done, work[0]


def preannotate(
    store: Store,
    version_id: int,
    *,
    labelset: LabelSet,
    batch: int = BATCH,
    progress: Callable[[int], None] | None = None,
) -> PreannotationReport:
    """Predict every sentence with a model version and store the guesses
    (see :func:`predict_corpus`). ``progress(done)`` is called from the
    storing thread after each batch is stored."""
    started = time.perf_counter()
    predictor = SharedPredictor(_load(store, version_id, labelset))
    with store.write() as conn:
        models_sql.clear_predictions(conn, version_id)
    done = stored = 0
    # The compare page's counts (storage.tallies), batch by batch, stored at the end.
    tallied = tallies_sql.Tally()

    def write(ids: list[int], rows: list[PredictionRow], uncertainty: np.ndarray) -> None:
        nonlocal done, stored, tallied
        scores = list(zip(ids, *uncertainty.T.tolist(), strict=True))
        with store.read() as conn:
            where = tallies_sql.places(conn, min(ids, default=0), max(ids, default=0))
        tallied = tallied.plus(tallies_sql.tally(rows, where))
        # One short write per batch: annotators' saves are not held up for long.
        with store.write() as conn:
            models_sql.add_predictions(conn, version_id, rows, scores)
        done += len(ids)
        stored += len(rows)
        if progress is not None:
            progress(done)

    _, predicting = predict_corpus(store, predictor, labelset=labelset, sink=write, batch=batch)
    with store.write() as conn:
        tallies_sql.save(conn, version_id, tallied)
    return PreannotationReport(
        version_id=version_id,
        sentences=done,
        predictions=stored,
        seconds=time.perf_counter() - started,
        predict_seconds=predicting,
    )


def _load(store: Store, version_id: int, labelset: LabelSet) -> dict[str, TrainedTask]:
    from annotator.training import load_version

    with store.read() as conn:
        record = models_sql.get_version(conn, version_id)
    if record is None:
        raise LookupError(f"no model version {version_id}")
    if (record.label_set, record.label_set_version) != (labelset.name, labelset.version):
        raise model.LabelSetMismatch(
            f"model version {version_id} was trained under label set {record.label_set!r} "
            f"version {record.label_set_version}; the label set is now version "
            f"{labelset.version}: retrain before pre-annotating"
        )
    return load_version(store, version_id)


def predict_table(
    trained: dict[str, TrainedTask],
    labelset: LabelSet,
    frame: pd.DataFrame,
    *,
    version_id: int,
) -> pd.DataFrame:
    """Predictions for a table of texts, in the tidy shape, one row per label.

    Every input column is kept (e.g. ``id``). A ``target`` column asks for
    stance toward that target; without one, stance is predicted for the
    targets each text names. Multi-choice tasks give one row per value
    predicted present (value "" when none is). Adds ``task, target, value,
    probability, model_version, annotator, source``: the file imports back
    as the model's labels.
    """
    texts = frame["text"].astype(str).tolist()
    given = frame["target"].astype(str).tolist() if "target" in frame.columns else None
    out: list[tuple[int, str, str, str, float]] = []
    for name, task in trained.items():
        if task.kind == "stance":
            pairs = [
                (i, t)
                for i, text in enumerate(texts)
                for t in (
                    [given[i]] if given is not None and given[i] else
                    dict.fromkeys(m.target for m in find_mentions(labelset, text))
                )
            ]  # fmt: skip
            if not pairs:
                continue
            proba, classes = model.predict_proba(
                task, [texts[i] for i, _ in pairs], targets=[t for _, t in pairs]
            )
            best = proba.argmax(axis=1)
            out.extend(
                (i, name, t, classes[j], float(proba[k, j]))
                for k, ((i, t), j) in enumerate(zip(pairs, best.tolist(), strict=True))
            )
        elif task.kind == "multi":
            proba, classes = model.predict_proba(task, texts)
            present = proba >= np.asarray(task.model.named_steps["classify"].thresholds_)
            for i, on in enumerate(present):
                chosen = np.flatnonzero(on)
                out.extend((i, name, "", classes[j], float(proba[i, j])) for j in chosen)
                if not chosen.size:
                    out.append((i, name, "", "", float(1.0 - proba[i].max())))
        else:
            proba, classes = model.predict_proba(task, texts)
            best = proba.argmax(axis=1)
            out.extend((i, name, "", classes[j], float(proba[i, j])) for i, j in enumerate(best))
    rows = pd.DataFrame(out, columns=["row", "task", "target", "value", "probability"])
    inputs = frame.drop(columns=[c for c in ("task", "target", "value") if c in frame.columns])
    result = inputs.reset_index(drop=True).iloc[rows["row"]].reset_index(drop=True)
    for column in ("task", "target", "value", "probability"):
        result[column] = rows[column].to_numpy()
    result["model_version"] = version_id
    result["annotator"] = f"model v{version_id}"
    result["source"] = "model"
    result["label_set"] = labelset.name
    result["label_set_version"] = labelset.version
    return result
