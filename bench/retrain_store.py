"""The model loop through the app's own path: Retrain on a store, then pre-annotate it.

Where ``bench/model_speed.py`` times the model core on arrays, this times
what the Retrain button does: :func:`annotator.training.train` on a
database holding ``--sentences`` labelled sentences (every task of the
default label set: stance toward the targets each sentence names, bias,
opinion, frames), with cross-validated metrics, the outlet-held-out folds,
the archive and the card; then :func:`annotator.preannotation.preannotate`
over the corpus (predictions and uncertainty scores stored), for
``--corpus`` sentences in all.

    .venv/bin/python bench/retrain_store.py                      # 10k labelled, 100k corpus
    .venv/bin/python bench/retrain_store.py --quick
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from annotator import labelsets, preannotation, training
from annotator.storage import Store
from annotator.storage import labels as labels_sql
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


def note(report: Report, key: str, value: object) -> None:
    report.details[key] = value


def main(argv: list[str] | None = None) -> Report:
    p = parser(__doc__.split("\n")[0])
    p.add_argument("--sentences", type=int, default=10_000, help="labelled sentences")
    p.add_argument("--corpus", type=int, default=100_000, help="sentences to pre-annotate")
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
        t0 = time.perf_counter()
        done = preannotation.preannotate(store, outcome.version.id, labelset=labelset)
        report.add(
            "pre-annotation incl. storing, whole corpus", done.sentences / (time.perf_counter() - t0),
            "sentences/s", target=TARGET_RATE, higher_is_better=True,
        )  # fmt: skip
        report.add(
            "pre-annotation, model work only", done.sentences / done.predict_seconds, "sentences/s",
            target=TARGET_RATE, higher_is_better=True,
        )  # fmt: skip
        note(report, "predictions stored", done.predictions)
    report.details["machine"] = machine()
    report.finish(args)
    return report


if __name__ == "__main__":
    main()
