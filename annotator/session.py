"""The annotate page's state machine, without Streamlit.

:class:`AnnotateSession` keeps its state in a plain mutable mapping (the page
passes ``st.session_state``; tests pass a dict) under ``annotate.*`` keys,
and holds ids and small values only: the database has the rest, so a reload
loses nothing that was saved. Start with :meth:`AnnotateSession.view`, which
loads what the page shows; the other methods are what the keys do.
"""

from __future__ import annotations

import time
from collections.abc import MutableMapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from annotator import annotations as ann
from annotator import queue
from annotator.annotations import Decision
from annotator.display import Word, runs, word_spans
from annotator.labelsets import LabelSet, Mention, find_mentions
from annotator.storage import Store
from annotator.storage import labels as labels_sql
from annotator.storage import models as models_sql
from annotator.storage import texts as texts_sql
from annotator.storage.texts import DocumentRecord, SentenceRecord

Key = tuple[str, str]
_PREFIX = "annotate."


@dataclass(frozen=True)
class View:
    """Everything the annotate page draws for one sentence."""

    sentence: SentenceRecord
    document: DocumentRecord
    before: str | None
    after: str | None
    keys: tuple[Key, ...]
    focus: int
    mentions: tuple[Mention, ...]
    words: tuple[Word, ...]
    done: int  # sentences this annotator has labelled
    suggested: dict[Key, ann.Suggestion] = field(default_factory=dict)  # the model's pre-fill

    def guess(self, key: Key, decision: Decision) -> ann.Suggestion | None:
        """The model's suggestion for ``key`` while the decision is still that guess."""
        suggestion = self.suggested.get(key)
        if suggestion is not None and suggestion.decision == decision.normalized():
            return suggestion
        return None

    def cue_spans(self, draft: dict[Key, Decision]) -> list[tuple[int, int]]:
        return [
            (c.span_start, c.span_end)
            for d in draft.values()
            for c in d.choices
            if c.span_start is not None and c.span_end is not None
        ]

    def selected_words(self, decision: Decision, value: str) -> list[int]:
        """Indices of the words inside the value's cue spans."""
        return [
            i
            for i, word in enumerate(self.words)
            for c in decision.choices
            if c.value == value
            and c.span_start is not None
            and c.span_end is not None
            and c.span_start <= word.start
            and word.end <= c.span_end
        ]


class AnnotateSession:
    def __init__(
        self,
        state: MutableMapping[str, Any],
        *,
        store: Store,
        labelset: LabelSet,
        annotator: str,
        strategy: str = "sequential",
        tasks: Sequence[str] | None = None,
    ) -> None:
        self.state = state
        self.store = store
        self.labelset = labelset
        self.annotator = annotator
        self.strategy = strategy
        self.tasks = list(tasks) if tasks is not None else [t.name for t in labelset.tasks]

    # ---- state in the mapping
    def _get(self, name: str, default: Any = None) -> Any:
        return self.state.get(_PREFIX + name, default)

    def _set(self, name: str, value: Any) -> None:
        self.state[_PREFIX + name] = value

    @property
    def sentence_id(self) -> int | None:
        value = self._get("sentence_id")
        return int(value) if value is not None else None

    @property
    def draft(self) -> dict[Key, Decision]:
        draft: dict[Key, Decision] | None = self._get("draft")
        if draft is None:
            draft = {}
            self._set("draft", draft)
        return draft

    @property
    def suggested(self) -> dict[Key, ann.Suggestion]:
        suggested: dict[Key, ann.Suggestion] = self._get("suggested") or {}
        return suggested

    @property
    def extra_targets(self) -> list[str]:
        extra: list[str] = self._get("extra_targets") or []
        return extra

    @property
    def message(self) -> str:
        return str(self._get("message") or "")

    def take_message(self) -> str:
        message = self.message
        self._set("message", "")
        return message

    # ---- navigation
    def go(self, sentence_id: int | None, *, remember: bool = True) -> None:
        """Show another sentence; its draft starts again from the stored labels."""
        current = self.sentence_id
        if remember and current is not None and current != sentence_id:
            history: list[int] = self._get("history") or []
            self._set("history", [*history[-199:], current])
        self._set("sentence_id", sentence_id)
        for name in ("draft", "draft_for", "focus", "extra_targets", "suggested", "keys"):
            self.state.pop(_PREFIX + name, None)

    def start(self, wanted: int | None = None) -> None:
        """Pick the first sentence: the one asked for (e.g. in the address), else the queue's."""
        if _PREFIX + "sentence_id" in self.state:
            return
        if wanted is not None:
            self._set("sentence_id", wanted)
        else:
            self.next()

    def next(self) -> None:
        try:
            # Moving on (a save or a skip) ends the lease on this sentence.
            found: int | None = queue.offer(
                queue.get_strategy(self.strategy),
                self.store,
                self.annotator,
                after=self.sentence_id,
            )
        except queue.QueueExhausted:
            found = None
        self.go(found)

    def previous(self) -> None:
        history: list[int] = self._get("history") or []
        if history:
            self._set("history", history[:-1])
            self.go(history[-1], remember=False)
        elif self.sentence_id is not None and self.sentence_id > 1:
            self.go(self.sentence_id - 1, remember=False)

    # ---- decisions
    def press(self, key: Key, value: str) -> None:
        task = self.labelset.task(key[0])
        if task is None:
            return
        draft = self.draft
        draft[key] = ann.choose(draft.get(key, Decision(*key)), task, value)
        self._set("draft", draft)
        chosen = task.value(value)
        if task.kind != "multi" and draft[key].choices and not (chosen and chosen.cue):
            # A single decision moves on, unless its value asks for cue words next.
            self._set("focus", int(self._get("focus", 0)) + 1)

    def pick_cues(self, key: Key, value: str, widget: str) -> None:
        """The cue-word widget ``widget`` (its selection in the state) changed."""
        self.set_cues(key, value, self.state.get(widget) or [])

    def set_cues(self, key: Key, value: str, selected: Sequence[int]) -> None:
        words = word_spans(self._sentence_text())
        draft = self.draft
        draft[key] = ann.with_cues(draft.get(key, Decision(*key)), value, runs(words, selected))

    def move_focus(self, step: int) -> None:
        self._set("focus", int(self._get("focus", 0)) + step)

    def focus_on(self, index: int) -> None:
        self._set("focus", index)

    def unasked_targets(self, view: View) -> list[str]:
        """Stance targets the sentence does not name, to add by hand (indirect stance)."""
        return [
            target.name
            for task in self.labelset.tasks
            if task.kind == "stance" and task.name in self.tasks
            for target in task.targets
            if (task.name, target.name) not in view.keys
        ]

    def pick_target(self, widget: str) -> None:
        """The add-a-target widget ``widget`` (its choice in the state) changed."""
        self.add_target(str(self.state.get(widget) or ""))

    def add_target(self, target: str) -> None:
        if target and target not in self.extra_targets:
            self._set("extra_targets", [*self.extra_targets, target])

    def save(self) -> None:
        """Store the draft (what changed) and move on; a refusal becomes the message."""
        sentence_id = self.sentence_id
        if sentence_id is None:
            return
        shown_at = float(self._get("shown_at", time.monotonic()))
        # Only what the page asks about is saved (a hidden task's pre-fill is not).
        asked = set(self._get("keys") or ())
        decisions = [d for key, d in self.draft.items() if key in asked]
        suggested: dict[Key, ann.Suggestion] = self._get("suggested") or {}
        outcome = ann.suggestion_outcome(decisions, suggested)
        try:
            ann.save(
                self.store,
                sentence_id=sentence_id,
                annotator=self.annotator,
                decisions=decisions,
                labelset=self.labelset,
                seconds=round(time.monotonic() - shown_at),
                model_version_id=(
                    next(iter(suggested.values())).model_version_id if outcome else None
                ),
                suggestion=outcome,
            )
        except ann.InvalidLabel as exc:
            self._set("message", f"Not saved: {exc}")
            return
        self.next()

    def undo(self) -> None:
        undone = ann.undo(self.store, self.annotator)
        if undone is None:
            self._set("message", "Nothing to undo.")
            return
        self.go(undone.sentence_id)
        self._set("message", "Undone: the sentence shows its labels from before that save.")

    # ---- loading
    def _sentence_text(self) -> str:
        if self.sentence_id is None:
            return ""
        with self.store.read() as conn:
            record = texts_sql.get_sentence(conn, self.sentence_id)
        return record.text if record else ""

    def view(self) -> View | None:
        """Load the current sentence and prepare its draft; None when there is none."""
        sentence_id = self.sentence_id
        if sentence_id is None:
            return None
        with self.store.read() as conn:
            sentence = texts_sql.get_sentence(conn, sentence_id)
            if sentence is None:
                return None
            around = {
                s.position - sentence.position: s.text for s in texts_sql.neighbours(conn, sentence)
            }
            document = texts_sql.get_document(conn, sentence.document_id)
            done = labels_sql.progress_count(conn, self.annotator)
            if self._get("draft_for") != sentence_id:
                labels = labels_sql.current_labels(
                    conn, sentence_id=sentence_id, annotator=self.annotator
                )
                active = models_sql.active_version(conn, self.labelset.name)
                predictions = (
                    models_sql.predictions_for(conn, active.id, sentence_id) if active else []
                )
                stored = ann.decisions_from_labels(labels)
                # The model's guesses pre-fill what the annotator has not labelled yet.
                suggested = {
                    key: s
                    for key, s in ann.suggestions(
                        predictions, model_version_id=active.id if active else 0
                    ).items()
                    if key not in stored
                }
                self._set("draft", {**{k: s.decision for k, s in suggested.items()}, **stored})
                self._set("suggested", suggested)
                self._set("draft_for", sentence_id)
                self._set("shown_at", time.monotonic())
        if document is None:
            return None
        draft = self.draft
        stored_targets = [target for _, target in draft if target]
        keys = ann.decision_keys(
            self.labelset,
            sentence.text,
            tasks=self.tasks,
            extra_targets=[*self.extra_targets, *stored_targets],
        )
        for key in keys:
            draft.setdefault(key, Decision(*key))
        self._set("keys", keys)
        focus = min(max(int(self._get("focus", 0)), 0), max(len(keys) - 1, 0))
        self._set("focus", focus)
        return View(
            sentence=sentence,
            document=document,
            before=around.get(-1),
            after=around.get(1),
            keys=tuple(keys),
            focus=focus,
            mentions=tuple(find_mentions(self.labelset, sentence.text)),
            words=tuple(word_spans(sentence.text)),
            done=done,
            suggested={k: v for k, v in self.suggested.items() if k in keys},
        )
