"""Stance features: the text as seen from the target it is asked about.

Start with :func:`stance_rows` (texts and targets as the two-column rows the
stance pipeline takes) and :class:`StanceFeatures`. Two things make the
features target-aware:

* the target's own names (its name and aliases, e.g. "Musk", "Elon Musk",
  "miliarder teknologi itu") become one placeholder, ``_target_``, so
  "_target_ dikritik" means the same for every target while another
  target's name stays a name ("memuji Harris" asked about Trump);
* the features are *augmented* per target (Daumé 2007): one shared copy of
  the n-grams, one copy per target with enough labels, and a target
  indicator. A linear model on top learns shared weights plus per-target
  corrections, which is a per-target model backed off to a shared one: a
  target with few labels leans on the shared weights, a target never
  labelled is predicted by the shared weights alone.

``mode="per_target"`` (no shared copy: separate per-target models, which
cannot answer for a target without labels) and ``mode="shared"`` (no
per-target copies) are kept for the comparison in
``bench/model_quality.py``: on SemEval-2016 the augmented layout scores 1-1.5
points of F_avg above per-target models with a few hundred labels per target
and the same with all of them; shared-only is 3 points below.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted

from annotator.model.counting import int32_indices
from annotator.model.errors import UnknownTarget
from annotator.model.features import TextFeatures, block_scores, check_texts, mask_texts
from annotator.model.weighting import Weighted

TARGET_TOKEN = "_target_"
MODES = ("augment", "per_target", "shared")
Aliases = tuple[tuple[str, tuple[str, ...]], ...]


def stance_rows(texts: Iterable[str], targets: Iterable[str] | str) -> np.ndarray:
    """Texts and the target each is asked about, as an ``(n, 2)`` object array.

    ``targets`` is one target per text, or a single target for all of them.
    """
    text_list = check_texts(texts)
    target_list = [targets] * len(text_list) if isinstance(targets, str) else list(targets)
    if len(target_list) != len(text_list):
        raise ValueError(f"{len(text_list)} texts but {len(target_list)} targets")
    for i, target in enumerate(target_list):
        if not isinstance(target, str) or not target:
            raise ValueError(f"target {i} is {target!r}: every stance row needs a target name")
    rows = np.empty((len(text_list), 2), dtype=object)
    rows[:, 0], rows[:, 1] = text_list, target_list
    return rows


def as_rows(X: Any) -> np.ndarray:
    """Stance input (rows of text and target, or a frame with those columns) as an object array."""
    if hasattr(X, "columns") and {"text", "target"} <= set(X.columns):
        return stance_rows(list(X["text"]), list(X["target"]))
    rows = np.asarray(X, dtype=object)
    if rows.ndim != 2 or rows.shape[1] != 2:
        raise ValueError("stance input is rows of (text, target); use stance_rows(texts, targets)")
    return stance_rows(rows[:, 0].tolist(), rows[:, 1].tolist())


def normalise_aliases(aliases: Mapping[str, Iterable[str]] | Aliases | None) -> Aliases:
    """Aliases as a sorted tuple of ``(target, (alias, ...))`` pairs (a valid parameter value)."""
    if not aliases:
        return ()
    items = aliases.items() if isinstance(aliases, Mapping) else aliases
    return tuple(sorted((str(t), tuple(str(a) for a in names)) for t, names in items))


class StanceFeatures(TransformerMixin, BaseEstimator):
    """Target-aware n-gram features of ``(text, target)`` rows.

    Output columns: the text features (shared), then one copy per target in
    ``own_targets_`` (rows of other targets are zero there; scaled by
    ``target_weight``), then one indicator column per target in
    ``targets_``. ``min_target_labels``: fewer labels than this and a target
    gets no copy of its own (it is predicted through the shared weights).
    ``target_copy``: what the per-target copies hold, ``"all"`` features or
    only the ``"word"`` n-grams (half the size and time; a point of F_avg
    lower on SemEval-2016).
    """

    def __init__(
        self,
        aliases: Aliases | Mapping[str, Iterable[str]] | None = None,
        mode: str = "augment",
        min_target_labels: int = 10,
        target_weight: float = 1.0,
        placeholder: str = TARGET_TOKEN,
        target_copy: str = "all",
        word_ngrams: tuple[int, int] = (1, 2),
        char_ngrams: tuple[int, int] | None = (4, 4),
        min_df: int | float = 2,
        max_df: int | float = 1.0,
        max_features: int | None = None,
        sublinear_tf: bool = True,
    ) -> None:
        self.aliases = aliases
        self.mode = mode
        self.min_target_labels = min_target_labels
        self.target_weight = target_weight
        self.placeholder = placeholder
        self.target_copy = target_copy
        self.word_ngrams = word_ngrams
        self.char_ngrams = char_ngrams
        self.min_df = min_df
        self.max_df = max_df
        self.max_features = max_features
        self.sublinear_tf = sublinear_tf

    # ------------------------------------------------------------ helpers

    def names_of(self, target: str) -> tuple[str, ...]:
        return (target, *dict(normalise_aliases(self.aliases)).get(target, ()))

    def target_texts(self, rows: np.ndarray) -> list[str]:
        """Lower-cased texts with each row's own target names replaced by the placeholder."""
        texts: list[str] = [""] * len(rows)
        targets = rows[:, 1]
        for target in dict.fromkeys(targets.tolist()):
            at = np.flatnonzero(targets == target)
            masked = mask_texts(rows[at, 0].tolist(), self.names_of(target), self.placeholder)
            for i, text in zip(at.tolist(), masked, strict=True):
                texts[i] = text
        return texts

    def _text_features(self) -> TextFeatures:
        return TextFeatures(
            word_ngrams=self.word_ngrams,
            char_ngrams=self.char_ngrams,
            min_df=self.min_df,
            max_df=self.max_df,
            max_features=self.max_features,
            sublinear_tf=self.sublinear_tf,
        )

    # ------------------------------------------------------------ fit / transform

    def fit(self, X: Any, y: Any = None) -> StanceFeatures:
        self.fit_transform(X)
        return self

    def fit_transform(self, X: Any, y: Any = None, **fit_params: Any) -> sp.csr_array:
        if self.mode not in MODES:
            raise ValueError(f"mode must be one of {', '.join(MODES)}, not {self.mode!r}")
        if self.target_copy not in ("word", "all"):
            raise ValueError(f"target_copy must be 'word' or 'all', not {self.target_copy!r}")
        rows = as_rows(X)
        counts = Counter(rows[:, 1].tolist())
        self.targets_ = np.asarray(sorted(counts), dtype=object)
        if self.mode == "shared":
            own: list[str] = []
        elif self.mode == "per_target":
            own = sorted(counts)
        else:
            own = sorted(t for t, c in counts.items() if c >= self.min_target_labels)
        self.own_targets_ = np.asarray(own, dtype=object)
        self.text_ = self._text_features()
        text = self.text_.fit_transform(self.target_texts(rows))
        self.n_text_features_ = text.shape[1]
        word_width = len(self.text_.word_.vocabulary_)
        copy_all = self.target_copy == "all" or self.mode == "per_target"
        self.copy_width_ = self.n_text_features_ if copy_all else word_width
        return self._augment(text, rows[:, 1])

    def transform(self, X: Any) -> sp.csr_array:
        check_is_fitted(self, "text_")
        rows = as_rows(X)
        self.check_targets(rows[:, 1])
        return self._augment(self.text_.transform(self.target_texts(rows)), rows[:, 1])

    def check_targets(self, targets: Iterable[str]) -> None:
        """Raise :class:`UnknownTarget` for targets this model cannot answer for."""
        if self.mode != "per_target":
            return
        unknown = sorted(set(targets) - set(self.own_targets_.tolist()))
        if unknown:
            raise UnknownTarget(
                f"no labels for target(s) {', '.join(unknown)}: this per-target model "
                f"knows {', '.join(self.own_targets_.tolist())}"
            )

    def position(self, names: np.ndarray, targets: np.ndarray) -> np.ndarray:
        """Position of each row's target in ``names`` (-1: not there)."""
        position = {t: i for i, t in enumerate(names.tolist())}
        return np.fromiter((position.get(t, -1) for t in targets.tolist()), np.int64, len(targets))

    def _augment(self, text: sp.csr_array, targets: np.ndarray) -> sp.csr_array:
        """The rows laid out in CSR order directly: shared part, own copy, indicator."""
        n = text.shape[0]
        own = self.position(self.own_targets_, targets)
        known = self.position(self.targets_, targets)
        per_row = np.diff(text.indptr)
        row_of = np.repeat(np.arange(n), per_row)
        shared = np.ones(text.nnz, dtype=bool) if self.mode != "per_target" else None
        copied = (own[row_of] >= 0) & (text.indices < self.copy_width_)
        flags = np.bincount(row_of[copied], minlength=n)
        sizes = (per_row if shared is not None else 0) + flags + (known >= 0)
        indptr = np.concatenate([[0], np.cumsum(sizes)])
        indices = np.empty(indptr[-1], dtype=np.int64)
        data = np.empty(indptr[-1])
        cursor = indptr[:-1].copy()
        rank = np.arange(text.nnz) - text.indptr[row_of]  # position within its row
        if shared is not None:
            at = cursor[row_of] + rank
            indices[at], data[at] = text.indices, text.data
            cursor += per_row
        rank_copied = np.cumsum(copied) - 1
        rank_copied = rank_copied[copied] - (np.cumsum(np.r_[0, flags])[:-1])[row_of[copied]]
        at = cursor[row_of[copied]] + rank_copied
        indices[at] = self.copy_start(own[row_of[copied]]) + text.indices[copied]
        data[at] = text.data[copied] * self.target_weight
        cursor += flags
        has = np.flatnonzero(known >= 0)
        indices[cursor[has]] = self.indicator_start() + known[has]
        data[cursor[has]] = 1.0
        width = self.indicator_start() + len(self.targets_)
        return int32_indices(sp.csr_array((data, indices, indptr), shape=(n, width)))

    def copy_start(self, own_index: np.ndarray) -> np.ndarray:
        """First column of each target's copy."""
        shared = 0 if self.mode == "per_target" else self.n_text_features_
        return shared + own_index * self.copy_width_

    def indicator_start(self) -> int:
        return int(self.copy_start(np.array([len(self.own_targets_)]))[0])

    def linear_scores(
        self, X: Any, coef: np.ndarray, intercept: np.ndarray, *, n_jobs: int | None = None
    ) -> np.ndarray:
        """``transform(X) @ coef.T + intercept`` without building the augmented matrix."""
        check_is_fitted(self, "text_")
        rows = as_rows(X)
        self.check_targets(rows[:, 1])
        d = self.n_text_features_
        # Rows grouped by target, so each target's rows of a chunk are one
        # slice of the count matrices (no copies); scores go back in order.
        order = np.argsort(self.position(self.own_targets_, rows[:, 1]), kind="stable")
        rows = rows[order]
        own = self.position(self.own_targets_, rows[:, 1])
        known = self.position(self.targets_, rows[:, 1])
        offset = self.indicator_start()
        copy_word_only = self.copy_width_ < d

        def score(at: slice, blocks: list[Weighted]) -> np.ndarray:
            n = at.stop - at.start
            if self.mode == "per_target" or not blocks:
                scores = np.zeros((n, coef.shape[0]))
            else:
                scores = block_scores(blocks, coef[:, :d])
            chunk_own, chunk_known = own[at], known[at]
            copied = blocks[:1] if copy_word_only else blocks
            for b in np.unique(chunk_own[chunk_own >= 0]).tolist():
                lo, hi = np.searchsorted(chunk_own, [b, b + 1])
                start = int(self.copy_start(np.array([b]))[0])
                part = coef[:, start : start + self.copy_width_] * self.target_weight
                scores[lo:hi] += block_scores(copied, part, rows=slice(int(lo), int(hi)))
            has = chunk_known >= 0
            scores[has] += coef[:, offset + chunk_known[has]].T
            return scores + intercept

        scores = self.text_.map_blocks(self.target_texts(rows), score, n_jobs=n_jobs)
        back = np.empty_like(scores)
        back[order] = scores
        return back

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.input_tags.string = True
        return tags
