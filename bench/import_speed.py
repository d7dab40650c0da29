"""Import speed: clean + split + store a generated corpus into a new SQLite file.

Measures the whole path the import page and ``workbench import`` take,
:func:`annotator.corpus.import_articles`, on ``--sentences`` generated
sentences (``--per-article`` to an article, boilerplate included), each
repetition into a new empty database. The same run times the parts by
wrapping the functions ``import_articles`` calls: ``prepare`` (language
guess, boilerplate removal, sentence splitting, hashing), the duplicate
checks, and ``_store_documents`` (the INSERTs); the rest is mostly the commit.

Target (the foundation issue): >= 50,000 sentences/s at 1M sentences.
"""

from __future__ import annotations

import cProfile
import gc
import io
import pstats
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from annotator import corpus
from annotator.storage import texts as texts_sql
from bench import common
from bench.corpus_gen import corpus as generate

TARGET_RATE = 50_000  # sentences/s


def profile_prepare(articles: list, *, top: int = 12) -> str:
    """cProfile of ``prepare`` over ``articles``: the top entries by own time."""
    profiler = cProfile.Profile()
    profiler.enable()
    for article in articles:
        corpus.prepare(article)
    profiler.disable()
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(top)
    return out.getvalue()


def main(argv: list[str] | None = None) -> common.Report:
    p = common.parser(__doc__.split("\n")[0])
    p.add_argument("--sentences", type=int, default=1_000_000)
    p.add_argument("--per-article", type=int, default=50)
    p.add_argument(
        "--profile", type=int, default=0, help="also profile prepare() on this many articles"
    )
    args = p.parse_args(argv)
    if args.quick:
        args.sentences = min(args.sentences, 20_000)
    repeat = args.repeat or (1 if args.quick else 3)

    started = time.perf_counter()
    articles = [g.raw_article() for g in generate(args.sentences, per_article=args.per_article)]
    generated_s = time.perf_counter() - started
    report = common.Report(
        "import", {"sentences": args.sentences, "articles": len(articles), "repeat": repeat}
    )

    watch = common.Stopwatch()
    watch.wrap(corpus, "prepare")
    watch.wrap(texts_sql, "existing_hashes", "duplicate checks")
    watch.wrap(texts_sql, "document_ids_by_uid", "duplicate checks")
    watch.wrap(corpus, "_store_documents", "store (INSERTs)")
    runs: list[dict[str, float]] = []
    with common.workdir(args, "import") as tmp:
        for i in range(repeat):
            store = common.empty_store(tmp / f"import-{i}.sqlite")
            watch.reset()
            gc.collect()
            start, cpu = time.perf_counter(), time.process_time()
            result = corpus.import_articles(store, articles, created_by="bench")
            total, total_cpu = time.perf_counter() - start, time.process_time() - cpu
            if not result.stored or result.sentence_count != args.sentences:
                raise SystemExit(
                    f"import stored {result.sentence_count} sentences, expected {args.sentences}:"
                    f" {[p.message for p in result.problems[:5]]}"
                )
            parts = dict(watch.seconds)
            parts["other (commit, checks in Python)"] = total - sum(parts.values())
            cpu_parts = {f"cpu {k}": v for k, v in watch.cpu.items()}
            runs.append({"total": total, "cpu": total_cpu, **parts, **cpu_parts})
            store.engine.dispose()
            for leftover in tmp.glob(f"import-{i}.sqlite*"):
                leftover.unlink()
            print(
                f"  run {i + 1}/{repeat}: {total:.2f} s, {args.sentences / total:,.0f} sentences/s "
                + ", ".join(f"{k} {v:.2f} s" for k, v in parts.items()),
                file=sys.stderr,
            )
    watch.restore()

    total = common.median(r["total"] for r in runs)
    report.add(
        "import rate (clean + split + store)",
        args.sentences / total,
        "sentences/s",
        target=TARGET_RATE,
        higher_is_better=True,
    )
    report.add("import time", total, "s")
    cpu = common.median(r["cpu"] for r in runs)
    report.add(
        "import rate by CPU time (noise-free view)",
        args.sentences / cpu,
        "sentences/s",
        note=f"{cpu:.1f} s CPU; wall/CPU {total / cpu:.2f}",
    )
    for part in runs[0]:
        if part in ("total", "cpu") or part.startswith("cpu "):
            continue
        seconds = common.median(r[part] for r in runs)
        note = f"{seconds / total:.0%} of wall"
        if f"cpu {part}" in runs[0]:
            part_cpu = common.median(r[f"cpu {part}"] for r in runs)
            note += (
                f"; {part_cpu:.2f} s CPU = {args.sentences / max(part_cpu, 1e-9):,.0f} sentences/s"
            )
        report.add(f"  of which {part}", seconds, "s", note=note)
    report.details["generating the corpus (not timed in the rate)"] = f"{generated_s:.1f} s"
    report.details["runs (s)"] = [round(r["total"], 2) for r in runs]
    if args.profile:
        report.details["prepare() profile"] = "\n" + profile_prepare(articles[: args.profile])
    report.finish(args)
    return report


if __name__ == "__main__":
    main()
