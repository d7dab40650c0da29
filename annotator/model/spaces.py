"""Feature spaces: tasks that count n-grams alike, over the union of their vocabularies.

Start with :func:`build_spaces`: the fitted tasks of a version grouped by
how their text features count (n-gram ranges, sublinear tf, norm), each
group a :class:`FeatureSpace` holding one vocabulary, the union of the
group's in term order, and for each task (a :class:`Member`) its
coefficients times IDF laid out over the union's columns, zero on terms it
does not know. :mod:`annotator.model.multitask` counts a batch once per
space and scores every member on those counts.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer

from annotator.model.features import TextFeatures, TextMasker
from annotator.model.stance import StanceFeatures
from annotator.model.training import TrainedTask

Proba = tuple[np.ndarray, list[str]]
# A stance task's rows: per row, the index of its text and its target.
StanceRows = tuple[Sequence[int] | np.ndarray, Sequence[str]]


@dataclass
class Member:
    """A task in a feature space: its weights laid out over the union's columns."""

    name: str
    trained: TrainedTask
    masker: TextMasker
    features: TextFeatures  # the text features (stance: its ``text_``)
    stance: StanceFeatures | None
    squares: list[np.ndarray]  # per block: squared IDF over the union (zero: not its term)
    shared: list[np.ndarray]  # per block: (union width x values) coefficients times IDF
    copies: list[list[np.ndarray]]  # stance: per own target, per block copied


@dataclass
class FeatureSpace:
    """Tasks whose n-grams are counted alike, and the union of their vocabularies."""

    word: TfidfVectorizer  # holds the union vocabulary (``vocabulary_``) and n-gram range
    char: TfidfVectorizer | None
    sublinear: bool
    norm: str | None
    members: list[Member]
    blocks: int
    stacks: dict[tuple[str, ...], list[tuple[np.ndarray, np.ndarray]]] = field(default_factory=dict)

    def stacked(self, members: list[Member]) -> list[tuple[np.ndarray, np.ndarray]]:
        """Per block, the weights of tasks scored together, side by side (kept)."""
        key = tuple(m.name for m in members)
        if key not in self.stacks:
            self.stacks[key] = [stacked(members, b) for b in range(self.blocks)]
        return self.stacks[key]


def shareable(trained: TrainedTask) -> bool:
    """Whether a task's pipeline is the standard one (mask, fast text or stance
    features, a linear head) that a feature space can score."""
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


def space_key(features: TextFeatures) -> tuple[Any, ...]:
    word, char = features.word_, features.char_
    return (
        tuple(word.ngram_range),
        tuple(char.ngram_range) if char is not None else None,
        word.sublinear_tf,
        word.norm,
        word.use_idf,
        (char.sublinear_tf, char.norm, char.use_idf) if char is not None else None,
    )


def union(vocabularies: list[dict[str, int]]) -> tuple[dict[str, int], list[np.ndarray]]:
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


def spread(values: np.ndarray, columns: np.ndarray, width: int) -> np.ndarray:
    """``values`` (k x features) as a (union width x k) matrix, zero off ``columns``."""
    out = np.zeros((width, values.shape[0]))
    out[columns] = values.T
    return out


def stacked(members: list[Member], b: int) -> tuple[np.ndarray, np.ndarray]:
    """Block ``b``'s weights of several tasks side by side, and their squared IDFs."""
    return (
        np.hstack([m.shared[b] for m in members]),
        np.column_stack([m.squares[b] for m in members]),
    )


def build_space(group: list[tuple[str, TrainedTask, TextFeatures]]) -> FeatureSpace:
    first = group[0][2]
    chars = [text.char_ for _, _, text in group if text.char_ is not None]
    has_char = len(chars) == len(group)  # all or none: the space key says so
    word_index, word_columns = union([text.word_.vocabulary_ for _, _, text in group])
    # Only what counting and term frequencies read: n-gram range, vocabulary, sublinear tf.
    common = {"sublinear_tf": first.word_.sublinear_tf}
    word = TfidfVectorizer(ngram_range=tuple(first.word_.ngram_range), **common)
    word.vocabulary_ = word_index
    char = None
    char_columns: list[np.ndarray] = []
    if has_char:
        char_index, char_columns = union([c.vocabulary_ for c in chars])
        ngrams = tuple(chars[0].ngram_range)
        char = TfidfVectorizer(analyzer="char_wb", ngram_range=ngrams, **common)
        char.vocabulary_ = char_index
    widths = [len(word.vocabulary_)] + ([len(char.vocabulary_)] if char is not None else [])
    members = []
    for k, (name, trained, text) in enumerate(group):
        columns = [word_columns[k]] + ([char_columns[k]] if has_char else [])
        members.append(member(name, trained, text, columns, widths))
    sublinear = bool(first.word_.sublinear_tf)
    return FeatureSpace(word, char, sublinear, first.word_.norm, members, len(widths))


def member(
    name: str,
    trained: TrainedTask,
    text: TextFeatures,
    columns: list[np.ndarray],
    widths: list[int],
) -> Member:
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
            out.append(spread(w, columns[b], widths[b]))
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
    return Member(name, trained, masker, text, stance, squares, shared, copies)


def build_spaces(tasks: Mapping[str, TrainedTask]) -> list[FeatureSpace]:
    """The shareable tasks (see :func:`shareable`) grouped into feature spaces."""
    grouped: dict[tuple[Any, ...], list[tuple[str, TrainedTask, TextFeatures]]] = {}
    for name, trained in tasks.items():
        if not shareable(trained):
            continue
        features = trained.model.named_steps["features"]
        text = features.text_ if isinstance(features, StanceFeatures) else features
        grouped.setdefault(space_key(text), []).append((name, trained, text))
    return [build_space(group) for group in grouped.values()]
