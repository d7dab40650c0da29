"""The model loop through the app's own path: Retrain on a store, then pre-annotate it.

Where ``bench/model_speed.py`` times the model core on arrays, this times
what the Retrain button does: :func:`annotator.training.train` on a
database holding ``--sentences`` labelled sentences (every task of the
default label set: stance toward the targets each sentence names, bias,
opinion, frames), with cross-validated metrics, the outlet-held-out folds,
the archive and the card; then :func:`annotator.preannotation.preannotate`
over the corpus (predictions and uncertainty scores stored), for
``--corpus`` sentences in all, model work alone and with storing. In the
same run, unless ``--no-baseline``, the same pre-annotation the plain way
it was done before (each task's own ``predict_proba``, mentions text by
text, rows built in Python, stored batch after batch): the before/after.

    .venv/bin/python bench/retrain_store.py                      # 10k labelled, 100k corpus
    .venv/bin/python bench/retrain_store.py --quick
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from annotator import labelsets, model, preannotation, training
from annotator.labelsets import LabelSet, find_mentions
from annotator.model.multitask import SharedPredictor
from annotator.storage import Store
from annotator.storage import labels as labels_sql
from annotator.storage import models as models_sql
from annotator.storage import texts as texts_sql
from bench.common import Report, empty_store, machine, parser, workdir
from bench.model_speed import labelled_corpus

TARGET_RETRAIN_S = 10.0
TARGET_RATE = 50_000


def build(store: Store, sentences: int, corpus: int, seed: int) -> int:
    """A store with ``corpus`` sentences, the first ``sentences`` labelled by the
    generated label set; returns the number of label rows."""
    data = labelled_corpus(sentences, seed=seed)
    extra = (
        labelled_corpus(max(corpus - sentences, 0), seed=seed + 1).texts
        if corpus > sentences
        else []
    )
    labelset = labelsets.current(store)
    base = {"label_set": labelset.name, "label_set_version": labelset.version}
    texts = data.texts + extra
    outlets = data.outlets + ["Outlet 0"] * len(extra)
    # Documents of one outlet each, 50 sentences long, in the corpus's order.
    by_outlet: dict[str, list[int]] = {}
    for i, outlet in enumerate(outlets):
        by_outlet.setdefault(outlet, []).append(i)
    documents = [
        members[start : start + 50]
        for members in by_outlet.values()
        for start in range(0, len(members), 50)
    ]
    with store.write() as conn:
        outlet_ids = texts_sql.outlet_ids(conn, set(outlets))
        ids = texts_sql.insert_documents(
            conn,
            [
                {
                    "uid": f"r{d}",
                    "outlet_id": outlet_ids[outlets[members[0]]],
                    "text": "\n".join(texts[i] for i in members),
                    "content_hash": f"retrain-bench-{d}",
                }
                for d, members in enumerate(documents)
            ],
        )
        sentence_rows = []
        for doc_id, members in zip(ids, documents, strict=True):
            offset = 0
            for position, i in enumerate(members):
                sentence_rows.append((doc_id, position, offset, offset + len(texts[i]), texts[i]))
                offset += len(texts[i]) + 1
        texts_sql.insert_sentence_rows(conn, sentence_rows)
        stored = texts_sql.sentence_chunk(conn, limit=len(texts))
        # Sentences were stored document by document: map each corpus index to its id.
        order = [i for members in documents for i in members]
        sentence_ids = {i: sid for i, (sid, _) in zip(order, stored, strict=True)}
        rows = []
        index = {text: i for i, text in enumerate(data.texts)}
        for i in range(sentences):
            sid = sentence_ids[i]
            rows.append({**base, "sentence_id": sid, "task": "bias", "value": data.bias[i]})
            rows.append({**base, "sentence_id": sid, "task": "opinion", "value": data.opinion[i]})
            for value in sorted(data.frames[i]) or [""]:
                rows.append({**base, "sentence_id": sid, "task": "frames", "value": value})
        for text, target, value in zip(
            data.stance_texts, data.stance_targets, data.stance, strict=True
        ):
            sid = sentence_ids[index[text]]
            rows.append(
                {**base, "sentence_id": sid, "task": "stance", "target": target, "value": value}
            )
        labels_sql.add_revision(conn, annotator="bench", source="human", rows=rows)
    return len(rows)


def per_task_batch(
    trained: dict[str, model.TrainedTask], labelset: LabelSet, ids: list[int], texts: list[str]
) -> tuple[list[tuple[int, str, str, str, float]], np.ndarray]:
    """One batch the plain way: each task's own ``predict_proba``, a Python row per prediction."""
    rows: list[tuple[int, str, str, str, float]] = []
    sums, counts = np.zeros((len(ids), 3)), np.zeros(len(ids))
    for name, task in trained.items():
        if task.kind == "stance":
            pairs = [
                (i, t)
                for i, text in enumerate(texts)
                for t in dict.fromkeys(m.target for m in find_mentions(labelset, text))
            ]
            where = np.asarray([i for i, _ in pairs], dtype=np.int64)
            targets = [t for _, t in pairs]
            proba, classes = model.predict_proba(task, [texts[i] for i in where], targets=targets)
        else:
            where, targets = np.arange(len(ids)), [""] * len(ids)
            proba, classes = model.predict_proba(task, texts)
        if task.kind == "multi":
            thresholds = task.model.named_steps["classify"].thresholds_
            for row, i in enumerate(where.tolist()):
                chosen = np.flatnonzero(proba[row] >= thresholds)
                rows.extend((ids[i], name, "", classes[j], float(proba[row, j])) for j in chosen)
                if not chosen.size:
                    rows.append((ids[i], name, "", "", float(1.0 - proba[row].max())))
            binary = np.stack([1 - proba, proba], axis=2).reshape(-1, 2)
            parts = preannotation._uncertainties(binary)
            scores = np.stack([u.reshape(len(where), -1).mean(axis=1) for u in parts], axis=1)
        else:
            best = proba.argmax(axis=1).tolist()
            rows.extend(
                (ids[i], name, t, classes[j], float(proba[row, j]))
                for row, (i, t, j) in enumerate(zip(where.tolist(), targets, best, strict=True))
            )
            scores = np.stack(preannotation._uncertainties(proba), axis=1)
        np.add.at(sums, where, scores)
        np.add.at(counts, where, 1)
    return rows, sums / np.maximum(counts, 1)[:, None]


def per_task_preannotate(
    store: Store, version_id: int, labelset: LabelSet, *, write: bool
) -> tuple[int, float]:
    """The corpus pre-annotated the plain way; sentences and seconds of model work."""
    trained = training.load_version(store, version_id)
    if write:
        with store.write() as conn:
            models_sql.clear_predictions(conn, version_id)
    done, predicting, after = 0, 0.0, 0
    while True:
        with store.read() as conn:
            chunk = texts_sql.sentence_chunk(conn, after=after, limit=preannotation.BATCH)
        if not chunk:
            return done, predicting
        ids = [sid for sid, _ in chunk]
        t0 = time.perf_counter()
        rows, uncertainty = per_task_batch(trained, labelset, ids, [t for _, t in chunk])
        predicting += time.perf_counter() - t0
        if write:
            scores = [(sid, *u) for sid, u in zip(ids, uncertainty.tolist(), strict=True)]
            with store.write() as conn:
                models_sql.add_predictions(conn, version_id, rows, scores)
        done += len(ids)
        after = ids[-1]


def time_preannotation(report: Report, store: Store, version_id: int, baseline: bool) -> None:
    """Pre-annotation rates: model work alone, then with storing; before and after."""
    labelset = labelsets.current(store)
    if baseline:
        t0 = time.perf_counter()
        done, _ = per_task_preannotate(store, version_id, labelset, write=False)
        before_model = done / (time.perf_counter() - t0)
        t0 = time.perf_counter()
        done, _ = per_task_preannotate(store, version_id, labelset, write=True)
        before_stored = done / (time.perf_counter() - t0)
    t0 = time.perf_counter()
    predictor = SharedPredictor(training.load_version(store, version_id))
    done, _ = preannotation.predict_corpus(
        store, predictor, labelset=labelset, sink=lambda *_: None
    )
    report.add(
        "pre-annotation, all tasks, model work only", done / (time.perf_counter() - t0),
        "sentences/s", target=TARGET_RATE, higher_is_better=True,
        note=f"before (task by task) {before_model:,.0f}" if baseline else "",
    )  # fmt: skip
    t0 = time.perf_counter()
    stored = preannotation.preannotate(store, version_id, labelset=labelset)
    report.add(
        "pre-annotation, all tasks, incl. storing", stored.sentences / (time.perf_counter() - t0),
        "sentences/s", target=TARGET_RATE, higher_is_better=True,
        note=f"before {before_stored:,.0f}" if baseline else "",
    )  # fmt: skip
    note(report, "predictions stored", stored.predictions)


def note(report: Report, key: str, value: object) -> None:
    report.details[key] = value


def main(argv: list[str] | None = None) -> Report:
    p = parser(__doc__.split("\n")[0])
    p.add_argument("--sentences", type=int, default=10_000, help="labelled sentences")
    p.add_argument("--corpus", type=int, default=100_000, help="sentences to pre-annotate")
    p.add_argument(
        "--no-baseline", action="store_true", help="skip pre-annotating task by task (before)"
    )
    args = p.parse_args(argv)
    if args.quick:
        args.sentences, args.corpus = 2_000, 10_000
    args.repeat = args.repeat or (1 if args.quick else 3)
    report = Report(
        "retrain-store", {"sentences": args.sentences, "corpus": args.corpus, "repeat": args.repeat}
    )
    with workdir(args, "retrain-store") as tmp:
        store = empty_store(tmp / "bench.sqlite")
        t0 = time.perf_counter()
        n_rows = build(store, args.sentences, args.corpus, args.seed)
        note(report, "building the store (s, not timed)", round(time.perf_counter() - t0, 1))
        note(report, "label rows", n_rows)
        labelset = labelsets.current(store)
        runs, cpu = [], []
        for _ in range(args.repeat):
            c0, t0 = time.process_time(), time.perf_counter()
            outcome = training.train(store, labelset=labelset, preannotate=False)
            runs.append(time.perf_counter() - t0)
            cpu.append(time.process_time() - c0)
        report.add(
            "retrain through the store, all tasks, metrics", min(runs), "s",
            target=TARGET_RETRAIN_S, higher_is_better=False,
        )  # fmt: skip
        note(report, "retrain runs (s)", [round(r, 2) for r in runs])
        note(
            report,
            "retrain CPU of this process (s; worker processes not counted)",
            [round(c, 2) for c in cpu],
        )
        card = outcome.version.card or {}
        for name, task in card.get("tasks", {}).items():
            m = task["metrics"]
            grouped = m["grouped"]["macro_f1"] if m.get("grouped") else None
            note(
                report,
                f"{name}: {task['n_labels']} labels, macro-F1 random / outlets held out",
                [round(m["random"]["macro_f1"], 3), round(grouped, 3) if grouped else None],
            )
        time_preannotation(report, store, outcome.version.id, not args.no_baseline)
    report.details["machine"] = machine()
    report.finish(args)
    return report


if __name__ == "__main__":
    main()
