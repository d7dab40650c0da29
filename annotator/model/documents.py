"""The documents of one batch for every task at once, split into words once.

Start with :func:`split_documents`. Single and multi-choice tasks read the
masked, lower-cased texts; a stance task reads each of its rows with the
row's target names replaced by a placeholder ("_target_ dikritik"). Made
one by one, the stance rows cost a regular-expression pass and a split
each. Here they are made from the texts' words: a target name without
whitespace can only match inside one whitespace-separated word, so masking
the *distinct* words of the batch once per target and mapping each row's
word codes gives the words the row would split into. Rows whose text holds
a name with a space in it ("elon musk") are masked and split as text.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise

import numpy as np

from annotator.model.counting import SEP, Batch
from annotator.model.features import mask_texts
from annotator.model.stance import StanceFeatures, stance_rows


@dataclass(frozen=True)
class StanceDocs:
    """A stance task's rows: the texts are those of ``sources[source]``."""

    source: int
    where: np.ndarray  # per row, the index of its text
    targets: list[str]
    features: StanceFeatures


def _one_word(text: str) -> bool:
    return text.split() == [text]


def _needles(features: StanceFeatures, target: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The target's names as masking matches them: without and with whitespace."""
    names = {s.strip().lower() for s in features.names_of(target) if s and s.strip()}
    single = tuple(sorted(n for n in names if _one_word(n)))
    return single, tuple(sorted(names - set(single)))


def _word_map(
    distinct: list[str],
    index: dict[str, int],
    size: int,
    needles: tuple[str, ...],
    placeholder: str,
) -> np.ndarray:
    """For the first ``size`` distinct words, the code of the word masked
    (new words are added to ``distinct`` and ``index``)."""
    mapping = np.arange(size)
    joined = "\x00".join(distinct[:size])
    starts = np.cumsum([0] + [len(w) + 1 for w in distinct[: size - 1]])
    hits: list[int] = []
    for needle in needles:
        pos = joined.find(needle)
        while pos >= 0:
            hits.append(pos)
            pos = joined.find(needle, pos + 1)
    candidates = np.unique(np.searchsorted(starts, hits, side="right") - 1).tolist()
    words = [distinct[i] for i in candidates]
    for i, before, after in zip(
        candidates, words, mask_texts(words, needles, placeholder), strict=True
    ):
        if after != before and before != SEP:
            word = after.lower()
            if word not in index:
                index[word] = len(distinct)
                distinct.append(word)
            mapping[i] = index[word]
    return mapping


def split_documents(
    sources: Sequence[list[str]], scored: Sequence[int], stance: Sequence[StanceDocs]
) -> tuple[Batch, list[tuple[int, int]]]:
    """One batch of the documents of ``sources[i]`` for ``i`` in ``scored``,
    then each stance task's rows; and the rows ``start:stop`` of each.

    ``sources``: lower-cased masked texts, one list per masking. A row's
    words are those of ``features.target_texts`` lower-cased, as its own
    pipeline would split them.
    """
    texts: list[str] = []
    starts = []
    for docs in sources:
        starts.append(len(texts))
        texts.extend(docs)
    picks = [np.arange(starts[s], starts[s] + len(sources[s])) for s in scored]
    maps_of = [np.full(len(sources[s]), -1) for s in scored]
    wanted: dict[tuple[tuple[str, ...], str], int] = {}
    for group in stance:
        docs = sources[group.source]
        where = np.asarray(group.where, dtype=np.int64)
        targets = np.asarray(group.targets, dtype=object)
        pick = starts[group.source] + where
        map_ids = np.full(len(where), -1)
        as_text: list[np.ndarray] = []
        placeholder = group.features.placeholder
        by_words = placeholder == placeholder.lower() and _one_word(placeholder)
        for target in dict.fromkeys(group.targets):
            at = np.flatnonzero(targets == target)
            single, multi = _needles(group.features, target)
            if not by_words:
                as_text.append(at)
                continue
            if multi:
                named = np.fromiter(
                    (any(n in docs[i] for n in multi) for i in where[at].tolist()), bool, len(at)
                )
                as_text.append(at[named])
                at = at[~named]
            if single:
                map_ids[at] = wanted.setdefault((single, placeholder), len(wanted))
        rows = np.sort(np.concatenate(as_text)) if as_text else np.zeros(0, dtype=np.int64)
        if len(rows):
            chosen = stance_rows([docs[i] for i in where[rows].tolist()], list(targets[rows]))
            pick[rows] = len(texts) + np.arange(len(rows))
            map_ids[rows] = -1
            texts.extend(t.lower() for t in group.features.target_texts(chosen))
        picks.append(pick)
        maps_of.append(map_ids)
    first = Batch.split(texts)
    distinct = list(first.distinct)
    index = {w: i for i, w in enumerate(distinct)}
    size = len(distinct)
    maps = [_word_map(distinct, index, size, needles, ph) for needles, ph in wanted]
    batch = _gather(first, distinct, np.concatenate(picks), np.concatenate(maps_of), maps)
    bounds = np.cumsum([0] + [len(p) for p in picks]).tolist()
    return batch, list(pairwise(bounds))


def _gather(
    first: Batch, distinct: list[str], pick: np.ndarray, map_ids: np.ndarray, maps: list[np.ndarray]
) -> Batch:
    """Documents ``pick`` of ``first``, each one's codes mapped by ``maps[map_ids[i]]`` (-1: kept)."""
    lengths = np.bincount(first.doc_of, minlength=first.n_docs)
    doc_starts = np.cumsum(lengths) - lengths
    sizes = lengths[pick]
    offsets = np.cumsum(sizes) - sizes
    at = np.repeat(doc_starts[pick] - offsets, sizes) + np.arange(int(sizes.sum()))
    codes = first.codes[at].astype(np.int64)
    doc_of = np.repeat(np.arange(len(pick), dtype=np.int32), sizes)
    mapped = np.repeat(map_ids, sizes)
    for m, mapping in enumerate(maps):
        chosen = np.flatnonzero(mapped == m)
        codes[chosen] = mapping[codes[chosen]]
    return Batch(len(pick), distinct, codes.astype(np.int32), doc_of)
