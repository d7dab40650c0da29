"""Learning curves: random sampling against uncertainty sampling (least confidence).

On SmSA and SemEval-2016 6A (``--data`` / ``WORKBENCH_BENCH_DATA``, as
``bench/model_quality.py``): each of the 5 stratified folds (seed 0) in turn
is the test set and the other four the pool. Both strategies start from the
same seeded random 50 labels and add batches of 50: random picks at random,
uncertainty picks the pool rows whose most probable value is least probable
(``1 - max p``, from the calibrated model). After each batch the model
(``annotator.model``'s pipeline, vectorizer fitted once on the pool texts as
the unlabelled corpus is known) is refitted and scored on the test fold:
macro-F1 for SmSA, F_avg (FAVOR, AGAINST) for SemEval. Reported: the mean
curve over folds, the score with the whole pool labelled, and the labels
each strategy needs to reach 95 % of that score (goal of issue 3: <= 1,000).

    .venv/bin/python bench/learning_curve.py                 # 5 test folds, both sets
    .venv/bin/python bench/learning_curve.py --quick         # 1 test fold, up to 600 labels
"""

from __future__ import annotations

import os
import random
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sklearn.base import clone

from annotator import model
from annotator.model.folds import fold_ids, splits_of
from annotator.model.metrics import f_avg, macro_f1
from bench import common
from bench.model_quality import DEFAULT_DATA, Dataset, load_sets

BATCH = 50


def score(data: Dataset, truth: list[str], predicted: list[str]) -> float:
    if data.favor:
        return f_avg(truth, predicted, data.favor, data.against) or 0.0
    return macro_f1(truth, predicted)


def prepared(data: Dataset, pool: np.ndarray, test: np.ndarray) -> tuple[Any, Any, Any]:
    """The pipeline's classifier and the features of pool and test rows."""
    kind = "stance" if data.targets else "single"
    pipeline = model.build_pipeline(kind)
    masker, features, head = (step for _, step in pipeline.steps)

    def rows(at: np.ndarray) -> Any:
        texts = [data.texts[i] for i in at]
        if data.targets is None:
            return texts
        return model.stance_rows(texts, [data.targets[i] for i in at])

    pool_x = features.fit_transform(masker.transform(rows(pool)))
    return head, pool_x, features.transform(masker.transform(rows(test)))


def curve(
    data: Dataset,
    head: Any,
    pool_x: Any,
    test_x: Any,
    pool_y: np.ndarray,
    test_y: list[str],
    *,
    strategy: str,
    seed: int,
    limit: int,
) -> dict[int, float]:
    rng = random.Random(seed)
    labelled = rng.sample(range(len(pool_y)), BATCH)
    found: dict[int, float] = {}
    while True:
        fitted = clone(head).fit(pool_x[labelled], pool_y[labelled])
        found[len(labelled)] = score(data, test_y, fitted.predict(test_x).tolist())
        if len(labelled) >= limit:
            return found
        chosen = set(labelled)
        rest = np.asarray([i for i in range(len(pool_y)) if i not in chosen])
        if strategy == "random":
            picks = rng.sample(rest.tolist(), min(BATCH, len(rest)))
        else:
            confidence = fitted.predict_proba(pool_x[rest]).max(axis=1)
            picks = rest[np.argsort(confidence, kind="stable")[:BATCH]].tolist()
        labelled += picks


def to_95(sizes: list[int], curve_mean: list[float], full: float) -> int | None:
    return next((s for s, v in zip(sizes, curve_mean, strict=True) if v >= 0.95 * full), None)


def main(argv: list[str] | None = None) -> common.Report:
    p = common.parser(__doc__.splitlines()[0])
    p.add_argument(
        "--data", type=Path, default=Path(os.environ.get("WORKBENCH_BENCH_DATA", DEFAULT_DATA))
    )
    p.add_argument("--sets", default="smsa,semeval")
    p.add_argument("--folds", type=int, default=None, help="test folds to average (5)")
    p.add_argument("--limit", type=int, default=None, help="labels to stop at (SmSA 2,000)")
    args = p.parse_args(argv)
    n_test = args.folds or (1 if args.quick else 5)
    report = common.Report("learning_curve", {"sets": args.sets, "test folds": n_test})
    for data in load_sets(args.data, args.sets.split(","), quick=False):
        folds = fold_ids(data.strata, n_folds=5, random_state=0)
        assert folds is not None
        pool_size = int((folds != 0).sum())
        limit = args.limit or (600 if args.quick else (2000 if data.targets is None else pool_size))
        curves: dict[str, list[dict[int, float]]] = {"random": [], "uncertainty": []}
        fulls = []
        start = time.perf_counter()
        for k, (pool, test) in enumerate(splits_of(folds)[:n_test]):
            head, pool_x, test_x = prepared(data, pool, test)
            pool_y = np.asarray([data.labels[i] for i in pool], dtype=object)
            test_y = [data.labels[i] for i in test]
            fulls.append(
                score(data, test_y, clone(head).fit(pool_x, pool_y).predict(test_x).tolist())
            )
            for strategy in curves:
                curves[strategy].append(
                    curve(
                        data,
                        head,
                        pool_x,
                        test_x,
                        pool_y,
                        test_y,
                        strategy=strategy,
                        seed=k,
                        limit=min(limit, len(pool)),
                    )
                )
            print(f"  {data.name} test fold {k + 1}: full pool {fulls[-1]:.4f}", file=sys.stderr)
        full = float(np.mean(fulls))
        measure = "F_avg" if data.favor else "macro-F1"
        report.add(
            f"{data.name}: whole pool labelled (~{pool_size:,})",
            full,
            measure,
            higher_is_better=True,
        )
        sizes = sorted(set.intersection(*(set(c) for cs in curves.values() for c in cs)))
        table = {}
        for strategy, runs in curves.items():
            mean = [float(np.mean([run[s] for run in runs])) for s in sizes]
            table[strategy] = mean
            needed = to_95(sizes, mean, full)
            at_1000 = mean[sizes.index(1000)] if 1000 in sizes else float("nan")
            note = f"{measure} at 1,000 labels: {at_1000:.4f}"
            if needed is None:
                note += f"; not reached within {sizes[-1]:,} labels"
            report.add(
                f"{data.name}: labels to 95 % of it, {strategy}",
                float(needed) if needed is not None else float("nan"),
                "labels",
                target=1000,
                note=note,
            )
        shown = [
            s
            for s in sizes
            if s in (50, 100, 200, 300, 500, 700, 1000, 1500, 2000) or s == sizes[-1]
        ]
        report.details[f"{data.name} curve ({measure}; labels: random / uncertainty)"] = ", ".join(
            f"{s}: {table['random'][sizes.index(s)]:.3f} / {table['uncertainty'][sizes.index(s)]:.3f}"
            for s in shown
        )
        report.raw[data.name] = {"sizes": sizes, "full": fulls, **table}
        report.details[f"{data.name} time"] = f"{time.perf_counter() - start:.0f} s"
    report.details["machine"] = common.machine()
    report.finish(args)
    return report


if __name__ == "__main__":
    main()
