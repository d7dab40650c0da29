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

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from annotator import model
from annotator.labelsets import LabelSet, find_mentions
from annotator.model import TrainedTask
from annotator.storage import Store
from annotator.storage import models as models_sql
from annotator.storage import texts as texts_sql

BATCH = 50_000
Key = tuple[str, str]


@dataclass(frozen=True)
class PreannotationReport:
    version_id: int
    sentences: int
    predictions: int
    seconds: float
    predict_seconds: float  # of which the model's own work

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


def predict_batch(
    trained: dict[str, TrainedTask],
    labelset: LabelSet,
    ids: Sequence[int],
    texts: Sequence[str],
) -> tuple[list[tuple[int, str, str, str, float]], np.ndarray]:
    """Prediction rows and the (n, 3) uncertainty scores of one batch."""
    n = len(ids)
    rows: list[tuple[int, str, str, str, float]] = []
    sums = np.zeros((n, 3))
    counts = np.zeros(n)
    for name, task in trained.items():
        if task.kind == "stance":
            pairs = [
                (i, target)
                for i, text in enumerate(texts)
                for target in dict.fromkeys(m.target for m in find_mentions(labelset, text))
            ]
            if not pairs:
                continue
            where = np.fromiter((i for i, _ in pairs), dtype=np.int64, count=len(pairs))
            targets = [t for _, t in pairs]
            proba, classes = model.predict_proba(task, [texts[i] for i in where], targets=targets)
        else:
            where = np.arange(n)
            targets = [""] * n
            proba, classes = model.predict_proba(task, texts)
        if task.kind == "multi":
            thresholds = np.asarray(task.model.named_steps["classify"].thresholds_)
            present = proba >= thresholds
            for row, (i, on) in enumerate(zip(where.tolist(), present, strict=True)):
                chosen = np.flatnonzero(on)
                if chosen.size:
                    rows.extend(
                        (ids[i], name, "", classes[j], float(proba[row, j])) for j in chosen
                    )
                else:
                    rows.append((ids[i], name, "", "", float(1.0 - proba[row].max())))
            # Each value is a yes/no decision: its uncertainty, averaged over values.
            binary = np.stack([1 - proba, proba], axis=2).reshape(-1, 2)
            scores = np.stack(
                [u.reshape(len(where), -1).mean(axis=1) for u in _uncertainties(binary)], axis=1
            )
        else:
            best = proba.argmax(axis=1)
            rows.extend(
                (ids[i], name, target, classes[j], float(proba[row, j]))
                for row, (i, target, j) in enumerate(
                    zip(where.tolist(), targets, best.tolist(), strict=True)
                )
            )
            scores = np.stack(_uncertainties(proba), axis=1)
        np.add.at(sums, where, scores)
        np.add.at(counts, where, 1)
    averaged = sums / np.maximum(counts, 1)[:, None]
    return rows, averaged


def preannotate(
    store: Store,
    version_id: int,
    *,
    labelset: LabelSet,
    batch: int = BATCH,
    progress: Callable[[int], None] | None = None,
) -> PreannotationReport:
    """Predict every sentence with a model version and store the guesses."""
    started = time.perf_counter()
    trained = _load(store, version_id, labelset)
    with store.write() as conn:
        models_sql.clear_predictions(conn, version_id)
    predicting = 0.0
    done = stored = 0
    after = 0
    while True:
        with store.read() as conn:
            chunk = texts_sql.sentence_chunk(conn, after=after, limit=batch)
        if not chunk:
            break
        ids = [sid for sid, _ in chunk]
        t0 = time.perf_counter()
        rows, uncertainty = predict_batch(trained, labelset, ids, [text for _, text in chunk])
        predicting += time.perf_counter() - t0
        scores = [
            (sid, float(a), float(b), float(c))
            for sid, (a, b, c) in zip(ids, uncertainty.tolist(), strict=True)
        ]
        # One short write per batch: annotators' saves are not held up for long.
        with store.write() as conn:
            models_sql.add_predictions(conn, version_id, rows, scores)
        done += len(ids)
        stored += len(rows)
        after = ids[-1]
        if progress is not None:
            progress(done)
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
