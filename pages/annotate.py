"""Annotate: one sentence at a time, every decision on a key shown on its button."""

from collections.abc import MutableMapping
from typing import Any, cast

import streamlit as st

from annotator import display, queue
from annotator.session import AnnotateSession
from pages import jobs, ui

md = display.escape_markdown
store, labelset = ui.store(), ui.labelset()
name = ui.ask_annotator()

with st.sidebar:
    strategy = st.selectbox("Queue order", queue.strategy_names(), key="annotate.strategy")
    all_tasks = [t.name for t in labelset.tasks]
    tasks = st.multiselect("Tasks", all_tasks, default=all_tasks, key="annotate.tasks")
    show_outlet = st.toggle("Show outlet", value=False, key="annotate.show_outlet")
    lang = st.radio("Codebook language", ["id", "en"], horizontal=True, key="annotate.lang")

session = AnnotateSession(
    cast("MutableMapping[str, Any]", st.session_state),
    store=store,
    labelset=labelset,
    annotator=name,
    strategy=strategy,
    tasks=tasks,
)


@st.fragment
def panel() -> None:
    """The sentence and its decisions: a key reruns this part only."""
    wanted = st.query_params.get("sentence", "")
    session.start(int(wanted) if wanted.isdigit() else None)
    view = session.view()
    total = ui.sentence_total()
    done = view.done if view else total
    st.progress(done / total if total else 0.0, text=f"{done} of {total} sentences labelled by you")
    if view is None:
        if session.sentence_id is None:
            st.success("Every sentence has a label from you. Thank you!")
        else:
            st.warning(f"There is no sentence {session.sentence_id}.")
        st.button("Back to the queue", on_click=session.next, key="annotate.restart")
        st.stop()
    if wanted != str(view.sentence.id):  # only a new sentence changes the address
        st.query_params["sentence"] = str(view.sentence.id)
    doc = view.document
    where = f"{doc.outlet} · {doc.published}" if show_outlet else "outlet hidden"
    ui.text_line(
        f"{doc.title or '(no headline)'} — sentence {view.sentence.position + 1} of {doc.sentence_count} · {where}"
    )
    draft = session.draft
    st.html(
        display.context_html(
            view.sentence.text,
            before=view.before,
            after=view.after,
            mentions=view.mentions,
            cues=view.cue_spans(draft),
        )
    )
    if message := session.take_message():
        st.warning(message)

    left, right = st.columns([3, 2])
    with left:
        for i, key in enumerate(view.keys):
            task = labelset.task(key[0])
            assert task is not None
            title = task.label(lang) + (f" → {key[1]}" if key[1] else "")
            guess = view.guess(key, draft[key])
            chosen = display.decision_summary(
                task, draft[key], lang, confidence=guess.confidence if guess else None
            )
            if i != view.focus:
                st.button(
                    f"{md(title)}: {md(chosen)}",
                    key=f"annotate.task.{i}",
                    type="tertiary",
                    on_click=session.focus_on,
                    args=(i,),
                )
                continue
            st.markdown(f"**▶ {md(title)}**" + (f" · {md(chosen)}" if guess else ""))
            row = st.container(horizontal=True)
            for value in task.values:
                row.button(
                    md(value.label(lang)),
                    key=f"annotate.value.{value.name}",
                    shortcut=task.key_of(value.name),
                    on_click=session.press,
                    args=(key, value.name),
                    type="primary" if value.name in draft[key].values else "secondary",
                )
            if task.kind == "multi":
                row.button(
                    "None applies",
                    key="annotate.value.none",
                    shortcut="N",
                    on_click=session.press,
                    args=(key, ""),
                    type="primary" if draft[key].values == ("",) else "secondary",
                )
            word_labels = [md(w.text) for w in view.words]
            for value in (v for v in task.values if v.cue and v.name in draft[key].values):
                widget = f"annotate.cue.{view.sentence.id}.{key[0]}.{key[1]}.{value.name}"
                st.pills(
                    f"Cue words for {md(value.label(lang))}: click the words that signal it",
                    list(range(len(view.words))),
                    format_func=word_labels.__getitem__,
                    selection_mode="multi",
                    default=view.selected_words(draft[key], value.name),
                    key=widget,
                    on_change=session.pick_cues,
                    args=(key, value.name, widget),
                )
        if others := session.unasked_targets(view):
            widget = f"annotate.add_target.{view.sentence.id}"
            st.selectbox(
                "Add a stance target the sentence does not name",
                ["", *others],
                key=widget,
                on_change=session.pick_target,
                args=(widget,),
            )
    if view.keys and (focused := labelset.task(view.keys[view.focus][0])):
        right.caption(display.codebook_markdown(focused, lang))

    nav = st.container(horizontal=True)

    def save() -> None:
        session.save()
        jobs.retrain_if_due()

    nav.button("Save & next", key="annotate.save", shortcut="Enter", on_click=save, type="primary")
    for label, slug, shortcut, action, args in (
        ("Previous", "previous", "Left", session.previous, ()),
        ("Skip", "skip", "Right", session.next, ()),
        ("Undo", "undo", "U", session.undo, ()),
        ("Previous task", "up", "Up", session.move_focus, (-1,)),
        ("Next task", "down", "Down", session.move_focus, (1,)),
    ):
        nav.button(label, key=f"annotate.{slug}", shortcut=shortcut, on_click=action, args=args)


panel()
