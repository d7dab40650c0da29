"""Agreement between annotators, and the disagreements a curator adjudicates.

Start with :func:`summary` (what ``workbench agreement --json`` prints), or
with :func:`load_labels` and the pure functions over the frame it returns:
:func:`reliability` (Krippendorff's alpha and every pair's Cohen's kappa,
with percent agreement and bootstrap intervals, sliced by outlet), and in
:mod:`annotator.disagreement` ``disagreements`` (the adjudication queue,
most contested first) and ``confusion`` (two annotators' values against
each other). :func:`krippendorff_alpha` and :func:`cohen_kappa` work on
plain arrays.

What is measured. An *analysis* is a task (stance pooled over its targets; a
multi-choice task pooled over its frames), one stance target, or one frame.
Its units are (sentence, target) for stance, sentences for single choice and
(sentence, frame) for multi choice, where a sentence an annotator labelled
for the task counts 1 for a frame they chose and 0 otherwise ("none
applies" is 0 for every frame). Alpha is nominal; percent agreement is the
share of agreeing pairs of judgements within units. Intervals are bootstrap
percentiles over sentences: each replicate redraws the slice's sentences
with replacement (a sentence's units move together), the same draws for
every measure of the slice, seeded.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Collection, Iterator
from dataclasses import dataclass
from typing import Any

import krippendorff
import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy import sparse
from sklearn.metrics import cohen_kappa_score

from annotator import labelsets
from annotator.agreement_units import FRAME_COLUMNS, Analysis, analyses, with_kinds
from annotator.disagreement import disagreements
from annotator.labelsets import LabelSet
from annotator.storage import Store
from annotator.storage import agreement as agreement_sql

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

LABEL_FRAME_COLUMNS = FRAME_COLUMNS
# level: "task" | "target" | "frame"; target / frame: None when pooled or not
# applicable; slice: "all" | "outlet" (outlet None for "all"); items: sentences
# with a unit two annotators or more labelled; units: such units; pairs: pairs
# of judgements within units; low / high: the bootstrap interval.
ALPHA_COLUMNS = (
    "level", "task", "target", "frame", "slice", "outlet", "alpha", "low", "high",
    "agreement", "agreement_low", "agreement_high", "items", "units", "pairs", "annotators",
)  # fmt: skip
KAPPA_COLUMNS = (
    "level", "task", "target", "frame", "slice", "outlet", "annotator_a", "annotator_b",
    "kappa", "low", "high", "agreement", "items", "units",
)  # fmt: skip
_BLOCK_CELLS = 4_000_000  # bootstrap weights held at once (32 MB of float64)


# ---------------------------------------------------------------- plain arrays


def krippendorff_alpha(codes: npt.ArrayLike) -> float:
    """Nominal alpha of a reliability matrix (annotators x units, NaN = missing),
    by the ``krippendorff`` package; NaN when the units two annotators or
    more labelled hold fewer than two values."""
    data = np.asarray(codes, dtype=float)
    pairable = data[:, np.count_nonzero(~np.isnan(data), axis=0) >= 2]
    if np.unique(pairable[~np.isnan(pairable)]).size < 2:
        return math.nan
    return float(krippendorff.alpha(reliability_data=data, level_of_measurement="nominal"))


def cohen_kappa(a: npt.ArrayLike, b: npt.ArrayLike) -> float:
    """Cohen's kappa of two annotators on the units both labelled (None / NaN
    missing), by scikit-learn; NaN when undefined (one value only, or no units)."""
    left, right = pd.Series(np.asarray(a, dtype=object)), pd.Series(np.asarray(b, dtype=object))
    both = left.notna().to_numpy() & right.notna().to_numpy()
    x, y = left[both].astype(str).to_numpy(), right[both].astype(str).to_numpy()
    if x.size == 0 or (np.unique(x).size == 1 and np.array_equal(x, y)):
        return math.nan
    return float(cohen_kappa_score(x, y))


# ---------------------------------------------------------------- the store


def load_labels(store: Store, *, labelset: LabelSet | None = None) -> pd.DataFrame:
    """The annotators' current labels, one row per value (:data:`LABEL_FRAME_COLUMNS`).

    Gold (annotator ``gold``, source ``adjudicated``), model guesses and
    cleared labels are left out; ``value == ''`` is a multi-choice "none
    applies". ``kind`` comes from ``labelset`` (by default the stored
    default label set); tasks it does not know are guessed from the data.
    """
    if labelset is None:
        try:
            labelset = labelsets.current(store)
        except LookupError:
            labelset = None
    with store.read() as conn:
        rows = agreement_sql.annotator_labels(conn)
    frame = pd.DataFrame.from_records(rows, columns=list(agreement_sql.LABEL_COLUMNS))
    kinds = {t.name: t.kind for t in labelset.tasks} if labelset else {}
    return with_kinds(frame, kinds)


# ---------------------------------------------------------------- reliability


@dataclass(frozen=True)
class Reliability:
    alpha: pd.DataFrame  # ALPHA_COLUMNS
    kappa: pd.DataFrame  # KAPPA_COLUMNS


def reliability(
    labels: pd.DataFrame,
    *,
    n_boot: int = 1000,
    seed: int = 0,
    confidence: float = 0.95,
    by_outlet: bool = True,
    kappa_levels: Collection[str] = ("task",),
) -> Reliability:
    """Alpha per task, target and frame, and Cohen's kappa per pair of
    annotators (for the analyses whose level is in ``kappa_levels``: by
    default per task; add "target" and "frame" at a cost in time), over all
    sentences and, with ``by_outlet``, over each outlet's; ``n_boot=0``
    leaves the intervals NaN."""
    outlet_of = labels.drop_duplicates("sentence_id").set_index("sentence_id")["outlet"]
    items = outlet_of.index.to_numpy(dtype=np.int64)
    order = np.argsort(items)
    items, outlet_names = items[order], outlet_of.to_numpy()[order]
    # Per-sentence sums once; a slice is a subset of sentences, so of rows.
    parts = [_part(a, items, kappa=a.level in kappa_levels) for a in analyses(labels)]
    slices: list[tuple[str, str | None, npt.NDArray[np.bool_]]] = [
        ("all", None, np.ones(items.size, dtype=bool))
    ]
    if by_outlet:
        slices += [("outlet", str(o), outlet_names == o) for o in sorted(set(outlet_names))]
    alpha_rows: list[dict[str, Any]] = []
    kappa_rows: list[dict[str, Any]] = []
    for number, (kind, outlet, chosen) in enumerate(slices):
        rng = np.random.default_rng([seed, number])
        sliced = [p.restrict(chosen) for p in parts]
        sliced = [p for p in sliced if p.units]
        replicates = _bootstrap([p.sums for p in sliced], int(chosen.sum()), n_boot, rng)
        where = {"slice": kind, "outlet": outlet}
        for part, reps in zip(sliced, replicates, strict=True):
            alpha_rows.append({**part.describe(), **where, **part.alpha_row(reps, confidence)})
            for row in part.kappa_rows(reps, confidence):
                kappa_rows.append({**part.describe(), **where, **row})
    return Reliability(
        alpha=pd.DataFrame(alpha_rows, columns=list(ALPHA_COLUMNS)),
        kappa=pd.DataFrame(kappa_rows, columns=list(KAPPA_COLUMNS)),
    )


def _bootstrap(
    sums: list[FloatArray], n_items: int, n_boot: int, rng: np.random.Generator
) -> list[FloatArray]:
    """Per part, its item sums under ``n_boot`` resamples of the items (rows).

    One matrix product per block of replicates: the bootstrap weights (how
    often each item was drawn) times every part's sums side by side, in
    float32 (counts stay exact below 2**24; ratios of sums lose ~1e-7).
    """
    if not sums:
        return []
    stacked = np.hstack(sums).astype(np.float32)
    edges = np.cumsum([0, *(s.shape[1] for s in sums)])
    out = np.empty((n_boot, stacked.shape[1]))
    block = max(1, min(n_boot, _BLOCK_CELLS // max(n_items, 1)))
    for start in range(0, n_boot, block):
        size = min(block, n_boot - start)
        draws = rng.integers(0, n_items, size=(size, n_items))
        draws += np.arange(size)[:, None] * n_items
        weights = np.bincount(draws.ravel(), minlength=size * n_items).reshape(size, n_items)
        out[start : start + size] = weights.astype(np.float32) @ stacked
    return [out[:, lo:hi] for lo, hi in itertools.pairwise(edges)]


def _complete(counts: FloatArray, total: FloatArray) -> FloatArray:
    """Counts of every value but the last, with the last appended (total - rest)."""
    return np.concatenate([counts, (total - counts.sum(axis=-1))[..., None]], axis=-1)


def _alpha_of(sums: FloatArray) -> FloatArray:
    """Nominal alpha from summed unit statistics [m, a, agree, pairs, n_v...
    but the last value's] (last axis): 1 - (n - 1)(n - sum o_cc) / (n^2 - sum n_c^2)."""
    n, within = sums[..., 0], sums[..., 1]
    counts = _complete(sums[..., 4:], n)
    expected = n**2 - (counts**2).sum(axis=-1)
    with np.errstate(divide="ignore", invalid="ignore"):
        alpha = 1 - (n - 1) * (n - within) / expected
    return np.where((expected > 1e-9) & (n > 1), alpha, np.nan)


def _kappa_of(sums: FloatArray, n_values: int) -> FloatArray:
    """Cohen's kappa from summed [units, agree, counts of a..., counts of b...]
    (last axis; counts of every value but the last): (p_o - p_e) / (1 - p_e),
    as scikit-learn computes it."""
    n, agree = sums[..., 0], sums[..., 1]
    a = _complete(sums[..., 2 : 1 + n_values], n)
    b = _complete(sums[..., 1 + n_values :], n)
    with np.errstate(divide="ignore", invalid="ignore"):
        chance = (a * b).sum(axis=-1) / n**2
        kappa = (agree / n - chance) / (1 - chance)
    return np.where((n > 0) & (chance < 1 - 1e-12), kappa, np.nan)


def _intervals(replicates: FloatArray, confidence: float) -> tuple[FloatArray, FloatArray]:
    """Percentile interval (linear interpolation, as ``np.percentile``) of each
    replicate column, NaN replicates (a measure undefined in a resample) left
    out; NaN where no replicate is defined."""
    if replicates.shape[0] == 0:
        missing = np.full(replicates.shape[1:], np.nan)
        return missing, missing
    ordered = np.sort(replicates, axis=0)  # NaN sorts last
    defined = np.count_nonzero(~np.isnan(ordered), axis=0)
    tail = (1 - confidence) / 2
    bounds = []
    for q in (tail, 1 - tail):
        position = q * np.maximum(defined - 1, 0)
        below = np.floor(position).astype(np.int64)
        above = np.minimum(below + 1, np.maximum(defined - 1, 0))
        lo = np.take_along_axis(ordered, below[None], axis=0)[0]
        hi = np.take_along_axis(ordered, above[None], axis=0)[0]
        value = lo + (hi - lo) * (position - below)
        bounds.append(np.where(defined > 0, value, np.nan))
    return bounds[0], bounds[1]


@dataclass(frozen=True)
class _Part:
    """One analysis on a slice's sentences: its unit statistics summed per sentence."""

    analysis: Analysis
    codes: IntArray  # units x annotators, -1 missing (pairable units only)
    unit_item: IntArray  # per unit, its sentence's row in ``sums``
    sums: FloatArray  # sentences x columns: alpha's, then each pair's kappa's
    pairs: tuple[tuple[int, int], ...]

    @property
    def units(self) -> int:
        return int(self.codes.shape[0])

    def restrict(self, chosen: npt.NDArray[np.bool_]) -> _Part:
        """The part on the sentences (rows of ``sums``) that ``chosen`` marks."""
        if chosen.all():
            return self
        keep = chosen[self.unit_item]
        row = np.cumsum(chosen) - 1
        return _Part(
            self.analysis,
            self.codes[keep],
            row[self.unit_item[keep]],
            self.sums[chosen],
            self.pairs,
        )

    def describe(self) -> dict[str, Any]:
        a = self.analysis
        return {"level": a.level, "task": a.task, "target": a.target, "frame": a.frame}

    def alpha_row(self, reps: FloatArray, confidence: float) -> dict[str, Any]:
        width = 3 + self.analysis.n_values
        point = self.sums[:, :width].sum(axis=0)
        counts = (self.codes[:, :, None] == np.arange(self.analysis.n_values)).sum(axis=1)
        alpha = math.nan
        if np.count_nonzero(counts.sum(axis=0)) >= 2:
            alpha = float(krippendorff.alpha(value_counts=counts, level_of_measurement="nominal"))
        with np.errstate(divide="ignore", invalid="ignore"):
            both = np.column_stack([_alpha_of(reps[:, :width]), reps[:, 2] / reps[:, 3]])
        low, high = _intervals(both, confidence)
        return {
            "alpha": alpha, "low": low[0], "high": high[0], "agreement": point[2] / point[3],
            "agreement_low": low[1], "agreement_high": high[1],
            "items": int(np.count_nonzero(self.sums[:, 0])), "units": self.units,
            "pairs": int(point[3]), "annotators": int(np.count_nonzero((self.codes >= 0).any(axis=0))),
        }  # fmt: skip

    def kappa_rows(self, reps: FloatArray, confidence: float) -> Iterator[dict[str, Any]]:
        """Every pair's kappa, from the same sums as the bootstrap (equal to
        scikit-learn's ``cohen_kappa_score``, which costs ~5 ms a call here)."""
        if not self.pairs:
            return
        v = self.analysis.n_values
        width, step, count = 3 + v, 2 * v, len(self.pairs)
        per_item = self.sums[:, width:].reshape(-1, count, step)
        point = per_item.sum(axis=0)
        low, high = _intervals(_kappa_of(reps[:, width:].reshape(-1, count, step), v), confidence)
        kappa = _kappa_of(point, v)
        items = np.count_nonzero(per_item[:, :, 0], axis=0)
        names = self.analysis.annotators
        for number, (i, j) in enumerate(self.pairs):
            units, agree = point[number, 0], point[number, 1]
            if units:
                yield {
                    "annotator_a": names[i], "annotator_b": names[j], "kappa": kappa[number],
                    "low": low[number], "high": high[number], "agreement": agree / units,
                    "items": int(items[number]), "units": int(units),
                }  # fmt: skip


def _part(analysis: Analysis, items: IntArray, *, kappa: bool) -> _Part:
    """Statistics of ``analysis``'s pairable units, summed per sentence
    (``items``: every sentence id, sorted): alpha's [m, a, agreeing pairs, pairs,
    counts of each value but the last], then per pair of annotators
    [both labelled, agree, a's counts and b's counts of each value but the last]."""
    pairable = np.count_nonzero(analysis.codes >= 0, axis=1) >= 2
    codes, sentence = analysis.codes[pairable], analysis.sentence[pairable]
    v = analysis.n_values
    counts = np.stack([np.count_nonzero(codes == k, axis=1) for k in range(v)], axis=1)
    m = counts.sum(axis=1)
    agree_pairs = (counts * (counts - 1)).sum(axis=1) // 2
    within = 2 * agree_pairs / np.maximum(m - 1, 1)
    stats = np.column_stack([m, within, agree_pairs, m * (m - 1) // 2, counts[:, :-1]])
    # Sum units per sentence: a sparse (sentences x units) indicator times the stats.
    index = np.searchsorted(items, sentence)
    ones = np.ones(index.size, dtype=np.float32)
    member = sparse.csr_matrix(
        (ones, (index, np.arange(index.size))), shape=(items.size, index.size)
    )
    blocks = [np.asarray(member @ stats.astype(np.float64))]
    pairs: tuple[tuple[int, int], ...] = ()
    if kappa:
        first, second = np.triu_indices(codes.shape[1], 1)
        pairs = tuple(zip(first.tolist(), second.tolist(), strict=True))
        a, b = codes[:, first], codes[:, second]  # units x pairs
        both = (a >= 0) & (b >= 0)
        values = np.arange(v - 1)
        per_pair = np.concatenate(
            [
                both[:, :, None],
                (both & (a == b))[:, :, None],
                (a[:, :, None] == values) & both[:, :, None],
                (b[:, :, None] == values) & both[:, :, None],
            ],
            axis=2,
        )
        flat = per_pair.reshape(per_pair.shape[0], len(pairs) * 2 * v).astype(np.float32)
        blocks.append(np.asarray(member @ flat, dtype=np.float64))
    return _Part(analysis, codes, index, np.hstack(blocks), pairs)


# ---------------------------------------------------------------- summary


def summary(
    store: Store,
    *,
    labelset: LabelSet | None = None,
    n_boot: int = 1000,
    seed: int = 0,
    confidence: float = 0.95,
    top: int = 20,
) -> dict[str, Any]:
    """Everything above for ``workbench agreement --json``: plain JSON types,
    NaN as None; ``most_contested`` holds the ``top`` disagreements."""
    labels = load_labels(store, labelset=labelset)
    result = reliability(labels, n_boot=n_boot, seed=seed, confidence=confidence)
    queue = disagreements(labels)
    per_sentence = labels.groupby("sentence_id")["annotator"].nunique()
    return {
        "annotators": sorted(str(a) for a in labels["annotator"].unique()),
        "label_rows": len(labels),
        "sentences": int(per_sentence.size),
        "shared_sentences": int((per_sentence >= 2).sum()),
        "n_boot": n_boot,
        "seed": seed,
        "confidence": confidence,
        "alpha": records(result.alpha),
        "kappa": records(result.kappa),
        "disagreements": len(queue),
        "most_contested": records(queue.head(top)),
    }


def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """A frame's rows as JSON-ready dicts: NaN as None, tuples as lists."""
    return [{str(k): _plain(v) for k, v in row.items()} for row in frame.to_dict("records")]


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value
