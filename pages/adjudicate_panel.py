"""The Adjudicate page's parts: one key of one sentence to decide, and the kept suspects search.

Not a page (the router lists the pages). Start with :func:`decide` (a
sentence, everyone's labels on it, the buttons that store gold for one key)
and :func:`found_suspects` (the label-error search, fitted once per data
revision and shared with the Agreement page); ``pages/adjudicate_sentence.py``
draws the page opened as ``adjudicate?sentence=<id>``. The work is done in
:mod:`annotator.adjudication` and :mod:`annotator.suspects`.
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from dataclasses import dataclass, field

import pandas as pd
import streamlit as st

from annotator import adjudication, history, suspects
from annotator.accounts import User
from annotator.annotations import NONE_APPLIES
from annotator.display import escape_markdown
from annotator.labelsets import LabelSet
from annotator.storage import Store
from pages import ui


@dataclass(frozen=True)
class Item:
    """One (sentence, task, target) to decide, with each annotator's label."""

    sentence_id: int
    task: str
    target: str
    text: str
    outlet: str
    labels: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    suggestion: tuple[str, ...] | None = None  # the model's, for a suspect

    @property
    def name(self) -> str:
        return self.task + (f" → {self.target}" if self.target else "")


def item_of(row: pd.Series) -> Item:
    """An :class:`Item` from a row of a queue, a suspect queue or the sentence items."""
    suggestion = row.get("suggestion")
    return Item(
        sentence_id=int(row["sentence_id"]), task=str(row["task"]), target=str(row["target"]),
        text=str(row["text"]), outlet=str(row["outlet"]), labels=dict(row["labels"]),
        suggestion=tuple(suggestion) if suggestion is not None else None,
    )  # fmt: skip


@st.cache_data(max_entries=4, show_spinner="Fitting a model per task…")
def _found(_store: Store, _user: User, url: str, revision: tuple[int, int, int]) -> pd.DataFrame:
    return suspects.find_suspects(_store, _user)


def found_suspects(store: Store, user: User) -> pd.DataFrame:
    """Every task's label-error suspects, fitted again only when the data changes."""
    return _found(store, user, store.url, ui.data_revision())


def _store_gold(
    store: Store, user: User, labelset: LabelSet, item: Item, annotator: str | None,
    values: tuple[str, ...] | None,
) -> None:  # fmt: skip
    if annotator is not None:
        adjudication.adopt(
            store, user, item.sentence_id, task=item.task, target=item.target, annotator=annotator
        )
        return
    if values is None:  # the widgets' choice
        task = labelset.task(item.task)
        if task is not None and task.kind == "multi":  # empty: none applies
            values = tuple(st.session_state.get("adjudicate.values") or ())
        else:
            values = (str(st.session_state["adjudicate.value"]),)
    adjudication.adjudicate(
        store, user, item.sentence_id, task=item.task, target=item.target, values=list(values)
    )


def decide(store: Store, user: User, labelset: LabelSet, item: Item, caption: str) -> None:
    """The sentence, everyone's labels on it, and the buttons that store gold for ``item``."""
    st.caption(caption)
    ui.text_line(f"Outlet: {item.outlet}")
    st.html(
        '<div data-testid="adjudicate-sentence" style="font-size:1.2rem;margin:0.5rem 0">'
        f"{html.escape(item.text)}</div>"
    )
    st.subheader("Everyone's labels on this sentence")
    table = adjudication.side_by_side(store, user, item.sentence_id)
    st.dataframe(table, hide_index=True, key="adjudicate.table")
    st.subheader(f"Gold for {item.name}")
    by_label: dict[tuple[str, ...], list[str]] = {}
    for name, label in item.labels.items():
        by_label.setdefault(tuple(label), []).append(name)
    picks = st.container(horizontal=True)
    context = (store, user, labelset, item)
    for number, (label, names) in enumerate(sorted(by_label.items(), key=lambda kv: -len(kv[1]))):
        shown = adjudication.label_text(label)
        picks.button(
            escape_markdown(f"{number + 1}: {shown} ({', '.join(names)})"),
            key=f"adjudicate.pick.{number}", shortcut=str(number + 1) if number < 9 else None,
            on_click=_store_gold, args=(*context, names[0], None),
        )  # fmt: skip
    if item.suggestion is not None:
        picks.button(
            escape_markdown(f"Model: {adjudication.label_text(item.suggestion)}"),
            key="adjudicate.suggested", shortcut="M",
            on_click=_store_gold, args=(*context, None, item.suggestion),
        )  # fmt: skip
    if not item.labels:
        st.caption("Nobody has labelled this yet.")
    task = labelset.task(item.task)
    if task is None:
        return
    values = [v.name for v in task.values]
    other = st.container(horizontal=True, vertical_alignment="bottom")
    if task.kind == "multi":
        other.multiselect(
            "Or set these values (none: none applies)", values, key="adjudicate.values"
        )
    else:
        other.selectbox("Or set another value", values, key="adjudicate.value")
    other.button(
        "Set gold", key="adjudicate.set", shortcut="S", type="primary",
        on_click=_store_gold, args=(*context, None, None),
    )  # fmt: skip
    if task.kind == "multi":
        st.caption(f"An empty choice stores '{adjudication.label_text((NONE_APPLIES,))}'.")


def sentence_history(store: Store, user: User, sentence_id: int) -> None:
    with st.expander("History of this sentence"):
        changes = history.sentence_history(store, user, sentence_id)
        st.dataframe(history.history_frame(changes), hide_index=True, key="adjudicate.history")
