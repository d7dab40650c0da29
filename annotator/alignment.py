"""Sentence alignment: which sentences of two outlets report the same fact.

Start with :func:`align_sentences`: given the sentences of a story (each with
its outlet), it pairs sentences across every two outlets one to one, and
lists each outlet's sentences that no other outlet reports (its sentence-level
blindspots). :func:`annotator.stories.align_story` runs it on a stored story;
:func:`pairs_with_labels` puts each side's current labels beside a pair.

How similar two sentences are: TF-IDF over word unigrams and bigrams and over
character 3-5-grams inside words (Indonesian affixes: "serangan",
"menyerang"), both fitted on the story's sentences, lower-cased, sublinear
term frequency; the similarity is the mean of the two cosines. It works for
Indonesian and English alike and needs no stop-word list: the inverse
document frequency over the story's sentences already weighs down "yang",
"dan", "the".

Matching is greedy on similarity, highest first, which is the same as taking
mutual best pairs over and over: a pair is kept only when neither sentence
has a better partner left. Ties are broken by the two sentence ids as an
unordered pair, so the result does not depend on which outlet comes first.

The thresholds were set on the seed story (BBC News Indonesia and kumparan
on the Musk-Trump interview, 39 and 19 sentences), the only real story at
hand, so take them as a start: at 0.11 the 13 pairs found are shared facts
(the DDoS claim, the cyberattack, the delay, Trump's return to X, the polls)
but one false friend ("tidak dapat mendengarkan" about Europeans against
listeners who could not follow the stream); every sentence whose best
counterpart is below 0.10 is one outlet's own (BBC's explanation of DDoS and
the EU's letter; kumparan's "misinformasi sayap kanan" and the 8 million
listeners), and so are most between 0.10 and 0.11, which are neither paired
nor listed. A translated term defeats it: BBC's "serangan penolakan layanan
terdistribusi (DDoS)" finds no counterpart in kumparan's "serangan DDOS
(Distributed Denial of Service)" sentence. Scores are not probabilities.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd
import scipy.sparse as sp
from sklearn.feature_extraction.text import CountVectorizer, TfidfTransformer, TfidfVectorizer
from sklearn.preprocessing import normalize

from annotator.storage.stories import SentenceText

PAIR_THRESHOLD = 0.11
BLINDSPOT_THRESHOLD = 0.10
LABEL_COLUMNS = ("sentence_id", "task", "target", "value")

Label = tuple[str, str, str]  # task, target, value


@dataclass(frozen=True)
class AlignedPair:
    """Two sentences of two outlets that report the same fact."""

    left_sentence_id: int
    right_sentence_id: int
    left_document_id: int
    right_document_id: int
    left_outlet: str
    right_outlet: str
    left_text: str
    right_text: str
    similarity: float


@dataclass(frozen=True)
class Blindspot:
    """A sentence no other outlet of the story has a counterpart for."""

    sentence_id: int
    document_id: int
    outlet: str
    text: str
    best_similarity: float  # to the closest sentence of any other outlet


@dataclass(frozen=True)
class Alignment:
    outlets: tuple[str, ...]  # in order of first appearance
    pairs: tuple[AlignedPair, ...]  # by outlet pair, then the left sentence's reading order
    blindspots: tuple[Blindspot, ...]  # in reading order


def char_counts(texts: Sequence[str]) -> sp.csr_matrix:
    """Counts of character 3-5-grams inside words, exactly as scikit-learn's
    ``char_wb`` analyzer counts them (features in the same order), but each
    distinct word is cut into n-grams once instead of at every occurrence."""
    words = CountVectorizer(tokenizer=str.split, token_pattern=None)
    try:
        per_text = words.fit_transform(texts)
    except ValueError:  # only blank texts
        return sp.csr_matrix((len(texts), 0))
    grams = CountVectorizer(analyzer="char_wb", ngram_range=(3, 5), lowercase=False)
    per_word = grams.fit_transform(words.get_feature_names_out())
    return sp.csr_matrix(per_text @ per_word)


def sentence_vectors(texts: Sequence[str]) -> sp.csr_matrix:
    """Rows whose dot products are the similarities described above."""
    try:
        word = TfidfVectorizer(
            ngram_range=(1, 2), token_pattern=r"(?u)\b\w+\b", sublinear_tf=True
        ).fit_transform(texts)
    except ValueError:  # no words at all (e.g. only punctuation)
        word = sp.csr_matrix((len(texts), 0))
    char = char_counts(texts)
    if char.shape[1]:
        char = TfidfTransformer(sublinear_tf=True).fit_transform(char)
    # Each half has norm sqrt(1/2), so a dot product is the mean of the two cosines.
    half = np.sqrt(0.5)
    return sp.hstack([normalize(m) * half if m.shape[1] else m for m in (word, char)], format="csr")


def similarities(left: sp.csr_matrix, right: sp.csr_matrix) -> np.ndarray:
    """Cosine similarities, rounded so that near-ties are ties broken by id."""
    # Sparse products add the same terms in the same order either way round,
    # so similarities(b, a) is exactly similarities(a, b).T.
    return np.round((left @ right.T).toarray(), 9)


def match(
    similarity: np.ndarray,
    left_ids: np.ndarray,
    right_ids: np.ndarray,
    *,
    threshold: float,
) -> list[tuple[int, int]]:
    """One-to-one (row, column) pairs at or above ``threshold``, best first."""
    rows, cols = np.nonzero(similarity >= threshold)
    if rows.size == 0:
        return []
    values = similarity[rows, cols]
    low = np.minimum(left_ids[rows], right_ids[cols])
    high = np.maximum(left_ids[rows], right_ids[cols])
    order = np.lexsort((high, low, -values))
    used_rows = np.zeros(similarity.shape[0], dtype=bool)
    used_cols = np.zeros(similarity.shape[1], dtype=bool)
    limit = min(similarity.shape)
    found: list[tuple[int, int]] = []
    for k in order:
        r, c = rows[k], cols[k]
        if used_rows[r] or used_cols[c]:
            continue
        used_rows[r] = used_cols[c] = True
        found.append((int(r), int(c)))
        if len(found) == limit:
            break
    return found


def align_sentences(
    sentences: Sequence[SentenceText],
    *,
    threshold: float = PAIR_THRESHOLD,
    blindspot_threshold: float = BLINDSPOT_THRESHOLD,
) -> Alignment:
    """Pair the sentences of every two outlets, and list each outlet's blindspots.

    ``sentences`` are in reading order. A sentence is paired at most once
    with each other outlet. A blindspot is a sentence whose closest sentence
    in every other outlet is below ``blindspot_threshold``; a story with one
    outlet has none, as there is nothing to compare with.
    """
    if blindspot_threshold > threshold:
        raise ValueError("the blindspot threshold must not be above the pair threshold")
    outlets = tuple(dict.fromkeys(s.outlet for s in sentences))
    if len(outlets) < 2:
        return Alignment(outlets=outlets, pairs=(), blindspots=())
    vectors = sentence_vectors([s.text for s in sentences])
    ids = np.array([s.id for s in sentences], dtype=np.int64)
    outlet_of = np.array([outlets.index(s.outlet) for s in sentences])
    rows_of = [np.flatnonzero(outlet_of == k) for k in range(len(outlets))]
    best = np.zeros(len(sentences))
    pairs: list[AlignedPair] = []
    for a in range(len(outlets)):
        for b in range(a + 1, len(outlets)):
            left, right = rows_of[a], rows_of[b]
            sim = similarities(vectors[left], vectors[right])
            best[left] = np.maximum(best[left], sim.max(axis=1))
            best[right] = np.maximum(best[right], sim.max(axis=0))
            found = match(sim, ids[left], ids[right], threshold=threshold)
            for r, c in sorted(found):
                pairs.append(_pair(sentences[left[r]], sentences[right[c]], float(sim[r, c])))
    blindspots = tuple(
        Blindspot(s.id, s.document_id, s.outlet, s.text, float(best[k]))
        for k, s in enumerate(sentences)
        if best[k] < blindspot_threshold
    )
    return Alignment(outlets=outlets, pairs=tuple(pairs), blindspots=blindspots)


def _pair(left: SentenceText, right: SentenceText, similarity: float) -> AlignedPair:
    return AlignedPair(
        left_sentence_id=left.id,
        right_sentence_id=right.id,
        left_document_id=left.document_id,
        right_document_id=right.document_id,
        left_outlet=left.outlet,
        right_outlet=right.outlet,
        left_text=left.text,
        right_text=right.text,
        similarity=similarity,
    )


# ------------------------------------------------------------------ labels


def labels_by_sentence(labels: pd.DataFrame, sentence_ids: Sequence[int]) -> dict[int, set[Label]]:
    """(task, target, value) of each sentence given, from a frame with
    :data:`LABEL_COLUMNS` (other columns are ignored; null values are
    cleared labels and dropped; ``""`` means "no value applies" and stays)."""
    missing = [c for c in LABEL_COLUMNS if c not in labels.columns]
    if missing:
        raise ValueError(f"the label frame lacks the columns {', '.join(missing)}")
    part = labels.loc[
        labels["sentence_id"].isin(list(sentence_ids)) & labels["value"].notna(),
        list(LABEL_COLUMNS),
    ]
    found: dict[int, set[Label]] = {}
    for sid, task, target, value in part.itertuples(index=False):
        target = "" if pd.isna(target) else str(target)
        found.setdefault(int(sid), set()).add((str(task), target, str(value)))
    return found


def label_differences(left: set[Label], right: set[Label]) -> tuple[tuple[str, str], ...]:
    """(task, target) that both sides labelled with different values."""
    values: tuple[dict[tuple[str, str], set[str]], ...] = ({}, {})
    for side, labels in zip(values, (left, right), strict=True):
        for task, target, value in labels:
            side.setdefault((task, target), set()).add(value)
    return tuple(
        sorted(k for k in values[0].keys() & values[1].keys() if values[0][k] != values[1][k])
    )


def label_text(labels: tuple[Label, ...]) -> str:
    """Labels as one line of plain text, e.g. ``stance[Musk]=against; frame=conflict``."""
    return "; ".join(f"{t}[{g}]={v}" if g else f"{t}={v}" for t, g, v in labels)


def pairs_with_labels(pairs: Sequence[AlignedPair], labels: pd.DataFrame) -> pd.DataFrame:
    """One row per pair: its fields, each side's labels (sorted tuples of
    (task, target, value)) and the (task, target) on which the sides differ."""
    found = labels_by_sentence(
        labels, [i for p in pairs for i in (p.left_sentence_id, p.right_sentence_id)]
    )
    rows = []
    for p in pairs:
        left = found.get(p.left_sentence_id, set())
        right = found.get(p.right_sentence_id, set())
        rows.append(
            {
                **asdict(p),
                "left_labels": tuple(sorted(left)),
                "right_labels": tuple(sorted(right)),
                "differences": label_differences(left, right),
            }
        )
    columns = [*AlignedPair.__dataclass_fields__, "left_labels", "right_labels", "differences"]
    return pd.DataFrame(rows, columns=columns)


def blindspots_with_labels(blindspots: Sequence[Blindspot], labels: pd.DataFrame) -> pd.DataFrame:
    """One row per blindspot: its fields and its labels (sorted tuples)."""
    found = labels_by_sentence(labels, [b.sentence_id for b in blindspots])
    rows = [
        {**asdict(b), "labels": tuple(sorted(found.get(b.sentence_id, set())))} for b in blindspots
    ]
    return pd.DataFrame(rows, columns=[*Blindspot.__dataclass_fields__, "labels"])
