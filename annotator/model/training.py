"""Train a task's model and measure it on held-out folds.

Start with :func:`fit_task`: labels in, a :class:`TrainedTask` out (the
fitted pipeline, its classes, and :class:`~annotator.model.metrics.Metrics`
from stratified 5-fold cross-validation, seed 0, plus folds that hold each
outlet out when ``groups`` names two outlets or more). Predict with
:mod:`annotator.model.prediction`; train several tasks at once with
:mod:`annotator.model.retrain`.

The classifier's own held-out scores (it learns its calibration from them)
are the random-fold metrics, so measuring costs no second cross-validation.
One shortcut keeps a retrain within seconds: the vectorizers (vocabulary and
IDF, which see no labels) are fitted once on all training texts and every
fold refits only the classifier on that matrix, so held-out rows' words
count in the vocabulary. ``bench/model_quality.py`` measures what that
flatters: -0.001 macro-F1 on SmSA, +0.006 F_avg on SemEval-2016.
"""

from __future__ import annotations

import copy
import hashlib
import platform
import threading
from collections import Counter, OrderedDict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import metadata
from typing import Any

import numpy as np
from sklearn.pipeline import Pipeline

from annotator.model.errors import SingleClassError, TooFewLabels, UnknownLabel
from annotator.model.evaluation import Stance, held_out, learning_curve_of, scores
from annotator.model.features import check_texts
from annotator.model.folds import group_fold_ids
from annotator.model.heads import indicator
from annotator.model.metrics import Metrics, find_class
from annotator.model.pipelines import KINDS, build_pipeline
from annotator.model.stance import stance_rows

MIN_LABELS = 10


@dataclass(frozen=True)
class TrainedTask:
    """A fitted model of one task and what is known about it.

    ``classes_``: the probability columns' values (label-set order when
    ``classes`` was given). ``counts``: labels per value. ``targets``
    (stance): the targets it has labels for; others are answered by the
    shared part of the model. ``labels_hash``: SHA-256 of the training
    labels (order does not matter), to tell whether a retrain would see
    anything new.
    """

    kind: str
    model: Pipeline
    classes_: tuple[str, ...]
    metrics: Metrics
    counts: dict[str, int]
    n_labels: int
    labels_hash: str
    targets: tuple[str, ...] = ()
    none_applies: int = 0  # multi choice: labels saying no value applies
    favor: str | None = None
    against: str | None = None
    params: dict[str, Any] = field(default_factory=dict)
    created: str = ""
    versions: dict[str, str] = field(default_factory=dict)

    @property
    def thresholds(self) -> dict[str, float] | None:
        """Multi choice: the probability from which each value is predicted present."""
        if self.kind != "multi":
            return None
        head = self.model.named_steps["classify"]
        return dict(zip(self.classes_, map(float, head.thresholds_), strict=True))


def library_versions() -> dict[str, str]:
    found = {"python": platform.python_version()}
    for package in ("scikit-learn", "numpy", "scipy", "skops", "stance-workbench"):
        try:
            found[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            found[package] = "not installed"
    return found


def hash_labels(
    texts: Sequence[str], labels: Sequence[Any], targets: Sequence[str] | None = None
) -> str:
    """SHA-256 of the (text, target, label) rows, in any order."""
    rows = sorted(
        "\x1f".join([text, targets[i] if targets is not None else "", _label_key(labels[i])])
        for i, text in enumerate(texts)
    )
    digest = hashlib.sha256()
    for row in rows:
        digest.update(row.encode("utf-8"))
        digest.update(b"\x1e")
    return digest.hexdigest()


def _label_key(label: Any) -> str:
    if isinstance(label, str):
        return label
    return "\x1d".join(sorted(map(str, label)))


# ---------------------------------------------------------------- checks


def _check_labels(
    kind: str, labels: list[Any], classes: Sequence[str] | None, min_labels: int
) -> tuple[str, ...]:
    """The class order, after refusing what cannot be learnt."""
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {', '.join(KINDS)}, not {kind!r}")
    if len(labels) < min_labels:
        raise TooFewLabels(
            f"{len(labels)} label(s); a model needs at least {min_labels} to learn and be measured"
        )
    if kind == "multi":
        sets = [frozenset(v) for v in labels]
        seen = set().union(*sets)
        if len(set(sets)) < 2:
            only = ", ".join(sorted(next(iter(sets)))) or "no value"
            raise SingleClassError(
                f"every one of the {len(sets)} labels is the same ({only}): nothing to tell apart"
            )
    else:
        seen = set(labels)
        if len(seen) < 2:
            raise SingleClassError(
                f"all {len(labels)} labels have one value, {next(iter(seen))!r}: "
                "a model needs labels of two values at least"
            )
    if classes is None:
        return tuple(sorted(seen))
    unknown = sorted(seen - set(classes))
    if unknown:
        raise UnknownLabel(
            f"label value(s) {', '.join(map(repr, unknown))} not among the task's values "
            f"({', '.join(classes)})"
        )
    return tuple(classes)


# ---------------------------------------------------------------- training


def fit_task(
    kind: str,
    X: Iterable[str],
    y: Sequence[Any],
    *,
    targets: Sequence[str] | None = None,
    groups: Sequence[str] | None = None,
    classes: Sequence[str] | None = None,
    mask: Iterable[str] = (),
    aliases: dict[str, Sequence[str]] | None = None,
    random_state: int = 0,
    n_folds: int = 5,
    learning_curve: bool = False,
    favor: str = "favor",
    against: str = "against",
    min_labels: int = MIN_LABELS,
    labels_hash: str | None = None,
    n_jobs: int | None = None,
    **params: Any,
) -> TrainedTask:
    """Fit the model of one task and measure it on held-out folds.

    ``X``: texts. ``y``: one value per text (single choice, stance) or a
    collection of values per text (multi choice; empty: "none applies").
    ``targets`` (stance): the target each row is about. ``groups``: the
    outlet of each row; with two outlets or more the metrics also hold
    scores with each outlet held out in turn. ``classes``: the task's values
    in label-set order. ``mask``: strings hidden from the model (outlet
    names, bylines). ``favor``/``against``: the stance classes whose F1
    SemEval's F_avg averages (matched ignoring case). ``n_jobs``: processes
    for the fold fits (same results, sooner on 2 cores). Further keywords go
    to :func:`~annotator.model.pipelines.build_pipeline`.

    Raises :class:`TooFewLabels`, :class:`SingleClassError`,
    :class:`UnknownLabel` or ``ValueError`` (inputs of different lengths).
    """
    texts = check_texts(X)
    labels = [frozenset(v) for v in y] if kind == "multi" else [str(v) for v in y]
    if len(labels) != len(texts):
        raise ValueError(f"{len(texts)} texts but {len(labels)} labels")
    if kind == "stance" and targets is None:
        raise ValueError("stance labels need the target of each row (targets=...)")
    if kind != "stance" and targets is not None:
        raise ValueError(f"targets are for stance tasks, not {kind}")
    if groups is not None and len(groups) != len(texts):
        raise ValueError(f"{len(texts)} texts but {len(groups)} groups")
    order = _check_labels(kind, labels, classes, min_labels)
    rows: Any = stance_rows(texts, targets) if targets is not None else texts
    pipeline = build_pipeline(
        kind,
        classes=order,
        mask=mask,
        aliases=aliases,
        random_state=random_state,
        cv=n_folds,
        n_jobs=n_jobs,
        **params,
    )
    matrix = _fit_features(pipeline, rows)
    head = pipeline.named_steps["classify"]
    if kind == "multi":
        target_y, _ = indicator(labels, order)
        head.fit(matrix, target_y)
    else:
        target_y = np.asarray(labels, dtype=object)
        strata = None
        if targets is not None:
            strata = [f"{t}\x1f{v}" for t, v in zip(targets, labels, strict=True)]
        # A sentence asked about two targets stays in one fold.
        head.fit(matrix, target_y, strata=strata, groups=texts if targets is not None else None)
    stance = Stance(
        favor=find_class(order, favor) if kind == "stance" else None,
        against=find_class(order, against) if kind == "stance" else None,
        targets=list(targets) if targets is not None else None,
    )
    random_scores = scores(
        kind, head, target_y, order, head.oof_fold_, head.oof_decision_, "stratified", stance
    )
    grouped = None
    if groups is not None and len(set(groups)) >= 2:
        folds = group_fold_ids(groups, n_folds)
        decision = held_out(kind, head, matrix, target_y, folds, n_jobs)
        grouped = scores(
            kind,
            head,
            target_y,
            order,
            folds,
            decision,
            "outlets held out",
            stance,
            groups=list(groups),
        )
    curve = None
    if learning_curve and head.oof_fold_ is not None:
        curve = learning_curve_of(
            kind, head, matrix, target_y, head.oof_fold_, stance, random_state, n_jobs
        )
    counts = Counter(v for s in labels for v in s) if kind == "multi" else Counter(labels)
    return TrainedTask(
        kind=kind,
        model=pipeline,
        classes_=order,
        metrics=Metrics(random=random_scores, grouped=grouped, learning_curve=curve),
        counts={c: int(counts.get(c, 0)) for c in order},
        n_labels=len(labels),
        labels_hash=labels_hash or hash_labels(texts, labels, targets),
        targets=tuple(sorted(set(targets))) if targets is not None else (),
        none_applies=sum(1 for s in labels if not s) if kind == "multi" else 0,
        favor=stance.favor,
        against=stance.against,
        params={
            "mask": list(mask),
            "aliases": aliases or {},
            "n_folds": n_folds,
            "random_state": random_state,
            **params,
        },
        created=datetime.now(UTC).isoformat(timespec="seconds"),
        versions=library_versions(),
    )


_FEATURES: OrderedDict[str, tuple[Any, Any]] = OrderedDict()
_FEATURES_LOCK = threading.Lock()


def clear_feature_cache() -> None:
    """Forget the kept feature fits (benchmarks time each train from scratch)."""
    with _FEATURES_LOCK:
        _FEATURES.clear()


def _fit_features(pipeline: Pipeline, rows: Any) -> Any:
    """Fit the pipeline's masking and feature steps on ``rows``; return the matrix.

    The tasks of a label set mostly share their texts (bias, opinion and
    frames are labelled on the same sentences) and the features see no
    labels, so the last two fits are kept and reused: the pipeline gets a
    shallow copy of the fitted step (the vectorizers are shared, read-only).
    """
    masker, features = pipeline.named_steps["mask"], pipeline.named_steps["features"]
    digest = hashlib.sha256(
        repr((masker.get_params(), features.get_params(), type(features).__name__)).encode()
    )
    cells = rows.ravel().tolist() if isinstance(rows, np.ndarray) else list(rows)
    digest.update("\x1e".join(cells).encode("utf-8", "surrogatepass"))
    key = digest.hexdigest()
    with _FEATURES_LOCK:
        cached = _FEATURES.get(key)
        if cached is not None:
            _FEATURES.move_to_end(key)
    if cached is not None:
        fitted, matrix = cached
        pipeline.steps[1] = ("features", copy.copy(fitted))
        return matrix
    matrix = features.fit_transform(masker.fit_transform(rows))
    with _FEATURES_LOCK:
        _FEATURES[key] = (features, matrix)
        while len(_FEATURES) > 2:
            _FEATURES.popitem(last=False)
    return matrix
