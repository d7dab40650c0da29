"""Export: the label set as a file (tidy CSV/JSONL/Parquet, Label Studio, doccano, Prodigy) with its data card."""

from datetime import UTC, datetime

import streamlit as st

from annotator import labelsets, team
from annotator.accounts import Permission, User
from annotator.exchange import FORMATS
from annotator.exchange import card as card_mod
from annotator.storage import Store
from pages import ui


@st.cache_data(max_entries=4)
def _frame(
    _store: Store, url: str, revision: tuple[int, int, int], include_unlabelled: bool, user: User
):
    return team.export_frame(user, _store, include_unlabelled=include_unlabelled)


store, labelset, user = ui.store(), ui.labelset(), ui.acting_user(Permission.EXPORT)
st.title("Export")
fmt_name = st.selectbox(
    "Format",
    list(FORMATS),
    key="export.format",
    format_func=lambda n: f"{n} ({FORMATS[n].extension})",
)
include_unlabelled = st.checkbox(
    "Include unlabelled sentences (one row each, empty task and value)", key="export.unlabelled"
)
fmt = FORMATS[fmt_name]
stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")


revision = ui.data_revision()
frame = _frame(store, store.url, revision, include_unlabelled, user)


def file_bytes() -> bytes:
    return fmt.to_bytes(frame)


def card_text() -> str:
    return card_mod.render_card(
        frame,
        name=labelset.name,
        format_name=fmt.name,
        codebook_toml=labelsets.to_toml(labelset),
        created=datetime.now(UTC),
    )


row = st.container(horizontal=True)
row.download_button(
    f"Download {fmt.extension}",
    data=file_bytes,
    file_name=f"{labelset.name}-{stamp}{fmt.extension}",
    mime=fmt.media_type,
    key="export.download",
    type="primary",
    on_click="ignore",
    shortcut="D",
)
row.download_button(
    "Download data card",
    data=card_text,
    file_name=f"{labelset.name}-{stamp}.card.md",
    mime="text/markdown",
    key="export.card",
    on_click="ignore",
)
if row.button("Save under labels/exports/", key="export.save"):
    result = team.export_files(user, store, fmt_name, include_unlabelled=include_unlabelled)
    st.success(
        f"Wrote {result.rows} row(s) to {result.path} and its data card {result.card_path.name}."
    )

st.subheader("Preview")
st.caption(f"{len(frame)} row(s); the first 200 are shown.")
st.dataframe(frame.head(200), hide_index=True, key="export.preview")
