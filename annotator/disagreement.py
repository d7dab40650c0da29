"""Where annotators disagree: the adjudication queue's ranking, and confusion.

Start with :func:`disagreements`: every (sentence, task, target) on which
the annotators' labels differ, most contested first, with each annotator's
label, for the curator to adjudicate. :func:`confusion` counts two
annotators' values against each other. Both take the labels frame of
:func:`annotator.agreement.load_labels`.

A *label* here is the tuple of values an annotator chose for a (sentence,
task, target): one value for single choice and stance, the chosen frames
(sorted; empty for "none applies") for multi choice.
"""

from __future__ import annotations

from collections import Counter

import pandas as pd

DISAGREEMENT_COLUMNS = (
    "sentence_id", "outlet", "task", "target", "contested", "annotators", "distinct",
    "majority", "labels",
)  # fmt: skip
NOT_CHOSEN, CHOSEN = "no", "yes"

Label = tuple[str, ...]
UnitKey = tuple[int, str, str]  # sentence id, task, target


def labels_by_unit(labels: pd.DataFrame) -> dict[UnitKey, dict[str, Label]]:
    """Each (sentence, task, target)'s labels by annotator."""
    grouped: dict[UnitKey, dict[str, list[str]]] = {}
    columns = ("sentence_id", "task", "target", "annotator", "value")
    # Plain lists: a Python pass over the rows is faster than pandas groupby-apply.
    for sentence, task, target, annotator, value in zip(
        *(labels[c].tolist() for c in columns), strict=True
    ):
        grouped.setdefault((sentence, task, target), {}).setdefault(annotator, []).append(value)
    multi = set(labels.loc[labels["kind"] == "multi", "task"].unique())
    return {
        key: {
            annotator: tuple(sorted({v for v in values if v}))
            if key[1] in multi
            else (min(values),)
            for annotator, values in by_annotator.items()
        }
        for key, by_annotator in grouped.items()
    }


def disagreements(
    labels: pd.DataFrame, *, task: str | None = None, min_annotators: int = 2
) -> pd.DataFrame:
    """(sentence, task, target) keys where labels differ (:data:`DISAGREEMENT_COLUMNS`).

    ``contested`` is 1 - the share of the most frequent label (0.5 for two
    annotators who differ, 0.67 for three who all differ); ranked by it,
    then by the number of annotators, then by sentence. ``majority`` is the
    most frequent label, None on a tie; ``labels`` maps each annotator to
    their label (a tuple of values).
    """
    if task is not None:
        labels = labels[labels["task"] == task]
    outlet_of = dict(zip(labels["sentence_id"].tolist(), labels["outlet"].tolist(), strict=True))
    rows = []
    for (sentence, name, target), by_annotator in labels_by_unit(labels).items():
        if len(by_annotator) < min_annotators:
            continue
        ranked = Counter(by_annotator.values()).most_common()
        if len(ranked) < 2:
            continue
        top = ranked[0][1]
        majority = ranked[0][0] if ranked[1][1] < top else None
        rows.append(
            (
                sentence, outlet_of[sentence], name, target, 1 - top / len(by_annotator),
                len(by_annotator), len(ranked), majority, dict(sorted(by_annotator.items())),
            )
        )  # fmt: skip
    rows.sort(key=lambda r: (-r[4], -r[5], r[0], r[2], r[3]))
    return pd.DataFrame(rows, columns=list(DISAGREEMENT_COLUMNS))


def confusion(
    labels: pd.DataFrame,
    annotator_a: str,
    annotator_b: str,
    *,
    task: str,
    target: str | None = None,
    frame: str | None = None,
) -> pd.DataFrame:
    """Counts of ``annotator_a``'s value (rows) against ``annotator_b``'s
    (columns) on what both labelled, over every value of the task.

    Stance: over all targets, or ``target``. Multi choice: with ``frame``,
    "yes"/"no" (chosen or not); without, every pair of a frame one chose
    and a frame the other chose on a sentence ("" is none applies).
    """
    rows = labels[labels["task"] == task]
    if target is not None:
        rows = rows[rows["target"] == target]
    multi = bool((rows["kind"] == "multi").any())
    values = sorted(rows["value"].unique())
    keys = ["sentence_id", "target"]
    left = rows[rows["annotator"] == annotator_a]
    right = rows[rows["annotator"] == annotator_b]
    if not multi:
        left, right = left.drop_duplicates(keys), right.drop_duplicates(keys)
    elif frame is not None:
        values = [CHOSEN, NOT_CHOSEN]
        left, right = _chosen(left, frame), _chosen(right, frame)
    paired = left[[*keys, "value"]].merge(right[[*keys, "value"]], on=keys, suffixes=("_a", "_b"))
    table = pd.crosstab(paired["value_a"], paired["value_b"])
    table = table.reindex(index=values, columns=values, fill_value=0).astype(int)
    table.index.name, table.columns.name = annotator_a, annotator_b
    return table


def _chosen(rows: pd.DataFrame, frame: str) -> pd.DataFrame:
    keys = ["sentence_id", "target"]
    picked = rows.groupby(keys)["value"].agg(lambda v: CHOSEN if frame in set(v) else NOT_CHOSEN)
    return picked.reset_index()
