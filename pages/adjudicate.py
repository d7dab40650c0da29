"""Adjudicate: where annotators disagree, most contested first; a curator picks or sets gold."""

import html

import pandas as pd
import streamlit as st

from annotator import adjudication, history, team
from annotator.accounts import Permission, User
from annotator.annotations import NONE_APPLIES
from annotator.display import escape_markdown
from annotator.storage import Store
from pages import ui

POSITION = "adjudicate.position"


@st.cache_data(max_entries=8)
def _queue(
    _store: Store, _user: User, url: str, revision: tuple[int, int, int], who: str, task: str | None
) -> pd.DataFrame:
    return adjudication.queue(_store, _user, task=task)


if not ui.team_mode():
    ui.ask_annotator()  # single-user mode: gold is decided under a typed name
store, labelset, user = ui.store(), ui.labelset(), ui.acting_user(Permission.ADJUDICATE)
st.title("Adjudicate")
st.caption(
    "Sentences where annotators disagree, most contested first. Pick one of the labels or set "
    "another value: it is stored as the gold label (what the model trains on) under your name."
)
tasks = [t.name for t in labelset.tasks]
task_filter = st.selectbox("Task", ["all tasks", *tasks], key="adjudicate.task")
chosen_task = None if task_filter == "all tasks" else task_filter
queue = _queue(store, user, store.url, ui.data_revision(), user.name, chosen_task)


def move(step: int) -> None:
    st.session_state[POSITION] = st.session_state.get(POSITION, 0) + step


def decide(sentence_id: int, task: str, target: str, annotator: str | None) -> None:
    if annotator is not None:
        adjudication.adopt(store, user, sentence_id, task=task, target=target, annotator=annotator)
        return
    found = labelset.task(task)
    if found is not None and found.kind == "multi":  # the multiselect; empty: none applies
        values = list(st.session_state.get("adjudicate.values") or [])
    else:
        values = [str(st.session_state["adjudicate.value"])]
    adjudication.adjudicate(store, user, sentence_id, task=task, target=target, values=values)


def undo() -> None:
    undone = team.undo(user, store)
    st.session_state["adjudicate.undone"] = undone.sentence_id if undone else None


if "adjudicate.undone" in st.session_state:
    undone = st.session_state.pop("adjudicate.undone")
    st.toast(f"Undid your last decision (sentence {undone})." if undone else "Nothing to undo.")

st.metric("Left to adjudicate", len(queue))
if queue.empty:
    st.success("No disagreement left to adjudicate.")
    st.button("Undo my last decision", key="adjudicate.undo", shortcut="U", on_click=undo)
    st.stop()

position = min(max(int(st.session_state.get(POSITION, 0)), 0), len(queue) - 1)
st.session_state[POSITION] = position
item = queue.iloc[position]
sentence_id, task_name, target = int(item["sentence_id"]), str(item["task"]), str(item["target"])
task = labelset.task(task_name)

key_name = task_name + (f" → {target}" if target else "")
st.caption(
    f"{position + 1} of {len(queue)} · sentence {sentence_id} · {key_name} · "
    f"contested {item['contested']:.2f} · {item['annotators']} annotators"
)
ui.text_line(f"Outlet: {item['outlet']}")
st.html(
    '<div data-testid="adjudicate-sentence" style="font-size:1.2rem;margin:0.5rem 0">'
    f"{html.escape(str(item['text']))}</div>"
)

st.subheader("Everyone's labels on this sentence")
st.dataframe(
    adjudication.side_by_side(store, user, sentence_id), hide_index=True, key="adjudicate.table"
)

st.subheader(f"Gold for {key_name}")
by_label: dict[tuple[str, ...], list[str]] = {}
for name, label in item["labels"].items():
    by_label.setdefault(tuple(label), []).append(name)
picks = st.container(horizontal=True)
for number, (label, names) in enumerate(sorted(by_label.items(), key=lambda kv: -len(kv[1]))):
    shown = adjudication.label_text(label)
    picks.button(
        escape_markdown(f"{number + 1}: {shown} ({', '.join(names)})"),
        key=f"adjudicate.pick.{number}", shortcut=str(number + 1) if number < 9 else None,
        on_click=decide, args=(sentence_id, task_name, target, names[0]),
    )  # fmt: skip

if task is not None:
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
        on_click=decide, args=(sentence_id, task_name, target, None),
    )  # fmt: skip
    if task.kind == "multi":
        st.caption(f"An empty choice stores '{adjudication.label_text((NONE_APPLIES,))}'.")

nav = st.container(horizontal=True)
nav.button("Previous", key="adjudicate.previous", shortcut="Left", on_click=move, args=(-1,))
nav.button("Skip", key="adjudicate.skip", shortcut="Right", on_click=move, args=(1,))
nav.button("Undo my last decision", key="adjudicate.undo", shortcut="U", on_click=undo)

with st.expander("History of this sentence"):
    changes = history.sentence_history(store, user, sentence_id)
    st.dataframe(history.history_frame(changes), hide_index=True, key="adjudicate.history")
