"""Agreement at team size: alpha, every pair's kappa and bootstrap intervals.

A store of ``--sentences`` generated sentences (every task of the default
label set: stance toward the targets each sentence names, bias, opinion,
frames), each labelled by all ``--annotators`` annotators, who copy a hidden
truth and answer at random with probability ``--noise``. Times reading the
labels (:func:`annotator.agreement.load_labels`), the reliability tables
with ``--n-boot`` bootstrap replicates over all sentences and per outlet
(:func:`annotator.agreement.reliability`), the disagreement ranking, and
``summary`` end to end.

    .venv/bin/python bench/agreement_speed.py            # 5 annotators x 10k sentences
    .venv/bin/python bench/agreement_speed.py --quick
"""

from __future__ import annotations

import random
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from annotator import agreement, disagreement, labelsets
from annotator.storage import Store
from annotator.storage import labels as labels_sql
from bench.common import Report, empty_store, machine, parser, workdir
from bench.model_speed import FRAMES
from bench.retrain_store import build

TARGET_S = 5.0  # "a few seconds" for alpha + kappas + bootstraps


def add_annotators(store: Store, annotators: int, noise: float, seed: int) -> int:
    """Replace the generated truth (annotator "bench") by ``annotators``
    noisy copies of it; returns the label rows written."""
    rng = random.Random(seed)
    options = {"bias": ("biased", "not-biased"), "opinion": ("factual", "mixed", "opinion")}
    options["stance"] = ("favor", "against", "neutral")
    with store.write() as conn:
        truth = labels_sql.current_labels(conn, annotator="bench")
        keys: dict[tuple[int, str, str], list[str]] = defaultdict(list)
        for lab in truth:
            keys[(lab.sentence_id, lab.task, lab.target)].append(lab.value or "")
        base = {"label_set": truth[0].label_set, "label_set_version": truth[0].label_set_version}
        cleared = [
            {**base, "sentence_id": s, "task": t, "target": g, "value": None} for s, t, g in keys
        ]
        labels_sql.add_revision(conn, annotator="bench", source="human", rows=cleared)
        written = 0
        for a in range(annotators):
            rows: list[dict[str, Any]] = []
            for (sentence, task, target), values in keys.items():
                if task == "frames":
                    chosen = {v for v in values if v}
                    chosen = {f for f in FRAMES if (f in chosen) != (rng.random() < noise / 4)}
                    picked = sorted(chosen) or [""]
                elif rng.random() < noise:
                    picked = [rng.choice(options[task])]
                else:
                    picked = values[:1]
                rows.extend(
                    {**base, "sentence_id": sentence, "task": task, "target": target, "value": v}
                    for v in picked
                )
            labels_sql.add_revision(conn, annotator=f"annotator-{a + 1}", source="human", rows=rows)
            written += len(rows)
    return written


def main(argv: list[str] | None = None) -> Report:
    p = parser(__doc__.split("\n")[0])
    p.add_argument("--sentences", type=int, default=10_000)
    p.add_argument("--annotators", type=int, default=5)
    p.add_argument("--n-boot", type=int, default=1000)
    p.add_argument("--noise", type=float, default=0.2)
    args = p.parse_args(argv)
    if args.quick:
        args.sentences, args.n_boot = 1_000, 200
    args.repeat = args.repeat or (1 if args.quick else 3)
    params = {k: getattr(args, k) for k in ("sentences", "annotators", "n_boot", "noise")}
    report = Report("agreement", {**params, "repeat": args.repeat})
    with workdir(args, "agreement") as tmp:
        store = empty_store(tmp / "bench.sqlite")
        t0 = time.perf_counter()
        build(store, args.sentences, args.sentences, args.seed)
        rows = add_annotators(store, args.annotators, args.noise, args.seed)
        report.details["building the store (s, not timed)"] = round(time.perf_counter() - t0, 1)
        report.details["label rows"] = rows
        labelset = labelsets.current(store)
        timings: dict[str, list[float]] = defaultdict(list)
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            labels = agreement.load_labels(store, labelset=labelset)
            t1, c1 = time.perf_counter(), time.process_time()
            result = agreement.reliability(labels, n_boot=args.n_boot, seed=args.seed)
            t2 = time.perf_counter()
            timings["reliability CPU"].append(time.process_time() - c1)
            queue = disagreement.disagreements(labels)
            t3 = time.perf_counter()
            agreement.summary(store, labelset=labelset, n_boot=args.n_boot, seed=args.seed)
            t4 = time.perf_counter()
            for name, seconds in (
                ("load", t1 - t0), ("reliability", t2 - t1), ("queue", t3 - t2), ("summary", t4 - t3)
            ):  # fmt: skip
                timings[name].append(seconds)
        report.add(
            "alpha + kappas + bootstrap, all and per outlet", min(timings["reliability"]), "s",
            target=TARGET_S,
        )  # fmt: skip
        report.details[
            "alpha + kappas + bootstrap: CPU of this process (s, BLAS threads included)"
        ] = [round(c, 2) for c in timings["reliability CPU"]]
        report.details["alpha + kappas + bootstrap runs (s)"] = [
            round(r, 2) for r in timings["reliability"]
        ]
        report.add("reading the labels (SQL to frame)", min(timings["load"]), "s")
        report.add("disagreement ranking", min(timings["queue"]), "s")
        report.add("summary end to end", min(timings["summary"]), "s")
        every = result.alpha[(result.alpha["slice"] == "all") & (result.alpha["level"] == "task")]
        for row in every.itertuples():
            report.details[f"alpha {row.task}"] = (
                f"{row.alpha:.3f} [{row.low:.3f}, {row.high:.3f}] on {row.items} sentences"
            )
        report.details["alpha rows / kappa rows"] = (len(result.alpha), len(result.kappa))
        report.details["disagreements"] = len(queue)
    report.details["machine"] = machine()
    report.finish(args)
    return report


if __name__ == "__main__":
    main()
