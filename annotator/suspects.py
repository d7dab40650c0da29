"""Label-error suspects: training labels the project's own model doubts, for curators to review.

Start with :func:`find_suspects` (role-checked; every task of the label set
from the store) or :func:`task_suspects` (one task's
:class:`~annotator.training.TaskData`); :func:`suspect_queue` turns the
suspects into a curator's review queue (keys with gold left out, each
annotator's label and the gold label the model suggests), decided with
:mod:`annotator.adjudication`. The labels checked are the ones a
model trains on (:func:`annotator.training.training_data`: gold where
adjudicated, else the majority). Each task is fitted with
:func:`annotator.model.fit_task`, the same pipeline factory a retrain uses;
its classifier keeps the out-of-fold scores it calibrated on
(``oof_decision_``), so every row's probabilities come from a model that
did not see that row. cleanlab's :func:`cleanlab.filter.find_label_issues`
(confident learning, pruned by noise rate) then flags the rows whose given
label is unlikely, ranked by self-confidence (the out-of-fold probability
of the given label; lowest first).

Analyses: a single-choice task as a whole; a stance task per target (one
model over all targets, cleanlab run per target on that target's rows and
the values it has labels of); a multi-choice task per frame, as "chosen or
not" with that frame's out-of-fold probability. An analysis whose rows hold
one value only has nothing to contrast and is skipped.
"""

from __future__ import annotations

import warnings
from collections import Counter
from collections.abc import Collection, Mapping, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
from cleanlab.filter import find_label_issues
from cleanlab.rank import get_label_quality_scores

from annotator import accounts, adjudication, labelsets, model, training
from annotator.accounts import Permission, User
from annotator.agreement import load_labels
from annotator.disagreement import Label, labels_by_unit
from annotator.labelsets import LabelSet
from annotator.model.heads import indicator
from annotator.storage import Store
from annotator.storage import texts as texts_sql
from annotator.training import TaskData

SUSPECT_COLUMNS = (
    "task", "kind", "target", "frame", "sentence_id", "outlet", "text", "given", "suggested",
    "self_confidence", "suggested_probability",
)  # fmt: skip
QUEUE_COLUMNS = (*SUSPECT_COLUMNS, "labels", "suggestion")
CHOSEN, NOT_CHOSEN = "chosen", "not chosen"

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


def label_issues(
    labels: npt.ArrayLike, probabilities: npt.ArrayLike
) -> tuple[IntArray, FloatArray]:
    """Rows cleanlab flags (indices, most doubtful first) and every row's
    self-confidence. ``labels``: class indices 0..k-1; ``probabilities``:
    out-of-fold, rows x k."""
    given = np.asarray(labels, dtype=np.int64)
    proba = np.asarray(probabilities, dtype=np.float64)
    confidence = get_label_quality_scores(given, proba, method="self_confidence")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # a class with very few rows
        flagged = find_label_issues(given, proba, return_indices_ranked_by="self_confidence")
    return np.asarray(flagged, dtype=np.int64), np.asarray(confidence, dtype=np.float64)


def _present(
    proba: FloatArray, given: Sequence[str], classes: Sequence[str]
) -> tuple[FloatArray, list[str]]:
    """The probabilities renormalised over the values present in ``given``, and those values."""
    present = [c for c in classes if c in set(given)]
    column = {c: i for i, c in enumerate(classes)}
    kept = proba[:, [column[c] for c in present]]
    return kept / np.clip(kept.sum(axis=1, keepdims=True), 1e-12, None), present


def out_of_fold(
    data: TaskData,
    *,
    classes: Sequence[str] | None = None,
    mask: Collection[str] = (),
    aliases: Mapping[str, Sequence[str]] | None = None,
    random_state: int = 0,
) -> tuple[FloatArray, tuple[str, ...]]:
    """Each row's probabilities from the fold that held it out, and their
    columns: per value summing to 1 (single choice, stance), one independent
    probability per value (multi choice). Raises
    :class:`~annotator.model.ModelError` when the task cannot be fitted."""
    trained = model.fit_task(
        data.kind, data.texts, data.labels, targets=data.targets, classes=classes,
        mask=tuple(mask), aliases=dict(aliases) if aliases else None, random_state=random_state,
    )  # fmt: skip
    head = trained.model.named_steps["classify"]
    if head.oof_decision_ is None:
        raise model.TooFewLabels("too few labels to hold any out")
    if data.kind == "multi":
        return np.asarray(head.proba_from_decision(head.oof_decision_)), trained.classes_
    # Out-of-fold scores cover the values seen in training, in sorted order.
    seen = [str(c) for c in np.unique(np.asarray(data.labels, dtype=object))]
    full = np.asarray(head.proba_from_decision(head.oof_decision_))
    index = {c: i for i, c in enumerate(trained.classes_)}
    return full[:, [index[c] for c in seen]], tuple(seen)


def task_suspects(
    data: TaskData,
    *,
    classes: Sequence[str] | None = None,
    mask: Collection[str] = (),
    aliases: Mapping[str, Sequence[str]] | None = None,
    random_state: int = 0,
) -> pd.DataFrame:
    """One task's suspects (:data:`SUSPECT_COLUMNS`), lowest self-confidence first."""
    proba, columns = out_of_fold(
        data, classes=classes, mask=mask, aliases=aliases, random_state=random_state
    )
    rows: list[dict[str, Any]] = []

    def add(
        index: IntArray, given: list[str], chosen: FloatArray, names: list[str], **where: Any
    ) -> None:
        flagged, confidence = label_issues([names.index(g) for g in given], chosen)
        for i in flagged.tolist():
            best = int(np.argmax(chosen[i]))
            row = int(index[i])
            rows.append({
                "task": data.task, "kind": data.kind, **where,
                "sentence_id": data.sentence_ids[row] if data.sentence_ids else None,
                "outlet": data.outlets[row], "text": data.texts[row],
                "given": given[i], "suggested": names[best],
                "self_confidence": float(confidence[i]), "suggested_probability": float(chosen[i, best]),
            })  # fmt: skip

    if data.kind == "multi":
        chosen_matrix, _ = indicator([frozenset(v) for v in data.labels], columns)
        for j, frame in enumerate(columns):
            column = chosen_matrix[:, j]
            if column.min() == column.max():
                continue
            p = proba[:, j]
            given = [CHOSEN if on else NOT_CHOSEN for on in column.tolist()]
            both = np.column_stack([1 - p, p])
            add(np.arange(len(given)), given, both, [NOT_CHOSEN, CHOSEN], target=None, frame=frame)
    else:
        labels = [str(v) for v in data.labels]
        targets = data.targets if data.kind == "stance" and data.targets else None
        groups = sorted(set(targets)) if targets else [None]
        for target in groups:
            index = np.asarray(
                [i for i in range(len(labels)) if targets is None or targets[i] == target],
                dtype=np.int64,
            )
            given = [labels[i] for i in index.tolist()]
            if len(set(given)) < 2:
                continue
            kept, present = _present(proba[index], given, columns)
            add(index, given, kept, present, target=target, frame=None)
    found = pd.DataFrame(rows, columns=list(SUSPECT_COLUMNS))
    return found.sort_values(["self_confidence", "sentence_id"], kind="stable").reset_index(
        drop=True
    )


def find_suspects(
    store: Store,
    user: User,
    *,
    labelset: LabelSet | None = None,
    tasks: Collection[str] | None = None,
    random_state: int = 0,
) -> pd.DataFrame:
    """Every task's suspects from the store's training labels, as a review
    queue (:data:`SUSPECT_COLUMNS`, lowest self-confidence first); a task
    that cannot be fitted (too few labels, one value) has none."""
    accounts.require(user, Permission.REVIEW_SUSPECTS)
    labelset = labelset if labelset is not None else labelsets.current(store)
    data = training.training_data(store, labelset)
    with store.read() as conn:
        mask = tuple(o.outlet for o in texts_sql.outlet_counts(conn))
    frames = []
    for name, task_data in data.items():
        if tasks is not None and name not in tasks:
            continue
        task = labelset.task(name)
        assert task is not None
        try:
            frames.append(
                task_suspects(
                    task_data, classes=[v.name for v in task.values], mask=mask,
                    aliases={t.name: list(t.aliases) for t in task.targets} or None,
                    random_state=random_state,
                )
            )  # fmt: skip
        except model.ModelError:
            continue
    found = [f for f in frames if not f.empty]
    if not found:
        return pd.DataFrame(columns=list(SUSPECT_COLUMNS))
    merged = pd.concat(found, ignore_index=True)
    return merged.sort_values(
        ["self_confidence", "task", "sentence_id"], kind="stable"
    ).reset_index(drop=True)


def suggestion(
    *, kind: str, frame: str | None, suggested: str, labels: Mapping[str, Label]
) -> Label:
    """The gold label that follows the model's suggestion: the suggested
    value; for multi choice, the annotators' majority frames (what training
    takes) with ``frame`` added (suggested "chosen") or removed."""
    if kind != "multi":
        return (suggested,)
    counts = Counter(v for label in labels.values() for v in label)
    frames = {v for v, n in counts.items() if n > len(labels) / 2}
    assert frame is not None
    frames = frames | {frame} if suggested == CHOSEN else frames - {frame}
    return tuple(sorted(frames))


def suspect_queue(
    store: Store,
    user: User,
    *,
    found: pd.DataFrame | None = None,
    task: str | None = None,
    labelset: LabelSet | None = None,
    random_state: int = 0,
) -> pd.DataFrame:
    """The suspects left to review, lowest self-confidence first
    (:data:`QUEUE_COLUMNS`): those whose (sentence, task, target) has a gold
    label are left out, whatever the model thinks of it, since a curator
    decided. ``target`` is the stored key ("" but for stance); ``labels``
    maps each annotator to their label (one is enough); ``suggestion`` is
    the label :func:`suggestion` gives. ``found``: the result of
    :func:`find_suspects` when the caller kept it (it fits a model per
    task); else it is computed (for ``task`` only, when given)."""
    accounts.require(user, Permission.REVIEW_SUSPECTS)
    if found is None:
        tasks = None if task is None else {task}
        found = find_suspects(
            store, user, labelset=labelset, tasks=tasks, random_state=random_state
        )
    queue = found if task is None else found[found["task"] == task]
    queue = queue.assign(target=queue["target"].fillna("").astype(str))
    done = adjudication.gold_keys(store)
    keys = list(zip(queue["sentence_id"].astype(int), queue["task"], queue["target"], strict=True))
    queue = queue.loc[np.array([key not in done for key in keys], dtype=bool)].copy()
    by_unit = labels_by_unit(load_labels(store, labelset=labelset)) if len(queue) else {}
    labels = [
        by_unit.get((int(s), str(t), str(g)), {})
        for s, t, g in zip(queue["sentence_id"], queue["task"], queue["target"], strict=True)
    ]
    queue["labels"] = pd.Series(labels, index=queue.index, dtype=object)
    queue["suggestion"] = [
        suggestion(kind=str(k), frame=f, suggested=str(s), labels=lab)
        for k, f, s, lab in zip(
            queue["kind"], queue["frame"], queue["suggested"], labels, strict=True
        )
    ]
    ordered = queue.sort_values(["self_confidence", "task", "sentence_id"], kind="stable")
    return ordered.reset_index(drop=True).loc[:, list(QUEUE_COLUMNS)]
