"""Pre-annotation: every sentence predicted and stored, uncertainty scored, tables predicted."""

from __future__ import annotations

import random

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from annotator import labelsets, model, preannotation, queue, training
from annotator.bootstrap import LABELS_DIR
from annotator.exchange import FORMATS
from annotator.exchange.importer import import_file
from annotator.labelsets import LabelSet, find_mentions
from annotator.storage import Store
from annotator.storage import models as models_sql
from annotator.storage import texts as texts_sql
from bench.retrain_store import per_task_batch
from tests.test_training import label_corpus


@pytest.fixture
def trained(store: Store, labelset: LabelSet) -> int:
    label_corpus(store, labelset)
    return training.train(store, labelset=labelset, preannotate=False).version.id


def test_every_sentence_gets_its_tasks_predicted_and_stance_only_for_named_targets(
    store: Store, labelset: LabelSet, trained: int
) -> None:
    report = preannotation.preannotate(store, trained, labelset=labelset, batch=20)
    assert report.sentences == 58 and report.predictions > 58 * 2
    with store.read() as conn:
        sentences = dict(texts_sql.sentence_chunk(conn, limit=100))
        for sid, text in sentences.items():
            found = models_sql.predictions_for(conn, trained, sid)
            assert {p.task for p in found} >= {"bias", "frames"}
            stance_targets = {p.target for p in found if p.task == "stance"}
            named = {m.target for m in find_mentions(labelset, text)}
            assert stance_targets == (named if "stance" in {p.task for p in found} else set())
            for p in found:
                assert 0.0 <= p.probability <= 1.0
            assert len([p for p in found if p.task == "bias"]) == 1
        uncertain = models_sql.most_uncertain_unlabelled(
            conn, trained, "nobody", measure="entropy", limit=100
        )
    assert sorted(uncertain) == sorted(sentences)


def test_uncertainty_scores_rise_as_the_distribution_spreads() -> None:
    import numpy as np

    least, margin, entropy = preannotation._uncertainties(
        np.array([[1.0, 0.0, 0.0], [0.5, 0.5, 0.0], [1 / 3, 1 / 3, 1 / 3]])
    )
    assert least.tolist() == pytest.approx([0.0, 0.5, 2 / 3])
    assert margin.tolist() == pytest.approx([0.0, 1.0, 1.0])
    assert entropy.tolist() == pytest.approx([0.0, np.log(2) / np.log(3), 1.0], abs=1e-9)


def test_a_changed_label_set_stops_pre_annotation_and_keeps_the_active_model(
    store: Store, labelset: LabelSet, trained: int
) -> None:
    changed = labelsets.save_version(
        store, labelsets.extend(labelset, values={"bias": ["unclear"]}), note="test"
    )
    with pytest.raises(model.LabelSetMismatch, match="retrain"):
        preannotation.preannotate(store, trained, labelset=changed)
    with store.read() as conn:
        assert models_sql.active_version(conn, "default").id == trained  # type: ignore[union-attr]


def test_the_uncertainty_queue_uses_a_trained_models_scores(
    store: Store, labelset: LabelSet, trained: int
) -> None:
    preannotation.preannotate(store, trained, labelset=labelset)
    with store.read() as conn:
        expected = models_sql.most_uncertain_unlabelled(conn, trained, "citra", measure="margin")
    entropy = queue.get_strategy("margin")
    assert entropy.next_sentence(store, "citra") == expected[0]


def test_a_table_of_texts_is_predicted_keeping_its_columns_and_imports_back(
    store: Store, labelset: LabelSet, trained: int
) -> None:
    frame = pd.DataFrame(
        {
            "id": ["a", "b"],
            "text": ["Musk menyebarkan misinformasi sayap kanan.", "Harga beras naik di pasar."],
            "target": ["Kamala Harris", ""],
        }
    )
    models = training.load_version(store, trained)
    result = preannotation.predict_table(models, labelset, frame, version_id=trained)
    assert {"id", "text", "task", "target", "value", "probability", "model_version"} <= set(
        result.columns
    )
    stance = result[result["task"] == "stance"]
    assert stance["target"].tolist() == [
        "Kamala Harris"
    ]  # the target column, not the names in the text
    assert (result["model_version"] == trained).all() and (result["source"] == "model").all()
    frames = result[(result["task"] == "frames") & (result["id"] == "a")]
    assert len(frames) >= 1
    data = FORMATS["csv"].to_bytes(result.drop(columns=["id", "probability", "model_version"]))
    report = import_file(store, data, "predicted.csv")
    assert report.ok and report.labels_added == len(result), report.problems


# ---------------------------------------------------------------- the fast path equals the plain one


# The plain path (each task's own predict_proba, text by text mentions) is the
# one bench/retrain_store.py times the fast path against.


def test_pre_annotation_equals_predicting_task_by_task_and_is_stored_as_predicted(
    store: Store, labelset: LabelSet, trained: int
) -> None:
    with store.read() as conn:
        chunk = texts_sql.sentence_chunk(conn, limit=1000)
    rng = random.Random(0)
    extra = [" ".join(rng.sample(text.split(), len(text.split()))) for _, text in chunk]
    ids = [sid for sid, _ in chunk] + [10_000 + i for i in range(len(extra))]
    texts = [text for _, text in chunk] + extra  # the seeds, and their words shuffled
    models = training.load_version(store, trained)
    rows, uncertainty = preannotation.predict_batch(models, labelset, ids, texts)
    plain, expected_uncertainty = per_task_batch(models, labelset, ids, texts)
    expected = {row[:4]: row[4] for row in plain}
    assert len(expected) == len(plain)  # one row per key
    assert [r[:4] for r in rows] == sorted(expected)  # every row, in key order
    got = np.asarray([r[4] for r in rows])
    assert np.allclose(got, [expected[r[:4]] for r in rows], rtol=0, atol=1e-12)
    assert np.allclose(uncertainty, expected_uncertainty, rtol=0, atol=1e-12)
    assert any(r[1] == "stance" for r in rows) and any(r[3] == "" for r in rows)

    preannotation.preannotate(store, trained, labelset=labelset, batch=7)
    with store.read() as conn:
        for sid, _ in chunk:
            stored = {
                (sid, p.task, p.target, p.value): p.probability
                for p in models_sql.predictions_for(conn, trained, sid)
            }
            mine = {r[:4]: r[4] for r in rows if r[0] == sid}
            assert stored.keys() == mine.keys()
            assert np.allclose([stored[k] for k in mine], list(mine.values()), rtol=0, atol=1e-12)


DEFAULT = labelsets.load_file(LABELS_DIR / "default.toml")
NAMES = ["Trump", "trump", "TRUMP", "Musk", "Elon Musk", "elon  musk", "X", "x", "UE", "ue",
         "EU", "Uni Eropa", "@realDonaldTrump", "X/Twitter", "Twitter"]  # fmt: skip
GLUE = ["", " ", "  ", "\n", "(", ")", ",", "@", "_", "-", "a", "İ", "ß"]


@settings(max_examples=80, deadline=None)
@given(st.lists(st.lists(st.sampled_from(NAMES + GLUE), max_size=10).map("".join), max_size=8))
def test_target_mentions_of_a_batch_are_each_texts_own(texts: list[str]) -> None:
    where, targets = preannotation.stance_pairs(DEFAULT, texts)
    expected = [
        (i, t)
        for i, text in enumerate(texts)
        for t in dict.fromkeys(m.target for m in find_mentions(DEFAULT, text))
    ]
    assert list(zip(where.tolist(), targets, strict=True)) == expected
