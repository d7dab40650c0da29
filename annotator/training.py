"""Model versions from the store's labels: train, compare, activate, load.

Start with :func:`train` (or :func:`begin` then :func:`run`, for the page's
background thread): it gathers the current labels (one label per
sentence and task: the adjudicated gold label, else the majority of the
annotators), fits every task that has
enough of them with :func:`annotator.model.fit_task`, and stores the result
as a new model version (all tasks in one archive, in the database, with a
card). One train runs at a time (:class:`TrainingBusy`). A new version is
activated when it is not worse than the active one (:func:`compare`), or by
hand with :func:`activate`; :func:`load_version` gives its fitted tasks back.
"""

from __future__ import annotations

import io
import os
import tempfile
import zipfile
from collections import Counter, defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from annotator import model
from annotator.labelsets import LabelSet
from annotator.model import TrainedTask
from annotator.storage import Store
from annotator.storage import labels as labels_sql
from annotator.storage import models as models_sql
from annotator.storage import texts as texts_sql
from annotator.storage.labels import GOLD_ANNOTATOR
from annotator.storage.models import ModelVersionRecord

# A train older than this that never finished died with its process.
STALE_AFTER = timedelta(hours=2)
HUMAN_SOURCES = labels_sql.PEOPLE_SOURCES
PARALLEL_WORKERS = min(2, os.cpu_count() or 1)
PARALLEL_FROM = 2_000  # labels; below this, starting worker processes costs more than it saves


class TrainingBusy(RuntimeError):
    """Another train is running; one at a time."""


class NothingToTrain(RuntimeError):
    """No task has enough labels of two values or more."""


@dataclass(frozen=True)
class TaskData:
    """One task's training set: a row per sentence (and target, for stance)."""

    task: str
    kind: str
    texts: list[str]
    labels: list[Any]  # a value, or a frozenset of values (multi choice)
    outlets: list[str]
    targets: list[str] | None = None
    sentence_ids: list[int] = field(default_factory=list)  # each row's sentence

    def __len__(self) -> int:
        return len(self.texts)


def _majority(values: list[str], order: Mapping[str, int]) -> str:
    """The most frequent value; ties go to the value listed first in the label set."""
    counts = Counter(values)
    return min(counts, key=lambda v: (-counts[v], order.get(v, len(order))))


def training_data(store: Store, labelset: LabelSet) -> dict[str, TaskData]:
    """Every task's labels, one per sentence (and target): the gold label
    where a curator adjudicated one, else the majority of the annotators'
    current labels."""
    with store.read() as conn:
        labels = [
            lab
            for lab in labels_sql.current_labels(conn)
            if lab.source in HUMAN_SOURCES and labelset.task(lab.task) is not None
        ]
        sentences = texts_sql.sentence_outlets(conn, sorted({lab.sentence_id for lab in labels}))
    # (task, target, sentence) -> annotator -> values
    votes: dict[tuple[str, str, int], dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for lab in labels:
        if lab.value is not None:
            votes[(lab.task, lab.target, lab.sentence_id)][lab.annotator].add(lab.value)
    data: dict[str, TaskData] = {}
    for task in labelset.tasks:
        order = {v.name: i for i, v in enumerate(task.values)}
        texts, outlets, targets, values, ids = [], [], [], [], []
        for (name, target, sentence_id), by_annotator in votes.items():
            if name != task.name or sentence_id not in sentences:
                continue
            if GOLD_ANNOTATOR in by_annotator:  # adjudicated: gold alone decides
                by_annotator = {GOLD_ANNOTATOR: by_annotator[GOLD_ANNOTATOR]}
            text, outlet = sentences[sentence_id]
            if task.kind == "multi":
                # A value is present when most of the annotators chose it.
                counts = Counter(v for chosen in by_annotator.values() for v in chosen if v)
                half = len(by_annotator) / 2
                label: Any = frozenset(v for v, n in counts.items() if n > half)
            else:
                label = _majority([v for chosen in by_annotator.values() for v in chosen], order)
            texts.append(text)
            outlets.append(outlet)
            targets.append(target)
            values.append(label)
            ids.append(sentence_id)
        if texts:
            data[task.name] = TaskData(
                task=task.name,
                kind=task.kind,
                texts=texts,
                labels=values,
                outlets=outlets,
                targets=targets if task.kind == "stance" else None,
                sentence_ids=ids,
            )
    return data


# ---------------------------------------------------------------- training


@dataclass(frozen=True)
class TrainOutcome:
    version: ModelVersionRecord
    trained: dict[str, TrainedTask]
    skipped: dict[str, str]  # task -> why it was not trained
    activated: bool
    comparison: dict[str, tuple[float | None, float]] = field(default_factory=dict)


Progress = Callable[[str], None]


def begin(store: Store, *, labelset: LabelSet, created_by: str = "") -> int:
    """Record a new train and return its version id; raises
    :class:`TrainingBusy` while another one runs (a train whose process
    died is marked failed after :data:`STALE_AFTER`)."""
    with store.write() as conn:
        now = datetime.now(UTC)
        for running in models_sql.training_versions(conn):
            if now - running.created_at < STALE_AFTER:
                raise TrainingBusy(
                    f"model version {running.id} is being trained (started by "
                    f"{running.created_by or 'someone'} at {running.created_at:%H:%M:%S} UTC)"
                )
            models_sql.fail_version(conn, running.id, "abandoned: the training process stopped")
        return models_sql.start_version(
            conn, label_set=labelset.name, label_set_version=labelset.version, created_by=created_by
        )


def _note(store: Store, version_id: int, message: str) -> None:
    with store.write() as conn:
        models_sql.note_version(conn, version_id, message)


def run(
    store: Store,
    version_id: int,
    *,
    labelset: LabelSet,
    created_by: str = "",
    mask: tuple[str, ...] | None = None,
    learning_curve: bool = False,
    activate_if_not_worse: bool = True,
    preannotate: bool = True,
    progress: Progress | None = None,
) -> TrainOutcome:
    """Train the version :func:`begin` started: every task with enough labels.

    ``mask``: strings hidden from the model; by default the corpus's outlet
    names (a model that recognises the outlet would fake outlet differences).
    When the new version is not worse than the active one it pre-annotates
    the corpus and becomes active (in that order, so the active version
    always has its predictions). Every write is a short transaction:
    annotators keep saving while it runs. A failure is recorded on the
    version with its message and raised.
    """

    def say(message: str) -> None:
        if progress is not None:
            progress(message)
        _note(store, version_id, message)

    try:
        data = training_data(store, labelset)
        if mask is None:
            with store.read() as conn:
                mask = tuple(o.outlet for o in texts_sql.outlet_counts(conn))
        skipped = {t.name: "no labels yet" for t in labelset.tasks if t.name not in data}
        tasks = {}
        for name, task_data in data.items():
            task = labelset.task(name)
            assert task is not None
            tasks[name] = model.TaskLabels(
                kind=task_data.kind,
                texts=task_data.texts,
                labels=task_data.labels,
                targets=task_data.targets,
                groups=task_data.outlets,
                classes=[v.name for v in task.values],
                aliases={t.name: list(t.aliases) for t in task.targets} or None,
            )
        total = sum(len(d) for d in data.values())
        say(f"training {', '.join(tasks)} on {total} labels")
        # Worker processes pay off only when there is real work to share.
        workers = PARALLEL_WORKERS if total >= PARALLEL_FROM else None
        results = model.fit_tasks(tasks, n_jobs=workers, mask=mask, learning_curve=learning_curve)
        trained: dict[str, TrainedTask] = {}
        for name, result in results.items():
            if isinstance(result, model.ModelError):
                skipped[name] = str(result)
            else:
                trained[name] = result
        if not trained:
            reasons = "; ".join(f"{t}: {why}" for t, why in skipped.items())
            raise NothingToTrain(f"no task could be trained ({reasons})")
        say("saving")
        data_bytes, card = _archive(trained, labelset, skipped=skipped, created_by=created_by)
        with store.write() as conn:
            models_sql.store_model(conn, version_id, data=data_bytes, card=card)
            active = models_sql.active_version(conn, labelset.name)
        comparison = compare(card, active.card if active else None)
        activated = activate_if_not_worse and not_worse(comparison)
        if activated and preannotate:
            say("pre-annotating the corpus")
            from annotator.preannotation import preannotate as predict_corpus

            predict_corpus(store, version_id, labelset=labelset)
        # Ready (and active) only once its predictions are stored: whoever
        # waits for the train sees the finished state at once.
        with store.write() as conn:
            if activated:
                models_sql.set_active(conn, version_id)
            models_sql.mark_ready(conn, version_id)
            record = models_sql.get_version(conn, version_id)
    except Exception as error:
        with store.write() as conn:
            models_sql.fail_version(conn, version_id, f"{type(error).__name__}: {error}")
        raise
    assert record is not None
    return TrainOutcome(record, trained, skipped, activated, comparison)


def train(
    store: Store, *, labelset: LabelSet, created_by: str = "", **options: Any
) -> TrainOutcome:
    """:func:`begin` and :func:`run` in one call (the command line's way)."""
    version_id = begin(store, labelset=labelset, created_by=created_by)
    return run(store, version_id, labelset=labelset, created_by=created_by, **options)


def _archive(
    trained: Mapping[str, TrainedTask],
    labelset: LabelSet,
    *,
    skipped: Mapping[str, str],
    created_by: str,
) -> tuple[bytes, dict[str, Any]]:
    """All tasks' skops files and cards in one zip, and the version's card."""
    cards: dict[str, Any] = {}
    buffer = io.BytesIO()
    with tempfile.TemporaryDirectory() as tmp, zipfile.ZipFile(buffer, "w") as archive:
        for name, task in trained.items():
            path = Path(tmp) / f"{len(cards)}.skops"
            cards[name] = model.dump(
                task, path, labelset=(labelset.name, labelset.version), extra={"task": name}
            )
            # Already compressed by skops: stored as they are.
            archive.write(path, path.name)
            archive.write(model.persistence.card_path(path), model.persistence.card_path(path).name)
    card = {
        "label_set": {"name": labelset.name, "version": labelset.version},
        "created_by": created_by,
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "files": {name: f"{i}.skops" for i, name in enumerate(cards)},
        "tasks": cards,
        "skipped": dict(skipped),
    }
    return buffer.getvalue(), card


def task_score(card: Mapping[str, Any]) -> float:
    """The score a version is compared by: macro-F1 with outlets held out
    where measured (the honest one for comparing outlets), else on random folds."""
    metrics = card["metrics"]
    chosen = metrics.get("grouped") or metrics["random"]
    return float(chosen["macro_f1"])


def compare(
    new: Mapping[str, Any], old: Mapping[str, Any] | None
) -> dict[str, tuple[float | None, float]]:
    """Per task: (the active version's score or None, the new version's score)."""
    out: dict[str, tuple[float | None, float]] = {}
    for name, card in new["tasks"].items():
        before = old["tasks"].get(name) if old else None
        out[name] = (task_score(before) if before else None, task_score(card))
    return out


def not_worse(
    comparison: Mapping[str, tuple[float | None, float]], *, tolerance: float = 0.005
) -> bool:
    """True when no task the old version had got worse by more than ``tolerance``
    and the mean over shared tasks did not drop."""
    shared = [(a, b) for a, b in comparison.values() if a is not None]
    if not shared:
        return True
    if any(b < a - tolerance for a, b in shared):
        return False
    return sum(b for _, b in shared) >= sum(a for a, _ in shared) - tolerance


def activate(store: Store, version_id: int) -> ModelVersionRecord:
    """Make a ready version the active one (roll back or forward)."""
    with store.write() as conn:
        record = models_sql.get_version(conn, version_id)
        if record is None:
            raise LookupError(f"no model version {version_id}")
        if record.status != models_sql.READY:
            raise ValueError(f"model version {version_id} is {record.status}, not ready")
        models_sql.set_active(conn, version_id)
        updated = models_sql.get_version(conn, version_id)
    assert updated is not None
    return updated


def load_version(
    store: Store, version_id: int, *, labelset: tuple[str, int] | None = None
) -> dict[str, TrainedTask]:
    """The fitted tasks of a version, each file checked (hash, trusted types,
    label set) before anything is built from it."""
    with store.read() as conn:
        record = models_sql.get_version(conn, version_id)
        data = models_sql.version_data(conn, version_id)
    if record is None or data is None or record.card is None:
        raise LookupError(f"model version {version_id} has no stored model")
    expected = labelset or (record.label_set, record.label_set_version)
    out: dict[str, TrainedTask] = {}
    with tempfile.TemporaryDirectory() as tmp:
        try:
            zipfile.ZipFile(io.BytesIO(data)).extractall(tmp)
        except zipfile.BadZipFile as error:
            raise model.ModelFileError(f"model version {version_id} is damaged: {error}") from None
        for name, file_name in record.card["files"].items():
            out[name] = model.load(Path(tmp) / file_name, expected_labelset=expected)
    return out


# ---------------------------------------------------------------- summaries

RETRAIN_EVERY = "retrain_every"  # settings key: retrain after this many new saves (0: never)


def due(store: Store, labelset: LabelSet) -> bool:
    """Whether the "retrain every N labels" setting asks for a train now."""
    with store.read() as conn:
        every = int(models_sql.get_setting(conn, RETRAIN_EVERY, 0) or 0)
        if every <= 0 or models_sql.training_versions(conn):
            return False
        versions = models_sql.list_versions(conn, labelset.name)
        last = versions[0].id if versions else None
        return models_sql.human_saves_since(conn, last) >= every


def summary(record: ModelVersionRecord) -> dict[str, Any]:
    """One row of the versions table: per task, macro-F1 on random folds and
    with outlets held out."""
    row: dict[str, Any] = {
        "version": record.id,
        "status": record.status,
        "active": record.active,
        "label set version": record.label_set_version,
        "created": record.created_at.strftime("%Y-%m-%d %H:%M"),
        "by": record.created_by,
    }
    if record.card:
        for name, card in record.card["tasks"].items():
            metrics = card["metrics"]
            row[f"{name} F1"] = round(metrics["random"]["macro_f1"], 3)
            if metrics.get("grouped"):
                row[f"{name} F1 outlets held out"] = round(metrics["grouped"]["macro_f1"], 3)
    if record.status == "failed":
        row["message"] = record.message
    return row
