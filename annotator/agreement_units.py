"""The units agreement is measured on: reliability matrices from a labels frame.

Start with :func:`analyses`: it turns the frame of
:func:`annotator.agreement.load_labels` into one :class:`Analysis` per task,
stance target and frame, each a units x annotators matrix of value codes.
:func:`with_kinds` adds the task kinds to a frame of stored labels.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

IntArray = npt.NDArray[np.int64]

FRAME_COLUMNS = ("sentence_id", "outlet", "annotator", "task", "kind", "target", "value")
BINARY = ("0", "1")  # a frame not chosen / chosen


@dataclass(frozen=True, eq=False)
class Analysis:
    """One thing agreement is measured on, as a reliability matrix.

    ``codes[u, a]`` is the index in ``values`` of annotator ``a``'s value on
    unit ``u``, or -1 when they did not label it; ``sentence[u]`` is the
    unit's sentence (the bootstrap resamples sentences).
    """

    level: str  # "task" | "target" | "frame"
    task: str
    kind: str
    target: str | None
    frame: str | None
    annotators: tuple[str, ...]
    values: tuple[str, ...]
    codes: IntArray
    sentence: IntArray

    @property
    def n_values(self) -> int:
        return len(self.values)


def with_kinds(frame: pd.DataFrame, kinds: Mapping[str, str]) -> pd.DataFrame:
    """``frame`` (stored label rows) with a ``kind`` column, in
    :data:`FRAME_COLUMNS` order, sorted. A task missing from ``kinds`` is
    stance when it has targets, multi when a key holds several values or
    "none applies", else single."""
    frame = frame.astype(
        {"sentence_id": "int64", "outlet": str, "annotator": str, "task": str, "target": str}
    )
    frame["value"] = frame["value"].astype(str)
    guessed: dict[str, str] = {}
    for task in frame["task"].unique():
        if task in kinds:
            continue
        rows = frame[frame["task"] == task]
        per_key = rows.groupby(["sentence_id", "annotator", "target"]).size()
        if (rows["target"] != "").any():
            guessed[task] = "stance"
        elif (rows["value"] == "").any() or (per_key > 1).any():
            guessed[task] = "multi"
        else:
            guessed[task] = "single"
    frame["kind"] = frame["task"].map({**guessed, **kinds}).astype(str)
    ordered = frame.loc[:, list(FRAME_COLUMNS)]
    return ordered.sort_values(["sentence_id", "task", "target", "annotator", "value"]).reset_index(
        drop=True
    )


def analyses(labels: pd.DataFrame) -> Iterator[Analysis]:
    """Per task (sorted): the task pooled, then each target (stance) or each
    frame (multi choice) that an annotator chose."""
    for task, rows in labels.groupby("task", sort=True):
        kind = str(rows["kind"].iloc[0])
        annotators = tuple(sorted(rows["annotator"].unique()))
        if kind == "multi":
            yield from _multi(str(task), rows, annotators)
        else:
            yield from _single(str(task), kind, rows, annotators)


def _codes(values: pd.Series, categories: tuple[str, ...]) -> IntArray:
    return np.asarray(pd.Categorical(values, categories=categories).codes, dtype=np.int64)


def _single(
    task: str, kind: str, rows: pd.DataFrame, annotators: tuple[str, ...]
) -> Iterator[Analysis]:
    # One value per key; should an import have brought several, the first counts.
    rows = rows.drop_duplicates(["sentence_id", "target", "annotator"])
    values = tuple(sorted(rows["value"].unique()))
    unit = rows.groupby(["sentence_id", "target"], sort=True).ngroup().to_numpy()
    n_units = int(unit.max()) + 1 if unit.size else 0
    codes = np.full((n_units, len(annotators)), -1, dtype=np.int64)
    codes[unit, _codes(rows["annotator"], annotators)] = _codes(rows["value"], values)
    sentence = np.zeros(n_units, dtype=np.int64)
    sentence[unit] = rows["sentence_id"].to_numpy()
    target = np.empty(n_units, dtype=object)
    target[unit] = rows["target"].to_numpy()

    def make(level: str, name: str | None, keep: npt.NDArray[np.bool_] | slice) -> Analysis:
        return Analysis(
            level, task, kind, name, None, annotators, values, codes[keep], sentence[keep]
        )

    yield make("task", None, slice(None))
    if kind == "stance":
        for name in sorted(set(target)):
            yield make("target", str(name), target == name)


def _multi(task: str, rows: pd.DataFrame, annotators: tuple[str, ...]) -> Iterator[Analysis]:
    labelled = rows.drop_duplicates(["sentence_id", "annotator"])
    ids = np.unique(labelled["sentence_id"].to_numpy()).astype(np.int64)
    frames = tuple(sorted(v for v in rows["value"].unique() if v != ""))
    if not frames:
        return
    done = np.zeros((ids.size, len(annotators)), dtype=bool)
    done[
        np.searchsorted(ids, labelled["sentence_id"]), _codes(labelled["annotator"], annotators)
    ] = True
    picks = rows[rows["value"] != ""]
    chosen = np.zeros((ids.size, len(annotators), len(frames)), dtype=bool)
    chosen[
        np.searchsorted(ids, picks["sentence_id"]),
        _codes(picks["annotator"], annotators),
        _codes(picks["value"], frames),
    ] = True
    # sentences x annotators x frames: 1 chosen, 0 labelled without it, -1 not labelled
    codes = np.where(done[:, :, None], chosen.astype(np.int64), -1)
    pooled = codes.transpose(2, 0, 1).reshape(-1, len(annotators))
    yield Analysis(
        "task", task, "multi", None, None, annotators, BINARY, pooled, np.tile(ids, len(frames))
    )
    for number, frame in enumerate(frames):
        yield Analysis(
            "frame", task, "multi", None, frame, annotators, BINARY, codes[:, :, number], ids
        )
