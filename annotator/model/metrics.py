"""Scores of a model's held-out predictions, as plain frozen records.

Start with :func:`choice_scores` (single choice and stance: one value per
row) or :func:`multi_scores` (multi choice). A :class:`Metrics` holds the
scores with random stratified folds, the scores with outlets held out (when
the labels came from two outlets or more) and, when asked for, a
:class:`LearningCurve`. ``to_dict`` / ``from_dict`` give the JSON of a model
card and back.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np


@dataclass(frozen=True)
class ClassScores:
    precision: float
    recall: float
    f1: float
    support: int


@dataclass(frozen=True)
class GroupScores:
    """Scores of one slice of the rows (a stance target, a held-out outlet)."""

    n: int
    macro_f1: float
    f_avg: float | None = None


@dataclass(frozen=True)
class Scores:
    """Held-out scores of one cross-validation scheme.

    ``macro_f1`` averages the F1 of the classes that occur in the labels.
    Single choice and stance: ``confusion`` (rows: true class, columns:
    predicted, both in ``classes`` order) and ``accuracy``; stance also
    ``f_avg`` (SemEval-2016: mean F1 of the favor and against classes) and
    ``per_target``. Multi choice: ``micro_f1``, ``exact_match`` and per value
    ``value_confusion`` ``[tn, fp, fn, tp]``.
    """

    scheme: str
    folds: int
    n: int
    classes: tuple[str, ...]
    macro_f1: float
    per_class: dict[str, ClassScores]
    accuracy: float | None = None
    confusion: tuple[tuple[int, ...], ...] | None = None
    f_avg: float | None = None
    per_target: dict[str, GroupScores] = field(default_factory=dict)
    per_group: dict[str, GroupScores] = field(default_factory=dict)
    micro_f1: float | None = None
    exact_match: float | None = None
    value_confusion: dict[str, tuple[int, int, int, int]] = field(default_factory=dict)


@dataclass(frozen=True)
class LearningCurve:
    """Held-out scores after training on random subsets of growing size (mean over folds)."""

    sizes: tuple[int, ...]
    macro_f1: tuple[float, ...]
    f_avg: tuple[float, ...] | None = None
    folds: int = 0


@dataclass(frozen=True)
class Metrics:
    random: Scores
    grouped: Scores | None = None
    learning_curve: LearningCurve | None = None

    @property
    def outlet_gap(self) -> float | None:
        """Macro-F1 lost when the outlets of the test rows are unseen in training."""
        if self.grouped is None:
            return None
        return self.random.macro_f1 - self.grouped.macro_f1

    def to_dict(self) -> dict[str, Any]:
        return _plain(asdict(self))

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Metrics:
        curve = data.get("learning_curve")
        return cls(
            random=_scores(data["random"]),
            grouped=_scores(data["grouped"]) if data.get("grouped") else None,
            learning_curve=LearningCurve(
                sizes=tuple(curve["sizes"]),
                macro_f1=tuple(curve["macro_f1"]),
                f_avg=tuple(curve["f_avg"]) if curve.get("f_avg") is not None else None,
                folds=int(curve.get("folds", 0)),
            )
            if curve
            else None,
        )


def _plain(value: Any) -> Any:
    """Tuples as lists, numpy numbers as Python numbers: JSON and skops friendly."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    return value


def _scores(data: dict[str, Any]) -> Scores:
    def groups(raw: dict[str, Any]) -> dict[str, GroupScores]:
        return {k: GroupScores(**v) for k, v in (raw or {}).items()}

    return Scores(
        scheme=data["scheme"],
        folds=int(data["folds"]),
        n=int(data["n"]),
        classes=tuple(data["classes"]),
        macro_f1=float(data["macro_f1"]),
        per_class={k: ClassScores(**v) for k, v in data["per_class"].items()},
        accuracy=data.get("accuracy"),
        confusion=tuple(tuple(r) for r in data["confusion"]) if data.get("confusion") else None,
        f_avg=data.get("f_avg"),
        per_target=groups(data.get("per_target", {})),
        per_group=groups(data.get("per_group", {})),
        micro_f1=data.get("micro_f1"),
        exact_match=data.get("exact_match"),
        value_confusion={
            k: (int(v[0]), int(v[1]), int(v[2]), int(v[3]))
            for k, v in (data.get("value_confusion") or {}).items()
        },
    )


# ---------------------------------------------------------------- one value per row


def find_class(classes: Sequence[str], name: str | None) -> str | None:
    """The class called ``name``, ignoring case (None if there is none)."""
    if name is None:
        return None
    lowered = name.casefold()
    return next((c for c in classes if c.casefold() == lowered), None)


def _confusion(
    truth: Sequence[str], predicted: Sequence[str], classes: Sequence[str]
) -> np.ndarray:
    """Rows: true class, columns: predicted class, in ``classes`` order, plus a
    last row and column for values outside ``classes``."""
    index = {c: i for i, c in enumerate(classes)}
    k = len(classes)
    t = np.fromiter((index.get(v, k) for v in truth), np.int64, len(truth))
    p = np.fromiter((index.get(v, k) for v in predicted), np.int64, len(predicted))
    return np.bincount(t * (k + 1) + p, minlength=(k + 1) ** 2).reshape(k + 1, k + 1)


def _per_class(confusion: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Precision, recall, F1 and support of each class but the last ("other")."""
    tp = np.diag(confusion)[:-1].astype(np.float64)
    predicted, support = confusion.sum(axis=0)[:-1], confusion.sum(axis=1)[:-1]
    with np.errstate(invalid="ignore", divide="ignore"):
        precision = np.where(predicted > 0, tp / predicted, 0.0)
        recall = np.where(support > 0, tp / support, 0.0)
        f1 = np.where(predicted + support > 0, 2 * tp / (predicted + support), 0.0)
    return precision, recall, f1, support


def macro_f1(truth: Sequence[str], predicted: Sequence[str]) -> float:
    """Mean F1 over the classes that occur in ``truth``."""
    present = sorted(set(truth))
    if not present:
        return float("nan")
    return float(np.mean(_per_class(_confusion(truth, predicted, present))[2]))


def f_avg(
    truth: Sequence[str], predicted: Sequence[str], favor: str | None, against: str | None
) -> float | None:
    """SemEval-2016's F_avg: the mean F1 of the favor and against classes."""
    if favor is None or against is None:
        return None
    f1 = _f1_of(truth, predicted, [favor, against])
    return float(np.mean(f1))


def _f1_of(truth: Sequence[str], predicted: Sequence[str], wanted: list[str]) -> np.ndarray:
    truth_a = np.asarray(truth, dtype=object)
    pred_a = np.asarray(predicted, dtype=object)
    out = []
    for name in wanted:
        tp = int(np.sum((truth_a == name) & (pred_a == name)))
        total = int(np.sum(truth_a == name) + np.sum(pred_a == name))
        out.append(2 * tp / total if total else 0.0)
    return np.asarray(out)


def choice_scores(
    truth: Sequence[str],
    predicted: Sequence[str],
    classes: Sequence[str],
    *,
    scheme: str,
    folds: int,
    favor: str | None = None,
    against: str | None = None,
    targets: Sequence[str] | None = None,
    groups: Sequence[str] | None = None,
) -> Scores:
    """Scores of single-choice or stance predictions (``favor``/``against``
    given: stance, with F_avg and scores per target)."""
    truth_a, pred_a = np.asarray(truth, dtype=object), np.asarray(predicted, dtype=object)
    confusion = _confusion(truth_a.tolist(), pred_a.tolist(), list(classes))
    precision, recall, f1, support = _per_class(confusion)
    per_class = {
        c: ClassScores(float(p), float(r), float(f), int(n))
        for c, p, r, f, n in zip(classes, precision, recall, f1, support, strict=True)
    }

    def slices(keys: Sequence[str] | None) -> dict[str, GroupScores]:
        if keys is None:
            return {}
        key_a = np.asarray(keys, dtype=object)
        out = {}
        for key in sorted(set(key_a.tolist())):
            at = key_a == key
            t, p = truth_a[at].tolist(), pred_a[at].tolist()
            out[str(key)] = GroupScores(
                n=int(at.sum()), macro_f1=macro_f1(t, p), f_avg=f_avg(t, p, favor, against)
            )
        return out

    return Scores(
        scheme=scheme,
        folds=folds,
        n=len(truth_a),
        classes=tuple(classes),
        macro_f1=macro_f1(truth_a.tolist(), pred_a.tolist()),
        per_class=per_class,
        accuracy=float(np.mean(truth_a == pred_a)) if len(truth_a) else float("nan"),
        confusion=tuple(tuple(int(v) for v in row[:-1]) for row in confusion[:-1]),
        f_avg=f_avg(truth_a.tolist(), pred_a.tolist(), favor, against),
        per_target=slices(targets),
        per_group=slices(groups),
    )


# ---------------------------------------------------------------- any number of values per row


def multi_scores(
    truth: np.ndarray,
    predicted: np.ndarray,
    classes: Sequence[str],
    *,
    scheme: str,
    folds: int,
    groups: Sequence[str] | None = None,
) -> Scores:
    """Scores of multi-choice predictions (0/1 matrices, one column per value)."""
    truth, predicted = np.asarray(truth, dtype=np.int8), np.asarray(predicted, dtype=np.int8)
    tp = (truth & predicted).sum(axis=0)
    fp = ((1 - truth) & predicted).sum(axis=0)
    fn = (truth & (1 - predicted)).sum(axis=0)
    tn = len(truth) - tp - fp - fn
    per_class, f1s = {}, []
    for j, name in enumerate(classes):
        p = tp[j] / (tp[j] + fp[j]) if tp[j] + fp[j] else 0.0
        r = tp[j] / (tp[j] + fn[j]) if tp[j] + fn[j] else 0.0
        f = 2 * tp[j] / (2 * tp[j] + fp[j] + fn[j]) if tp[j] + fp[j] + fn[j] else 0.0
        per_class[name] = ClassScores(float(p), float(r), float(f), int(tp[j] + fn[j]))
        if tp[j] + fn[j]:
            f1s.append(f)
    total = 2 * tp.sum() + fp.sum() + fn.sum()
    per_group = {}
    if groups is not None:
        keys = np.asarray(groups, dtype=object)
        for key in sorted(set(keys.tolist())):
            at = keys == key
            sub = multi_scores(truth[at], predicted[at], classes, scheme=scheme, folds=folds)
            per_group[str(key)] = GroupScores(n=int(at.sum()), macro_f1=sub.macro_f1)
    return Scores(
        scheme=scheme,
        folds=folds,
        n=len(truth),
        classes=tuple(classes),
        macro_f1=float(np.mean(f1s)) if f1s else float("nan"),
        per_class=per_class,
        micro_f1=float(2 * tp.sum() / total) if total else float("nan"),
        exact_match=float(np.mean((truth == predicted).all(axis=1)))
        if len(truth)
        else float("nan"),
        value_confusion={
            name: (int(tn[j]), int(fp[j]), int(fn[j]), int(tp[j])) for j, name in enumerate(classes)
        },
        per_group=per_group,
    )
