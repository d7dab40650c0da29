"""The model core: training per task kind, metrics, refusals, prediction, persistence."""

from __future__ import annotations

import hashlib
import json
import random
import zipfile
from pathlib import Path

import numpy as np
import pytest
import skops.io
from sklearn.base import clone

from annotator import model
from annotator.model import (
    LabelSetMismatch,
    ModelFileError,
    SingleClassError,
    TamperedModelFile,
    TooFewLabels,
    UnknownLabel,
    UnknownTarget,
    UntrustedModelFile,
)

FILLER = "yang dan di ke dari pada untuk dengan ini itu juga akan sudah masih telah".split()
OUTLETS = ("Kompas", "Tempo", "Antara", "Detik")
CUES = {
    "biased": ["curang", "bohong", "licik"],
    "not-biased": ["melaporkan", "mencatat", "menyebutkan"],
    "economic": ["harga", "pajak", "anggaran"],
    "security": ["polisi", "serangan", "militer"],
    "health": ["vaksin", "rumah sakit", "dokter"],
}


def sentence(rng: random.Random, *cues: str, n: int = 10) -> str:
    words = rng.choices(FILLER, k=n) + [rng.choice(CUES.get(c, [c])) for c in cues]
    rng.shuffle(words)
    return " ".join(words)


def single_data(n: int = 120, seed: int = 0) -> tuple[list[str], list[str]]:
    rng = random.Random(seed)
    labels = [rng.choice(("biased", "not-biased")) for _ in range(n)]
    return [sentence(rng, label) for label in labels], labels


def multi_data(n: int = 160, seed: int = 0) -> tuple[list[str], list[frozenset[str]]]:
    rng = random.Random(seed)
    frames = ("economic", "security", "health")
    labels = [frozenset(rng.sample(frames, rng.choice((0, 1, 1, 2)))) for _ in range(n)]
    return [sentence(rng, *sorted(s)) for s in labels], labels


def stance_data(n: int = 160, seed: int = 0) -> tuple[list[str], list[str], list[str]]:
    """The same praise means favor for Trump and against for Musk (his rival here)."""
    rng = random.Random(seed)
    texts, targets, labels = [], [], []
    for _ in range(n):
        praise = rng.random() < 0.5
        text = sentence(rng, "memuji" if praise else "mengecam") + " Trump"
        for target in ("Donald Trump", "Elon Musk"):
            texts.append(text)
            targets.append(target)
            good = praise == (target == "Donald Trump")
            labels.append("favor" if good else "against")
    return texts, targets, labels


def outlet_data(n: int = 240, seed: int = 0) -> tuple[list[str], list[str], list[str]]:
    """Labels that follow a weak cue, and outlets whose byline follows the label."""
    rng = random.Random(seed)
    texts, labels, outlets = [], [], []
    for i in range(n):
        outlet = OUTLETS[i % len(OUTLETS)]
        lean = 0.9 if outlet in ("Kompas", "Tempo") else 0.1
        label = "biased" if rng.random() < lean else "not-biased"
        cue = label if rng.random() < 0.7 else ("not-biased" if label == "biased" else "biased")
        texts.append(f"{sentence(rng, cue)} kata {outlet}")
        labels.append(label)
        outlets.append(outlet)
    return texts, labels, outlets


@pytest.fixture(scope="module")
def single() -> model.TrainedTask:
    texts, labels = single_data()
    outlets = [OUTLETS[i % 4] for i in range(len(texts))]
    return model.fit_task(
        "single", texts, labels, groups=outlets, classes=("biased", "not-biased", "unused")
    )


@pytest.fixture(scope="module")
def multi() -> model.TrainedTask:
    texts, labels = multi_data()
    return model.fit_task("multi", texts, labels, classes=("economic", "security", "health"))


@pytest.fixture(scope="module")
def stance() -> model.TrainedTask:
    texts, targets, labels = stance_data()
    return model.fit_task(
        "stance",
        texts,
        labels,
        targets=targets,
        aliases={"Donald Trump": ["Trump"], "Elon Musk": ["Musk"]},
        classes=("favor", "against", "neutral"),
    )


# ---------------------------------------------------------------- pipelines


@pytest.mark.parametrize("kind", model.KINDS)
def test_every_pipeline_clones_and_round_trips_its_parameters(kind: str) -> None:
    pipeline = model.build_pipeline(kind, classes=("a", "b"), mask=("Kompas",), C=0.7)
    params = pipeline.get_params()
    assert clone(pipeline).get_params().keys() == params.keys()
    assert params["classify__C"] == 0.7 and params["mask__strings"] == ("Kompas",)
    pipeline.set_params(features__min_df=3, classify__max_iter=7)
    assert pipeline.get_params()["features__min_df"] == 3
    assert [name for name, _ in pipeline.steps] == ["mask", "features", "classify"]


def test_an_unknown_parameter_is_refused_with_the_known_ones() -> None:
    with pytest.raises(TypeError, match=r"unknown parameter.*mode"):
        model.build_pipeline("single", mode="augment")


# ---------------------------------------------------------------- learning


def test_single_choice_learns_and_gives_probabilities_that_sum_to_one(
    single: model.TrainedTask,
) -> None:
    assert single.metrics.random.macro_f1 > 0.9
    proba, classes = model.predict_proba(single, ["mereka curang dan bohong", "polisi mencatat"])
    assert classes == ["biased", "not-biased", "unused"]
    assert np.allclose(proba.sum(axis=1), 1) and (proba[:, 2] == 0).all()
    assert model.predict_values(single, ["licik curang", "melaporkan"]) == [
        ("biased",),
        ("not-biased",),
    ]


def test_fast_prediction_equals_the_pipelines_own(single: model.TrainedTask) -> None:
    texts, _ = single_data(50, seed=9)
    proba, _ = model.predict_proba(single, texts)
    assert np.allclose(proba, single.model.predict_proba(texts))


def test_fast_stance_and_multi_predictions_equal_the_pipelines_own(
    stance: model.TrainedTask, multi: model.TrainedTask
) -> None:
    texts, targets, _ = stance_data(40, seed=7)
    mixed = [t if i % 3 else "Joe Biden" for i, t in enumerate(targets)]
    proba, _ = model.predict_proba(stance, texts, targets=mixed)
    assert np.allclose(proba, stance.model.predict_proba(model.stance_rows(texts, mixed)))
    texts, _ = multi_data(40, seed=8)
    proba, _ = model.predict_proba(multi, texts)
    assert np.allclose(proba, multi.model.predict_proba(texts))


def test_multi_choice_stores_thresholds_and_predicts_with_them(multi: model.TrainedTask) -> None:
    assert multi.metrics.random.macro_f1 > 0.9
    texts, _ = multi_data(40, seed=5)
    proba, classes = model.predict_proba(multi, texts)
    thresholds = multi.model.named_steps["classify"].thresholds_
    assert proba.shape == (40, 3) and multi.thresholds == dict(
        zip(classes, thresholds, strict=True)
    )
    expected = [
        tuple(c for c, p, t in zip(classes, row, thresholds, strict=True) if p >= t)
        for row in proba
    ]
    assert model.predict_values(multi, texts) == expected
    assert model.predict_values(multi, ["harga pajak naik", "yang dan di"]) == [("economic",), ()]


def test_stance_answers_for_the_target_it_is_asked_about(stance: model.TrainedTask) -> None:
    assert stance.metrics.random.macro_f1 > 0.9 and stance.metrics.random.f_avg > 0.9
    text = "yang dan pada memuji Trump"
    values = model.predict_values(stance, [text, text], targets=["Donald Trump", "Elon Musk"])
    assert values == [("favor",), ("against",)]
    proba, _ = model.predict_proba(stance, [text], targets="Elon Musk")
    assert np.allclose(proba.sum(axis=1), 1)
    assert set(stance.metrics.random.per_target) == {"Donald Trump", "Elon Musk"}


def test_stance_for_an_unlabelled_target_uses_the_shared_model_or_refuses(
    stance: model.TrainedTask,
) -> None:
    proba, _ = model.predict_proba(stance, ["memuji Biden"], targets="Joe Biden")
    assert np.allclose(proba.sum(axis=1), 1)
    with pytest.raises(UnknownTarget, match="Joe Biden"):
        model.predict_proba(stance, ["memuji Biden"], targets="Joe Biden", unknown_targets="raise")
    texts, targets, labels = stance_data(60)
    per_target = model.fit_task("stance", texts, labels, targets=targets, mode="per_target")
    with pytest.raises(UnknownTarget, match="Joe Biden"):
        model.predict_proba(per_target, ["memuji Biden"], targets="Joe Biden")


def test_metrics_hold_per_class_scores_and_a_confusion_matrix(single: model.TrainedTask) -> None:
    scores = single.metrics.random
    assert scores.scheme == "stratified 5-fold" and scores.n == 120
    assert set(scores.per_class) == {"biased", "not-biased", "unused"}
    assert sum(map(sum, scores.confusion or ())) == 120
    assert single.counts == {"biased": 67, "not-biased": 53, "unused": 0}


def test_outlet_held_out_scores_appear_when_there_are_outlets(single: model.TrainedTask) -> None:
    grouped = single.metrics.grouped
    assert grouped is not None and grouped.scheme == "outlets held out 4-fold"
    assert set(grouped.per_group) == set(OUTLETS)
    texts, labels = single_data(40)
    alone = model.fit_task("single", texts, labels, groups=["Kompas"] * 40)
    assert alone.metrics.grouped is None and alone.metrics.outlet_gap is None


def test_masking_outlet_names_shrinks_the_outlet_held_out_gap() -> None:
    texts, labels, outlets = outlet_data()
    plain = model.fit_task("single", texts, labels, groups=outlets)
    masked = model.fit_task("single", texts, labels, groups=outlets, mask=OUTLETS)
    assert plain.metrics.outlet_gap is not None and masked.metrics.outlet_gap is not None
    assert plain.metrics.outlet_gap > masked.metrics.outlet_gap + 0.05
    features = masked.model.named_steps["features"]
    assert not {o.lower() for o in OUTLETS} & set(features.word_.vocabulary_)


def test_learning_curve_scores_growing_training_sizes() -> None:
    texts, targets, labels = stance_data(120)
    trained = model.fit_task("stance", texts, labels, targets=targets, learning_curve=True)
    curve = trained.metrics.learning_curve
    assert curve is not None and curve.folds == 5
    assert list(curve.sizes) == sorted(curve.sizes) and curve.sizes[0] == 25
    assert len(curve.macro_f1) == len(curve.sizes) == len(curve.f_avg or ())
    assert curve.macro_f1[-1] >= curve.macro_f1[0]


def test_fit_tasks_trains_every_task_and_reports_the_ones_it_cannot() -> None:
    texts, labels = single_data(60)
    results = model.fit_tasks(
        {
            "bias": model.TaskLabels("single", texts, labels),
            "opinion": model.TaskLabels("single", texts, ["factual"] * 60),
            "frames": model.TaskLabels("multi", texts[:5], [set()] * 5),
        }
    )
    assert list(results) == ["bias", "opinion", "frames"]
    assert isinstance(results["bias"], model.TrainedTask)
    assert isinstance(results["opinion"], SingleClassError)
    assert isinstance(results["frames"], TooFewLabels)


# ---------------------------------------------------------------- refusals


def test_one_class_only_is_refused_with_its_exception() -> None:
    texts, _ = single_data(30)
    with pytest.raises(SingleClassError, match="one value, 'biased'"):
        model.fit_task("single", texts, ["biased"] * 30)
    with pytest.raises(SingleClassError):
        model.fit_task("multi", texts, [{"economic"}] * 30)


def test_too_few_labels_and_unknown_values_are_refused() -> None:
    texts, labels = single_data(30)
    with pytest.raises(TooFewLabels, match="3 label"):
        model.fit_task("single", texts[:3], labels[:3])
    with pytest.raises(UnknownLabel, match="'biased'"):
        model.fit_task("single", texts, labels, classes=("not-biased", "other"))
    with pytest.raises(ValueError, match="targets"):
        model.fit_task("stance", texts, labels)


def test_empty_input_predicts_nothing(single: model.TrainedTask) -> None:
    proba, classes = model.predict_proba(single, [])
    assert proba.shape == (0, len(classes))


# ---------------------------------------------------------------- persistence


def test_skops_round_trip_gives_identical_predictions(
    tmp_path: Path, stance: model.TrainedTask
) -> None:
    path = tmp_path / "stance.skops"
    card = model.dump(stance, path, labelset=("default", 3), extra={"trained_by": "ani"})
    assert skops.io.get_untrusted_types(file=path) == []
    assert zipfile.ZipFile(path).infolist()[0].compress_type == zipfile.ZIP_DEFLATED
    on_disk = json.loads(Path(f"{path}.json").read_text())
    assert on_disk == card and card["labelset"] == {"name": "default", "version": 3}
    assert card["labels_hash"] == stance.labels_hash and card["trained_by"] == "ani"
    assert set(card["versions"]) >= {"scikit-learn", "numpy", "skops"}
    loaded = model.load(path, expected_labelset=("default", 3))
    texts, targets, _ = stance_data(30, seed=4)
    before, _ = model.predict_proba(stance, texts, targets=targets)
    after, _ = model.predict_proba(loaded, texts, targets=targets)
    assert np.array_equal(before, after)
    assert loaded.metrics == stance.metrics and loaded.classes_ == stance.classes_
    words = loaded.model.named_steps["features"].text_.word_
    assert words.vocabulary_ == stance.model.named_steps["features"].text_.word_.vocabulary_
    assert type(words).__name__ == "TfidfVectorizer" and words.transform(["memuji"]).nnz


def test_a_file_with_flipped_bytes_is_refused(tmp_path: Path, multi: model.TrainedTask) -> None:
    path = tmp_path / "frames.skops"
    model.dump(multi, path, labelset=("default", 1))
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))
    with pytest.raises(TamperedModelFile, match="not the file its card describes"):
        model.load(path)


class Payload:
    """Stands for any object a crafted file would smuggle in."""


def test_a_file_holding_untrusted_types_is_refused_before_loading(
    tmp_path: Path, single: model.TrainedTask
) -> None:
    path = tmp_path / "bias.skops"
    card = model.dump(single, path, labelset=("default", 1))
    skops.io.dump({"format": "annotator.model/1", "model": Payload()}, path)
    card["model_sha256"] = hashlib.sha256(path.read_bytes()).hexdigest()
    Path(f"{path}.json").write_text(json.dumps(card))
    with pytest.raises(UntrustedModelFile, match="Payload"):
        model.load(path)


def test_a_model_of_another_label_set_version_is_refused(
    tmp_path: Path, single: model.TrainedTask
) -> None:
    path = tmp_path / "bias.skops"
    model.dump(single, path, labelset=("default", 2))
    with pytest.raises(LabelSetMismatch, match=r"version 2.*not 'default' version 3"):
        model.load(path, expected_labelset=("default", 3))


def test_a_model_without_its_card_is_refused(tmp_path: Path, single: model.TrainedTask) -> None:
    path = tmp_path / "bias.skops"
    model.dump(single, path, labelset=("default", 2))
    Path(f"{path}.json").unlink()
    with pytest.raises(ModelFileError, match="no model card"):
        model.load(path)


def test_labels_hash_ignores_order_but_not_content() -> None:
    texts, labels = single_data(20)
    same = model.hash_labels(texts[::-1], labels[::-1])
    assert same == model.hash_labels(texts, labels)
    assert model.hash_labels(texts, ["biased"] * 20) != same
