"""Model versions trained from the store: data, versions, activation, refusals."""

from __future__ import annotations

import random

import pytest

from annotator import annotations as ann
from annotator import labelsets, model, training
from annotator.annotations import Choice, Decision
from annotator.labelsets import LabelSet
from annotator.storage import Store
from annotator.storage import models as models_sql
from annotator.storage.schema import model_versions


def label_corpus(
    store: Store, labelset: LabelSet, *, seed: int = 0, annotators: tuple[str, ...] = ("ani",)
) -> None:
    """Seeded labels on every seed sentence: bias follows a cue word, so it is learnable."""
    rng = random.Random(seed)
    with store.read() as conn:
        from annotator.storage import texts as texts_sql

        sentences = texts_sql.sentence_chunk(conn, limit=100)
    for sid, text in sentences:
        biased = any(w in text.lower() for w in ("musk", "kampanye", "serangan"))
        for who in annotators:
            decisions = [
                Decision("bias", "", (Choice("biased" if biased else "not-biased"),)),
                Decision(
                    "frames",
                    "",
                    tuple(
                        Choice(v) for v in rng.sample(["economic", "political", "cyber-attack"], 2)
                    ),
                ),
            ]
            if "Musk" in text:
                decisions.append(
                    Decision(
                        "stance",
                        "Elon Musk",
                        (Choice(rng.choice(["favor", "against", "neutral"])),),
                    )
                )
            ann.save(store, sentence_id=sid, annotator=who, decisions=decisions, labelset=labelset)


def test_training_data_takes_the_majority_of_the_annotators(
    store: Store, labelset: LabelSet
) -> None:
    for who, value in (("ani", "biased"), ("budi", "biased"), ("citra", "not-biased")):
        ann.save(
            store,
            sentence_id=1,
            annotator=who,
            decisions=[Decision("bias", "", (Choice(value),))],
            labelset=labelset,
        )
    for who, values in (
        ("ani", ["economic", "political"]),
        ("budi", ["economic"]),
        ("citra", ["political"]),
    ):
        ann.save(
            store,
            sentence_id=1,
            annotator=who,
            decisions=[Decision("frames", "", tuple(map(Choice, values)))],
            labelset=labelset,
        )
    data = training.training_data(store, labelset)
    assert data["bias"].labels == ["biased"]
    assert data["bias"].outlets == ["BBC News Indonesia"]
    assert data["frames"].labels == [frozenset({"economic", "political"})]  # each chosen by 2 of 3


def test_a_tie_goes_to_the_value_listed_first_and_model_labels_never_train(
    store: Store, labelset: LabelSet
) -> None:
    ann.save(
        store,
        sentence_id=2,
        annotator="ani",
        decisions=[Decision("bias", "", (Choice("not-biased"),))],
        labelset=labelset,
    )
    ann.save(
        store,
        sentence_id=2,
        annotator="budi",
        decisions=[Decision("bias", "", (Choice("biased"),))],
        labelset=labelset,
    )
    ann.save(
        store,
        sentence_id=3,
        annotator="model v1",
        decisions=[Decision("bias", "", (Choice("biased"),))],
        labelset=labelset,
        source="model",
    )
    data = training.training_data(store, labelset)
    assert data["bias"].labels == ["biased"]  # "biased" comes first in the codebook
    assert len(data["bias"]) == 1


def test_train_makes_an_active_version_with_a_card_per_task(
    store: Store, labelset: LabelSet
) -> None:
    label_corpus(store, labelset)
    outcome = training.train(store, labelset=labelset, created_by="ani")
    assert outcome.activated and outcome.version.active and outcome.version.status == "ready"
    card = outcome.version.card
    assert card is not None
    assert set(card["tasks"]) == {"bias", "frames", "stance"}
    assert card["skipped"] == {"opinion": "no labels yet"}
    bias = card["tasks"]["bias"]
    assert bias["labelset"] == {"name": "default", "version": labelset.version}
    assert bias["metrics"]["grouped"]["scheme"].startswith("outlets held out")
    assert len(bias["labels_hash"]) == 64
    assert set(training.load_version(store, outcome.version.id)) == {"bias", "frames", "stance"}


def test_a_second_train_while_one_runs_is_refused(store: Store, labelset: LabelSet) -> None:
    first = training.begin(store, labelset=labelset, created_by="ani")
    with pytest.raises(training.TrainingBusy, match=f"version {first} is being trained"):
        training.begin(store, labelset=labelset, created_by="budi")


def test_a_train_whose_process_died_is_marked_failed(store: Store, labelset: LabelSet) -> None:
    from datetime import UTC, datetime, timedelta

    from sqlalchemy import update

    stale = training.begin(store, labelset=labelset, created_by="ani")
    with store.write() as conn:
        conn.execute(
            update(model_versions).values(created_at=datetime.now(UTC) - timedelta(hours=3))
        )
    fresh = training.begin(store, labelset=labelset, created_by="budi")
    with store.read() as conn:
        assert models_sql.get_version(conn, stale).status == "failed"  # type: ignore[union-attr]
        assert models_sql.get_version(conn, fresh).status == "training"  # type: ignore[union-attr]


def test_nothing_to_train_is_recorded_on_the_version(store: Store, labelset: LabelSet) -> None:
    ann.save(
        store,
        sentence_id=1,
        annotator="ani",
        decisions=[Decision("bias", "", (Choice("biased"),))],
        labelset=labelset,
    )
    with pytest.raises(training.NothingToTrain, match="bias"):
        training.train(store, labelset=labelset)
    with store.read() as conn:
        (record,) = models_sql.list_versions(conn)
    assert record.status == "failed" and "NothingToTrain" in record.message and not record.active


def test_a_worse_version_is_not_activated_and_rollback_works(
    store: Store, labelset: LabelSet
) -> None:
    label_corpus(store, labelset)
    first = training.train(store, labelset=labelset)
    assert training.not_worse({"bias": (0.8, 0.7)}) is False
    second = training.train(store, labelset=labelset, activate_if_not_worse=False)
    assert not second.activated
    training.activate(store, second.version.id)
    training.activate(store, first.version.id)
    with store.read() as conn:
        assert models_sql.active_version(conn, "default").id == first.version.id  # type: ignore[union-attr]


def test_comparing_versions_uses_the_outlet_held_out_score(
    store: Store, labelset: LabelSet
) -> None:
    card = {
        "tasks": {"bias": {"metrics": {"random": {"macro_f1": 0.9}, "grouped": {"macro_f1": 0.6}}}}
    }
    old = {"tasks": {"bias": {"metrics": {"random": {"macro_f1": 0.7}, "grouped": None}}}}
    assert training.compare(card, old) == {"bias": (0.7, 0.6)}
    assert training.compare(card, None) == {"bias": (None, 0.6)}
    assert training.not_worse({"bias": (None, 0.1)}) is True


def test_a_tampered_model_in_the_database_is_refused(store: Store, labelset: LabelSet) -> None:
    from sqlalchemy import update

    label_corpus(store, labelset)
    version = training.train(store, labelset=labelset, preannotate=False).version
    with store.read() as conn:
        data = models_sql.version_data(conn, version.id)
    assert data is not None
    tampered = data.replace(
        b"PK\x03\x04", b"PK\x03\x05", 2
    )  # damage the archive's second member header
    with store.write() as conn:
        conn.execute(
            update(model_versions).where(model_versions.c.id == version.id).values(data=tampered)
        )
    with pytest.raises(model.ModelFileError):
        training.load_version(store, version.id)


def test_a_model_from_another_label_set_version_is_refused(
    store: Store, labelset: LabelSet
) -> None:
    label_corpus(store, labelset)
    version = training.train(store, labelset=labelset, preannotate=False).version
    with pytest.raises(model.LabelSetMismatch, match="retrain"):
        training.load_version(store, version.id, labelset=("default", labelset.version + 1))


def test_retrain_every_n_labels_becomes_due(store: Store, labelset: LabelSet) -> None:
    assert not training.due(store, labelset)
    with store.write() as conn:
        models_sql.set_setting(conn, training.RETRAIN_EVERY, 3)
    for sid in (1, 2):
        ann.save(
            store,
            sentence_id=sid,
            annotator="ani",
            decisions=[Decision("bias", "", (Choice("biased"),))],
            labelset=labelset,
        )
    assert not training.due(store, labelset)
    ann.save(
        store,
        sentence_id=3,
        annotator="ani",
        decisions=[Decision("bias", "", (Choice("not-biased"),))],
        labelset=labelset,
    )
    assert training.due(store, labelset)


def test_summary_rows_show_both_scores(store: Store, labelset: LabelSet) -> None:
    label_corpus(store, labelset)
    row = training.summary(training.train(store, labelset=labelset, preannotate=False).version)
    assert {"version", "status", "active", "bias F1", "bias F1 outlets held out"} <= set(row)
    assert labelsets.DEFAULT_NAME == "default"


def test_a_model_file_changed_inside_its_archive_fails_its_hash(
    store: Store, labelset: LabelSet
) -> None:
    import io
    import zipfile

    from sqlalchemy import update

    label_corpus(store, labelset)
    version = training.train(store, labelset=labelset, preannotate=False).version
    with store.read() as conn:
        data = models_sql.version_data(conn, version.id)
    source = zipfile.ZipFile(io.BytesIO(data))  # type: ignore[arg-type]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as target:
        for name in source.namelist():
            content = source.read(name)
            if name.endswith(".skops"):
                content = content[:-10] + bytes(10)  # same length, other bytes
            target.writestr(name, content)
    with store.write() as conn:
        conn.execute(
            update(model_versions)
            .where(model_versions.c.id == version.id)
            .values(data=buffer.getvalue())
        )
    with pytest.raises(model.TamperedModelFile, match="refusing to load"):
        training.load_version(store, version.id)
