"""Predict with a trained task: probabilities, values, fast.

Start with :func:`predict_proba` (probabilities and their class order) or
:func:`predict_values` (the values each text gets). Both go through
:func:`predict_decision`, which never builds the feature matrix: the
feature steps score each block of rows against the classifier's
coefficients directly (see ``TextFeatures.linear_scores``), in batches of
:data:`PREDICT_BATCH` rows and, within a batch, in threads.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from typing import Any

import numpy as np
from sklearn.pipeline import Pipeline

from annotator.model.errors import UnknownTarget
from annotator.model.features import check_texts
from annotator.model.stance import stance_rows
from annotator.model.training import TrainedTask

PREDICT_BATCH = 50_000  # rows featurised at once: bounds memory on big corpora
THREADS = min(2, os.cpu_count() or 1)  # predict_proba's default n_jobs


def _rows(trained: TrainedTask, X: Iterable[str], targets: Iterable[str] | str | None) -> Any:
    texts = check_texts(X)
    if trained.kind == "stance":
        if targets is None:
            raise ValueError("stance predictions need the target of each text (targets=...)")
        return stance_rows(texts, targets)
    if targets is not None:
        raise ValueError(f"targets are for stance models, not {trained.kind}")
    return texts


def predict_decision(pipeline: Pipeline, X: Any, *, n_jobs: int | None = None) -> np.ndarray:
    """Decision scores of a fitted pipeline (from :func:`~annotator.model.pipelines.build_pipeline`)
    for prepared rows (texts, or stance rows), batch by batch; its classifier's
    ``proba_from_decision`` turns them into probabilities."""
    masker, features, head = (step for _, step in pipeline.steps)
    parts = []
    for start in range(0, len(X), PREDICT_BATCH):
        chunk = masker.transform(X[start : start + PREDICT_BATCH])
        parts.append(features.linear_scores(chunk, head.coef_, head.intercept_, n_jobs=n_jobs))
    if not parts:
        return np.zeros((0, head.coef_.shape[0]))
    return np.vstack(parts)


def predict_proba(
    trained: TrainedTask,
    X: Iterable[str],
    *,
    targets: Iterable[str] | str | None = None,
    unknown_targets: str = "shared",
    n_jobs: int | None = None,
) -> tuple[np.ndarray, list[str]]:
    """Probabilities (rows: texts, columns: values) and the values' order.

    Single choice and stance: each row sums to 1. Multi choice: one
    independent probability per value (see :func:`predict_values` for the
    thresholds). Stance: ``targets`` is one target per text or one for all;
    a target without labels is answered by the model's shared part, or
    refused with :class:`UnknownTarget` when ``unknown_targets="raise"``.
    ``n_jobs``: threads for counting and scoring (default: up to 2; they
    share the model, numpy and scipy release the GIL while they work).
    """
    if unknown_targets not in ("shared", "raise"):
        raise ValueError(f"unknown_targets is 'shared' or 'raise', not {unknown_targets!r}")
    rows = _rows(trained, X, targets)
    if trained.kind == "stance" and unknown_targets == "raise":
        unknown = sorted(set(rows[:, 1].tolist()) - set(trained.targets))
        if unknown:
            raise UnknownTarget(
                f"no labels for target(s) {', '.join(unknown)}; "
                f"this model was trained on {', '.join(trained.targets)}"
            )
    head = trained.model.named_steps["classify"]
    threads = THREADS if n_jobs is None else n_jobs
    proba = head.proba_from_decision(predict_decision(trained.model, rows, n_jobs=threads))
    return proba, list(trained.classes_)


def predict_values(
    trained: TrainedTask,
    X: Iterable[str],
    *,
    targets: Iterable[str] | str | None = None,
    unknown_targets: str = "shared",
    n_jobs: int | None = None,
) -> list[tuple[str, ...]]:
    """The values each text gets: the most probable one (single choice,
    stance), or every value whose probability reaches its stored threshold
    (multi choice; an empty tuple: none applies)."""
    proba, classes = predict_proba(
        trained, X, targets=targets, unknown_targets=unknown_targets, n_jobs=n_jobs
    )
    if trained.kind == "multi":
        thresholds = trained.model.named_steps["classify"].thresholds_
        present = proba >= thresholds
        return [tuple(c for c, on in zip(classes, row, strict=True) if on) for row in present]
    best = np.argmax(proba, axis=1)
    return [(classes[i],) for i in best.tolist()]
