"""Annotate page speed with a big corpus: library work per decision and whole reruns.

Builds a store of ``--sentences`` generated sentences (bulk-inserted through
``annotator.storage``; importing is measured by ``import_speed.py``) in which
the annotator ``bench`` has labelled ``--labelled`` sentences (the first
``--labelled // 2`` in a row, the rest scattered) and ``other`` as many again.
A small store (``--small``) is built the same way, and both are measured in
fresh processes, so the ratio big/small shows whether anything grows with the
corpus and each process's peak memory is its own.

Measured in each store:

(a) the library work per decision, without Streamlit: ``AnnotateSession.view()``,
    the queue's ``next_sentence`` and a save, per sentence, for the
    sequential and the random queue;
(b) the whole page with ``streamlit.testing.v1.AppTest``: ``workbench.py``,
    switch to ``pages/annotate.py``, annotator set, then reruns after a
    click on a value button (``annotate.value.*``) and on ``annotate.save``.

Target (the foundation issue): a server-side rerun <= 30 ms at 1M sentences,
never loading the corpus to show one sentence.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import common
from bench.corpus_gen import corpus as generate

TARGET_MS = 30.0
ANNOTATOR = "bench"


# ---------------------------------------------------------------- building


def build(db: Path, sentences: int, labelled: int, seed: int) -> dict[str, Any]:
    started = time.perf_counter()
    store = common.empty_store(db)
    common.bulk_store(store, generate(sentences, seed=seed))
    stored_s = time.perf_counter() - started
    rng = random.Random(seed)
    run = list(range(1, labelled // 2 + 1))
    rest = labelled - len(run)
    scattered = rng.sample(range(len(run) + 1, sentences + 1), min(rest, sentences - len(run)))
    common.add_labels(store, run + sorted(scattered), annotator=ANNOTATOR, seed=seed, frames=0.2)
    others = sorted(rng.sample(range(1, sentences + 1), min(labelled, sentences)))
    common.add_labels(store, others, annotator="other", seed=seed + 1, per_revision=10)
    store.engine.dispose()
    return {
        "build_s": round(time.perf_counter() - started, 1),
        "corpus_s": round(stored_s, 1),
        "db_mb": round(sum(p.stat().st_size for p in db.parent.glob(db.name + "*")) / 2**20),
    }


# ---------------------------------------------------------------- measuring


class LibraryRig:
    """One annotator session on one store, driven without Streamlit."""

    def __init__(self, url: str, strategy: str) -> None:
        from annotator import labelsets
        from annotator.session import AnnotateSession
        from annotator.storage import open_store

        self.store = open_store(url)
        self.labelset = labelsets.current(self.store)
        self.session = AnnotateSession(
            {}, store=self.store, labelset=self.labelset, annotator=ANNOTATOR, strategy=strategy
        )
        self.times: dict[str, list[float]] = {
            k: [] for k in ("decision", "view", "save", "next_sentence")
        }
        started = time.perf_counter()
        self.session.start()
        self.first_s = time.perf_counter() - started

    def decision(self, watch: common.Stopwatch) -> None:
        """View the shown sentence, press a value, save (stores, then asks the
        queue for the next sentence)."""
        started = time.perf_counter()
        view = self.session.view()
        viewed = time.perf_counter()
        assert view is not None, "the queue ran dry"
        key = view.keys[view.focus]
        task = self.labelset.task(key[0])
        assert task is not None
        self.session.press(key, task.values[0].name)
        watch.reset()
        self.session.save()
        done = time.perf_counter()
        self.times["decision"].append(done - started)
        self.times["view"].append(viewed - started)
        self.times["save"].append(watch.seconds["save"])
        self.times["next_sentence"].append(watch.seconds["next_sentence"])

    def result(self) -> dict[str, float]:
        self.store.engine.dispose()
        out = {f"{k}_ms": common.median(v) * 1000 for k, v in self.times.items()}
        out["decision_p90_ms"] = common.quantile(self.times["decision"], 0.9) * 1000
        out["first_sentence_ms"] = self.first_s * 1000
        return out


def _value_button(at: Any) -> Any:
    buttons = {b.key: b for b in at.button if (b.key or "").startswith("annotate.value.")}
    if not buttons:
        raise RuntimeError("no value button on the annotate page")
    return buttons.get("annotate.value.favor") or next(iter(buttons.values()))


class PageRig:
    """The app under AppTest on one store, on the annotate page."""

    def __init__(self, url: str) -> None:
        from streamlit.testing.v1 import AppTest

        self.url = url
        os.environ["WORKBENCH_DB"] = url
        self.at = AppTest.from_file(str(common.ROOT / "workbench.py"), default_timeout=120)
        self.at.session_state["workbench.annotator"] = ANNOTATOR
        started = time.perf_counter()
        self.at.run()
        self.at.switch_page("pages/annotate.py").run()
        self.first_s = time.perf_counter() - started
        self._check()
        self.wall: dict[str, list[float]] = {"press": [], "save": [], "plain": []}
        self.cpu: dict[str, list[float]] = {"press": [], "save": [], "plain": []}
        self.shown: set[int] = set()
        for _ in range(3):  # warm-up: caches, first imports
            self.decision(record=False)

    def _check(self) -> None:
        if self.at.exception:
            raise RuntimeError(f"the annotate page failed: {self.at.exception}")
        if not self.at.session_state["annotate.sentence_id"]:
            raise RuntimeError("the annotate page shows no sentence")

    def _rerun(self, kind: str, element: Any, record: bool) -> None:
        os.environ["WORKBENCH_DB"] = self.url
        wall, cpu = time.perf_counter(), time.process_time()
        element.run()
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        if record:
            self.wall[kind].append(wall)
            self.cpu[kind].append(cpu)

    def decision(self, *, record: bool = True) -> None:
        """A value key, Save & next, and a rerun with no change."""
        self._rerun("press", _value_button(self.at).click(), record)
        self._rerun("save", self.at.button(key="annotate.save").click(), record)
        self._rerun("plain", self.at, record)
        self._check()
        self.shown.add(int(self.at.session_state["annotate.sentence_id"]))

    def result(self) -> dict[str, float]:
        if len(self.shown) < len(self.wall["save"]):
            raise RuntimeError("saving did not move on to a new sentence every time")
        both = self.wall["press"] + self.wall["save"]
        out = {f"{k}_ms": common.median(v) * 1000 for k, v in self.wall.items()}
        out.update({f"{k}_cpu_ms": common.median(v) * 1000 for k, v in self.cpu.items()})
        out["rerun_ms"] = common.median(both) * 1000
        out["rerun_p90_ms"] = common.quantile(both, 0.9) * 1000
        out["rerun_cpu_ms"] = common.median(self.cpu["press"] + self.cpu["save"]) * 1000
        out["first_page_ms"] = self.first_s * 1000
        return out


def measure(dbs: dict[str, Path], decisions: int, reruns: int) -> dict[str, Any]:
    """Time every store in one process, turn about, so that a busy moment of
    the machine hits them alike and their ratio stays meaningful."""
    from annotator import annotations as ann
    from annotator import queue

    urls = {name: common.sqlite_url(db) for name, db in dbs.items()}
    result: dict[str, Any] = {name: {} for name in dbs}
    watch = common.Stopwatch()
    watch.wrap(ann, "save", "save")
    for cls in {type(queue.get_strategy(n)) for n in queue.strategy_names()}:
        watch.wrap(cls, "next_sentence", "next_sentence")
    for strategy in ("sequential", "random"):
        rigs = {name: LibraryRig(url, strategy) for name, url in urls.items()}
        for i in range(decisions):
            for rig in list(rigs.values())[:: 1 if i % 2 else -1]:
                rig.decision(watch)
        for name, rig in rigs.items():
            result[name][f"library_{strategy}"] = rig.result()
    watch.restore()
    peak_library = common.peak_rss_mb()
    pages = {name: PageRig(url) for name, url in urls.items()}
    for i in range(reruns):
        for page in list(pages.values())[:: 1 if i % 2 else -1]:
            page.decision()
    for name, page in pages.items():
        result[name]["page"] = page.result()
    result["peak_rss_mb_library"] = peak_library
    result["peak_rss_mb"] = common.peak_rss_mb()
    return result


# ---------------------------------------------------------------- driver


def _child(*args: str) -> dict[str, Any]:
    out = subprocess.run(
        [sys.executable, __file__, *args], check=True, capture_output=True, text=True
    ).stdout
    return dict(json.loads(out.strip().splitlines()[-1]))


def main(argv: list[str] | None = None) -> common.Report:
    p = common.parser(__doc__.split("\n")[0])
    p.add_argument("--sentences", type=int, default=1_000_000)
    p.add_argument("--small", type=int, default=10_000, help="sentences in the comparison store")
    p.add_argument("--labelled", type=int, default=5_000)
    p.add_argument("--decisions", type=int, default=200, help="library decisions timed")
    p.add_argument("--reruns", type=int, default=40, help="page reruns of each kind timed")
    p.add_argument("--build", type=Path, help=argparse.SUPPRESS)
    p.add_argument("--measure", nargs="+", metavar="NAME=DB", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.quick:
        args.sentences, args.small = min(args.sentences, 20_000), min(args.small, 2_000)
        args.labelled, args.decisions, args.reruns = 500, 30, 30
    if args.build:
        print(json.dumps(build(args.build, args.sentences, args.labelled, args.seed)))
        return common.Report("annotate build", {})
    if args.measure:
        dbs = dict(item.split("=", 1) for item in args.measure)
        found = measure({k: Path(v) for k, v in dbs.items()}, args.decisions, args.reruns)
        print(json.dumps(found))
        return common.Report("annotate measure", {})

    report = common.Report(
        "annotate",
        {"sentences": args.sentences, "small": args.small, "labelled": args.labelled},
    )
    timing = ["--decisions", str(args.decisions), "--reruns", str(args.reruns)]
    with common.workdir(args, "annotate") as tmp:
        sizes = {"big": args.sentences, "small": args.small}
        dbs = {name: tmp / name / "workbench.sqlite" for name in sizes}
        built = {}
        for name, n in sizes.items():
            dbs[name].parent.mkdir(parents=True, exist_ok=True)
            labelled = min(args.labelled, n // 2)
            built[name] = _child(
                "--build", str(dbs[name]), "--sentences", str(n), "--labelled", str(labelled),
                "--seed", str(args.seed),
            )  # fmt: skip
            print(f"  built {name} store ({n:,} sentences): {built[name]}", file=sys.stderr)
        both = _child("--measure", *(f"{k}={v}" for k, v in dbs.items()), *timing)
        alone = _child("--measure", f"small={dbs['small']}", "--decisions", "20", "--reruns", "10")

    big, small = both["big"], both["small"]
    ratio = {
        key: big[part][key] / small[part][key]
        for part, key in (("page", "rerun_ms"), ("page", "rerun_cpu_ms"),
                          ("library_sequential", "decision_ms"))
    }  # fmt: skip
    page, lib = big["page"], big["library_sequential"]
    report.add(
        "page rerun, AppTest (value key or save), median",
        page["rerun_ms"],
        "ms",
        target=TARGET_MS,
        note=f"p90 {page['rerun_p90_ms']:.1f} ms; {small['page']['rerun_ms']:.1f} ms at "
        f"{args.small:,} sentences in the same run (big/small x{ratio['rerun_ms']:.2f})",
    )
    report.add(
        "  CPU time per rerun (robust to a busy machine)",
        page["rerun_cpu_ms"],
        "ms",
        note=f"big/small x{ratio['rerun_cpu_ms']:.2f}",
    )
    report.add("  rerun after a value key", page["press_ms"], "ms")
    report.add("  rerun after Save & next", page["save_ms"], "ms")
    report.add("  rerun with no widget change", page["plain_ms"], "ms")
    report.add("  first page (cold caches, store opened)", page["first_page_ms"], "ms")
    report.add(
        "library per decision (view + save + next), sequential",
        lib["decision_ms"],
        "ms",
        target=TARGET_MS,
        note=f"p90 {lib['decision_p90_ms']:.1f} ms; "
        f"{small['library_sequential']['decision_ms']:.2f} ms at {args.small:,} "
        f"(big/small x{ratio['decision_ms']:.2f})",
    )
    for part in ("view", "save", "next_sentence"):
        report.add(f"  {part}", lib[f"{part}_ms"], "ms")
    report.add("  first sentence of a session (queue start)", lib["first_sentence_ms"], "ms")
    rnd = big["library_random"]
    report.add(
        "library per decision, random queue",
        rnd["decision_ms"],
        "ms",
        note=f"next_sentence {rnd['next_sentence_ms']:.2f} ms",
    )
    report.add(
        "peak RSS, process with both stores open",
        both["peak_rss_mb"],
        "MB",
        note=f"{alone['peak_rss_mb']:.0f} MB with only the {args.small:,}-sentence store; "
        f"library part {both['peak_rss_mb_library']:.0f} MB; "
        f"the {args.sentences:,}-sentence database is {built['big']['db_mb']} MB",
    )
    report.details["store build (s, not timed)"] = {k: v["build_s"] for k, v in built.items()}
    report.raw.update(built=built, results=both, small_alone=alone)
    report.finish(args, rss=False)  # this driver process only waits for the others
    return report


if __name__ == "__main__":
    main()
