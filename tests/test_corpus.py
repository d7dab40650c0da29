"""Importing articles: the seeds, duplicates, and bad input that must change nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from annotator import corpus
from annotator.bootstrap import SEEDS_DIR, seed_articles
from annotator.readers import RawArticle
from annotator.storage import Store
from annotator.storage import texts as texts_sql

BOILERPLATE = [
    "ADVERTISEMENT",
    "waktu baca",
    "Source link",
    "Version 1.94.0",
    "Dynamo Media Network",
    "Getty Images",
    "mengikat",
    "Lebih lanjut tentang pemilu AS",
    "berkontribusi pada laporan ini",
    "Tentang Kami",
]


def _snapshot(store: Store) -> tuple[int, int, int]:
    with store.read() as conn:
        return (
            texts_sql.count_documents(conn),
            texts_sql.count_sentences(conn),
            len(texts_sql.outlet_counts(conn)),
        )


def test_the_seeds_become_exactly_their_article_sentences(store: Store) -> None:
    with store.read() as conn:
        documents = texts_sql.list_documents(conn)
        assert [(d.outlet, d.sentence_count) for d in documents] == [
            ("BBC News Indonesia", 39),
            ("kumparan", 19),
        ]
        for document in documents:
            body = texts_sql.document_text(conn, document.id)
            sentences = texts_sql.sentences_of(conn, document.id)
            for sentence in sentences:
                assert body[sentence.start_char : sentence.end_char] == sentence.text
                assert not any(b in sentence.text for b in BOILERPLATE), sentence.text
            texts = [s.text for s in sentences]
            if document.outlet == "kumparan":
                assert texts[0].startswith("Pemilik media sosial X, Elon Musk")
                assert texts[-1].endswith("mendengarkan berita di saluran konservatif.")
                assert (
                    document.title
                    == "Wawancara Trump dan Elon Musk di X Terganggu 'Serangan Siber'"
                )
            else:
                assert texts[0].startswith("Wawancara Elon Musk dengan calon presiden")
                assert texts[-1].endswith("menjelang pemilu.")


def test_every_seed_character_outside_boilerplate_is_in_a_sentence(store: Store) -> None:
    with store.read() as conn:
        for document in texts_sql.list_documents(conn):
            body = texts_sql.document_text(conn, document.id)
            covered = [False] * len(body)
            for s in texts_sql.sentences_of(conn, document.id):
                covered[s.start_char : s.end_char] = [True] * (s.end_char - s.start_char)
            assert all(c.isspace() for c, inside in zip(body, covered, strict=True) if not inside)


def test_the_preview_shows_removed_boilerplate_and_stores_nothing(empty_store: Store) -> None:
    report = corpus.import_articles(empty_store, seed_articles(SEEDS_DIR), dry_run=True)
    assert report.ok and not report.stored
    removed = {r.text for d in report.documents for r in d.removed}
    assert "ADVERTISEMENT" in removed
    assert any("waktu baca" in r for r in removed)
    assert _snapshot(empty_store) == (0, 0, 0)


def test_an_article_imported_twice_is_reported_and_skipped(store: Store) -> None:
    report = corpus.import_articles(store, seed_articles(SEEDS_DIR))
    assert report.ok and not report.stored
    assert len(report.duplicates) == 2
    assert all("already imported" in p.message for p in report.problems)
    assert _snapshot(store) == (2, 58, 2)


def test_a_duplicate_within_one_batch_is_skipped(empty_store: Store) -> None:
    article = RawArticle(
        text="Satu kalimat yang cukup panjang di sini.", source="a.txt", outlet="X"
    )
    report = corpus.import_articles(empty_store, [article, article])
    assert report.stored and len(report.documents) == 1 and len(report.duplicates) == 1


def test_one_bad_file_stores_nothing_from_the_others(store: Store, tmp_path: Path) -> None:
    good = tmp_path / "good.txt"
    good.write_text("Presiden berbicara di depan wartawan pada hari Senin.\n", encoding="utf-8")
    bad = tmp_path / "bad.csv"
    bad.write_text("title,outlet\nA,B\n", encoding="utf-8")
    before = _snapshot(store)
    report = corpus.import_paths(store, [good, bad], outlet="Tempo")
    assert not report.ok and not report.stored
    assert any(p.file.endswith("bad.csv") and p.line == 1 for p in report.problems)
    assert _snapshot(store) == before


@pytest.mark.parametrize(
    ("name", "data", "expected"),
    [
        ("binary.txt", bytes(range(256)) * 40, "binary"),
        ("latin.txt", "Caf\xe9 di Jakarta ramai sekali hari ini.".encode("latin-1"), "UTF-8"),
        ("empty.txt", b"   \n\n", "empty"),
        ("broken.jsonl", b'{"text": "Satu kalimat."}\n{"text": \n', "line 2"),
        ("table.csv", b"outlet,title\nA,B\n", "text"),
        ("only-ads.txt", b"ADVERTISEMENT\nADVERTISEMENT\n", "no sentence"),
    ],
)
def test_bad_input_is_named_and_the_database_is_unchanged(
    store: Store, tmp_path: Path, name: str, data: bytes, expected: str
) -> None:
    path = tmp_path / name
    path.write_bytes(data)
    before = _snapshot(store)
    report = corpus.import_paths(store, [path], outlet="Tempo")
    assert not report.ok
    assert any(name in p.file and expected.lower() in str(p).lower() for p in report.problems), (
        report.problems
    )
    assert _snapshot(store) == before


def test_an_article_without_outlet_is_kept_with_a_warning(empty_store: Store) -> None:
    article = RawArticle(text="Sebuah kalimat berita yang cukup panjang.", source="x.txt")
    report = corpus.import_articles(empty_store, [article])
    assert report.stored
    assert [p.severity for p in report.problems] == ["warning"]
    assert report.documents[0].outlet == corpus.UNKNOWN_OUTLET


def test_scripts_and_markdown_in_articles_are_stored_verbatim(empty_store: Store) -> None:
    text = "Dia menulis <script>alert('x')</script> di forum itu. Lalu **tebal** dan [tautan](http://x) muncul."
    report = corpus.import_articles(
        empty_store, [RawArticle(text=text, source="x.txt", outlet="O")]
    )
    assert report.stored
    assert "<script>alert('x')</script>" in report.documents[0].sentence_texts()[0]
