"""Adjudicate: disagreements, label-error suspects or any sentence by address; a curator sets gold."""

import pandas as pd
import streamlit as st

from annotator import adjudication, suspects, team
from annotator.accounts import Permission, User
from annotator.storage import Store
from pages import adjudicate_panel as panel
from pages import ui
from pages.adjudicate_sentence import SENTENCE_PARAM, one_sentence

DISAGREEMENTS, SUSPECTS = "Disagreements", "Label-error suspects"
POSITION = {DISAGREEMENTS: "adjudicate.position", SUSPECTS: "adjudicate.suspect_position"}


@st.cache_data(max_entries=8)
def _queue(
    _store: Store, _user: User, url: str, revision: tuple[int, int, int], who: str, task: str | None
) -> pd.DataFrame:
    return adjudication.queue(_store, _user, task=task)


if not ui.team_mode():
    ui.ask_annotator()  # single-user mode: gold is decided under a typed name
store, labelset, user = ui.store(), ui.labelset(), ui.acting_user(Permission.ADJUDICATE)
st.title("Adjudicate")


def undo() -> None:
    undone = team.undo(user, store)
    st.session_state["adjudicate.undone"] = undone.sentence_id if undone else None


if "adjudicate.undone" in st.session_state:
    undone = st.session_state.pop("adjudicate.undone")
    st.toast(f"Undid your last decision (sentence {undone})." if undone else "Nothing to undo.")

if wanted := st.query_params.get(SENTENCE_PARAM, ""):
    st.caption("One sentence, whoever labelled it: pick a label or set another as gold.")
    one_sentence(store, user, labelset, wanted)
    st.button("Undo my last decision", key="adjudicate.undo", shortcut="U", on_click=undo)
    st.stop()

st.caption(
    "Sentences where annotators disagree, most contested first, or labels the model doubts "
    "(lowest self-confidence first). Pick one of the labels or set another value: it is stored "
    "as the gold label (what the model trains on) under your name."
)
row = st.container(horizontal=True)
can_review = user.can(Permission.REVIEW_SUSPECTS)
mode = row.radio(
    "Queue", [DISAGREEMENTS, SUSPECTS] if can_review else [DISAGREEMENTS],
    horizontal=True, key="adjudicate.mode",
)  # fmt: skip
tasks = [t.name for t in labelset.tasks]
task_filter = row.selectbox("Task", ["all tasks", *tasks], key="adjudicate.task")
chosen_task = None if task_filter == "all tasks" else task_filter
if mode == SUSPECTS:
    found = panel.found_suspects(store, user)
    queue = suspects.suspect_queue(store, user, found=found, task=chosen_task, labelset=labelset)
else:
    queue = _queue(store, user, store.url, ui.data_revision(), user.name, chosen_task)
position_key = POSITION[mode]


def move(step: int) -> None:
    st.session_state[position_key] = st.session_state.get(position_key, 0) + step


st.metric("Left to adjudicate" if mode == DISAGREEMENTS else "Suspects left to review", len(queue))
if queue.empty:
    st.success(
        "No disagreement left to adjudicate."
        if mode == DISAGREEMENTS
        else "No label-error suspect left to review."
    )
    st.button("Undo my last decision", key="adjudicate.undo", shortcut="U", on_click=undo)
    st.stop()

position = min(max(int(st.session_state.get(position_key, 0)), 0), len(queue) - 1)
st.session_state[position_key] = position
row_shown = queue.iloc[position]
item = panel.item_of(row_shown)
where = f"{position + 1} of {len(queue)} · sentence {item.sentence_id} · {item.name}"
if mode == SUSPECTS:
    frame = f" · frame {row_shown['frame']}" if isinstance(row_shown["frame"], str) else ""
    detail = (
        f"{frame} · given {row_shown['given']}, the model suggests {row_shown['suggested']} "
        f"({row_shown['suggested_probability']:.2f}) · self-confidence "
        f"{row_shown['self_confidence']:.2f}"
    )
else:
    detail = f" · contested {row_shown['contested']:.2f} · {row_shown['annotators']} annotators"
panel.decide(store, user, labelset, item, where + detail)

nav = st.container(horizontal=True)
nav.button("Previous", key="adjudicate.previous", shortcut="Left", on_click=move, args=(-1,))
nav.button("Skip", key="adjudicate.skip", shortcut="Right", on_click=move, args=(1,))
nav.button("Undo my last decision", key="adjudicate.undo", shortcut="U", on_click=undo)
panel.sentence_history(store, user, item.sentence_id)
