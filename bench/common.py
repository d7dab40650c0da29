"""What the benchmark scripts share: timing, the machine, temporary databases, output.

Each script builds a :class:`Report` of :class:`Metric` values (a target when
the issue sets one), prints it, and with ``--json PATH`` also writes it for
``bench/run_all.py``. Databases live in a temporary directory (``--workdir``
to choose it, ``--keep`` to keep it), never in the project's ``data/``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import resource
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from functools import wraps
from importlib import metadata
from pathlib import Path
from typing import Any

from annotator import labelsets
from annotator.bootstrap import bootstrap
from annotator.storage import Store, open_store
from annotator.storage import labels as labels_sql
from annotator.storage import texts as texts_sql
from bench.corpus_gen import GeneratedArticle

ROOT = Path(__file__).resolve().parent.parent


# ---------------------------------------------------------------- results


@dataclass
class Metric:
    name: str
    value: float
    unit: str
    target: float | None = None
    higher_is_better: bool = False
    note: str = ""

    @property
    def met(self) -> bool | None:
        if self.target is None:
            return None
        return self.value >= self.target if self.higher_is_better else self.value <= self.target

    @property
    def margin(self) -> float | None:
        """How many times better than the target (above 1: met)."""
        if self.target is None or not self.value or not self.target:
            return None
        return self.value / self.target if self.higher_is_better else self.target / self.value


@dataclass
class Report:
    bench: str
    params: dict[str, Any]
    metrics: list[Metric] = field(default_factory=list)
    details: dict[str, Any] = field(default_factory=dict)
    raw: dict[str, Any] = field(default_factory=dict)  # written with --json, not printed

    def add(self, name: str, value: float, unit: str, **kwargs: Any) -> Metric:
        metric = Metric(name, value, unit, **kwargs)
        self.metrics.append(metric)
        return metric

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        for m, d in zip(self.metrics, data["metrics"], strict=True):
            d["met"], d["margin"] = m.met, m.margin
        return data

    def print(self) -> None:
        print(f"\n== {self.bench} ({', '.join(f'{k}={v}' for k, v in self.params.items())})")
        for m in self.metrics:
            line = f"  {m.name:<48} {fmt(m.value):>12} {m.unit}"
            if m.target is not None:
                sign = ">=" if m.higher_is_better else "<="
                verdict = "MET" if m.met else "MISSED"
                line += f"   target {sign} {fmt(m.target)} {m.unit}: {verdict} (x{m.margin:.2f})"
            if m.note:
                line += f"   [{m.note}]"
            print(line)
        for key, value in self.details.items():
            print(f"  - {key}: {value}")

    def finish(self, args: argparse.Namespace, *, rss: bool = True) -> None:
        if rss:
            self.details.setdefault("peak RSS of this process (MB)", round(peak_rss_mb(), 1))
        self.print()
        if args.json:
            Path(args.json).write_text(json.dumps(self.to_dict(), indent=2), encoding="utf-8")


def fmt(value: float) -> str:
    if value >= 1000:
        return f"{value:,.0f}"
    if value >= 100:
        return f"{value:.0f}"
    if value >= 10:
        return f"{value:.1f}"
    return f"{value:.3g}"


# ---------------------------------------------------------------- timing


def median(values: Iterable[float]) -> float:
    return float(statistics.median(list(values)))


def quantile(values: Iterable[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


@contextmanager
def timed(into: list[float]) -> Iterator[None]:
    """Append the block's wall time in seconds to ``into``."""
    start = time.perf_counter()
    try:
        yield
    finally:
        into.append(time.perf_counter() - start)


class Stopwatch:
    """Seconds spent inside wrapped module functions, by label.

    Wrapping a module attribute (``stopwatch.wrap(corpus, "prepare")``) times
    every call the code under test makes through that module, so one run
    gives both the total and its split.
    """

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self.cpu: dict[str, float] = {}  # process CPU time: robust to a busy neighbour
        self.calls: dict[str, int] = {}
        self._undo: list[tuple[Any, str, Any]] = []

    def wrap(self, owner: Any, name: str, label: str | None = None) -> None:
        label = label or name
        original: Callable[..., Any] = getattr(owner, name)
        self.seconds.setdefault(label, 0.0)
        self.cpu.setdefault(label, 0.0)
        self.calls.setdefault(label, 0)

        @wraps(original)
        def timed_call(*args: Any, **kwargs: Any) -> Any:
            start, cpu = time.perf_counter(), time.process_time()
            try:
                return original(*args, **kwargs)
            finally:
                self.seconds[label] += time.perf_counter() - start
                self.cpu[label] += time.process_time() - cpu
                self.calls[label] += 1

        setattr(owner, name, timed_call)
        self._undo.append((owner, name, original))

    def reset(self) -> None:
        for label in self.seconds:
            self.seconds[label] = self.cpu[label] = 0.0
            self.calls[label] = 0

    def restore(self) -> None:
        for owner, name, original in reversed(self._undo):
            setattr(owner, name, original)
        self._undo.clear()


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# ---------------------------------------------------------------- machine


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _ram_gib() -> float:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return round(int(line.split()[1]) / 1024**2, 1)
    except OSError:
        pass
    return float("nan")


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "not installed"


def machine() -> dict[str, Any]:
    """The facts a reader needs to compare figures across machines."""
    try:
        debian = "Debian " + Path("/etc/debian_version").read_text().strip()
    except OSError:
        debian = platform.platform()
    return {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "nproc": len(os.sched_getaffinity(0))
        if hasattr(os, "sched_getaffinity")
        else os.cpu_count(),
        "cpu": _cpu_model(),
        "ram_gib": _ram_gib(),
        "os": f"{debian}, Linux {platform.release()}",
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "sqlalchemy": _version("sqlalchemy"),
        "streamlit": _version("streamlit"),
        "pandas": _version("pandas"),
    }


# ---------------------------------------------------------------- arguments


def parser(description: str) -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=description)
    p.add_argument("--quick", action="store_true", help="small sizes, for a smoke run")
    p.add_argument("--repeat", type=int, default=None, help="repetitions (median reported)")
    p.add_argument("--seed", type=int, default=20240812, help="corpus generator seed")
    p.add_argument("--workdir", type=Path, default=None, help="where temporary databases go")
    p.add_argument("--keep", action="store_true", help="keep the temporary databases")
    p.add_argument("--json", type=Path, default=None, help="also write the figures here")
    return p


@contextmanager
def workdir(args: argparse.Namespace, name: str) -> Iterator[Path]:
    """A temporary directory for this run's databases, removed unless ``--keep``."""
    if args.workdir is not None:
        path = Path(args.workdir) / name
        path.mkdir(parents=True, exist_ok=True)
    else:
        path = Path(tempfile.mkdtemp(prefix=f"workbench-bench-{name}-"))
    if ROOT / "data" in (path, *path.parents):
        raise SystemExit("refusing to write benchmark databases into the project's data/")
    try:
        yield path
    finally:
        if args.keep:
            print(f"(kept {path})", file=sys.stderr)
        else:
            shutil.rmtree(path, ignore_errors=True)


# ---------------------------------------------------------------- databases


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


def empty_store(path: Path) -> Store:
    """A new database with the label sets and no documents."""
    store = open_store(sqlite_url(path))
    bootstrap(store, seeds_dir=None)
    return store


def bulk_store(store: Store, articles: Iterable[GeneratedArticle], *, batch: int = 2000) -> int:
    """Store generated articles as they would be after import, without
    cleaning and splitting them (fast set-up for the benches that need a big
    corpus but do not measure importing). Returns the sentence count."""
    total = 0
    with store.write() as conn:
        import_id = texts_sql.record_import(
            conn, kind="articles", sources=["bench"], summary={}, created_by="bench"
        )
        outlet_ids: dict[str, int] = {}
        chunk: list[GeneratedArticle] = []

        def flush() -> int:
            missing = {a.outlet for a in chunk} - outlet_ids.keys()
            if missing:
                outlet_ids.update(texts_sql.outlet_ids(conn, missing))
            ids = texts_sql.insert_documents(
                conn,
                [
                    {
                        "uid": f"bench-{a.index:07d}",
                        "outlet_id": outlet_ids[a.outlet],
                        "title": a.title,
                        "published": a.published,
                        "language": "id",
                        "text": a.body(),
                        "content_hash": f"{a.seed}:{a.index}",
                        "source": f"generated/{a.index:07d}.txt",
                        "import_id": import_id,
                    }
                    for a in chunk
                ],
            )
            rows = [
                {
                    "document_id": doc_id,
                    "position": position,
                    "start_char": start,
                    "end_char": end,
                    "text": text,
                }
                for doc_id, a in zip(ids, chunk, strict=True)
                for position, ((start, end), text) in enumerate(
                    zip(a.spans(), a.sentences, strict=True)
                )
            ]
            texts_sql.insert_sentences(conn, rows)
            chunk.clear()
            return len(rows)

        for generated in articles:
            chunk.append(generated)
            if len(chunk) >= batch:
                total += flush()
        if chunk:
            total += flush()
    return total


def add_labels(
    store: Store,
    sentence_ids: Sequence[int],
    *,
    annotator: str,
    seed: int = 0,
    per_revision: int = 1,
    frames: float = 0.0,
    cues: float = 0.0,
    relabel: float = 0.0,
) -> int:
    """Label sentences the way annotators do (stance toward a target, bias,
    sometimes frames and a cue span), ``per_revision`` sentences to a save;
    a ``relabel`` share later gets a second save that changes its bias.
    Returns the number of current label rows written."""
    rng = random.Random(f"{seed}:{annotator}")
    labelset = labelsets.current(store)
    stance, bias, framing = (labelset.task(n) for n in ("stance", "bias", "frames"))
    assert stance is not None and bias is not None and framing is not None
    base = {"label_set": labelset.name, "label_set_version": labelset.version}
    written = 0
    with store.write() as conn:
        for i in range(0, len(sentence_ids), per_revision):
            rows: list[dict[str, Any]] = []
            for sid in sentence_ids[i : i + per_revision]:
                cue = rng.random() < cues
                rows.append(
                    {
                        **base,
                        "sentence_id": sid,
                        "task": stance.name,
                        "target": rng.choice(stance.targets).name,
                        "value": rng.choice(stance.values).name,
                        "span_start": 0 if cue else None,
                        "span_end": 5 if cue else None,
                    }
                )
                rows.append(
                    {
                        **base,
                        "sentence_id": sid,
                        "task": bias.name,
                        "target": "",
                        "value": rng.choice(bias.values).name,
                    }
                )
                if rng.random() < frames:
                    for value in rng.sample(framing.values, 2):
                        rows.append(
                            {
                                **base,
                                "sentence_id": sid,
                                "task": framing.name,
                                "target": "",
                                "value": value.name,
                            }
                        )
            labels_sql.add_revision(conn, annotator=annotator, source="human", rows=rows)
            written += len(rows)
        again = [sid for sid in sentence_ids if rng.random() < relabel]
        for sid in again:
            labels_sql.add_revision(
                conn,
                annotator=annotator,
                source="human",
                rows=[
                    {
                        **base,
                        "sentence_id": sid,
                        "task": bias.name,
                        "target": "",
                        "value": rng.choice(bias.values).name,
                    }
                ],
            )
            written += 1
    return written
