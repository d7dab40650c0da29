"""Home: what is in the corpus, and how much of it is labelled, per outlet."""

import pandas as pd
import streamlit as st

from annotator import outlets
from annotator.storage import Store
from pages import ui


@st.cache_data(max_entries=16)
def _summary(
    _store: Store, url: str, revision: tuple[int, int, int], annotator: str | None
) -> pd.DataFrame:
    return outlets.summary(_store, annotator=annotator)


@st.cache_data(max_entries=16)
def _totals(_store: Store, url: str, revision: tuple[int, int, int]) -> dict:
    return outlets.totals(_store)


@st.cache_data(max_entries=4)
def _documents(_store: Store, url: str, revision: tuple[int, int, int]) -> pd.DataFrame:
    return outlets.documents(_store)


store = ui.store()
revision = ui.data_revision()
totals = _totals(store, store.url, revision)
labelset = ui.labelset()

st.title("Stance workbench")
st.caption(
    "Label news sentences for stance toward targets and for framing; compare how outlets tell a story."
)

cols = st.columns(4)
cols[0].metric("Documents", totals["documents"])
cols[1].metric("Sentences", totals["sentences"])
cols[2].metric("Labelled sentences", totals["labelled_sentences"])
cols[3].metric("Annotators", len(totals["annotators"]))

st.subheader("Per outlet")
summary = _summary(store, store.url, revision, None)
st.dataframe(
    summary,
    hide_index=True,
    key="home.outlets",
    column_config={
        "outlet": "Outlet",
        "documents": "Documents",
        "sentences": "Sentences",
        "labelled": "Labelled (anyone)",
        "labelled_share": st.column_config.ProgressColumn(
            "Labelled share", format="percent", min_value=0, max_value=1
        ),
    },
)

name = ui.annotator()
if name:
    mine = _summary(store, store.url, revision, name)
    st.caption("Your progress per outlet")
    st.dataframe(
        mine[["outlet", "sentences", "labelled", "labelled_share"]],
        hide_index=True,
        key="home.mine",
        column_config={
            "labelled": "Labelled by you",
            "labelled_share": st.column_config.ProgressColumn(
                "Share", format="percent", min_value=0, max_value=1
            ),
        },
    )

with st.expander("Documents"):
    st.dataframe(_documents(store, store.url, revision), hide_index=True, key="home.documents")

st.subheader("Label set")
st.caption(f"{labelset.name}, version {labelset.version}: {labelset.title}")
st.dataframe(
    pd.DataFrame(
        [
            {
                "task": t.name,
                "kind": t.kind,
                "values": len(t.values),
                "targets": ", ".join(x.name for x in t.targets),
            }
            for t in labelset.tasks
        ]
    ),
    hide_index=True,
    key="home.labelset",
)
st.page_link("pages/annotate.py", label="Start annotating", icon="✏️")
