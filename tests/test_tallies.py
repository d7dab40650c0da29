"""Prediction tallies: the compare page's fast path gives the numbers of counting the label frame."""

from __future__ import annotations

import dataclasses
import random
from concurrent.futures import ThreadPoolExecutor
from datetime import date

import pytest
from sqlalchemy import delete, inspect, select

from annotator import label_sources as ls
from annotator import labelsets, preannotation, training
from annotator.label_sources import Filters
from annotator.labelsets import LabelSet
from annotator.model_counts import exact_counts, tallied_counts
from annotator.storage import Store, open_store, tallies
from annotator.storage import models as models_sql
from annotator.storage.schema import (
    prediction_sentence_tallies,
    prediction_tallies,
    schema_migrations,
)
from tests.synthetic_outlets import Corpus, add_model, build_corpus, label
from tests.test_label_sources import as_sets, frame_counts, put_in_story
from tests.test_training import label_corpus

LAYOUT = {
    "Alpha": [("2024-08-01", 9), ("2024-08-05T09:00:00+07:00", 8), ("", 5)],
    "Beta": [("2024-08-03", 10), ("2024-08-05", 6)],
    "Gamma": [("2024-08-31T23:59:59", 7)],
}
# Probabilities on a step, just below and just above one, and anywhere.
EDGES = [*tallies.STEPS, 0.35 - 1e-12, 0.5 + 1e-12, 0.7499999]


@pytest.fixture
def labelset(empty_store: Store) -> LabelSet:
    return labelsets.current(empty_store)


@pytest.fixture
def corpus(empty_store: Store) -> Corpus:
    return build_corpus(empty_store, LAYOUT)


def probability(rng: random.Random) -> float:
    return rng.choice(EDGES) if rng.random() < 0.5 else rng.random()


def predictions(
    corpus: Corpus, labelset: LabelSet, seed: int
) -> list[tuple[int, str, str, str, float]]:
    """Bias (one value), frames (none to three values, or ""), stance toward
    one or two targets, on every sentence; probabilities often on a step."""
    rng = random.Random(seed)
    frames = [v.name for v in labelset.task("frames").values]  # type: ignore[union-attr]
    targets = [t.name for t in labelset.task("stance").targets]  # type: ignore[union-attr]
    rows = []
    for d in corpus.documents:
        for sid in d.sentence_ids:
            rows.append((sid, "bias", "", rng.choice(["biased", "not-biased"]), probability(rng)))
            for value in rng.sample(frames, rng.randint(0, 3)) or [""]:
                rows.append((sid, "frames", "", value, probability(rng)))
            for target in rng.sample(targets, rng.randint(0, 2)):
                value = rng.choice(["favor", "against", "neutral"])
                rows.append((sid, "stance", target, value, probability(rng)))
    return rows


def people_label(store: Store, labelset: LabelSet, corpus: Corpus, seed: int) -> None:
    rng = random.Random(seed)
    frames = [v.name for v in labelset.task("frames").values]  # type: ignore[union-attr]
    for d in corpus.documents:
        for sid in d.sentence_ids:
            for who in ("ani", "budi"):
                if rng.random() < 0.25:
                    label(store, labelset, who, sid, bias=rng.choice(["biased", "not-biased"]),
                          frames=rng.sample(frames, rng.randint(0, 2)) or [""])  # fmt: skip


@pytest.fixture
def db(empty_store: Store, labelset: LabelSet, corpus: Corpus) -> Store:
    """A model version with tallies built, and people's labels on a quarter of the sentences."""
    version = add_model(empty_store, labelset, predictions(corpus, labelset, seed=3))
    with empty_store.write() as conn:
        tallies.build(conn, version)
    people_label(empty_store, labelset, corpus, seed=4)
    return empty_store


def version_of(store: Store, labelset: LabelSet) -> int:
    with store.read() as conn:
        record = models_sql.active_version(conn, labelset.name)
    assert record is not None
    return record.id


FILTERS = [
    Filters(),
    Filters(outlets=("Alpha",)),
    Filters(outlets=("Beta", "Gamma")),
    Filters(date_from=date(2024, 8, 3)),
    Filters(date_to=date(2024, 8, 5)),
    Filters(date_from=date(2024, 8, 5), date_to=date(2024, 8, 5), outlets=("Alpha", "Beta")),
    Filters(date_from=date(2024, 8, 31)),
    Filters(targets=("Donald Trump",)),
    Filters(targets=("Elon Musk",), outlets=("Alpha",), date_to=date(2024, 8, 4)),
]


def test_tallies_give_the_label_frames_counts_at_every_step_and_filter(
    db: Store, labelset: LabelSet
) -> None:
    version = version_of(db, labelset)
    cases = [(Filters(), t) for t in tallies.STEPS]
    cases += [(f, t) for f in FILTERS[1:] for t in (0.0, 0.35, 0.5, 0.75, 1.0)]
    nonempty = 0
    for filters, threshold in cases:
        frame = ls.label_frame(db, labelset, source="model", filters=filters, threshold=threshold)
        found = tallied_counts(db, labelset, filters, threshold=threshold, version=version)
        assert found is not None
        fast = ls.Counts(*found)
        assert as_sets(fast) == frame_counts(frame), (filters, threshold)
        nonempty += not frame.empty
    assert nonempty > len(cases) // 2  # the cases count something


@pytest.mark.parametrize("source", ["model", "human_else_model"])
def test_counts_equal_counting_the_label_frame_with_tallies(
    db: Store, labelset: LabelSet, source: ls.LabelSource
) -> None:
    for filters in FILTERS:
        for threshold in (0.0, 0.5, 0.65, 0.95):
            frame = ls.label_frame(
                db, labelset, source=source, filters=filters, threshold=threshold
            )
            found = ls.counts(db, labelset, source=source, filters=filters, threshold=threshold)
            assert as_sets(found) == frame_counts(frame), (source, filters, threshold)


def test_the_exact_sql_path_agrees_with_the_tallies(db: Store, labelset: LabelSet) -> None:
    version = version_of(db, labelset)
    with ThreadPoolExecutor(2) as pool:
        for filters in FILTERS[:3]:
            exact = exact_counts(db, labelset, filters, threshold=0.5, version=version, pool=pool)
            fast = tallied_counts(db, labelset, filters, threshold=0.5, version=version)
            assert fast is not None
            assert as_sets(ls.Counts(*exact)) == as_sets(ls.Counts(*fast))


def test_off_step_thresholds_and_document_filters_are_counted_from_the_predictions(
    db: Store, labelset: LabelSet, corpus: Corpus
) -> None:
    assert tallies.step_index(0.5) == 10 and tallies.step_index(0.5000001) is None
    assert not tallies.answers(Filters(), 0.15000000000000002)
    picked = (corpus.documents[0].id, corpus.documents[3].id)
    story = put_in_story(db, [corpus.documents[1].id, corpus.documents[4].id])
    cases = [
        (Filters(), 0.42),
        (Filters(document_ids=picked), 0.5),
        (Filters(story=story), 0.5),
        (Filters(outlets=("Alpha",), label_set_version=labelset.version + 1), 0.5),
    ]
    for filters, threshold in cases:
        assert not tallies.answers(filters, threshold) or filters.label_set_version
        for source in ("model", "human_else_model"):
            frame = ls.label_frame(
                db, labelset, source=source, filters=filters, threshold=threshold
            )
            found = ls.counts(db, labelset, source=source, filters=filters, threshold=threshold)
            assert as_sets(found) == frame_counts(frame), (source, filters)
    assert ls.counts(db, labelset, source="model", filters=cases[-1][0]).values.empty


def test_batches_tally_to_the_whole_and_storing_predictions_drops_the_tallies(
    db: Store, labelset: LabelSet, corpus: Corpus
) -> None:
    version = version_of(db, labelset)
    rows = predictions(corpus, labelset, seed=3)
    middle = corpus.documents[2].sentence_ids[-1]
    with db.read() as conn:
        first = tallies.tally([r for r in rows if r[0] <= middle], tallies.places(conn, 1, middle))
        rest = tallies.tally(
            [r for r in rows if r[0] > middle], tallies.places(conn, middle + 1, 10**6)
        )
        stored = [
            sorted(tuple(r) for r in conn.execute(select(*(t.c[k] for k in (*keys, n)))).all())
            for t, keys, n in (
                (prediction_tallies, tallies.VALUE_KEYS, "predictions"),
                (prediction_sentence_tallies, tallies.SENTENCE_KEYS, "sentences"),
            )
        ]
    whole = first.plus(rest)
    for frame, keys, n, rows_stored in (
        (whole.values, tallies.VALUE_KEYS, "predictions", stored[0]),
        (whole.sentences, tallies.SENTENCE_KEYS, "sentences", stored[1]),
    ):
        assert sorted(frame[[*keys, n]].itertuples(index=False, name=None)) == rows_stored
    assert int(whole.values["predictions"].sum()) == len(rows)
    assert int(whole.sentences["sentences"].sum()) == len({(r[0], r[1], r[2]) for r in rows})
    with db.write() as conn:
        models_sql.add_predictions(conn, version, [(corpus.documents[0].sentence_ids[0], "opinion", "", "mixed", 0.9)], [])  # fmt: skip
    with db.read() as conn:
        assert not tallies.is_built(conn, version)
        assert conn.scalar(select(prediction_tallies.c.step).limit(1)) is None
    assert tallied_counts(db, labelset, Filters(), threshold=0.5, version=version) is None
    frame = ls.label_frame(db, labelset, source="model")
    assert "opinion" in set(frame["task"])
    assert as_sets(ls.counts(db, labelset, source="model")) == frame_counts(frame)


def test_a_database_from_before_migration_8_gets_tallies_of_its_predictions(
    db: Store, labelset: LabelSet
) -> None:
    version = version_of(db, labelset)
    with db.read() as conn:
        before = sorted(conn.execute(select(prediction_tallies)).all())
    assert before
    with db.write() as conn:
        tallies.clear(conn, version)
        for table in (prediction_tallies, prediction_sentence_tallies):
            table.drop(conn)
        conn.execute(delete(schema_migrations).where(schema_migrations.c.version == 8))
    db.engine.dispose()
    upgraded = open_store(db.engine.url.render_as_string(hide_password=False))
    with upgraded.read() as conn:
        assert 8 in set(conn.scalars(select(schema_migrations.c.version)))
        assert inspect(conn).has_table("prediction_sentence_tallies")
        assert tallies.is_built(conn, version)
        assert sorted(conn.execute(select(prediction_tallies)).all()) == before
    upgraded.engine.dispose()


def test_pre_annotation_stores_the_tallies_of_what_it_predicted(
    store: Store, labelset: LabelSet
) -> None:
    label_corpus(store, labelset)
    version = training.train(store, labelset=labelset, preannotate=False).version.id
    preannotation.preannotate(store, version, labelset=labelset, batch=20)
    with store.read() as conn:
        assert tallies.is_built(conn, version)
        stored = sorted(conn.execute(select(prediction_tallies)).all())
        sentences = sorted(conn.execute(select(prediction_sentence_tallies)).all())
    with store.write() as conn:
        tallies.build(conn, version)
    with store.read() as conn:
        assert sorted(conn.execute(select(prediction_tallies)).all()) == stored
        assert sorted(conn.execute(select(prediction_sentence_tallies)).all()) == sentences
    assert sum(r.predictions for r in stored) > 58 * 2


def test_the_compare_pages_thresholds_are_the_steps() -> None:
    slider = [round(k * 0.05, 2) for k in range(21)]
    assert list(tallies.STEPS) == slider
    # What a slider's float arithmetic may give, rounded as the page does.
    assert all(tallies.step_index(round(i * 0.05 + 1e-15, 2)) == i for i in range(21))
    assert dataclasses.is_dataclass(tallies.Tally)
