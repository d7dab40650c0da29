"""Compare-page speed: every aggregate the page shows for two outlets, over ``--sentences`` sentences.

Builds a store of ``--sentences`` generated sentences in 10 outlets
(``bench/corpus_gen.py``, stored without the importer) with an active model
version whose predictions cover every sentence (bias, opinion, frames: one
or two values or none, stance toward one target on 40% of them; seeded
probabilities between 0.3 and 1), and human labels on ``--labelled`` of them
(stance, bias, frames on a fifth, a cue span on a tenth, a second annotator
on a tenth, a relabel on a tenth: ``common.add_labels``).

Then times :func:`annotator.outlets.aggregate` for two outlets (a fifth of
the corpus) with each label source, for every outlet (the whole corpus), and
for 20 documents picked by hand (the model's share counted from the
predictions, not from the tallies of :mod:`annotator.storage.tallies`): stance per target, frames, bias and
opinion shares with intervals, the differences with their tests, the cue
phrases and the model's held-out score. Also times
:func:`annotator.outlets.label_frame` narrowed to one bar (the sentences
the page lists when a bar is clicked).

Target (issue 4): aggregates for the page over 1M sentences with
predictions <= 1 s.

    .venv/bin/python bench/compare_speed.py                   # 1M sentences
    .venv/bin/python bench/compare_speed.py --quick           # 50k
    .venv/bin/python bench/compare_speed.py --keep --workdir /tmp/b   # keep the store,
    .venv/bin/python bench/compare_speed.py --workdir /tmp/b          # and reuse it
"""

from __future__ import annotations

import gc
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from annotator import labelsets, outlets
from annotator.labelsets import LabelSet
from annotator.storage import Store, open_store, tallies
from annotator.storage import models as models_sql
from bench import common
from bench.corpus_gen import OUTLETS
from bench.corpus_gen import corpus as generate

TARGET_S = 1.0
PAIR = (OUTLETS[0], OUTLETS[1])
CHUNK = 200_000


def prediction_rows(
    labelset: LabelSet, first: int, last: int, rng: np.random.Generator
) -> list[tuple[int, str, str, str, float]]:
    """Seeded predictions for sentence ids ``first``..``last - 1``, shaped as
    :func:`annotator.preannotation.predict_batch` stores them."""
    tasks = {t.name: t for t in labelset.tasks}
    ids = np.arange(first, last)
    n = len(ids)
    rows: list[tuple[int, str, str, str, float]] = []
    for name in ("bias", "opinion"):
        values = [v.name for v in tasks[name].values]
        pick = rng.integers(0, len(values), n)
        proba = rng.uniform(0.3, 1.0, n).round(4)
        rows += [
            (int(s), name, "", values[int(v)], float(p))
            for s, v, p in zip(ids, pick, proba, strict=True)
        ]
    frames = [v.name for v in tasks["frames"].values]
    many = rng.choice([0, 1, 2], n, p=[0.3, 0.5, 0.2])
    for s, k in zip(ids.tolist(), many.tolist(), strict=True):
        chosen = rng.choice(len(frames), k, replace=False).tolist() if k else []
        if chosen:
            rows += [(s, "frames", "", frames[c], float(rng.uniform(0.3, 1.0))) for c in chosen]
        else:
            rows.append((s, "frames", "", "", float(rng.uniform(0.3, 1.0))))
    targets = [t.name for t in tasks["stance"].targets]
    stances = [v.name for v in tasks["stance"].values]
    mentioned = ids[rng.random(n) < 0.4]
    pick_t = rng.integers(0, len(targets), len(mentioned))
    pick_v = rng.integers(0, len(stances), len(mentioned))
    proba = rng.uniform(0.3, 1.0, len(mentioned)).round(4)
    rows += [
        (int(s), "stance", targets[int(t)], stances[int(v)], float(p))
        for s, t, v, p in zip(mentioned, pick_t, pick_v, proba, strict=True)
    ]
    return rows


def add_model(store: Store, labelset: LabelSet, sentences: int, seed: int) -> int:
    """An active model version with predictions for every sentence; returns the row count."""
    rng = np.random.default_rng(seed)
    metrics = {"random": {"macro_f1": 0.7}, "grouped": {"macro_f1": 0.62, "n": 5000, "folds": 5}}
    card = {"tasks": {t.name: {"metrics": metrics} for t in labelset.tasks}}
    with store.write() as conn:
        version = models_sql.start_version(
            conn, label_set=labelset.name, label_set_version=labelset.version, created_by="bench"
        )
        models_sql.store_model(conn, version, data=b"bench", card=card)
    total = 0
    for first in range(1, sentences + 1, CHUNK):
        rows = prediction_rows(labelset, first, min(first + CHUNK, sentences + 1), rng)
        with store.write() as conn:
            models_sql.add_predictions(conn, version, rows, [])
        total += len(rows)
    with store.write() as conn:
        models_sql.set_active(conn, version)
        models_sql.mark_ready(conn, version)
        # What annotator.preannotation.preannotate stores after the last batch.
        tallies.build(conn, version)
    return total


def build(db: Path, *, sentences: int, labelled: int, seed: int) -> dict[str, Any]:
    started = time.perf_counter()
    store = common.empty_store(db)
    common.bulk_store(store, generate(sentences, seed=seed))
    labelset = labelsets.current(store)
    predictions = add_model(store, labelset, sentences, seed)
    rng = np.random.default_rng(seed)
    ids = np.sort(rng.choice(np.arange(1, sentences + 1), labelled, replace=False)).tolist()
    rows = common.add_labels(
        store, ids, annotator="ana", seed=seed, per_revision=50, frames=0.2, cues=0.1, relabel=0.1
    )
    second = sorted(rng.choice(ids, labelled // 10, replace=False).tolist())
    rows += common.add_labels(store, second, annotator="budi", seed=seed + 1, per_revision=50)
    with store.write() as conn:
        # The planner's statistics, as a maintained database would have them.
        conn.exec_driver_sql("ANALYZE")
    store.engine.dispose()
    return {
        "build_s": time.perf_counter() - started,
        "predictions": predictions,
        "label_rows": rows,
    }


def timed(repeat: int, call: Any) -> tuple[float, float, Any]:
    """Median wall and CPU seconds of ``call()`` over ``repeat`` runs, and its last result."""
    walls, cpus, result = [], [], None
    for _ in range(repeat):
        gc.collect()
        start, cpu = time.perf_counter(), time.process_time()
        result = call()
        walls.append(time.perf_counter() - start)
        cpus.append(time.process_time() - cpu)
    return common.median(walls), common.median(cpus), result


def main(argv: list[str] | None = None) -> common.Report:
    p = common.parser(__doc__.split("\n")[0])
    p.add_argument("--sentences", type=int, default=1_000_000, help="sentences in the store")
    p.add_argument("--labelled", type=int, default=None, help="human-labelled (default: 5%%)")
    args = p.parse_args(argv)
    if args.quick:
        args.sentences = min(args.sentences, 50_000)
    labelled = args.labelled or args.sentences // 20
    repeat = args.repeat or (1 if args.quick else 5)
    report = common.Report(
        "compare",
        {"sentences": args.sentences, "human-labelled": labelled, "repeat": repeat},
    )
    with common.workdir(args, "compare") as tmp:
        db = tmp / f"compare-{args.sentences}-{labelled}-{args.seed}.sqlite"
        if not db.exists():
            built = build(db, sentences=args.sentences, labelled=labelled, seed=args.seed)
            print(f"  built the store in {built['build_s']:.0f} s", file=sys.stderr)
            report.details["store build (s, not timed)"] = round(built["build_s"], 1)
            report.details["prediction rows"] = built["predictions"]
            report.details["human label rows written"] = built["label_rows"]
        store = open_store(common.sqlite_url(db))
        labelset = labelsets.current(store)
        filters = outlets.Filters(outlets=PAIR)
        # Warm up: imports (scipy) and the database file's pages, as on a page in use.
        outlets.aggregate(store, labelset, source="model", filters=filters, pair=PAIR)
        for source in outlets.LABEL_SOURCES:
            wall, cpu, result = timed(
                repeat,
                lambda s=source: outlets.aggregate(
                    store, labelset, source=s, filters=filters, pair=PAIR
                ),
            )
            n = int(result.counts.totals.query("task == 'bias'")["n"].sum())
            report.add(
                f"all aggregates, 2 outlets, {source}",
                wall,
                "s",
                target=TARGET_S if source in ("model", "human_else_model") else None,
                note=f"CPU {cpu:.2f} s; {n:,} sentences with a bias label; "
                f"{len(result.differences)} cells tested",
            )
        # The page with no outlet chosen: every outlet's shares, no pair.
        for source in ("model", "human_else_model"):
            wall, cpu, result = timed(
                repeat,
                lambda s=source: outlets.aggregate(store, labelset, source=s),
            )
            n = int(result.counts.totals.query("task == 'bias'")["n"].sum())
            report.add(
                f"all aggregates, every outlet (10), {source}",
                wall,
                "s",
                target=TARGET_S,
                note=f"CPU {cpu:.2f} s; {n:,} sentences with a bias label; no pair tested",
            )
        # 20 documents picked one by one: counted from the predictions, not the tallies.
        picked = outlets.Filters(document_ids=tuple(range(1, 2001, 100)))
        for source in ("model", "human_else_model"):
            wall, cpu, result = timed(
                repeat,
                lambda s=source: outlets.aggregate(store, labelset, source=s, filters=picked),
            )
            report.add(
                f"all aggregates, 20 documents, {source}",
                wall,
                "s",
                note=f"CPU {cpu:.2f} s; exact path (no tallies for a document filter)",
            )
        bar = outlets.Filters(outlets=(PAIR[0],))
        for source in ("model", "human_else_model"):
            wall, cpu, frame = timed(
                repeat,
                lambda s=source: outlets.label_frame(
                    store, labelset, source=s, filters=bar, task="bias", value="biased", limit=200
                ),
            )
            report.add(
                f"sentences behind one bar ({source}, first 200)",
                wall,
                "s",
                note=f"CPU {cpu:.2f} s; {len(frame)} rows",
            )
        store.engine.dispose()
        report.details["outlets compared"] = " vs ".join(PAIR)
        report.details["machine"] = common.machine()
    report.finish(args)
    return report


if __name__ == "__main__":
    main()
