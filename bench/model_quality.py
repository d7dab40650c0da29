"""Model quality: our model against plain TF-IDF + LogisticRegression and spaCy's textcat (bow).

On the public sets in the bench-data directory (``--data``, or the
``WORKBENCH_BENCH_DATA`` environment variable; default ``/work/shared/bench-data``,
never copied into the project): SmSA (Indonesian sentiment, 3 classes) and
SemEval-2016 Task 6A (English tweets, stance toward 5 targets). Stratified
5-fold cross-validation, seed 0, the same folds for every model (SemEval:
stratified by target and label); every model is fitted from scratch on each
training part, vectorizer included. Reported: macro-F1 of the pooled
held-out predictions (and its spread over folds), for SemEval also F_avg
(mean F1 of FAVOR and AGAINST), training time per fold and prediction rate.

Compared:

* ours: ``annotator.model`` (``build_pipeline``, prediction by ``predict_proba``);
  for stance also its variants (per-target only, shared only) and the
  figure ``fit_task`` reports (vectorizer fitted once on all texts);
* plain: ``TfidfVectorizer()`` + ``LogisticRegression()``, defaults (per target
  for stance);
* spaCy: blank pipeline ("id" / "en"), ``textcat`` with ``spacy.TextCatBOW.v3``,
  a few epochs (per target for stance); needs ``pip install spacy``, no download;
* the issue's floor recipe: class-balanced linear SVM on word 1-3-grams +
  ``char_wb`` 2-5-grams (per target for stance), also over ``--trials``
  random 80/20 splits, to show what a single split can say.

    .venv/bin/python bench/model_quality.py                 # both sets, all models
    .venv/bin/python bench/model_quality.py --quick         # 3,000 SmSA rows, no spaCy
    .venv/bin/python bench/model_quality.py --sets semeval --no-spacy
"""

from __future__ import annotations

import os
import random
import statistics
import sys
import time
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.pipeline import FeatureUnion, make_pipeline
from sklearn.svm import LinearSVC

from annotator import model
from annotator.model.folds import fold_ids, splits_of
from annotator.model.metrics import f_avg, macro_f1
from annotator.model.prediction import predict_decision
from bench import common

DEFAULT_DATA = Path("/work/shared/bench-data")
SEMEVAL_ALIASES = {
    "Atheism": ["atheism", "atheist", "atheists"],
    "Climate Change is a Real Concern": ["climate change", "global warming"],
    "Feminist Movement": ["feminism", "feminist", "feminists"],
    "Hillary Clinton": ["Hillary", "Clinton", "Hillary Clinton", "HillaryClinton"],
    "Legalization of Abortion": ["abortion", "abortions"],
}


@dataclass
class Dataset:
    name: str
    language: str  # for spaCy's blank pipeline
    texts: list[str]
    labels: list[str]
    targets: list[str] | None  # stance: the target of each row
    favor: str | None = None
    against: str | None = None

    @property
    def strata(self) -> list[str]:
        if self.targets is None:
            return self.labels
        return [f"{t}|{v}" for t, v in zip(self.targets, self.labels, strict=True)]


def load_sets(data: Path, names: Sequence[str], quick: bool) -> list[Dataset]:
    sets = []
    if "smsa" in names:
        frame = pd.read_csv(data / "smsa_train.csv")
        if quick:
            frame = frame.sample(3000, random_state=0)
        sets.append(Dataset("SmSA", "id", frame.text.tolist(), frame.label.tolist(), None))
    if "semeval" in names:
        frame = pd.read_csv(data / "semeval2016_stance_train.csv")
        sets.append(
            Dataset(
                "SemEval-2016 6A",
                "en",
                frame.text.tolist(),
                frame.label.tolist(),
                frame.target.tolist(),
                favor="FAVOR",
                against="AGAINST",
            )
        )
    return sets


# ---------------------------------------------------------------- the models

Fit = Callable[[Dataset, np.ndarray], Callable[[np.ndarray], list[str]]]


def ours(*, aliases: bool = False, **params: Any) -> Fit:
    """Our pipeline, fitted as ``fit_task`` fits it (stratified folds inside for
    the calibration), predicting through the fast path."""

    def fit(data: Dataset, train: np.ndarray) -> Callable[[np.ndarray], list[str]]:
        kind = "stance" if data.targets else "single"
        texts = [data.texts[i] for i in train]
        labels = [data.labels[i] for i in train]
        names = SEMEVAL_ALIASES if aliases else None
        pipeline = model.build_pipeline(kind, aliases=names, **params)
        if data.targets:
            rows = model.stance_rows(texts, [data.targets[i] for i in train])
            strata = [f"{t}|{v}" for t, v in zip(rows[:, 1], labels, strict=True)]
            pipeline.fit(rows, labels, classify__strata=strata, classify__groups=texts)
        else:
            pipeline.fit(texts, labels)
        head = pipeline.named_steps["classify"]

        def predict(test: np.ndarray) -> list[str]:
            texts = [data.texts[i] for i in test]
            X: Any = (
                model.stance_rows(texts, [data.targets[i] for i in test]) if data.targets else texts
            )
            decision = predict_decision(pipeline, X)
            return head.classes_[head.seen_[np.argmax(decision, axis=1)]].tolist()

        return predict

    return fit


def per_target(make: Callable[[], Any]) -> Fit:
    """A text classifier (one per target for stance) from ``make``."""

    def fit(data: Dataset, train: np.ndarray) -> Callable[[np.ndarray], list[str]]:
        groups = [data.targets[i] for i in train] if data.targets else [""] * len(train)
        models = {}
        for target in sorted(set(groups)):
            rows = [i for i, g in zip(train, groups, strict=True) if g == target]
            models[target] = make().fit(
                [data.texts[i] for i in rows], [data.labels[i] for i in rows]
            )

        def predict(test: np.ndarray) -> list[str]:
            out = [""] * len(test)
            keys = [data.targets[i] for i in test] if data.targets else [""] * len(test)
            for target, m in models.items():
                at = [j for j, k in enumerate(keys) if k == target]
                if at:
                    for j, value in zip(
                        at, m.predict([data.texts[test[j]] for j in at]), strict=True
                    ):
                        out[j] = value
            return out

        return predict

    return fit


def plain() -> Any:
    return make_pipeline(TfidfVectorizer(), LogisticRegression(max_iter=1000))


def floor_recipe() -> Any:
    words = TfidfVectorizer(ngram_range=(1, 3), sublinear_tf=True, min_df=2)
    chars = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True, min_df=2)
    return make_pipeline(
        FeatureUnion([("word", words), ("char", chars)]),
        LinearSVC(C=0.3, class_weight="balanced"),
    )


class SpacyBow:
    """spaCy's textcat with the bag-of-words architecture, trained a few epochs."""

    def __init__(self, language: str, epochs: int = 5) -> None:
        self.language, self.epochs = language, epochs

    def fit(self, texts: list[str], labels: list[str]) -> SpacyBow:
        import spacy
        from spacy.training import Example

        self.nlp = spacy.blank(self.language)
        config = {
            "model": {
                "@architectures": "spacy.TextCatBOW.v3",
                "exclusive_classes": True,
                "ngram_size": 1,
                "no_output_layer": False,
            }
        }
        textcat: Any = self.nlp.add_pipe("textcat", config=config)
        self.labels = sorted(set(labels))
        for label in self.labels:
            textcat.add_label(label)
        examples = [
            Example.from_dict(
                self.nlp.make_doc(t), {"cats": {c: float(c == y) for c in self.labels}}
            )
            for t, y in zip(texts, labels, strict=True)
        ]
        optimizer = self.nlp.initialize(lambda: examples)
        rng = random.Random(0)
        for _ in range(self.epochs):
            rng.shuffle(examples)
            for batch in spacy.util.minibatch(examples, size=32):
                self.nlp.update(batch, sgd=optimizer)
        return self

    def predict(self, texts: list[str]) -> list[str]:
        docs = self.nlp.pipe(texts, batch_size=1000)
        return [max(doc.cats, key=doc.cats.__getitem__) for doc in docs]


# ---------------------------------------------------------------- evaluation


@dataclass
class Result:
    model: str
    macro_f1: float
    fold_f1: list[float]
    f_avg: float | None
    train_s: float  # per fold
    rate: float  # predictions per second


def cross_validate(data: Dataset, name: str, fit: Fit, folds: np.ndarray) -> Result:
    predicted = [""] * len(data.labels)
    fold_f1, train_s, rates = [], [], []
    for train, test in splits_of(folds):
        start = time.perf_counter()
        predict = fit(data, train)
        train_s.append(time.perf_counter() - start)
        start = time.perf_counter()
        values = predict(test)
        rates.append(len(test) / (time.perf_counter() - start))
        for i, v in zip(test, values, strict=True):
            predicted[i] = v
        fold_f1.append(macro_f1([data.labels[i] for i in test], values))
        print(f"    {name} fold {len(fold_f1)}: macro-F1 {fold_f1[-1]:.4f}", file=sys.stderr)
    return Result(
        name,
        macro_f1(data.labels, predicted),
        fold_f1,
        f_avg(data.labels, predicted, data.favor, data.against),
        statistics.mean(train_s),
        statistics.median(rates),
    )


def fit_task_figure(data: Dataset) -> Result:
    """What ``fit_task`` reports: vectorizer fitted once on all texts, folds refit the classifier."""
    start = time.perf_counter()
    kind = "stance" if data.targets else "single"
    trained = model.fit_task(
        kind,
        data.texts,
        data.labels,
        targets=data.targets,
        favor=data.favor or "favor",
        against=data.against or "against",
    )
    scores = trained.metrics.random
    return Result(
        "ours, as fit_task reports it",
        scores.macro_f1,
        [],
        scores.f_avg,
        time.perf_counter() - start,
        float("nan"),
    )


def split_trials(data: Dataset, trials: int) -> list[float]:
    """The floor recipe's F_avg (stance) or macro-F1 over random stratified 80/20 splits."""
    scores = []
    for seed in range(trials):
        train, test = train_test_split(
            np.arange(len(data.labels)), test_size=0.2, random_state=seed, stratify=data.strata
        )
        predicted = per_target(floor_recipe)(data, train)(test)
        truth = [data.labels[i] for i in test]
        score = f_avg(truth, predicted, data.favor, data.against) if data.favor else None
        scores.append(score if score is not None else macro_f1(truth, predicted))
    return scores


def stance_modes(report: common.Report, data: Dataset) -> None:
    """F_avg by training size for the three stance layouts (``fit_task``'s learning curve)."""
    for mode in ("augment", "per_target", "shared"):
        trained = model.fit_task(
            "stance",
            data.texts,
            data.labels,
            targets=data.targets,
            mode=mode,
            learning_curve=True,
            favor="FAVOR",
            against="AGAINST",
        )
        curve = trained.metrics.learning_curve
        assert curve is not None and curve.f_avg is not None
        report.details[f"{data.name}: F_avg by labels, mode={mode}"] = ", ".join(
            f"{size}: {score:.3f}" for size, score in zip(curve.sizes, curve.f_avg, strict=True)
        )


def outlet_gap(report: common.Report, sentences: int) -> None:
    """Random-fold and outlet-held-out macro-F1, with and without masking the
    outlet names, on generated sentences (``bench/model_speed.py``'s maker)
    where the text carries a weak cue (right 65 % of the time) and the outlets
    lean (85 % or 15 % biased) and sign 80 % of their sentences."""
    from bench.model_speed import OUTLETS, SentenceMaker

    maker = SentenceMaker(seed=0)
    rng = maker.rng
    texts, labels, outlets = [], [], []
    for i in range(sentences):
        outlet = OUTLETS[i % len(OUTLETS)]
        label = "biased" if rng.random() < (0.85 if i % 2 else 0.15) else "not-biased"
        cue = label if rng.random() < 0.65 else ("not-biased" if label == "biased" else "biased")
        words = maker.filler(16) + maker.cues(cue, 1)
        if rng.random() < 0.8:
            words += ["kata", outlet] if rng.random() < 0.5 else [f"({outlet})"]
        texts.append(" ".join(words))
        labels.append(label)
        outlets.append(outlet)
    for mask in ((), OUTLETS):
        trained = model.fit_task("single", texts, labels, groups=outlets, mask=mask)
        m = trained.metrics
        assert m.grouped is not None
        report.add(
            f"generated outlets, {sentences:,} sentences, names " + ("masked" if mask else "kept"),
            m.random.macro_f1,
            "macro-F1",
            higher_is_better=True,
            note=f"outlets held out {m.grouped.macro_f1:.4f}, gap {m.outlet_gap:+.4f}",
        )


def main(argv: list[str] | None = None) -> common.Report:
    p = common.parser(__doc__.splitlines()[0])
    p.add_argument(
        "--data", type=Path, default=Path(os.environ.get("WORKBENCH_BENCH_DATA", DEFAULT_DATA))
    )
    p.add_argument("--sets", default="smsa,semeval")
    p.add_argument("--no-spacy", action="store_true")
    p.add_argument("--trials", type=int, default=10, help="random 80/20 splits of the floor recipe")
    p.add_argument("--outlets", type=int, default=10_000, help="generated sentences, masking check")
    args = p.parse_args(argv)
    use_spacy = not args.no_spacy and not args.quick
    report = common.Report(
        "model_quality", {"sets": args.sets, "spacy": use_spacy, "quick": args.quick}
    )
    warnings.filterwarnings("ignore", category=UserWarning)
    for data in load_sets(args.data, args.sets.split(","), args.quick):
        print(f"== {data.name}: {len(data.labels)} rows", file=sys.stderr)
        folds = fold_ids(data.strata, n_folds=5, random_state=0)
        assert folds is not None
        contenders: list[tuple[str, Fit]] = [("ours", ours())]
        if data.targets:
            contenders += [
                ("ours, per-target copies only", ours(mode="per_target")),
                ("ours, shared only (target indicator)", ours(mode="shared")),
                ("ours, with target aliases", ours(aliases=True)),
            ]
        contenders += [
            ("plain TF-IDF + LogisticRegression", per_target(plain)),
            ("floor recipe (balanced word+char SVM)", per_target(floor_recipe)),
        ]
        if use_spacy:
            contenders.append(("spaCy textcat (bow)", per_target(partial(SpacyBow, data.language))))
        results = [cross_validate(data, name, fit, folds) for name, fit in contenders]
        results.append(fit_task_figure(data))
        measure = "F_avg" if data.favor else "macro-F1"
        for r in results:
            spread = f"folds {min(r.fold_f1):.3f}-{max(r.fold_f1):.3f}, " if r.fold_f1 else ""
            extra = f", F_avg {r.f_avg:.4f}" if r.f_avg is not None else ""
            report.add(
                f"{data.name}: {r.model}",
                r.macro_f1,
                "macro-F1",
                higher_is_better=True,
                note=f"{spread}train {r.train_s:.1f} s/fold, predict {r.rate:,.0f}/s{extra}",
            )
        if data.targets and not args.quick:
            stance_modes(report, data)
        if args.trials and not args.quick:
            trials = split_trials(data, args.trials)
            report.details[
                f"{data.name}: floor recipe {measure} over {args.trials} random 80/20 splits"
            ] = f"mean {statistics.mean(trials):.4f}, min {min(trials):.4f}, max {max(trials):.4f}"
        report.raw[data.name] = [r.__dict__ for r in results]
    if args.outlets:
        outlet_gap(report, 2000 if args.quick else args.outlets)
    report.details["machine"] = common.machine()
    report.finish(args)
    return report


if __name__ == "__main__":
    main()
