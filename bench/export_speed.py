"""Export speed: ``--sentences`` labelled sentences as a tidy CSV file plus its data card.

Builds a store of ``--corpus`` generated sentences (at least ``--sentences``)
and labels ``--sentences`` of them as annotators do: a stance toward a target
and a bias value on each, two frames on a fifth, a cue span on a tenth, a
second save that changes the bias on a tenth, and a second annotator on a
tenth. Then times :func:`annotator.exchange.export.export_files` (``csv``
unless ``--formats`` says more), split by wrapping what it calls: the SQL
(``tidy_rows``), building the frame (rest of ``export_frame``: timestamps,
columns, the one sort), encoding the file (the format's ``to_bytes``: for
CSV, checking the frame is canonical and in order, neutralising formulas,
writing CSV), the data card, and the rest (writing the file, loading the
label set). Each part is reported in wall and in CPU time.

Target (the foundation issue): 100k labelled sentences as tidy CSV in <= 5 s.
"""

from __future__ import annotations

import dataclasses
import gc
import random
import sys
import time
from pathlib import Path
from types import SimpleNamespace
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from annotator import exchange
from annotator.exchange import card as card_mod
from annotator.exchange import export as database
from annotator.storage import labels as labels_sql
from bench import common
from bench.corpus_gen import corpus as generate

TARGET_S = 5.0
PARTS = {
    "SQL (tidy_rows)": (labels_sql, "tidy_rows"),
    "frame (export_frame minus SQL)": (database, "export_frame"),
    "data card": (card_mod, "write_card"),
}
ENCODE = "encode (the format's to_bytes)"


def time_encoding(watch: common.Stopwatch) -> dict[str, Any]:
    """Time every format's ``to_bytes`` by swapping the registry's entries;
    returns the originals for :func:`restore_encoding`."""
    originals = dict(exchange.FORMATS)
    for name, fmt in originals.items():
        holder = SimpleNamespace(to_bytes=fmt.to_bytes)
        watch.wrap(holder, "to_bytes", ENCODE)
        exchange.FORMATS[name] = dataclasses.replace(fmt, to_bytes=holder.to_bytes)
    return originals


def restore_encoding(originals: dict[str, Any]) -> None:
    exchange.FORMATS.update(originals)


def build(db: Path, *, corpus: int, labelled: int, seed: int) -> dict[str, Any]:
    started = time.perf_counter()
    store = common.empty_store(db)
    common.bulk_store(store, generate(corpus, seed=seed))
    rng = random.Random(seed)
    ids = sorted(rng.sample(range(1, corpus + 1), labelled))
    rows = common.add_labels(
        store, ids, annotator="ana", seed=seed, per_revision=20, frames=0.2, cues=0.1, relabel=0.1
    )
    second = sorted(rng.sample(ids, labelled // 10))
    rows += common.add_labels(store, second, annotator="budi", seed=seed + 1, per_revision=20)
    return {"store": store, "build_s": time.perf_counter() - started, "label_rows": rows}


def main(argv: list[str] | None = None) -> common.Report:
    p = common.parser(__doc__.split("\n")[0])
    p.add_argument("--sentences", type=int, default=100_000, help="labelled sentences")
    p.add_argument(
        "--corpus", type=int, default=None, help="sentences in the store (default: same)"
    )
    p.add_argument("--formats", default="csv", help="comma-separated, e.g. csv,jsonl,parquet")
    args = p.parse_args(argv)
    if args.quick:
        args.sentences = min(args.sentences, 5_000)
    corpus = max(args.corpus or args.sentences, args.sentences)
    repeat = args.repeat or (1 if args.quick else 5)
    formats = [f.strip() for f in args.formats.split(",") if f.strip()]
    report = common.Report(
        "export",
        {"labelled sentences": args.sentences, "corpus": corpus, "repeat": repeat},
    )
    with common.workdir(args, "export") as tmp:
        built = build(
            tmp / "workbench.sqlite", corpus=corpus, labelled=args.sentences, seed=args.seed
        )
        store = built["store"]
        print(f"  built the store in {built['build_s']:.1f} s", file=sys.stderr)
        watch = common.Stopwatch()
        for label, (owner, name) in PARTS.items():
            watch.wrap(owner, name, label)
        originals = time_encoding(watch)
        for fmt in formats:
            runs: list[dict[str, float]] = []
            for i in range(repeat):
                watch.reset()
                gc.collect()
                start, cpu = time.perf_counter(), time.process_time()
                result = database.export_files(store, fmt, out=tmp / f"out-{fmt}-{i}" / "")
                total, total_cpu = time.perf_counter() - start, time.process_time() - cpu
                parts, cpus = dict(watch.seconds), dict(watch.cpu)
                for split in (parts, cpus):
                    split["frame (export_frame minus SQL)"] -= split["SQL (tidy_rows)"]
                parts["write file, label set, rest"] = total - sum(parts.values())
                cpus["write file, label set, rest"] = total_cpu - sum(cpus.values())
                runs.append(
                    {
                        "total": total,
                        "cpu": total_cpu,
                        **parts,
                        **{f"cpu:{k}": v for k, v in cpus.items()},
                    }
                )
                size_mb = result.path.stat().st_size / 2**20
                print(f"  {fmt} run {i + 1}/{repeat}: {total:.2f} s", file=sys.stderr)
            total = common.median(r["total"] for r in runs)
            report.add(
                f"export {args.sentences:,} labelled sentences as {fmt}",
                total,
                "s",
                target=TARGET_S if fmt == "csv" else None,
                note=f"{result.rows:,} rows, {size_mb:.1f} MB; {result.rows / total:,.0f} rows/s",
            )
            cpu_s = common.median(r["cpu"] for r in runs)
            report.add("  CPU time (robust to a busy machine)", cpu_s, "s")
            for part in runs[0]:
                if part not in ("total", "cpu") and not part.startswith("cpu:"):
                    seconds = common.median(r[part] for r in runs)
                    cpu_part = common.median(r[f"cpu:{part}"] for r in runs)
                    note = f"{seconds / total:.0%}; CPU {cpu_part:.2f} s"
                    report.add(f"  {part}", seconds, "s", note=note)
        watch.restore()
        restore_encoding(originals)
        report.details["label rows written (incl. superseded)"] = built["label_rows"]
        report.details["store build (s, not timed)"] = round(built["build_s"], 1)
        store.engine.dispose()
    report.finish(args)
    return report


if __name__ == "__main__":
    main()
