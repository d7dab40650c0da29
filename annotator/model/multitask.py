"""Predict every task of a model version over one batch, counting its n-grams once.

Start with :class:`SharedPredictor`: build it once from a version's fitted
tasks; :meth:`SharedPredictor.predict` then gives, for each task, what
:func:`~annotator.model.prediction.predict_proba` gives for it (the same
probabilities, in the same class order) for a whole batch at once.

Task by task, prediction splits the batch into words, finds the n-grams of
each distinct word and counts them: the same work once per task, and for
stance once more on the target-masked rows. Here the tasks whose text
features count n-grams alike share one *feature space*, the union of their
fitted vocabularies in term order. Every document of the batch (the masked
texts once for all single and multi-choice tasks, plus each stance task's
target-masked rows) is split and counted once in that space, and the term
frequencies of each chunk of rows are made once; each task scores them
with its coefficients and IDF laid out over the union's columns (zero on
terms it does not know) and its own row norms (see
:mod:`annotator.model.spaces`). Zeros add nothing, so a task's scores are
the sums its own pipeline adds up, at most in another order (a difference
in the last digit; ``tests/test_model_multitask.py`` compares the two). A
pipeline of another shape is predicted on its own.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import scipy.sparse as sp

from annotator.model.chargrams import char_word_by_gram
from annotator.model.counting import Batch, word_counts
from annotator.model.documents import StanceDocs, split_documents
from annotator.model.features import CHUNK, TextMasker
from annotator.model.prediction import THREADS, predict_proba
from annotator.model.spaces import FeatureSpace, Member, Proba, StanceRows, build_spaces, shareable
from annotator.model.stance import stance_rows
from annotator.model.training import TrainedTask
from annotator.model.weighting import row_view, term_frequencies


class SharedPredictor:
    """The fitted tasks of a version, ready to predict batches together."""

    def __init__(self, tasks: Mapping[str, TrainedTask]) -> None:
        self.tasks = dict(tasks)
        self.alone = [name for name, t in self.tasks.items() if not shareable(t)]
        self.spaces = build_spaces(self.tasks)

    def predict(
        self,
        texts: Sequence[str],
        *,
        stance: Mapping[str, StanceRows] | None = None,
        n_jobs: int | None = None,
    ) -> dict[str, Proba]:
        """Probabilities and class order per task: over ``texts`` for single
        and multi choice, over the rows ``stance[name]`` (text index and
        target of each) for a stance task, which is left out without them."""
        return self.score(self.prepare(texts, stance=stance), n_jobs=n_jobs)

    def prepare(
        self, texts: Sequence[str], *, stance: Mapping[str, StanceRows] | None = None
    ) -> Prepared:
        """The first half of :meth:`predict`: the batch masked, split and
        counted (Python work, mostly under the GIL)."""
        stance = dict(stance or {})
        texts = list(texts)
        masked: dict[tuple[Any, ...], list[str]] = {}
        spaces = [_prepare_space(space, texts, stance, masked) for space in self.spaces]
        return Prepared(texts, stance, spaces)

    def score(self, prepared: Prepared, *, n_jobs: int | None = None) -> dict[str, Proba]:
        """The second half of :meth:`predict`: every task scored (numpy and
        scipy work, in ``n_jobs`` threads, mostly outside the GIL)."""
        threads = THREADS if n_jobs is None else n_jobs
        texts, stance = prepared.texts, prepared.stance
        out: dict[str, Proba] = {}
        for name in self.alone:
            trained = self.tasks[name]
            if trained.kind != "stance":
                out[name] = predict_proba(trained, texts, n_jobs=threads)
            elif name in stance:
                where, targets = stance[name]
                chosen = [texts[i] for i in where]
                out[name] = predict_proba(trained, chosen, targets=list(targets), n_jobs=threads)
        for counted in prepared.spaces:
            out.update(_score_space(counted, threads))
        return {name: out[name] for name in self.tasks if name in out}


# ---------------------------------------------------------------- one batch


@dataclass
class _DocSet:
    """Documents of the batch that some tasks score: rows ``start:stop`` of the space."""

    start: int
    stop: int
    members: list[Member]
    own: np.ndarray | None = None  # stance: the own-target index of each row, ascending
    known: np.ndarray | None = None
    order: np.ndarray | None = None  # stance: the row order they were sorted by
    weights: list[tuple[np.ndarray, np.ndarray]] = field(default_factory=list)  # plain, per block


def _masked(
    masker: TextMasker, texts: list[str], cache: dict[tuple[Any, ...], list[str]]
) -> list[str]:
    """The texts as ``masker`` and then the text features make them (lower-cased, masked)."""
    key = (masker.strings, masker.placeholder)
    if key not in cache:
        plain = TextMasker(strings=masker.strings, placeholder=masker.placeholder)
        cache[key] = [t.lower() for t in plain.transform(texts)]
    return cache[key]


def _documents(
    space: FeatureSpace,
    texts: list[str],
    stance: Mapping[str, StanceRows],
    cache: dict[tuple[Any, ...], list[str]],
) -> tuple[Batch, list[_DocSet]]:
    sources: list[list[str]] = []
    source_of: dict[tuple[Any, ...], int] = {}
    plain: dict[int, list[Member]] = {}
    groups: list[StanceDocs] = []
    found: list[_DocSet] = []
    for member in space.members:
        key = (member.masker.strings, member.masker.placeholder)
        if key not in source_of:
            source_of[key] = len(sources)
            sources.append(_masked(member.masker, texts, cache))
        source = source_of[key]
        if member.stance is None:
            plain.setdefault(source, []).append(member)
            continue
        if member.name not in stance:
            continue
        where, targets = stance[member.name]
        rows = stance_rows([texts[i] for i in where], list(targets))  # checks them
        features = member.stance
        features.check_targets(rows[:, 1])
        # Grouped by own target, so each target's rows of a chunk are one slice.
        own = features.position(features.own_targets_, rows[:, 1])
        order = np.argsort(own, kind="stable")
        sorted_targets = rows[order, 1]
        known = features.position(features.targets_, sorted_targets)
        chosen = np.asarray(where, dtype=np.int64)[order]
        groups.append(StanceDocs(source, chosen, sorted_targets.tolist(), features))
        found.append(_DocSet(0, 0, [member], own[order], known, order))
    scored = list(plain)
    batch, ranges = split_documents(sources, scored, groups)
    sets = [_DocSet(0, 0, plain[s], weights=space.stacked(plain[s])) for s in scored] + found
    for docset, (start, stop) in zip(sets, ranges, strict=True):
        docset.start, docset.stop = start, stop
    return batch, sets


@dataclass
class _Counted:
    """A batch counted in a feature space: what scoring needs."""

    space: FeatureSpace
    sets: list[_DocSet]
    words: sp.csr_array
    doc_by_word: sp.csr_array
    word_by_gram: sp.csr_array | None


@dataclass
class Prepared:
    """A batch ready to score (see :meth:`SharedPredictor.prepare`)."""

    texts: list[str]
    stance: dict[str, StanceRows]
    spaces: list[_Counted]


def _prepare_space(
    space: FeatureSpace,
    texts: list[str],
    stance: Mapping[str, StanceRows],
    cache: dict[tuple[Any, ...], list[str]],
) -> _Counted:
    batch, sets = _documents(space, texts, stance, cache)
    words = word_counts(batch, space.word)
    word_by_gram = None
    if space.char is not None:
        char = space.char
        word_by_gram = char_word_by_gram(
            batch, char.ngram_range, char.vocabulary_, grow=False, vectorizer=char
        )
    return _Counted(space, sets, words, batch.doc_by_word(), word_by_gram)


def _score_space(counted: _Counted, threads: int) -> dict[str, Proba]:
    space, sets = counted.space, counted.sets

    def blocks(lo: int, hi: int) -> list[sp.csr_array]:
        found = [term_frequencies(counted.words[lo:hi], space.word)]
        if counted.word_by_gram is not None:
            counts = sp.csr_array(counted.doc_by_word[lo:hi] @ counted.word_by_gram)
            found.append(term_frequencies(counts, space.char))
        return found

    def work(item: tuple[_DocSet, int, int]) -> list[np.ndarray]:
        docset, lo, hi = item
        tfs = blocks(lo, hi)
        if docset.own is None:
            return _score_plain(docset, space, tfs)
        return _score_stance(docset, space, tfs, lo - docset.start)

    items = [(d, lo, min(lo + CHUNK, d.stop)) for d in sets for lo in range(d.start, d.stop, CHUNK)]
    if threads > 1 and len(items) > 1:
        with ThreadPoolExecutor(threads) as pool:
            parts = list(pool.map(work, items))
    else:
        parts = [work(item) for item in items]
    out: dict[str, Proba] = {}
    for docset in sets:
        mine = [p for (d, _, _), p in zip(items, parts, strict=True) if d is docset]
        for k, member in enumerate(docset.members):
            head = member.trained.model.named_steps["classify"]
            width = head.coef_.shape[0]
            decision = np.vstack([p[k] for p in mine]) if mine else np.zeros((0, width))
            if docset.order is not None:
                back = np.empty_like(decision)
                back[docset.order] = decision
                decision = back
            out[member.name] = (head.proba_from_decision(decision), list(member.trained.classes_))
    return out


def _norms(space: FeatureSpace, tf: sp.csr_array, squares: np.ndarray) -> np.ndarray:
    """Row norms of ``tf`` weighted by each column of ``squares`` (as ``weigh_lazily``)."""
    n, m = tf.shape[0], squares.shape[1]
    if space.norm is None or not tf.nnz:
        return np.ones((n, m))
    if space.norm == "l1":
        norms = np.asarray(abs(tf) @ squares)
    else:
        norms = np.asarray(tf @ squares)
        more = np.flatnonzero(tf.data != 1.0) if space.sublinear else np.arange(tf.nnz)
        if len(more):
            rows = np.searchsorted(tf.indptr, more, side="right") - 1
            gain = np.square(tf.data[more]) - tf.data[more]
            extra = gain[:, None] * squares[tf.indices[more]]
            for j in range(m):
                norms[:, j] += np.bincount(rows, weights=extra[:, j], minlength=n)
        norms = np.sqrt(norms)
    norms[norms == 0] = 1.0
    return norms


def _score_plain(docset: _DocSet, space: FeatureSpace, tfs: list[sp.csr_array]) -> list[np.ndarray]:
    members = docset.members
    scores: list[np.ndarray | None] = [None] * len(members)
    for b, tf in enumerate(tfs):
        weights, squares = docset.weights[b]
        norms = _norms(space, tf, squares)
        product = np.asarray(tf @ weights)
        start = 0
        for k, member in enumerate(members):
            width = member.shared[b].shape[1]
            part = product[:, start : start + width] / norms[:, k][:, None]
            current = scores[k]
            scores[k] = part if current is None else current + part
            start += width
    return [
        s + m.trained.model.named_steps["classify"].intercept_
        for s, m in zip(scores, members, strict=True)
        if s is not None
    ]


def _score_stance(
    docset: _DocSet, space: FeatureSpace, tfs: list[sp.csr_array], offset: int
) -> list[np.ndarray]:
    """As ``StanceFeatures.linear_scores``: shared part, each own target's copy, indicator."""
    member = docset.members[0]
    features = member.stance
    assert features is not None and docset.own is not None and docset.known is not None
    head = member.trained.model.named_steps["classify"]
    n = tfs[0].shape[0]
    own = docset.own[offset : offset + n]
    known = docset.known[offset : offset + n]
    norms = [_norms(space, tf, member.squares[b][:, None])[:, 0] for b, tf in enumerate(tfs)]
    scores = np.zeros((n, head.coef_.shape[0]))
    if features.mode != "per_target":
        for b, tf in enumerate(tfs):
            part = np.asarray(tf @ member.shared[b]) / norms[b][:, None]
            scores = part if b == 0 else scores + part
    for target in np.unique(own[own >= 0]).tolist():
        lo, hi = (int(x) for x in np.searchsorted(own, [target, target + 1]))
        copy: np.ndarray | None = None
        for b, weights in enumerate(member.copies[target]):
            view = row_view(tfs[b], slice(lo, hi))
            part = np.asarray(view @ weights) / norms[b][lo:hi, None]
            copy = part if copy is None else copy + part
        if copy is not None:
            scores[lo:hi] += copy
    has = known >= 0
    scores[has] += head.coef_[:, features.indicator_start() + known[has]].T
    return [scores + head.intercept_]
