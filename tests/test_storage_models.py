"""Model versions, predictions and uncertainty scores in the store."""

from __future__ import annotations

from annotator import annotations as ann
from annotator.annotations import Choice, Decision
from annotator.labelsets import LabelSet
from annotator.storage import Store
from annotator.storage import models as models_sql


def _version(store: Store, **card: object) -> int:
    with store.write() as conn:
        vid = models_sql.start_version(
            conn, label_set="default", label_set_version=1, created_by="ani"
        )
        models_sql.finish_version(conn, vid, data=b"model-bytes", card={"metrics": card})
    return vid


def test_a_version_goes_from_training_to_ready_with_its_bytes_and_card(store: Store) -> None:
    with store.write() as conn:
        vid = models_sql.start_version(
            conn, label_set="default", label_set_version=1, created_by="ani"
        )
    with store.read() as conn:
        assert [v.id for v in models_sql.training_versions(conn)] == [vid]
    with store.write() as conn:
        models_sql.finish_version(conn, vid, data=b"\x00skops", card={"f1": 0.7})
    with store.read() as conn:
        record = models_sql.get_version(conn, vid)
        assert record is not None and record.status == "ready" and record.card == {"f1": 0.7}
        assert models_sql.version_data(conn, vid) == b"\x00skops"
        assert models_sql.training_versions(conn) == []


def test_a_failed_train_keeps_its_message(store: Store) -> None:
    with store.write() as conn:
        vid = models_sql.start_version(
            conn, label_set="default", label_set_version=1, created_by="ani"
        )
        models_sql.fail_version(conn, vid, "task 'bias' has one class only")
    with store.read() as conn:
        record = models_sql.get_version(conn, vid)
    assert record is not None and (record.status, record.message) == (
        "failed",
        "task 'bias' has one class only",
    )


def test_one_version_is_active_per_label_set_and_any_can_be_rolled_back_to(store: Store) -> None:
    first, second = _version(store), _version(store)
    with store.write() as conn:
        models_sql.set_active(conn, second)
    with store.read() as conn:
        assert models_sql.active_version(conn, "default").id == second  # type: ignore[union-attr]
    with store.write() as conn:
        models_sql.set_active(conn, first)
    with store.read() as conn:
        assert models_sql.active_version(conn, "default").id == first  # type: ignore[union-attr]
        assert [v.active for v in models_sql.list_versions(conn)] == [False, True]


def test_predictions_are_replaced_and_read_per_sentence(store: Store) -> None:
    vid = _version(store)
    with store.write() as conn:
        models_sql.replace_predictions(
            conn, vid, [(1, "bias", "", "biased", 0.4)], [(1, 0.6, 0.2, 0.9)]
        )
        models_sql.replace_predictions(
            conn,
            vid,
            [(1, "bias", "", "not-biased", 0.8), (1, "stance", "Elon Musk", "favor", 0.55)],
            [(1, 0.2, 0.6, 0.5)],
        )
    with store.read() as conn:
        found = models_sql.predictions_for(conn, vid, 1)
    assert [(p.task, p.target, p.value, p.probability) for p in found] == [
        ("bias", "", "not-biased", 0.8),
        ("stance", "Elon Musk", "favor", 0.55),
    ]


def test_the_most_uncertain_unlabelled_sentences_come_first(
    store: Store, labelset: LabelSet
) -> None:
    vid = _version(store)
    scores = [(sid, sid / 100, 1 - sid / 100, sid / 50) for sid in range(1, 11)]
    with store.write() as conn:
        models_sql.replace_predictions(conn, vid, [], scores)
    ann.save(
        store,
        sentence_id=10,
        annotator="ani",
        decisions=[Decision("bias", "", (Choice("biased"),))],
        labelset=labelset,
    )
    with store.read() as conn:
        assert models_sql.most_uncertain_unlabelled(
            conn, vid, "ani", measure="entropy", limit=3
        ) == [9, 8, 7]
        assert models_sql.most_uncertain_unlabelled(
            conn, vid, "ani", measure="margin", limit=2
        ) == [1, 2]
        assert models_sql.most_uncertain_unlabelled(
            conn, vid, "budi", measure="least_confidence"
        ) == [10]
