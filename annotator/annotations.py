"""Saving and reading an annotator's labels on a sentence; undo and history.

A :class:`Decision` is the whole state of one (task, target) on one sentence:
its chosen values, each with an optional cue span. Start with
:func:`current_decisions` (what the annotator has now) and :func:`save`
(store the decisions that changed, as one revision). :func:`undo` reverses
an annotator's newest save by appending the state before it, so the history
keeps every step.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from annotator.labelsets import LabelSet, Task, mentioned_targets
from annotator.storage import Store
from annotator.storage import labels as labels_sql
from annotator.storage import texts as texts_sql
from annotator.storage.labels import Label
from annotator.storage.models import Prediction

HUMAN = "human"
NONE_APPLIES = ""  # the value of "annotated, and no value applies" (multi choice)


class InvalidLabel(ValueError):
    """A decision the label set does not allow (unknown task, value, target, bad span)."""


@dataclass(frozen=True, order=True)
class Choice:
    value: str
    span_start: int | None = None
    span_end: int | None = None

    @property
    def has_span(self) -> bool:
        return self.span_start is not None


@dataclass(frozen=True)
class Decision:
    """The state of one (task, target) on one sentence; no choices = cleared."""

    task: str
    target: str = ""
    choices: tuple[Choice, ...] = ()

    @property
    def key(self) -> tuple[str, str]:
        return (self.task, self.target)

    @property
    def values(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(c.value for c in self.choices))

    def normalized(self) -> Decision:
        return Decision(self.task, self.target, tuple(sorted(set(self.choices), key=_choice_order)))


def _choice_order(choice: Choice) -> tuple[str, int, int]:
    return (
        choice.value,
        -1 if choice.span_start is None else choice.span_start,
        choice.span_end or -1,
    )


def decisions_from_labels(labels: Iterable[Label]) -> dict[tuple[str, str], Decision]:
    """Group current label rows of one sentence and annotator into decisions."""
    grouped: dict[tuple[str, str], list[Choice]] = {}
    for label in labels:
        choices = grouped.setdefault((label.task, label.target), [])
        if label.value is not None:
            choices.append(Choice(label.value, label.span_start, label.span_end))
    return {
        key: Decision(key[0], key[1], tuple(choices)).normalized()
        for key, choices in grouped.items()
        if choices
    }


def current_decisions(
    store: Store, sentence_id: int, annotator: str
) -> dict[tuple[str, str], Decision]:
    with store.read() as conn:
        labels = labels_sql.current_labels(conn, sentence_id=sentence_id, annotator=annotator)
    return decisions_from_labels(labels)


def validate(decision: Decision, labelset: LabelSet, sentence_text: str) -> Task:
    """Check a decision against the label set; raises :class:`InvalidLabel`."""
    task = labelset.task(decision.task)
    if task is None:
        raise InvalidLabel(f"unknown task {decision.task!r} in label set {labelset.name!r}")
    if task.kind == "stance":
        if task.target(decision.target) is None:
            raise InvalidLabel(f"task {task.name!r} has no target {decision.target!r}")
    elif decision.target:
        raise InvalidLabel(f"task {task.name!r} takes no target")
    values = decision.values
    for value in values:
        if value == NONE_APPLIES:
            if task.kind != "multi":
                raise InvalidLabel(f"task {task.name!r} needs a value")
            if len(values) > 1:
                raise InvalidLabel("'none applies' cannot be combined with other values")
        elif task.value(value) is None:
            raise InvalidLabel(f"task {task.name!r} has no value {value!r}")
    if task.kind != "multi" and len(values) > 1:
        raise InvalidLabel(f"task {task.name!r} takes one value, got {len(values)}")
    for choice in decision.choices:
        if (choice.span_start is None) != (choice.span_end is None):
            raise InvalidLabel("a span needs both a start and an end")
        if choice.span_start is not None and choice.span_end is not None:
            if not 0 <= choice.span_start < choice.span_end <= len(sentence_text):
                raise InvalidLabel(
                    f"span {choice.span_start}-{choice.span_end} is outside the sentence "
                    f"(length {len(sentence_text)})"
                )
            if choice.value == NONE_APPLIES:
                raise InvalidLabel("'none applies' has no cue span")
    return task


def rows_for(
    decision: Decision, *, sentence_id: int, labelset: LabelSet
) -> list[dict[str, object]]:
    """Annotation rows for a decision: one per choice, or one cleared row."""
    base = {
        "sentence_id": sentence_id,
        "task": decision.task,
        "target": decision.target,
        "label_set": labelset.name,
        "label_set_version": labelset.version,
    }
    if not decision.choices:
        return [{**base, "value": None}]
    return [
        {**base, "value": c.value, "span_start": c.span_start, "span_end": c.span_end}
        for c in decision.normalized().choices
    ]


def save(
    store: Store,
    *,
    sentence_id: int,
    annotator: str,
    decisions: Iterable[Decision],
    labelset: LabelSet,
    seconds: int | None = None,
    source: str = HUMAN,
    model_version_id: int | None = None,
    suggestion: str | None = None,
) -> int | None:
    """Store the decisions that differ from the current state, as one revision.

    Returns the revision id, or None when nothing changed. Everything is
    validated before anything is written. ``model_version_id`` and
    ``suggestion`` ("accepted" / "corrected") record a model's pre-fill.
    """
    annotator = annotator.strip()
    if not annotator:
        raise InvalidLabel("an annotation needs an annotator name")
    if labelset.version <= 0:
        raise InvalidLabel("the label set has not been stored (version 0)")
    with store.write() as conn:
        sentence = texts_sql.get_sentence(conn, sentence_id)
        if sentence is None:
            raise InvalidLabel(f"no sentence with id {sentence_id}")
        wanted = {d.key: d.normalized() for d in decisions}
        for decision in wanted.values():
            validate(decision, labelset, sentence.text)
        now = decisions_from_labels(
            labels_sql.current_labels(conn, sentence_id=sentence_id, annotator=annotator)
        )
        changed = [d for key, d in wanted.items() if now.get(key, Decision(*key)) != d]
        if not changed:
            return None
        rows = [
            row for d in changed for row in rows_for(d, sentence_id=sentence_id, labelset=labelset)
        ]
        return labels_sql.add_revision(
            conn,
            annotator=annotator,
            source=source,
            rows=rows,
            seconds=seconds,
            model_version_id=model_version_id,
            suggestion=suggestion,
        )


@dataclass(frozen=True)
class Undone:
    sentence_id: int
    revision_id: int  # the new revision that restored the earlier state
    reverted_id: int  # the save that was undone


def undo(store: Store, annotator: str) -> Undone | None:
    """Reverse the annotator's newest save not yet undone; None if there is none.

    The rows go back under the name they were stored under, so a curator's
    adjudication (gold rows in the curator's revision) is undone as gold.
    """
    with store.write() as conn:
        last = labels_sql.last_undoable_revision(conn, annotator)
        if last is None:
            return None
        undone = labels_sql.revision_labels(conn, last.id)
        if not undone:
            return None
        keys = {label.key for label in undone}
        before = labels_sql.labels_before(conn, keys, last.id)
        rows: list[dict[str, object]] = []
        for key in sorted(keys):
            sentence_id, _, task, target = key
            previous = before.get(key)
            if previous:
                rows.extend(
                    {
                        "sentence_id": sentence_id,
                        "annotator": p.annotator,
                        "task": task,
                        "target": target,
                        "value": p.value,
                        "span_start": p.span_start,
                        "span_end": p.span_end,
                        "label_set": p.label_set,
                        "label_set_version": p.label_set_version,
                        "source": p.source,
                    }
                    for p in previous
                )
            else:
                first = next(lab for lab in undone if lab.key == key)
                rows.append(
                    {
                        "sentence_id": sentence_id,
                        "annotator": first.annotator,
                        "task": task,
                        "target": target,
                        "value": None,
                        "label_set": first.label_set,
                        "label_set_version": first.label_set_version,
                        "source": first.source,
                    }
                )
        revision_id = labels_sql.add_revision(
            conn, annotator=annotator, source=HUMAN, rows=rows, reverts_id=last.id
        )
    return Undone(sentence_id=undone[0].sentence_id, revision_id=revision_id, reverted_id=last.id)


def decisions_by_annotator(
    store: Store, sentence_id: int
) -> Mapping[str, dict[tuple[str, str], Decision]]:
    """Every annotator's current decisions on a sentence."""
    with store.read() as conn:
        labels = labels_sql.current_labels(conn, sentence_id=sentence_id)
    by_annotator: dict[str, list[Label]] = {}
    for label in labels:
        by_annotator.setdefault(label.annotator, []).append(label)
    return {name: decisions_from_labels(rows) for name, rows in sorted(by_annotator.items())}


def history(store: Store, sentence_id: int) -> list[Label]:
    """Every stored row on a sentence, oldest first (cleared rows included)."""
    with store.read() as conn:
        return labels_sql.history(conn, sentence_id)


# ---------------------------------------------------------------- editing a draft


def choose(decision: Decision, task: Task, value: str) -> Decision:
    """The decision after the annotator presses ``value``'s key.

    Single choice and stance: set the value, or clear it when pressed again.
    Multi choice: toggle the value; "none applies" excludes every other value.
    """
    if task.kind != "multi":
        if decision.values == (value,):
            return Decision(decision.task, decision.target)
        return Decision(decision.task, decision.target, (Choice(value),))
    if value == NONE_APPLIES:
        choices: tuple[Choice, ...] = (
            () if decision.values == (NONE_APPLIES,) else (Choice(NONE_APPLIES),)
        )
        return Decision(decision.task, decision.target, choices)
    kept = [c for c in decision.choices if c.value != NONE_APPLIES]
    if value in decision.values:
        kept = [c for c in kept if c.value != value]
    else:
        kept.append(Choice(value))
    return Decision(decision.task, decision.target, tuple(kept)).normalized()


def with_cues(decision: Decision, value: str, spans: Iterable[tuple[int, int]]) -> Decision:
    """Replace the cue spans of a chosen value (no spans: the value alone)."""
    if value not in decision.values or value == NONE_APPLIES:
        return decision
    others = [c for c in decision.choices if c.value != value]
    chosen = [Choice(value, start, end) for start, end in spans] or [Choice(value)]
    return Decision(decision.task, decision.target, tuple(others + chosen)).normalized()


def decision_keys(
    labelset: LabelSet,
    text: str,
    *,
    tasks: Iterable[str] | None = None,
    extra_targets: Iterable[str] = (),
) -> list[tuple[str, str]]:
    """The (task, target) pairs to ask about a sentence, in label-set order.

    Stance is asked for every target the sentence mentions, plus targets the
    annotator added by hand (indirect stance); other tasks once.
    """
    wanted = set(tasks) if tasks is not None else {t.name for t in labelset.tasks}
    mentioned = mentioned_targets(labelset, text)
    extra = list(extra_targets)
    keys: list[tuple[str, str]] = []
    for task in labelset.tasks:
        if task.name not in wanted:
            continue
        if task.kind == "stance":
            names = {t.name for t in task.targets}
            keys.extend((task.name, t) for t in dict.fromkeys([*mentioned, *extra]) if t in names)
        else:
            keys.append((task.name, ""))
    return keys


# ---------------------------------------------------------------- suggestions


@dataclass(frozen=True)
class Suggestion:
    """A model's guess for one (task, target), to pre-fill and confirm."""

    decision: Decision
    confidence: float  # the lowest probability among the suggested values
    model_version_id: int


def suggestions(
    predictions: Iterable[Prediction], *, model_version_id: int
) -> dict[tuple[str, str], Suggestion]:
    """A sentence's stored predictions as decisions ("" value: none applies)."""
    grouped: dict[tuple[str, str], list[Prediction]] = {}
    for p in predictions:
        grouped.setdefault((p.task, p.target), []).append(p)
    return {
        key: Suggestion(
            Decision(key[0], key[1], tuple(Choice(p.value) for p in found)).normalized(),
            min(p.probability for p in found),
            model_version_id,
        )
        for key, found in grouped.items()
    }


def suggestion_outcome(
    saved: Iterable[Decision], suggested: Mapping[tuple[str, str], Suggestion]
) -> str | None:
    """ "accepted" when every suggested decision was saved as suggested,
    "corrected" when one was changed, None when nothing was suggested."""
    by_key = {d.key: d.normalized() for d in saved}
    relevant = [key for key in suggested if key in by_key]
    if not relevant:
        return None
    same = all(by_key[key] == suggested[key].decision for key in relevant)
    return "accepted" if same else "corrected"
