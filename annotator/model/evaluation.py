"""Held-out scores of a fitted classifier: random folds, outlet folds, learning curves.

Used by :func:`~annotator.model.training.fit_task`; start with
:func:`scores` (the :class:`~annotator.model.metrics.Scores` of held-out
decision scores), :func:`held_out` (decision scores from folds that hold
each outlet out) and :func:`learning_curve_of`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from annotator.model.errors import TooFewLabels
from annotator.model.folds import assemble, cross_fit, splits_of
from annotator.model.heads import best_threshold
from annotator.model.metrics import (
    LearningCurve,
    Scores,
    choice_scores,
    f_avg,
    macro_f1,
    multi_scores,
)

CURVE_SIZES = (25, 50, 100, 200, 400, 800, 1600, 3200, 6400, 12800, 25600)


@dataclass(frozen=True)
class Stance:
    """What the stance metrics need: the favor and against classes, each row's target."""

    favor: str | None = None
    against: str | None = None
    targets: list[str] | None = None


def held_out(
    kind: str, head: Any, matrix: Any, y: np.ndarray, folds: np.ndarray, n_jobs: int | None
) -> np.ndarray:
    """Decision scores of every row from a classifier that did not see its fold."""
    splits = splits_of(folds)
    labels = None if kind == "multi" else np.unique(y)
    parts, _ = cross_fit(
        matrix, y, splits, labels=labels, fit_params=head.fit_params(), n_jobs=n_jobs
    )
    width = y.shape[1] if labels is None else len(labels)
    return assemble(parts, splits, (len(y), width))


def crossfit_predictions(decision: np.ndarray, y: np.ndarray, folds: np.ndarray) -> np.ndarray:
    """Multi choice: each fold's values predicted with thresholds chosen on the other folds."""
    predicted = np.zeros(y.shape, dtype=np.int8)
    for k in range(int(folds.max()) + 1):
        test, other = folds == k, folds != k
        for j in range(y.shape[1]):
            cut = best_threshold(decision[other, j], y[other, j])
            predicted[test, j] = decision[test, j] >= cut
    return predicted


def scores(
    kind: str,
    head: Any,
    y: np.ndarray,
    order: tuple[str, ...],
    folds: np.ndarray | None,
    decision: np.ndarray | None,
    scheme: str,
    stance: Stance,
    groups: list[str] | None = None,
) -> Scores:
    if folds is None or decision is None:
        raise TooFewLabels("too few labels to hold any out for measuring")
    k = int(folds.max()) + 1
    name = f"{scheme} {k}-fold"
    if kind == "multi":
        predicted = crossfit_predictions(decision, y, folds)
        return multi_scores(y, predicted, order, scheme=name, folds=k, groups=groups)
    labels = np.unique(y)
    predicted_labels = labels[np.argmax(decision, axis=1)]
    return choice_scores(
        y.tolist(),
        predicted_labels.tolist(),
        order,
        scheme=name,
        folds=k,
        favor=stance.favor,
        against=stance.against,
        targets=stance.targets,
        groups=groups,
    )


def learning_curve_of(
    kind: str,
    head: Any,
    matrix: Any,
    y: np.ndarray,
    folds: np.ndarray,
    stance: Stance,
    random_state: int,
    n_jobs: int | None,
) -> LearningCurve:
    """Macro-F1 (and F_avg) on each held-out fold after training on random
    subsets of the other folds; multi choice predicts a value when its
    classifier's score is positive (no threshold tuning on tiny subsets)."""
    rng = np.random.default_rng(random_state)
    n_train = int((folds != 0).sum())
    sizes = [s for s in CURVE_SIZES if s < n_train] + [n_train]
    splits = []
    for train_all, test in splits_of(folds):
        for size in sizes:
            splits.append((np.sort(rng.permutation(train_all)[:size]), test))
    labels = None if kind == "multi" else np.unique(y)
    parts, _ = cross_fit(
        matrix, y, splits, labels=labels, fit_params=head.fit_params(), n_jobs=n_jobs
    )
    f1 = np.zeros(len(splits))
    favg = np.zeros(len(splits))
    for i, (part, (_, test)) in enumerate(zip(parts, splits, strict=True)):
        if labels is None:
            names = [str(j) for j in range(y.shape[1])]
            predicted = (part > 0).astype(np.int8)
            f1[i] = multi_scores(y[test], predicted, names, scheme="", folds=0).macro_f1
            continue
        chosen = labels[np.argmax(part, axis=1)].tolist()
        f1[i] = macro_f1(y[test].tolist(), chosen)
        favg[i] = f_avg(y[test].tolist(), chosen, stance.favor, stance.against) or 0.0
    shape = (int(folds.max()) + 1, len(sizes))
    has_favg = kind == "stance" and stance.favor is not None and stance.against is not None
    return LearningCurve(
        sizes=tuple(sizes),
        macro_f1=tuple(float(v) for v in f1.reshape(shape).mean(axis=0)),
        f_avg=tuple(float(v) for v in favg.reshape(shape).mean(axis=0)) if has_favg else None,
        folds=shape[0],
    )
