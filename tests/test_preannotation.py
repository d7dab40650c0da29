"""Pre-annotation: every sentence predicted and stored, uncertainty scored, tables predicted."""

from __future__ import annotations

import pandas as pd
import pytest

from annotator import labelsets, model, preannotation, queue, training
from annotator.exchange import FORMATS
from annotator.exchange.importer import import_file
from annotator.labelsets import LabelSet, find_mentions
from annotator.storage import Store
from annotator.storage import models as models_sql
from annotator.storage import texts as texts_sql
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
