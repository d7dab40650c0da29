"""Where ``prepare`` (clean + split) spends its time, on the generated corpus.

The import benchmark shows that preparing articles, not storing them, is
most of an import. This script splits it further, by CPU time (robust to a
busy machine): the four steps of :func:`annotator.corpus.prepare`, then the
per-line checks inside :func:`annotator.boilerplate.clean` (each pattern on
its own, over the lines a real clean sees), then the top of a cProfile.
It reads private names of ``boilerplate``; a check that no longer exists is
skipped.
"""

from __future__ import annotations

import cProfile
import io
import pstats
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from annotator import boilerplate, corpus, language, sentences
from bench import common
from bench.corpus_gen import corpus as generate


def cpu(fn: Callable[[], Any]) -> float:
    start = time.process_time()
    fn()
    return time.process_time() - start


def _over(check: Callable[[str], Any], pieces: list[str]) -> Callable[[], Any]:
    return lambda: [check(x) for x in pieces]


def main(argv: list[str] | None = None) -> common.Report:
    p = common.parser(__doc__.split("\n")[0])
    p.add_argument("--sentences", type=int, default=100_000)
    p.add_argument("--top", type=int, default=15, help="cProfile entries shown")
    args = p.parse_args(argv)
    if args.quick:
        args.sentences = min(args.sentences, 10_000)
    n = args.sentences
    raws = [g.raw_article() for g in generate(n, seed=args.seed)]
    texts = [r.text for r in raws]
    report = common.Report("prepare profile", {"sentences": n})

    total = cpu(lambda: [corpus.prepare(r) for r in raws])
    cleaned = [boilerplate.clean(t) for t in texts]
    steps = {
        "guess_language": lambda: [language.guess_language(t) for t in texts],
        "boilerplate.clean": lambda: [boilerplate.clean(t) for t in texts],
        "split_sentences": lambda: [sentences.split_sentences(c.text) for c in cleaned],
        "content_hash": lambda: [corpus.content_hash(c.text) for c in cleaned],
    }
    report.add("prepare, CPU time", total, "s", note=f"{n / total:,.0f} sentences/s")
    step_s: dict[str, float] = {}
    for name, step in steps.items():
        step_s[name] = cpu(step)
        report.add(f"  {name}", step_s[name], "s", note=f"{step_s[name] / total:.0%}")

    b: Any = boilerplate
    if all(hasattr(b, a) for a in ("_lines", "_cut_glued", "_reason", "_PATTERNS")):
        lines = [line for t in texts for _, line in b._lines(t)]
        pieces = [piece for line in lines for piece, reason in b._cut_glued(line) if reason is None]
        clean_s = step_s["boilerplate.clean"]
        checks: dict[str, Callable[[], Any]] = {
            "_cut_glued (the _GLUED scan, every line)": lambda: [
                list(b._cut_glued(line)) for line in lines
            ],
            "_reason (every piece kept by _cut_glued)": lambda: [b._reason(x) for x in pieces],
        }
        for i, (reason, pattern, _) in enumerate(b._PATTERNS):
            checks[f"  pattern {i} ({reason})"] = _over(pattern.search, pieces)
        for name in ("_is_date_line", "_is_prompt"):
            if hasattr(b, name):
                checks[f"  {name}"] = _over(getattr(b, name), pieces)
        for name, check in checks.items():
            seconds = cpu(check)
            report.add(f"  clean: {name}", seconds, "s", note=f"{seconds / clean_s:.0%} of clean")
        report.details["lines / pieces checked"] = f"{len(lines):,} / {len(pieces):,}"

    profiler = cProfile.Profile()
    profiler.enable()
    for r in raws:
        corpus.prepare(r)
    profiler.disable()
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(args.top)
    report.details["cProfile of prepare (by own time; the profiler inflates small calls)"] = (
        "\n" + out.getvalue().strip()
    )
    report.finish(args)
    return report


if __name__ == "__main__":
    main()
