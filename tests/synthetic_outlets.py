"""Generated outlets for the comparison tests: a corpus, labels and a model with known answers.

Start with :func:`build_corpus` (outlets of documents of numbered sentences,
imported through :func:`annotator.corpus.import_articles`), then
:func:`label` (one annotator's decisions, saved through
:func:`annotator.annotations.save`), :func:`noisy_annotators` (a seeded
generator of annotators who each err on a known share of sentences, never
two on the same one) and :func:`add_model` (an active model version with
given predictions and card).
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from annotator import annotations as ann
from annotator.annotations import Choice, Decision
from annotator.corpus import import_articles
from annotator.labelsets import LabelSet
from annotator.readers import RawArticle
from annotator.storage import Store
from annotator.storage import models as models_sql
from annotator.storage import texts as texts_sql


@dataclass(frozen=True)
class Document:
    id: int
    outlet: str
    published: str
    sentence_ids: tuple[int, ...]


@dataclass(frozen=True)
class Corpus:
    documents: tuple[Document, ...]

    def sentences(self, outlet: str) -> list[int]:
        return [s for d in self.documents if d.outlet == outlet for s in d.sentence_ids]

    def document(self, outlet: str, index: int = 0) -> Document:
        return [d for d in self.documents if d.outlet == outlet][index]


def build_corpus(store: Store, layout: Mapping[str, Sequence[tuple[str, int]]]) -> Corpus:
    """Per outlet, documents given as (published, number of sentences)."""
    articles = []
    for outlet, docs in layout.items():
        for d, (published, size) in enumerate(docs):
            text = "\n\n".join(
                f"Kalimat nomor {i} dari {outlet} dokumen {d} tentang Trump dan Musk hari ini."
                for i in range(1, size + 1)
            )
            articles.append(
                RawArticle(
                    text=text,
                    source=f"{outlet}-{d}.txt",
                    outlet=outlet,
                    title=f"{outlet} {d}",
                    published=published or None,
                    language="id",
                )
            )
    report = import_articles(store, articles)
    assert not report.problems, report.problems
    out = []
    with store.read() as conn:
        for record in texts_sql.list_documents(conn):
            ids = tuple(sorted(texts_sql.sentence_ids(conn, record.id).values()))
            out.append(Document(record.id, record.outlet, record.published, ids))
    expected = {(o, p, n) for o, docs in layout.items() for p, n in docs}
    found = {(d.outlet, d.published, len(d.sentence_ids)) for d in out}
    assert found == expected, found
    return Corpus(tuple(sorted(out, key=lambda d: d.id)))


def label(
    store: Store,
    labelset: LabelSet,
    annotator: str,
    sentence_id: int,
    *,
    source: str = ann.HUMAN,
    stance: Mapping[str, str] | None = None,
    frames: Sequence[str] | None = None,
    cues: Mapping[str, tuple[int, int]] | None = None,
    **single: str | None,
) -> None:
    """Save one annotator's decisions on a sentence. ``single``: task=value
    (None clears); ``frames``: values ([""] for none applies, [] clears);
    ``cues``: value -> span."""
    cues = cues or {}

    def choice(value: str) -> Choice:
        span = cues.get(value)
        return Choice(value, *span) if span else Choice(value)

    decisions = [
        Decision(task, "", (choice(value),) if value is not None else ())
        for task, value in single.items()
    ]
    decisions += [
        Decision("stance", target, (choice(value),)) for target, value in (stance or {}).items()
    ]
    if frames is not None:
        decisions.append(Decision("frames", "", tuple(choice(v) for v in frames)))
    ann.save(
        store,
        sentence_id=sentence_id,
        annotator=annotator,
        decisions=decisions,
        labelset=labelset,
        source=source,
    )


def noisy_annotators(
    truth: Mapping[int, str], values: Sequence[str], *, annotators: int, error: float, seed: int
) -> dict[str, dict[int, str]]:
    """What each annotator says per sentence: the truth, except that on an
    ``error`` share of sentences one annotator (never two) picks another value."""
    rng = random.Random(seed)
    names = [f"annotator{i}" for i in range(annotators)]
    said: dict[str, dict[int, str]] = {n: dict(truth) for n in names}
    for sid, value in truth.items():
        if rng.random() < error:
            wrong = rng.choice([v for v in values if v != value])
            said[rng.choice(names)][sid] = wrong
    return said


def add_model(
    store: Store,
    labelset: LabelSet,
    rows: Sequence[tuple[int, str, str, str, float]],
    *,
    card_tasks: Mapping[str, Any] | None = None,
    label_set_version: int | None = None,
) -> int:
    """An active, ready model version whose predictions are ``rows``
    (sentence_id, task, target, value, probability)."""
    with store.write() as conn:
        version = models_sql.start_version(
            conn,
            label_set=labelset.name,
            label_set_version=label_set_version or labelset.version,
            created_by="test",
        )
        card = {"label_set": {"name": labelset.name}, "tasks": dict(card_tasks or {})}
        models_sql.store_model(conn, version, data=b"not a model", card=card)
        models_sql.add_predictions(conn, version, list(rows), [])
        models_sql.set_active(conn, version)
        models_sql.mark_ready(conn, version)
    return version
