"""The Streamlit entry: the pages and the shared sidebar, nothing else."""

import streamlit as st

from pages import ui

st.set_page_config(page_title="Stance workbench", page_icon="📰", layout="wide")

ui.store()  # opens the database; the first start loads the label set and the seeds

navigation = st.navigation(
    [
        st.Page("pages/home.py", title="Home", default=True),
        st.Page("pages/import.py", title="Import", url_path="import"),
        st.Page("pages/annotate.py", title="Annotate", url_path="annotate"),
        st.Page("pages/export.py", title="Export", url_path="export"),
    ]
)

with st.sidebar:
    name = ui.annotator()
    st.caption(f"Annotator: **{name}**" if name else "Annotator: not set (asked on Annotate)")

navigation.run()
