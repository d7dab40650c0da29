"""The queue with an overlap cap: how long ``next_sentence`` takes when most of
the corpus is already labelled by enough annotators.

Builds a store of ``--sentences`` generated sentences where annotators ``a``
and ``b`` have labelled the first 60% and ``c`` a scattered 10%. With the
overlap at 2, a new annotator ``d`` must skip the first 60% (each sentence
there has two annotators); without a cap nothing is skipped. Measured per
registered strategy (the uncertainty ones read in order without a model),
the median and 95th percentile of ``next_sentence`` for ``d`` over
``--calls`` calls (each after the sentence the previous call gave).

Target: the annotate page's rerun budget, 30 ms, for one queue call.
"""

from __future__ import annotations

import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import common
from bench.corpus_gen import corpus as generate

TARGET_MS = 30.0


def build(db: Path, sentences: int, seed: int) -> None:
    store = common.empty_store(db)
    total = common.bulk_store(store, generate(sentences, seed=seed))
    full = list(range(1, int(total * 0.6) + 1))
    common.add_labels(store, full, annotator="a", seed=seed, per_revision=200)
    common.add_labels(store, full, annotator="b", seed=seed + 1, per_revision=200)
    rng = random.Random(seed)
    scattered = sorted(rng.sample(range(1, total + 1), total // 10))
    common.add_labels(store, scattered, annotator="c", seed=seed + 2, per_revision=200)
    store.engine.dispose()


def measure(db: Path, calls: int) -> dict[str, dict[str, float]]:
    from annotator import assignment, queue
    from annotator.storage import open_store

    store = open_store(common.sqlite_url(db))
    out: dict[str, dict[str, float]] = {}
    for cap in (None, 2):
        assignment.set_overlap(store, cap)
        for name in queue.strategy_names():
            strategy = queue.get_strategy(name)
            times: list[float] = []
            after = None
            for _ in range(calls):
                with common.timed(times):
                    after = strategy.next_sentence(store, "d", after=after)
            out[f"{name}, overlap {cap or 'none'}"] = {
                "median_ms": common.median(times) * 1000,
                "p95_ms": common.quantile(times, 0.95) * 1000,
                "first_ms": times[0] * 1000,  # from the start: skips every full sentence
            }
    store.engine.dispose()
    return out


def main(argv: list[str] | None = None) -> common.Report:
    p = common.parser(__doc__.splitlines()[0])
    p.add_argument("--sentences", type=int, default=200_000)
    p.add_argument("--calls", type=int, default=50)
    args = p.parse_args(argv)
    sentences = 20_000 if args.quick else args.sentences
    report = common.Report("queue_overlap", {"sentences": sentences, "calls": args.calls})
    with common.workdir(args, "queue-overlap") as work:
        db = work / "queue.sqlite"
        build(db, sentences, args.seed)
        for key, figures in measure(db, args.calls).items():
            report.add(f"next_sentence: {key}", figures["median_ms"], "ms", target=TARGET_MS)
            report.details[f"p95 / first call {key}"] = (
                f"{figures['p95_ms']:.1f} / {figures['first_ms']:.1f} ms"
            )
    report.details.update(common.machine())
    report.finish(args)
    return report


if __name__ == "__main__":
    main()
