"""Import: articles by upload or paste (preview, then commit) and label sets in the second tab."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from streamlit.testing.v1 import AppTest

from annotator import annotations as ann
from annotator import labelsets
from annotator.annotations import Choice, Decision
from annotator.bootstrap import bootstrap
from annotator.display import escape_markdown
from annotator.exchange import FORMATS
from annotator.exchange.export import export_frame
from annotator.storage import Store, open_store
from annotator.storage import labels as labels_sql
from annotator.storage import texts as texts_sql
from tests.pages.conftest import BuildApp

PAGE = "pages/import.py"
ARTICLE = (
    "Menu\n"
    "ADVERTISEMENT\n"
    "Trump berbicara dengan Musk di X pada Senin malam. Percakapan itu terlambat 40 menit.\n"
    "\n"
    "Source link\n"
)
SENTENCES = [
    "Trump berbicara dengan Musk di X pada Senin malam.",
    "Percakapan itu terlambat 40 menit.",
]


def documents(store: Store) -> dict[str, int]:
    """Outlet → sentence count of every stored document."""
    with store.read() as conn:
        return {d.outlet: d.sentence_count for d in texts_sql.list_documents(conn)}


def labels(store: Store, annotator: str) -> set[tuple[str, str, str, str]]:
    """(sentence text, task, target, value) of the annotator's current labels."""
    with store.read() as conn:
        rows = labels_sql.current_labels(conn, annotator=annotator)
        texts = {s.id: s.text for r in rows if (s := texts_sql.get_sentence(conn, r.sentence_id))}
    return {(texts[r.sentence_id], r.task, r.target, r.value or "") for r in rows}


def paste(at: AppTest, text: str, outlet: str = "", round_: int = 0) -> AppTest:
    """Paste into the text area of the given import round (a commit starts a new one)."""
    at.text_input(key="import.outlet").input(outlet)
    at.text_area(key=f"import.paste.{round_}").input(text).run()
    return at


def upload(at: AppTest, key: str, name: str, data: bytes, mime: str = "text/plain") -> AppTest:
    at.file_uploader(key=key).set_value((name, data, mime)).run()
    return at


def preview_tables(at: AppTest) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The first document's sentences and its removed lines."""
    sentences, removed = at.dataframe[0].value, at.dataframe[1].value
    return sentences, removed


def messages(at: AppTest) -> str:
    return "\n".join(m.value for m in [*at.error, *at.warning, *at.success, *at.info])


# ---------------------------------------------------------------- articles


def test_import_page_runs_with_empty_inputs(app: BuildApp) -> None:
    at = app(PAGE)
    assert not at.exception
    assert at.text_area(key="import.paste.0").value == ""
    assert not [b for b in at.button if b.key == "import.commit"]


def test_a_pasted_article_previews_its_sentences_and_removed_boilerplate_without_storing(
    app: BuildApp, store: Store
) -> None:
    at = paste(app(PAGE), ARTICLE, outlet="Tempo")
    assert not at.exception
    assert at.subheader[0].value == "Preview: 1 document(s), 2 sentence(s)"
    sentences, removed = preview_tables(at)
    assert sentences["sentence"].tolist() == SENTENCES
    assert {"ADVERTISEMENT", "Source link"} <= set(removed["text"])
    assert "Tempo" not in documents(store)


def test_titles_and_outlets_in_the_preview_are_escaped_not_rendered_as_markdown(
    app: BuildApp,
) -> None:
    at = app(PAGE)
    at.text_input(key="import.title").input("**Tebal** [klik](http://example.com)")
    at = paste(at, ARTICLE, outlet="_Tempo_")
    assert at.expander[0].label == (
        f"{escape_markdown('_Tempo_')} · {escape_markdown('**Tebal** [klik](http://example.com)')}"
        " · 2 sentences"
    )


def test_commit_stores_the_pasted_article_and_clears_the_inputs(
    app: BuildApp, store: Store
) -> None:
    at = paste(app(PAGE), ARTICLE, outlet="Tempo")
    at.button(key="import.commit").click().run()
    assert not at.exception
    assert documents(store)["Tempo"] == 2
    assert "Imported 1 document(s), 2 sentence(s)." in messages(at)
    assert at.text_area(key="import.paste.1").value == ""


def test_an_uploaded_file_is_imported_on_commit(app: BuildApp, store: Store) -> None:
    at = upload(app(PAGE), "import.files.0", "tempo.md", b"# Judul berita\n\n" + ARTICLE.encode())
    at.text_input(key="import.outlet").input("Tempo").run()
    at.button(key="import.commit").click().run()
    with store.read() as conn:
        (doc,) = [d for d in texts_sql.list_documents(conn) if d.outlet == "Tempo"]
    assert doc.title == "Judul berita"
    assert doc.sentence_count == 2


def test_a_binary_file_shows_an_error_and_stores_nothing(app: BuildApp, store: Store) -> None:
    before = documents(store)
    at = upload(app(PAGE), "import.files.0", "laporan.txt", b"%PDF-1.7\n\x00\x01\x02binary")
    assert not at.exception
    assert "PDF" in at.error[0].value
    assert not [b for b in at.button if b.key == "import.commit"]
    assert documents(store) == before


def test_an_article_already_in_the_corpus_is_skipped_with_a_warning(
    app: BuildApp, store: Store
) -> None:
    at = paste(app(PAGE), ARTICLE, outlet="Tempo")
    at.button(key="import.commit").click().run()
    paste(at, ARTICLE, outlet="Tempo", round_=1)
    assert "already imported" in messages(at)
    assert not [b for b in at.button if b.key == "import.commit"]
    assert list(documents(store)).count("Tempo") == 1


# ---------------------------------------------------------------- label sets


def test_the_label_set_tab_imports_a_tidy_csv_with_a_new_document(
    app: BuildApp, store: Store
) -> None:
    csv = (
        "document_id,outlet,sentence_index,text,annotator,task,target,value\n"
        "tempo-1,Tempo,0,Trump berbicara dengan Musk di X.,budi,bias,,biased\n"
        "tempo-1,Tempo,0,Trump berbicara dengan Musk di X.,budi,stance,Donald Trump,neutral\n"
    )
    at = upload(app(PAGE), "import.labels.0", "budi.csv", csv.encode(), "text/csv")
    at.button(key="import.labels_commit").click().run()
    assert not at.exception
    assert "2 label row(s) added" in messages(at)
    assert labels(store, "budi") == {
        ("Trump berbicara dengan Musk di X.", "bias", "", "biased"),
        ("Trump berbicara dengan Musk di X.", "stance", "Donald Trump", "neutral"),
    }
    assert documents(store)["Tempo"] == 1


def test_labels_exported_from_another_workbench_land_on_the_same_seed_sentences(
    app: BuildApp, store: Store, tmp_path: Path
) -> None:
    data = csv_from_another_workbench(tmp_path / "other.sqlite")
    at = upload(app(PAGE), "import.labels.0", "other.csv", data, "text/csv")
    at.button(key="import.labels_commit").click().run()
    assert "0 document(s) created" in messages(at)
    with store.read() as conn:
        rows = labels_sql.current_labels(conn, annotator="citra")
    assert {(r.sentence_id, r.task, r.value, r.source) for r in rows} == {
        (1, "bias", "biased", "human"),
        (1, "opinion", "opinion", "human"),
    }
    assert len(documents(store)) == 2


def csv_from_another_workbench(path: Path) -> bytes:
    other = open_store(f"sqlite:///{path}")
    try:
        bootstrap(other)
        decisions = [
            Decision("bias", "", (Choice("biased"),)),
            Decision("opinion", "", (Choice("opinion"),)),
        ]
        ann.save(
            other,
            sentence_id=1,
            annotator="citra",
            decisions=decisions,
            labelset=labelsets.current(other),
        )
        return FORMATS["csv"].to_bytes(export_frame(other))
    finally:
        other.engine.dispose()


def test_a_label_file_with_an_unknown_value_stores_nothing(app: BuildApp, store: Store) -> None:
    csv = (
        "text,task,target,value,annotator,span_start,span_end\n"
        "Kalimat pertama.,bias,,not-biased,budi,,\n"
        "Kalimat kedua.,bias,,biased,budi,0,500\n"  # a cue span past the end of the sentence
    )
    at = upload(app(PAGE), "import.labels.0", "bad.csv", csv.encode(), "text/csv")
    at.button(key="import.labels_commit").click().run()
    assert not at.exception
    assert at.error, messages(at)
    assert labels(store, "budi") == set()
    assert len(documents(store)) == 2
