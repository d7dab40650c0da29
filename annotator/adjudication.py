"""Adjudication: where annotators disagree, and the curator's gold label.

Start with :func:`queue` (every (sentence, task, target) on which the
annotators' labels differ, most contested first, as ranked by
:func:`annotator.disagreement.disagreements`, those a curator already
adjudicated left out), :func:`side_by_side` (everyone's labels on one
sentence), :func:`sentence_items` (every key a curator may decide on one
sentence, whoever labelled it: the way in from a link or a label-error
suspect, :func:`annotator.suspects.suspect_queue`) and :func:`adjudicate`
(store the gold label: any value, or with :func:`adopt` one annotator's
label as it stands). :func:`withdraw` clears a
gold label, sending the key back to the queue.

How gold is stored: annotation rows under :data:`GOLD_ANNOTATOR` with
source :data:`GOLD_SOURCE`, in a revision of the curator who decided
(``revisions.annotator``), so the history names them and their usual undo
(:func:`annotator.annotations.undo`, ``team.undo``) takes the decision back.
The revision's own source is "human" (a save by hand) for that reason; its
rows carry "adjudicated". Agreement leaves gold out; training prefers it to
the majority (:func:`annotator.training.training_data`).

Every function that takes a :class:`~annotator.accounts.User` checks that
the role may adjudicate (curators and admins) before reading or writing.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

import pandas as pd

from annotator import accounts, labelsets
from annotator import annotations as ann
from annotator.accounts import Permission, User
from annotator.agreement import load_labels
from annotator.annotations import Choice, Decision, InvalidLabel
from annotator.disagreement import DISAGREEMENT_COLUMNS, Label, UnitKey, disagreements
from annotator.labelsets import LabelSet
from annotator.storage import Store
from annotator.storage import labels as labels_sql
from annotator.storage import texts as texts_sql
from annotator.storage.labels import ANNOTATOR_SOURCES, GOLD_ANNOTATOR, GOLD_SOURCE

__all__ = [
    "GOLD_ANNOTATOR",
    "GOLD_SOURCE",
    "ITEM_COLUMNS",
    "QUEUE_COLUMNS",
    "adjudicate",
    "adopt",
    "gold_keys",
    "label_text",
    "pending",
    "queue",
    "sentence_items",
    "side_by_side",
    "withdraw",
]

QUEUE_COLUMNS = (*DISAGREEMENT_COLUMNS, "text")
ITEM_COLUMNS = ("sentence_id", "outlet", "task", "target", "text", "labels", "gold")
NONE_APPLIES_TEXT = "(none applies)"


def label_text(values: Sequence[str] | None) -> str:
    """A label as one line: values joined by ", ", "(none applies)" for a
    multi-choice "none applies", "" for no label."""
    if values is None:
        return ""
    shown = [v for v in values if v != ann.NONE_APPLIES]
    return ", ".join(shown) if shown else NONE_APPLIES_TEXT


# ---------------------------------------------------------------- the queue


def gold_keys(store: Store) -> set[UnitKey]:
    """The (sentence, task, target) keys with a current gold label."""
    with store.read() as conn:
        rows = labels_sql.current_labels(conn, annotator=GOLD_ANNOTATOR)
    return {(r.sentence_id, r.task, r.target) for r in rows if r.source == GOLD_SOURCE}


def pending(ranked: pd.DataFrame, adjudicated: Collection[UnitKey]) -> pd.DataFrame:
    """The rows of a :func:`~annotator.disagreement.disagreements` frame whose
    key has no gold label yet, in their order."""
    done = set(adjudicated)
    keys = zip(ranked["sentence_id"], ranked["task"], ranked["target"], strict=True)
    keep = pd.Series([(int(s), str(t), str(g)) not in done for s, t, g in keys], dtype=bool)
    return ranked[keep.to_numpy()].reset_index(drop=True)


def queue(
    store: Store,
    user: User,
    *,
    task: str | None = None,
    labelset: LabelSet | None = None,
    min_annotators: int = 2,
) -> pd.DataFrame:
    """What is left to adjudicate, most contested first (:data:`QUEUE_COLUMNS`:
    the disagreement columns plus the sentence's text)."""
    accounts.require(user, Permission.ADJUDICATE)
    labels = load_labels(store, labelset=labelset)
    ranked = pending(
        disagreements(labels, task=task, min_annotators=min_annotators), gold_keys(store)
    )
    with store.read() as conn:
        found = texts_sql.sentence_outlets(conn, sorted({int(s) for s in ranked["sentence_id"]}))
    ranked["text"] = [found[int(s)][0] if int(s) in found else "" for s in ranked["sentence_id"]]
    return ranked.loc[:, list(QUEUE_COLUMNS)]


def side_by_side(store: Store, user: User, sentence_id: int) -> pd.DataFrame:
    """Everyone's current labels on a sentence: a row per (task, target), a
    column per annotator (sorted) and a last ``gold`` column (:func:`label_text`;
    "" where there is no label). Model guesses are left out."""
    accounts.require(user, Permission.ADJUDICATE)
    with store.read() as conn:
        rows = labels_sql.current_labels(conn, sentence_id=sentence_id)
    wanted = set(ANNOTATOR_SOURCES) | {GOLD_SOURCE}
    by_annotator: dict[str, list[labels_sql.Label]] = {}
    for row in rows:
        if row.source in wanted:
            by_annotator.setdefault(row.annotator, []).append(row)
    decided = {name: ann.decisions_from_labels(r) for name, r in by_annotator.items()}
    people = sorted(name for name in decided if name != GOLD_ANNOTATOR)
    keys = sorted({key for d in decided.values() for key in d})
    table = [
        {
            "task": task,
            "target": target,
            **{
                name: label_text(d.values)
                if (d := decided.get(name, {}).get((task, target)))
                else ""
                for name in [*people, GOLD_ANNOTATOR]
            },
        }
        for task, target in keys
    ]
    return pd.DataFrame(table, columns=["task", "target", *people, GOLD_ANNOTATOR])


def _label(decision: Decision, *, multi: bool) -> Label:
    """A decision as :mod:`annotator.disagreement` writes a label: the chosen
    frames sorted (none applies: empty) for multi choice, else the value."""
    if multi:
        return tuple(sorted(v for v in decision.values if v != ann.NONE_APPLIES))
    return decision.values


def sentence_items(
    store: Store, user: User, sentence_id: int, *, labelset: LabelSet | None = None
) -> pd.DataFrame:
    """Every (task, target) of the label set a curator may decide on one
    sentence (:data:`ITEM_COLUMNS`): first the keys someone labelled (or gold
    decided), in the label set's task order, then the rest (the label set's
    other tasks; for stance, its other targets). ``labels`` maps each
    annotator to their label as in :func:`~annotator.disagreement.labels_by_unit`
    (a single annotator is enough); ``gold`` is the gold label or None.
    Raises ``LookupError`` for an unknown sentence."""
    accounts.require(user, Permission.ADJUDICATE)
    labelset = _labelset(store, labelset)
    with store.read() as conn:
        found = texts_sql.sentence_outlets(conn, [sentence_id])
        rows = labels_sql.current_labels(conn, sentence_id=sentence_id)
    if sentence_id not in found:
        raise LookupError(f"no sentence with id {sentence_id}")
    text, outlet = found[sentence_id]
    order = {task.name: number for number, task in enumerate(labelset.tasks)}
    wanted = set(ANNOTATOR_SOURCES) | {GOLD_SOURCE}
    by_annotator: dict[str, list[labels_sql.Label]] = {}
    for row in rows:
        if row.source in wanted and row.task in order:
            by_annotator.setdefault(row.annotator, []).append(row)
    labelled: dict[tuple[str, str], dict[str, Label]] = {}
    for name, own in sorted(by_annotator.items()):
        for key, decision in ann.decisions_from_labels(own).items():
            task = labelset.task(key[0])
            multi = task is not None and task.kind == "multi"
            labelled.setdefault(key, {})[name] = _label(decision, multi=multi)
    others = [
        (task.name, target)
        for task in labelset.tasks
        for target in ([t.name for t in task.targets] if task.kind == "stance" else [""])
    ]
    keys = sorted(labelled, key=lambda k: (order[k[0]], k[1]))
    keys += [k for k in others if k not in labelled]
    table = []
    for task_name, target in keys:
        labels = dict(labelled.get((task_name, target), {}))
        gold = labels.pop(GOLD_ANNOTATOR, None)
        table.append((sentence_id, outlet, task_name, target, text, labels, gold))
    return pd.DataFrame(table, columns=list(ITEM_COLUMNS))


# ---------------------------------------------------------------- deciding


def _labelset(store: Store, labelset: LabelSet | None) -> LabelSet:
    return labelset if labelset is not None else labelsets.current(store)


def _store_gold(
    store: Store, user: User, sentence_id: int, decision: Decision, labelset: LabelSet
) -> int | None:
    """Write ``decision`` as the gold state of its key, in one revision of
    ``user``; None when gold already says exactly that."""
    with store.write() as conn:
        sentence = texts_sql.get_sentence(conn, sentence_id)
        if sentence is None:
            raise InvalidLabel(f"no sentence with id {sentence_id}")
        if decision.choices:
            ann.validate(decision, labelset, sentence.text)
        current = labels_sql.current_labels(conn, sentence_id=sentence_id, annotator=GOLD_ANNOTATOR)
        now = ann.decisions_from_labels(current).get(decision.key, Decision(*decision.key))
        if now == decision:
            return None
        rows = [
            {**row, "annotator": GOLD_ANNOTATOR, "source": GOLD_SOURCE}
            for row in ann.rows_for(decision, sentence_id=sentence_id, labelset=labelset)
        ]
        return labels_sql.add_revision(conn, annotator=user.name, source=ann.HUMAN, rows=rows)


def adjudicate(
    store: Store,
    user: User,
    sentence_id: int,
    *,
    task: str,
    target: str = "",
    values: Sequence[str],
    labelset: LabelSet | None = None,
) -> int | None:
    """Set the gold label of (sentence, task, target) to ``values``.

    One value for single choice and stance; any number for multi choice,
    where none (or ``[""]``) means "none applies". Raises
    :class:`~annotator.accounts.PermissionDenied` for a role that may not
    adjudicate and :class:`~annotator.annotations.InvalidLabel` for what the
    label set does not allow (nothing is written then). Returns the new
    revision id, or None when gold already held exactly this.
    """
    accounts.require(user, Permission.ADJUDICATE)
    labelset = _labelset(store, labelset)
    found = labelset.task(task)
    if found is None:
        raise InvalidLabel(f"unknown task {task!r} in label set {labelset.name!r}")
    chosen = (
        [v for v in dict.fromkeys(values) if v != ann.NONE_APPLIES]
        if found.kind == "multi"
        else list(values)
    )
    if found.kind == "multi" and not chosen:
        chosen = [ann.NONE_APPLIES]
    if not chosen:
        raise InvalidLabel(f"a gold label of {task!r} needs a value (withdraw clears one)")
    decision = Decision(task, target, tuple(Choice(v) for v in chosen)).normalized()
    return _store_gold(store, user, sentence_id, decision, labelset)


def adopt(
    store: Store,
    user: User,
    sentence_id: int,
    *,
    task: str,
    target: str = "",
    annotator: str,
    labelset: LabelSet | None = None,
) -> int | None:
    """Make ``annotator``'s current label of (sentence, task, target) the gold
    one, cue spans included; raises ``LookupError`` when they have none."""
    accounts.require(user, Permission.ADJUDICATE)
    theirs = ann.current_decisions(store, sentence_id, annotator).get((task, target))
    if theirs is None or annotator == GOLD_ANNOTATOR:
        raise LookupError(f"{annotator!r} has no label for {task!r} {target!r} on {sentence_id}")
    labelset = _labelset(store, labelset)
    return _store_gold(store, user, sentence_id, theirs.normalized(), labelset)


def withdraw(
    store: Store,
    user: User,
    sentence_id: int,
    *,
    task: str,
    target: str = "",
    labelset: LabelSet | None = None,
) -> int | None:
    """Clear the gold label of (sentence, task, target): the key is back in
    the queue and training takes the majority again."""
    accounts.require(user, Permission.ADJUDICATE)
    return _store_gold(store, user, sentence_id, Decision(task, target), _labelset(store, labelset))
