"""Classifier heads: class-balanced linear SVMs whose probabilities are learnt on held-out folds.

Start with :class:`CalibratedLinearClassifier` (single choice and stance:
one value per row) or :class:`ThresholdedOneVsRest` (multi choice: any
number of values per row). Both split the training rows into stratified
folds (seed ``random_state``), fit a ``LinearSVC`` per fold to score the
held-out rows, learn from those out-of-fold scores what the final model's
scores mean (a softmax temperature; per value a Platt sigmoid and the
decision threshold with the best F1), and fit the final model on every row
(from 5,000 rows on: the mean of the fold models, as good and one fit
cheaper). The
out-of-fold scores and fold numbers are kept (``oof_decision_``,
``oof_fold_``), so the cross-validated metrics of a train need no second
cross-validation.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
from scipy.optimize import minimize_scalar
from scipy.special import expit, log_softmax, softmax
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.linear_model import LogisticRegression
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data

from annotator.model.folds import assemble, cross_fit, final_model, fold_ids, splits_of


def _fit_temperature(scores: np.ndarray, truth: np.ndarray) -> float:
    """The softmax temperature that minimises the log loss of ``scores``."""
    rows = np.arange(len(truth))

    def loss(log_t: float) -> float:
        return float(-log_softmax(scores / np.exp(log_t), axis=1)[rows, truth].mean())

    found = minimize_scalar(loss, bounds=(np.log(1e-3), np.log(1e3)), method="bounded")
    return float(np.exp(found.x))


def best_threshold(scores: np.ndarray, truth: np.ndarray) -> float:
    """The cut with the best F1 when ``scores >= cut`` predicts a positive
    (``inf``, never positive, when there are no positives)."""
    positives = int(truth.sum())
    if positives == 0 or len(scores) == 0:
        return float("inf")
    order = np.argsort(-scores, kind="stable")
    s, t = scores[order], truth[order].astype(np.int64)
    tp = np.cumsum(t)
    predicted = np.arange(1, len(s) + 1)
    f1 = 2 * tp / (predicted + positives)
    ends = np.r_[s[1:] != s[:-1], True]  # a cut cannot split tied scores
    return float(s[int(np.argmax(np.where(ends, f1, -1.0)))])


class _LinearHead(ClassifierMixin, BaseEstimator):
    C: float
    class_weight: Any
    max_iter: int
    random_state: int

    def fit_params(self) -> dict[str, Any]:
        """The ``LinearSVC`` settings every fit of this head uses."""
        return {
            "C": self.C,
            "class_weight": self.class_weight,
            "max_iter": self.max_iter,
            "random_state": self.random_state,
        }

    def scores(self, X: Any) -> np.ndarray:
        """``X @ coef_.T + intercept_``: one column per seen class (per value, multi choice)."""
        check_is_fitted(self, "coef_")
        X = validate_data(self, X, accept_sparse="csr", reset=False)
        return np.asarray(X @ self.coef_.T + self.intercept_)

    def decision_function(self, X: Any) -> np.ndarray:
        return self.scores(X)

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        return tags


# ---------------------------------------------------------------- one value per row


class CalibratedLinearClassifier(_LinearHead):
    """Class-balanced ``LinearSVC`` with softmax probabilities whose
    temperature is fitted on out-of-fold scores.

    ``classes`` fixes the order of the probability columns (a label set's
    values); values without labels get probability 0. The temperature does
    not move the arg-max, so out-of-fold predictions are the final model's
    kind of prediction. ``n_jobs``: processes for the fold fits.
    """

    def __init__(
        self,
        classes: tuple[Any, ...] | None = None,
        C: float = 0.3,
        class_weight: str | dict[Any, float] | None = "balanced",
        max_iter: int = 3,
        cv: int = 5,
        random_state: int = 0,
        calibrate: bool = True,
        n_jobs: int | None = None,
    ) -> None:
        self.classes = classes
        self.C = C
        self.class_weight = class_weight
        self.max_iter = max_iter
        self.cv = cv
        self.random_state = random_state
        self.calibrate = calibrate
        self.n_jobs = n_jobs

    def fit(
        self, X: Any, y: Any, strata: Any = None, groups: Any = None
    ) -> CalibratedLinearClassifier:
        X, y = validate_data(self, X, y, accept_sparse="csr", dtype=np.float64)
        labels = np.unique(y)
        check_classification_targets(y)
        if len(labels) < 2:
            raise ValueError(
                "a classifier needs samples of at least 2 classes; the data contains only "
                f"one class: {labels.tolist()!r}"
            )
        if self.classes is None:
            self.classes_ = labels
        else:
            self.classes_ = np.asarray(list(self.classes), dtype=object)
            unknown = set(labels.tolist()) - set(self.classes_.tolist())
            if unknown:
                raise ValueError(f"labels not among classes: {sorted(map(str, unknown))}")
        position = {c: i for i, c in enumerate(self.classes_.tolist())}
        self.seen_ = np.asarray([position[c] for c in labels.tolist()], dtype=np.int64)
        truth = np.searchsorted(labels, y)
        folds = fold_ids(
            y if strata is None else strata,
            n_folds=self.cv,
            random_state=self.random_state,
            smallest_class=int(np.bincount(truth).min()),
            groups=groups,
        )
        splits = splits_of(folds) if folds is not None else []
        parts, models = cross_fit(
            X, y, splits, labels=labels, fit_params=self.fit_params(), n_jobs=self.n_jobs
        )
        self.coef_, self.intercept_ = final_model(
            X, y, models, labels=labels, fit_params=self.fit_params()
        )
        self.n_iter_ = self.max_iter  # liblinear's passes: capped, and the cap is reached
        self.oof_fold_ = folds
        self.oof_decision_ = assemble(parts, splits, (len(y), len(labels))) if splits else None
        self.temperature_ = 1.0
        if self.calibrate and self.oof_decision_ is not None:
            self.temperature_ = _fit_temperature(self.oof_decision_, truth)
        return self

    def proba_from_decision(self, decision: np.ndarray) -> np.ndarray:
        """Probabilities over ``classes_`` from decision scores over the seen classes."""
        proba = np.zeros((decision.shape[0], len(self.classes_)))
        proba[:, self.seen_] = softmax(decision / self.temperature_, axis=1)
        return proba

    def decision_function(self, X: Any) -> np.ndarray:
        """One score per seen class; for two classes, one score (positive: the second)."""
        scores = self.scores(X)
        return scores[:, 1] - scores[:, 0] if scores.shape[1] == 2 else scores

    def predict_proba(self, X: Any) -> np.ndarray:
        return self.proba_from_decision(self.scores(X))

    def predict(self, X: Any) -> np.ndarray:
        best = np.argmax(self.scores(X), axis=1)
        return np.asarray(self.classes_[self.seen_[best]])


# ---------------------------------------------------------------- any number of values per row


def indicator(Y: Any, classes: Sequence[Any] | None) -> tuple[np.ndarray, np.ndarray]:
    """``Y`` (an indicator matrix, or one collection of values per row) as a
    0/1 matrix over ``classes`` (default: the values seen, sorted). Rows of
    numbers of one length are indicator rows, as in scikit-learn."""
    if not isinstance(Y, np.ndarray) and all(isinstance(r, list | tuple | np.ndarray) for r in Y):
        with contextlib.suppress(ValueError):
            as_array = np.asarray(Y)
            if as_array.ndim == 2 and as_array.dtype.kind in "biuf":
                Y = as_array
    if isinstance(Y, np.ndarray) and Y.ndim == 2 and Y.dtype != object:
        names = list(classes) if classes is not None else list(range(Y.shape[1]))
        if len(names) != Y.shape[1]:
            raise ValueError(f"{Y.shape[1]} indicator columns for {len(names)} classes")
        return (np.asarray(Y) != 0).astype(np.int8), np.asarray(names, dtype=object)
    rows = [frozenset(row) for row in _as_sets(Y)]
    seen = set().union(*rows) if rows else set()
    names_list = list(classes) if classes is not None else sorted(seen, key=str)
    unknown = seen - set(names_list)
    if unknown:
        raise ValueError(f"labels not among classes: {sorted(map(str, unknown))}")
    column = {c: i for i, c in enumerate(names_list)}
    out = np.zeros((len(rows), len(names_list)), dtype=np.int8)
    for i, row in enumerate(rows):
        for value in row:
            out[i, column[value]] = 1
    return out, np.asarray(names_list, dtype=object)


def _as_sets(Y: Any) -> Iterable[Iterable[Any]]:
    for row in Y:
        if isinstance(row, str):
            raise ValueError("multi-choice labels are a collection of values per row, not a string")
        yield row


def rarest_value(Y: np.ndarray) -> np.ndarray:
    """Per row, its least frequent value (-1: none), to stratify multi-label folds."""
    frequency = Y.sum(axis=0).astype(np.float64)
    ranked = np.where(Y > 0, frequency[None, :], np.inf)
    return np.where(np.isinf(ranked.min(axis=1)), -1, ranked.argmin(axis=1))


class ThresholdedOneVsRest(_LinearHead):
    """One class-balanced ``LinearSVC`` per value, a Platt sigmoid per value
    and a per-value decision threshold with the best out-of-fold F1.

    ``fit`` takes an indicator matrix or one collection of values per row
    (an empty one: "no value applies"). ``predict_proba`` gives one
    independent probability per value; ``predict`` applies ``thresholds_``.
    """

    def __init__(
        self,
        classes: tuple[Any, ...] | None = None,
        C: float = 0.3,
        class_weight: str | dict[Any, float] | None = "balanced",
        max_iter: int = 3,
        cv: int = 5,
        random_state: int = 0,
        n_jobs: int | None = None,
    ) -> None:
        self.classes = classes
        self.C = C
        self.class_weight = class_weight
        self.max_iter = max_iter
        self.cv = cv
        self.random_state = random_state
        self.n_jobs = n_jobs

    def fit(self, X: Any, Y: Any, strata: Any = None) -> ThresholdedOneVsRest:
        given = getattr(Y, "dtype", None)
        Y, self.classes_ = indicator(Y, self.classes)
        # predict answers in the targets' dtype (a name: skops trusts no dtype objects)
        numeric = given is not None and given.kind in "biuf"
        self.y_dtype_ = str(given) if numeric else "int64"
        X = validate_data(self, X, accept_sparse="csr", dtype=np.float64)
        if X.shape[0] != Y.shape[0]:
            raise ValueError(f"{X.shape[0]} rows of features for {Y.shape[0]} rows of labels")
        n, m = Y.shape
        folds = fold_ids(
            rarest_value(Y) if strata is None else strata,
            n_folds=self.cv,
            random_state=self.random_state,
            smallest_class=n,
        )
        splits = splits_of(folds) if folds is not None else []
        parts, models = cross_fit(
            X, Y, splits, labels=None, fit_params=self.fit_params(), n_jobs=self.n_jobs
        )
        self.coef_, self.intercept_ = final_model(
            X, Y, models, labels=None, fit_params=self.fit_params()
        )
        self.n_iter_ = self.max_iter  # liblinear's passes: capped, and the cap is reached
        self.oof_fold_ = folds
        self.oof_decision_ = assemble(parts, splits, (n, m)) if splits else None
        # Without folds (a handful of rows), the training scores stand in.
        scores = (
            self.oof_decision_
            if self.oof_decision_ is not None
            else np.asarray(X @ self.coef_.T + self.intercept_)
        )
        self.platt_ = np.zeros((m, 2))
        self.thresholds_ = np.full(m, 0.5)
        for j in range(m):
            column = Y[:, j]
            if column.min() == column.max():  # never or always: a constant
                self.platt_[j] = (0.0, 20.0 if column[0] else -20.0)
                continue
            slope, offset = self.platt_[j] = _platt(scores[:, j], column)
            self.thresholds_[j] = best_threshold(expit(scores[:, j] * slope + offset), column)
        return self

    def proba_from_decision(self, decision: np.ndarray) -> np.ndarray:
        return np.asarray(expit(decision * self.platt_[:, 0] + self.platt_[:, 1]))

    def predict_proba(self, X: Any) -> np.ndarray:
        return self.proba_from_decision(self.scores(X))

    def predict(self, X: Any) -> np.ndarray:
        return (self.predict_proba(X) >= self.thresholds_).astype(np.dtype(self.y_dtype_))

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_label = True
        tags.target_tags.multi_output = True
        tags.target_tags.single_output = False
        return tags


def _platt(scores: np.ndarray, truth: np.ndarray) -> tuple[float, float]:
    """Slope and intercept of a sigmoid mapping ``scores`` to probabilities."""
    model = LogisticRegression(C=1e4).fit(scores.reshape(-1, 1), truth)
    return float(model.coef_[0, 0]), float(model.intercept_[0])
