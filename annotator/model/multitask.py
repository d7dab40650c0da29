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
terms it does not know) and its own row norms. Zeros add nothing and each
task's terms keep their relative order, so a task's scores are the sums its
own pipeline adds up, in the same order (``tests/test_model_multitask.py``
compares the two). A pipeline of another shape is predicted on its own.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import TfidfVectorizer

from annotator.model.chargrams import char_word_by_gram
from annotator.model.counting import Batch, word_counts
from annotator.model.documents import StanceDocs, split_documents
from annotator.model.features import CHUNK, TextFeatures, TextMasker
from annotator.model.prediction import THREADS, predict_proba
from annotator.model.stance import StanceFeatures, stance_rows
from annotator.model.training import TrainedTask
from annotator.model.weighting import row_view, term_frequencies

Proba = tuple[np.ndarray, list[str]]
StanceRows = tuple[
    Sequence[int] | np.ndarray, Sequence[str]
]  # per row: the text's index, the target


@dataclass
class _Member:
    """A task in a feature space: its weights laid out over the union's columns."""

    name: str
    trained: TrainedTask
    masker: TextMasker
    features: TextFeatures  # the text features (stance: its ``text_``)
    stance: StanceFeatures | None
    squares: list[np.ndarray]  # per block: squared IDF over the union (zero: not its term)
    shared: list[np.ndarray]  # per block: (union columns, values) coefficients times IDF
    copies: list[list[np.ndarray]]  # stance: per own target, per block copied


@dataclass
class _Space:
    """Tasks whose n-grams are counted alike, and the union of their vocabularies."""

    word: TfidfVectorizer  # holds the union vocabulary (``vocabulary_``) and n-gram range
    char: TfidfVectorizer | None
    sublinear: bool
    norm: str | None
    members: list[_Member]
    blocks: int
    stacks: dict[tuple[str, ...], list[tuple[np.ndarray, np.ndarray]]] = field(default_factory=dict)

    def stacked(self, members: list[_Member]) -> list[tuple[np.ndarray, np.ndarray]]:
        """Per block, the weights of tasks scored together, side by side (kept)."""
        key = tuple(m.name for m in members)
        if key not in self.stacks:
            self.stacks[key] = [_stacked(members, b) for b in range(self.blocks)]
        return self.stacks[key]


def _shareable(trained: TrainedTask) -> bool:
    steps = [step for _, step in trained.model.steps]
    if len(steps) != 3 or not isinstance(steps[0], TextMasker):
        return False
    features = steps[1]
    if isinstance(features, StanceFeatures):
        features = features.text_
        if steps[0].column != 0:
            return False
    elif not isinstance(features, TextFeatures) or steps[0].column is not None:
        return False
    return bool(features.fast) and hasattr(steps[2], "proba_from_decision")


def _space_key(features: TextFeatures) -> tuple[Any, ...]:
    word, char = features.word_, features.char_
    return (
        tuple(word.ngram_range),
        tuple(char.ngram_range) if char is not None else None,
        word.sublinear_tf,
        word.norm,
        word.use_idf,
        (char.sublinear_tf, char.norm, char.use_idf) if char is not None else None,
    )


def _union(vocabularies: list[dict[str, int]]) -> tuple[dict[str, int], list[np.ndarray]]:
    """The terms of all vocabularies in order, and each vocabulary's columns in it."""
    terms = sorted(set().union(*vocabularies))
    index = {t: i for i, t in enumerate(terms)}
    columns = []
    for vocabulary in vocabularies:
        at = np.empty(len(vocabulary), dtype=np.int64)
        own = np.fromiter(vocabulary.values(), dtype=np.int64, count=len(vocabulary))
        at[own] = np.fromiter(map(index.__getitem__, vocabulary), np.int64, len(vocabulary))
        columns.append(at)
    return index, columns


def _spread(values: np.ndarray, columns: np.ndarray, width: int) -> np.ndarray:
    """``values`` (k x features) as a (union width x k) matrix, zero off ``columns``."""
    out = np.zeros((width, values.shape[0]))
    out[columns] = values.T
    return out


class SharedPredictor:
    """The fitted tasks of a version, ready to predict batches together."""

    def __init__(self, tasks: Mapping[str, TrainedTask]) -> None:
        self.tasks = dict(tasks)
        self.alone = [name for name, t in self.tasks.items() if not _shareable(t)]
        grouped: dict[tuple[Any, ...], list[tuple[str, TrainedTask, TextFeatures]]] = {}
        for name, trained in self.tasks.items():
            if name in self.alone:
                continue
            features = trained.model.named_steps["features"]
            text = features.text_ if isinstance(features, StanceFeatures) else features
            grouped.setdefault(_space_key(text), []).append((name, trained, text))
        self.spaces = [_build_space(group) for group in grouped.values()]

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
        stance = stance or {}
        threads = THREADS if n_jobs is None else n_jobs
        texts = list(texts)
        out: dict[str, Proba] = {}
        for name in self.alone:
            trained = self.tasks[name]
            if trained.kind != "stance":
                out[name] = predict_proba(trained, texts, n_jobs=threads)
            elif name in stance:
                where, targets = stance[name]
                chosen = [texts[i] for i in where]
                out[name] = predict_proba(trained, chosen, targets=list(targets), n_jobs=threads)
        masked: dict[tuple[Any, ...], list[str]] = {}
        for space in self.spaces:
            out.update(_predict_space(space, texts, stance, masked, threads))
        return {name: out[name] for name in self.tasks if name in out}


def _build_space(group: list[tuple[str, TrainedTask, TextFeatures]]) -> _Space:
    first = group[0][2]
    chars = [text.char_ for _, _, text in group if text.char_ is not None]
    has_char = len(chars) == len(group)  # all or none: the space key says so
    word_index, word_columns = _union([text.word_.vocabulary_ for _, _, text in group])
    # Only what counting and term frequencies read: n-gram range, vocabulary, sublinear tf.
    common = {"sublinear_tf": first.word_.sublinear_tf}
    word = TfidfVectorizer(ngram_range=tuple(first.word_.ngram_range), **common)
    word.vocabulary_ = word_index
    char = None
    char_columns: list[np.ndarray] = []
    if has_char:
        char_index, char_columns = _union([c.vocabulary_ for c in chars])
        ngrams = tuple(chars[0].ngram_range)
        char = TfidfVectorizer(analyzer="char_wb", ngram_range=ngrams, **common)
        char.vocabulary_ = char_index
    widths = [len(word.vocabulary_)] + ([len(char.vocabulary_)] if char is not None else [])
    members = []
    for k, (name, trained, text) in enumerate(group):
        columns = [word_columns[k]] + ([char_columns[k]] if has_char else [])
        members.append(_member(name, trained, text, columns, widths))
    sublinear = bool(first.word_.sublinear_tf)
    return _Space(word, char, sublinear, first.word_.norm, members, len(widths))


def _member(
    name: str,
    trained: TrainedTask,
    text: TextFeatures,
    columns: list[np.ndarray],
    widths: list[int],
) -> _Member:
    masker, features, head = (step for _, step in trained.model.steps)
    vectorizers = [v for v in (text.word_, text.char_) if v is not None]
    idfs = [v.idf_ if v.use_idf else None for v in vectorizers]
    squares = []
    for v, idf, cols, width in zip(vectorizers, idfs, columns, widths, strict=True):
        square = np.zeros(width)
        square[cols] = np.square(idf if idf is not None else np.ones(len(cols)))
        if v.norm == "l1":
            square[cols] = np.abs(idf) if idf is not None else 1.0
        squares.append(square)

    def weights(coef: np.ndarray, start: int, blocks: int) -> list[np.ndarray]:
        # As Weighted.scores computes them: coefficients times IDF, per block.
        out = []
        for b in range(blocks):
            part = coef[:, start : start + len(columns[b])]
            w = part * idfs[b] if idfs[b] is not None else part
            out.append(_spread(w, columns[b], widths[b]))
            start += len(columns[b])
        return out

    coef = head.coef_
    stance = features if isinstance(features, StanceFeatures) else None
    shared = weights(coef, 0, len(vectorizers))
    copies = []
    if stance is not None:
        blocks = len(vectorizers) if stance.copy_width_ == stance.n_text_features_ else 1
        for b in range(len(stance.own_targets_)):
            start = int(stance.copy_start(np.array([b]))[0])
            part = coef[:, start : start + stance.copy_width_] * stance.target_weight
            copies.append(weights(part, 0, blocks))
    return _Member(name, trained, masker, text, stance, squares, shared, copies)


# ---------------------------------------------------------------- one batch


@dataclass
class _DocSet:
    """Documents of the batch that some tasks score: rows ``start:stop`` of the space."""

    start: int
    stop: int
    members: list[_Member]
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
    space: _Space,
    texts: list[str],
    stance: Mapping[str, StanceRows],
    cache: dict[tuple[Any, ...], list[str]],
) -> tuple[Batch, list[_DocSet]]:
    sources: list[list[str]] = []
    source_of: dict[tuple[Any, ...], int] = {}
    plain: dict[int, list[_Member]] = {}
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


def _predict_space(
    space: _Space,
    texts: list[str],
    stance: Mapping[str, StanceRows],
    cache: dict[tuple[Any, ...], list[str]],
    threads: int,
) -> dict[str, Proba]:
    batch, sets = _documents(space, texts, stance, cache)
    words = word_counts(batch, space.word)
    doc_by_word = batch.doc_by_word()
    word_by_gram = None
    if space.char is not None:
        char = space.char
        word_by_gram = char_word_by_gram(
            batch, char.ngram_range, char.vocabulary_, grow=False, vectorizer=char
        )

    def blocks(lo: int, hi: int) -> list[sp.csr_array]:
        found = [term_frequencies(words[lo:hi], space.word)]
        if word_by_gram is not None:
            counts = sp.csr_array(doc_by_word[lo:hi] @ word_by_gram)
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


def _norms(space: _Space, tf: sp.csr_array, squares: np.ndarray) -> np.ndarray:
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


def _stacked(members: list[_Member], b: int) -> tuple[np.ndarray, np.ndarray]:
    """Block ``b``'s weights of several tasks side by side, and their squared IDFs."""
    return (
        np.hstack([m.shared[b] for m in members]),
        np.column_stack([m.squares[b] for m in members]),
    )


def _score_plain(docset: _DocSet, space: _Space, tfs: list[sp.csr_array]) -> list[np.ndarray]:
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
    docset: _DocSet, space: _Space, tfs: list[sp.csr_array], offset: int
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
