"""Import: upload or paste articles, preview sentences and removed boilerplate, then commit.
Exported label sets (tidy CSV/JSONL/Parquet, Label Studio, doccano, Prodigy) come in here too."""

import pandas as pd
import streamlit as st

from annotator import corpus, readers, team
from annotator.accounts import Permission
from annotator.display import escape_markdown as md
from annotator.exchange import FORMATS
from annotator.problems import Problem
from pages import ui

store, user = ui.store(), ui.acting_user(Permission.IMPORT)
st.title("Import")
round_ = st.session_state.setdefault("import.round", 0)  # a new round clears the inputs


def show_problems(problems: tuple[Problem, ...] | list[Problem]) -> None:
    for p in problems:
        # Problems quote file names and file content: shown as text, not Markdown.
        (st.error if p.severity == "error" else st.warning)(md(str(p)), icon="⚠️")


articles_tab, labels_tab = st.tabs(["Articles", "Label sets"])
with articles_tab:
    files = st.file_uploader(
        "Article files",
        accept_multiple_files=True,
        key=f"import.files.{round_}",
        type=[ext.lstrip(".") for ext in readers.FORMATS],
    )
    pasted = st.text_area("…or paste one article", key=f"import.paste.{round_}", height=160)
    c1, c2, c3, c4 = st.columns(4)
    outlet = c1.text_input("Outlet", key="import.outlet")
    title = c2.text_input("Title", key="import.title")
    published = c3.text_input("Published (YYYY-MM-DD)", key="import.published")
    language = c4.selectbox("Language", ["guess", "id", "en"], key="import.language")
    sources = [(f.getvalue(), f.name) for f in files or []]
    if pasted.strip():
        sources.append((pasted.encode(), "pasted text.txt"))
    found, problems = corpus.read_sources(
        sources,
        outlet=outlet or None,
        title=title or None,
        published=published or None,
        language=None if language == "guess" else language,
    )
    if found or problems:
        preview = team.import_articles(user, store, found, dry_run=True, read_problems=problems)
        show_problems(preview.problems)
        st.subheader(
            f"Preview: {len(preview.documents)} document(s), {preview.sentence_count} sentence(s)"
        )
        for i, doc in enumerate(preview.documents):
            with st.expander(
                f"{md(doc.outlet)} · {md(doc.title) or '(no headline)'} · {len(doc.sentences)} sentences"
            ):
                st.dataframe(
                    pd.DataFrame({"sentence": doc.sentence_texts()}), key=f"import.sentences.{i}"
                )
                st.caption(f"Removed as boilerplate: {len(doc.removed)} line(s)")
                st.dataframe(
                    pd.DataFrame(
                        [(r.line, r.reason, r.text) for r in doc.removed],
                        columns=["line", "reason", "text"],
                    ),
                    key=f"import.removed.{i}",
                )
        if (
            preview.ok
            and preview.documents
            and st.button(
                f"Import {len(preview.documents)} document(s)", type="primary", key="import.commit"
            )
        ):
            report = team.import_articles(user, store, found, read_problems=problems)
            if report.stored:
                st.session_state["import.round"] = round_ + 1
                st.session_state["import.done"] = (
                    f"Imported {len(report.documents)} document(s), {report.sentence_count} sentence(s)."
                )
                st.rerun()
            show_problems(report.problems)
    if done := st.session_state.pop("import.done", None):
        st.success(done)

with labels_tab:
    st.caption(
        "Formats: " + ", ".join(sorted(FORMATS)) + ". Missing tasks, targets and values are added "
        "to the label set as a new version; nothing is stored if any row is wrong."
    )
    label_file = st.file_uploader(
        "Label-set file",
        key=f"import.labels.{round_}",
        type=sorted({f.extension.lstrip(".") for f in FORMATS.values()}),
    )
    if label_file is not None and st.button(
        "Import labels", type="primary", key="import.labels_commit"
    ):
        result = team.import_labels(
            user, store, label_file.getvalue(), label_file.name, annotator=user.name or "import"
        )
        show_problems(result.problems)
        if result.stored:
            st.success(
                f"{result.labels_added} label row(s) added, {result.labels_unchanged} already "
                f"present, {result.documents_created} document(s) created."
            )
            if result.label_set_additions:
                st.info("Added to the label set: " + md(", ".join(result.label_set_additions)))
