"""Home: what is in the corpus, how much of it is labelled per outlet, and who labelled it."""

import pandas as pd
import streamlit as st

from annotator import assignment, outlets, team
from annotator.accounts import Permission
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


@st.cache_data(max_entries=4, ttl=60)  # ttl: a new account shows before its first label
def _progress(_store: Store, url: str, revision: tuple[int, int, int]) -> pd.DataFrame:
    return pd.DataFrame(assignment.progress_rows(_store), columns=assignment.PROGRESS_COLUMNS)


@st.cache_data(max_entries=4)
def _documents(_store: Store, url: str, revision: tuple[int, int, int]) -> pd.DataFrame:
    return outlets.documents(_store)


store, user = ui.store(), ui.acting_user()
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

st.subheader("Per annotator")
st.dataframe(
    _progress(store, store.url, revision),
    hide_index=True,
    key="home.annotators",
    column_config={
        "annotator": "Annotator",
        "labelled": "Labelled sentences",
        "last_active": st.column_config.DatetimeColumn("Last active", format="YYYY-MM-DD HH:mm"),
    },
)
overlap = assignment.overlap(store) or 0
if user.can(Permission.SETTINGS):
    new_overlap = st.number_input(
        "Annotators per sentence (0: no cap)", min_value=0, step=1, value=overlap,
        key="home.overlap", help="A sentence labelled by this many people leaves every queue.",
    )  # fmt: skip
    if new_overlap != overlap:
        team.set_overlap(user, store, int(new_overlap))
elif overlap:
    st.caption(f"Each sentence is labelled by at most {overlap} annotator(s).")

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
