"""The compare page's story part: a story side by side, and making stories. Not a page itself.

:func:`show` draws a story's sentence pairs across outlets with each one's
labels and every outlet's blindspots (:func:`annotator.compare_report.story_view`),
then the stories suggested from similar texts (accepted with a click) and a
form to make one by hand. A new story becomes the page's chosen story.
"""

from __future__ import annotations

import streamlit as st

from annotator import compare, stories
from annotator.accounts import User
from annotator.compare_report import StoryView, story_view
from annotator.display import escape_markdown as md
from annotator.labelsets import LabelSet
from annotator.storage import Store
from pages import ui

STORY_KEY = "compare.story"  # the page's story control
PROBLEM_KEY = "compare.story_problem"
CacheKey = tuple[str, int, tuple[int, int, int], tuple[int, ...]]  # url, label set, data, story
TEXT = st.column_config.TextColumn(width="large")


@st.cache_data(max_entries=8, show_spinner="Aligning the story's sentences…")
def _view(_store: Store, _ls: LabelSet, key: CacheKey, controls: compare.Controls) -> StoryView:
    return story_view(_store, _ls, controls, int(controls.story or 0))


@st.cache_data(max_entries=2, show_spinner="Looking for stories…")
def _suggestions(_store: Store, key: tuple[object, ...]) -> list[stories.Suggestion]:
    return stories.suggest_stories(_store)


def _accept(store: Store, user: User, suggestion: stories.Suggestion) -> None:
    st.session_state[STORY_KEY] = stories.accept_suggestion(store, suggestion, created_by=user.name)


def _create(store: Store, user: User) -> None:
    state = st.session_state
    try:
        state[STORY_KEY] = stories.create_story(
            store, state["compare.new_name"], document_ids=state["compare.new_documents"],
            created_by=user.name,
        )  # fmt: skip
    except (ValueError, LookupError) as exc:
        state[PROBLEM_KEY] = str(exc)


def _aligned(view: StoryView) -> None:
    st.caption(f"{len(view.pairs)} pair(s) of sentences that report the same fact, each with the "
               "labels of the chosen source; `differ_on`: where the two sides' labels differ.")  # fmt: skip
    config = {"left_text": TEXT, "right_text": TEXT}
    st.dataframe(view.pairs, hide_index=True, key="compare.pairs", column_config=config)
    st.subheader("Blindspots: facts only one outlet reports")
    for column, outlet in zip(st.columns(len(view.outlets)), view.outlets, strict=True):
        column.markdown(f"**{md(outlet)}**")
        spots = view.blindspots[view.blindspots["outlet"] == outlet][["text", "labels"]]
        column.dataframe(spots, hide_index=True, key=f"compare.spots.{outlet}")


def show(
    store: Store, labelset: LabelSet, user: User, key: CacheKey, controls: compare.Controls,
    options: compare.Choices,
) -> None:  # fmt: skip
    st.header("Same story, side by side")
    if controls.story is None:
        st.info("Pick a story above to see its outlets' sentences paired fact by fact, each with "
                "its labels, and the facts only one outlet reports. No story yet? Make one below.")  # fmt: skip
    else:
        _aligned(_view(store, labelset, key, controls))
    with st.expander("Stories: suggested from similar texts, or made by hand"):
        if st.toggle("Suggest stories", key="compare.suggest"):
            found = _suggestions(store, (*key[:3], tuple(options.stories)))
            if not found:
                st.caption("No documents of two outlets alike enough that are in no story yet.")
            for number, suggestion in enumerate(found):
                where = ", ".join(sorted({d.outlet for d in suggestion.documents}))
                ui.text_line(f"{suggestion.name} — {len(suggestion.documents)} documents "
                             f"({where}), similarity {suggestion.similarity:.2f}", muted=False)  # fmt: skip
                st.button("Accept as a story", key=f"compare.accept.{number}", on_click=_accept,
                          args=(store, user, suggestion))  # fmt: skip
        with st.form("compare.new_story"):
            st.text_input("Story name", key="compare.new_name", max_chars=stories.MAX_NAME)
            st.multiselect("Documents", options.documents, key="compare.new_documents",
                           format_func=options.documents.__getitem__)  # fmt: skip
            st.form_submit_button("Create story", on_click=_create, args=(store, user))
        if problem := st.session_state.pop(PROBLEM_KEY, None):
            st.error(md(problem))
