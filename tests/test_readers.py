"""Reading article files: every format, then every kind of bad input."""

from __future__ import annotations

import json
import random
import time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from annotator.problems import Problem, errors
from annotator.readers import FORMATS, RawArticle, read_articles, read_path

SEEDS = Path(__file__).resolve().parent.parent / "seeds"


def read(text: str | bytes, name: str, **options: object) -> tuple[list[RawArticle], list[Problem]]:
    data = text.encode("utf-8") if isinstance(text, str) else text
    return read_articles(data, name, **options)  # type: ignore[arg-type]


def read_one(text: str | bytes, name: str, **options: object) -> RawArticle:
    articles, problems = read(text, name, **options)
    assert problems == []
    assert len(articles) == 1
    return articles[0]


def only_error(text: str | bytes, name: str, **options: object) -> Problem:
    articles, problems = read(text, name, **options)
    assert articles == []
    assert len(problems) == 1
    assert problems[0].severity == "error"
    assert problems[0].file == name
    return problems[0]


# --- plain text ----------------------------------------------------------------


def test_a_text_file_is_one_article_with_the_given_metadata() -> None:
    text = "Judul\n\nParagraf pertama.\nParagraf kedua.\n"
    article = read_one(
        text,
        "berita.txt",
        outlet="kumparan",
        title="Judul",
        published="2024-08-13T10:28:00+07:00",
        language="id",
        url="https://kumparan.com/x",
    )
    assert article == RawArticle(
        text=text,
        source="berita.txt",
        line=1,
        outlet="kumparan",
        title="Judul",
        url="https://kumparan.com/x",
        published="2024-08-13T10:28:00+07:00",
        language="id",
    )


def test_a_utf8_byte_order_mark_is_accepted_and_dropped() -> None:
    assert read_one(b"\xef\xbb\xbfBerita hari ini.", "a.txt").text == "Berita hari ini."


def test_blank_options_count_as_not_given() -> None:
    article = read_one("Berita.", "a.txt", outlet="  ", title="", language=None)
    assert (article.outlet, article.title, article.language) == (None, None, None)


def test_read_path_reads_a_seed_file(tmp_path: Path) -> None:
    articles, problems = read_path(
        SEEDS / "kumparan-musk-trump-serangan-siber.txt", outlet="kumparan"
    )
    assert problems == []
    assert articles[0].source == "kumparan-musk-trump-serangan-siber.txt"
    assert articles[0].outlet == "kumparan"
    assert "serangan DDOS" in articles[0].text


def test_read_path_reports_a_missing_file(tmp_path: Path) -> None:
    articles, problems = read_path(tmp_path / "hilang.txt")
    assert articles == []
    assert problems[0].file == "hilang.txt"
    assert "cannot read the file" in problems[0].message


# --- Markdown ------------------------------------------------------------------

MARKDOWN = """\
---
title: "Musk dan Trump di X"
outlet: Contoh Media
date: 2024-08-13
url: https://contoh.example/musk
lang: id
tags: [teknologi]
---
# Judul dalam dokumen

Wawancara **Elon Musk** dengan _Donald Trump_ di [X](https://x.com)
terganggu ![logo](logo.png) serangan `DDoS`.

<div class="iklan">ADVERTISEMENT</div>

```python
print("kode tidak ikut")
```

- Poin pertama yang penting.
- Poin kedua yang [juga penting][ref].

> Kutipan dari Musk yang panjang.

## Subjudul

Paragraf *terakhir* ~~dihapus~~ di sini\\.

[ref]: https://contoh.example/ref
"""


def test_markdown_front_matter_gives_metadata_and_markup_is_stripped() -> None:
    article = read_one(MARKDOWN, "musk.md", outlet="dari opsi")
    assert article.text.split("\n") == [
        "Judul dalam dokumen",
        "Wawancara Elon Musk dengan Donald Trump di X terganggu serangan DDoS.",
        "ADVERTISEMENT",
        "Poin pertama yang penting.",
        "Poin kedua yang juga penting.",
        "Kutipan dari Musk yang panjang.",
        "Subjudul",
        "Paragraf terakhir dihapus di sini.",
    ]
    assert article.title == "Musk dan Trump di X"
    assert article.outlet == "Contoh Media"  # the file's own metadata beats the default
    assert (article.published, article.url, article.language) == (
        "2024-08-13",
        "https://contoh.example/musk",
        "id",
    )


def test_markdown_first_heading_becomes_the_title_when_none_is_given() -> None:
    article = read_one("Pengantar singkat.\n\n# Judul Utama\n\nIsi berita.\n\n# Lain\n", "a.md")
    assert article.title == "Judul Utama"
    assert article.text == "Pengantar singkat.\nIsi berita.\nLain"


def test_markdown_soft_wrapped_lines_join_and_a_wrapped_year_is_not_a_list() -> None:
    text = "Trump dilarang di Twitter pada\n2021. Lalu Musk mengaktifkan\nkembali akunnya.\n\n1. Satu.\n2. Dua.\n"
    article = read_one(text, "a.md")
    assert article.text.split("\n") == [
        "Trump dilarang di Twitter pada 2021. Lalu Musk mengaktifkan kembali akunnya.",
        "Satu.",
        "Dua.",
    ]


def test_markdown_setext_heading_becomes_the_title() -> None:
    article = read_one("Judul Utama\n===========\n\nIsi berita.\n", "a.markdown")
    assert (article.title, article.text) == ("Judul Utama", "Isi berita.")


def test_markdown_heading_stays_in_the_text_when_a_title_is_given() -> None:
    article = read_one("# Judul Utama\n\nIsi berita.\n", "a.md", title="Dari opsi")
    assert (article.title, article.text) == ("Dari opsi", "Judul Utama\nIsi berita.")


def test_markdown_front_matter_with_a_bad_date_is_an_error_on_its_line() -> None:
    problem = only_error("---\ntitle: A\npublished: 13 Agustus 2024\n---\nIsi.\n", "a.md")
    assert (problem.line, problem.field) == (3, "published")


def test_markdown_front_matter_never_closed_is_read_as_text_with_a_warning() -> None:
    articles, problems = read("---\nIsi berita tanpa penutup.\n", "a.md")
    assert articles[0].text == "Isi berita tanpa penutup."
    assert [(p.severity, p.line) for p in problems] == [("warning", 1)]


def test_markdown_with_only_markup_is_an_error() -> None:
    assert "no text" in only_error("```\nkode\n```\n![x](y.png)\n", "a.md").message


# --- HTML ----------------------------------------------------------------------

HTML = """<!DOCTYPE html>
<html lang="id-ID"><head><meta charset="utf-8">
<title>Musk dan Trump | Contoh Berita</title>
<meta property="og:title" content="Wawancara Musk dan Trump terganggu">
<meta property="og:site_name" content="Contoh Berita">
<meta property="article:published_time" content="2024-08-13T10:28:00+07:00">
<link rel="canonical" href="https://contoh.example/berita/musk-trump">
</head><body>
<header><nav><ul><li><a href="/">Beranda</a></li><li><a href="/politik">Politik</a></li>
<li><a href="/tekno">Tekno</a></li></ul></nav></header>
<div class="ad">ADVERTISEMENT Beli sekarang, diskon besar-besaran untuk semua produk!</div>
<main><article>
<h1>Wawancara Musk dan Trump terganggu</h1>
<p>Pemilik media sosial X, Elon Musk, berusaha mewawancarai Donald Trump di platform miliknya pada Senin (12/8).</p>
<p>Wawancara yang telah lama ditunggu-tunggu itu dimulai dengan berbagai hambatan, kata Musk kepada wartawan.</p>
<aside class="related"><a href="/x">Baca juga: Berita lain yang menarik sekali</a></aside>
<p>Diskusi itu terlambat dimulai lebih dari setengah jam, dan sejumlah akun tak dapat mendengarkan “percakapan”.</p>
</article></main>
<footer><p>Tentang Kami · Pedoman Media Siber · Kebijakan Privasi</p>
<p>© 2024 Contoh Berita. Hak cipta dilindungi.</p></footer>
</body></html>
"""

HTML_PARAGRAPHS = [
    "Pemilik media sosial X, Elon Musk, berusaha mewawancarai Donald Trump di platform miliknya pada Senin (12/8).",
    "Wawancara yang telah lama ditunggu-tunggu itu dimulai dengan berbagai hambatan, kata Musk kepada wartawan.",
    "Diskusi itu terlambat dimulai lebih dari setengah jam, dan sejumlah akun tak dapat mendengarkan “percakapan”.",
]


def test_html_gives_only_the_article_paragraphs_and_the_page_metadata() -> None:
    article = read_one(HTML, "musk.html")
    assert article.text.split("\n") == HTML_PARAGRAPHS
    assert article.title == "Wawancara Musk dan Trump terganggu"
    assert article.outlet == "Contoh Berita"
    assert article.published == "2024-08-13"
    assert article.url == "https://contoh.example/berita/musk-trump"
    assert article.language == "id"


def test_html_metadata_given_by_the_caller_wins_over_the_page() -> None:
    article = read_one(HTML, "musk.htm", title="Judul saya", outlet="Media saya", language="en")
    assert (article.title, article.outlet, article.language) == ("Judul saya", "Media saya", "en")


def test_html_declared_charset_is_used_when_no_encoding_is_given() -> None:
    page = HTML.replace('charset="utf-8"', 'charset="windows-1252"').encode("cp1252")
    assert read_one(page, "musk.html").text.split("\n") == HTML_PARAGRAPHS


def test_html_without_article_text_is_an_error() -> None:
    page = "<html><head><title>Kosong</title></head><body><script>var x = 1;</script></body></html>"
    problem = only_error(page, "x.html")
    assert "no article text" in problem.message


# --- CSV -----------------------------------------------------------------------


def csv_text(*rows: str) -> str:
    return "\r\n".join(rows) + "\r\n"


def test_csv_cells_may_hold_newlines_commas_and_typographic_quotes() -> None:
    text = csv_text(
        "id,outlet,title,text,published,language",
        '7,kumparan,"Musk, Trump","Paragraf satu, dengan koma.\nParagraf dua ""dikutip"" dan “hebat.”",2024-08-13,id',
        '8,,Tanpa outlet,"Satu baris saja.",,',
    )
    articles, problems = read(text, "berita.csv", outlet="Bawaan", language="en")
    assert problems == []
    assert articles == [
        RawArticle(
            text='Paragraf satu, dengan koma.\nParagraf dua "dikutip" dan “hebat.”',
            source="berita.csv",
            line=2,
            outlet="kumparan",
            title="Musk, Trump",
            published="2024-08-13",
            language="id",
            document_id="7",
        ),
        RawArticle(
            text="Satu baris saja.",
            source="berita.csv",
            line=4,
            outlet="Bawaan",
            title="Tanpa outlet",
            language="en",
            document_id="8",
        ),
    ]


def test_csv_document_id_column_wins_over_id_and_blank_rows_are_skipped() -> None:
    text = csv_text("document_id,id,text", "a-1,9,Isi pertama.", "", ",10,Isi kedua.")
    articles, problems = read(text, "a.csv")
    assert problems == []
    assert [(a.document_id, a.line) for a in articles] == [("a-1", 2), ("10", 4)]


def test_csv_separated_by_semicolons_with_a_bom_is_read() -> None:
    articles, problems = read(b"\xef\xbb\xbfText;Outlet\nIsi berita, dengan koma.;BBC\n", "a.csv")
    assert problems == []
    assert (articles[0].text, articles[0].outlet) == ("Isi berita, dengan koma.", "BBC")


def test_csv_unknown_columns_give_one_warning_listing_them() -> None:
    articles, problems = read(csv_text("text,penulis,kategori", "Isi.,Budi,Politik"), "a.csv")
    assert len(articles) == 1
    assert len(problems) == 1
    assert problems[0].severity == "warning"
    assert "penulis" in problems[0].message and "kategori" in problems[0].message


def test_csv_without_a_text_column_is_an_error_on_the_header() -> None:
    problem = only_error(csv_text("isi,outlet", "Berita.,BBC"), "a.csv")
    assert (problem.line, problem.field) == (1, "text")
    assert "header" in problem.message


@pytest.mark.parametrize(
    ("row", "field", "words"),
    [
        ('"   ",BBC,2024-08-13,id', "text", "empty text"),
        ("Isi.,BBC,13/08/2024,id", "published", "ISO 8601"),
        ("Isi.,BBC,2024-02-30,id", "published", "ISO 8601"),
        ("Isi.,BBC,2024-08-13,Indonesia", "language", "2-3 lowercase letters"),
        ("Isi.,BBC,2024-08-13,ID", "language", "2-3 lowercase letters"),
    ],
)
def test_csv_bad_values_are_errors_with_line_and_field(row: str, field: str, words: str) -> None:
    text = csv_text("text,outlet,published,language", "Baris baik.,BBC,2024-08-13,id", row)
    articles, problems = read(text, "a.csv")
    assert [a.line for a in articles] == [2]
    assert [(p.line, p.field, p.severity) for p in problems] == [(3, field, "error")]
    assert words in problems[0].message


def test_csv_unclosed_quote_is_an_error_at_the_record_start() -> None:
    text = csv_text("text,outlet", "Baik.,BBC", '"Tidak ditutup,BBC', "Baris lain.,BBC")
    articles, problems = read(text, "a.csv")
    assert [a.line for a in articles] == [2]
    assert [p.line for p in errors(problems)] == [3]
    assert "never closed" in problems[0].message


def test_csv_wrong_field_count_is_an_error_with_its_line() -> None:
    text = csv_text("text,outlet", "Baik.,BBC", "Terlalu,banyak,kolom", "Juga baik.,BBC")
    articles, problems = read(text, "a.csv")
    assert [a.line for a in articles] == [2, 4]
    assert [(p.line, p.message) for p in problems] == [
        (3, "expected 2 fields like the header, found 3")
    ]


def test_csv_with_a_header_and_no_rows_is_an_error() -> None:
    assert "no rows" in only_error("text,outlet\n", "a.csv").message


def test_csv_cells_longer_than_the_csv_module_default_limit_are_read() -> None:
    long_text = "Kalimat panjang sekali. " * 10_000
    assert read_one(csv_text("text", f'"{long_text}"'), "a.csv").text == long_text


# --- JSON Lines ----------------------------------------------------------------


def jsonl(*records: object) -> str:
    return "\n".join(
        r if isinstance(r, str) else json.dumps(r, ensure_ascii=False) for r in records
    )


def test_jsonl_reads_one_article_per_line_and_skips_blank_lines() -> None:
    text = jsonl(
        {"text": "Isi pertama.\nParagraf dua.", "outlet": "BBC", "id": 12},
        "",
        {
            "text": "Isi kedua \u2028 dengan pemisah.",
            "title": "Dua",
            "published": "2024-08-13T10:28:00Z",
        },
    )
    articles, problems = read(text, "a.jsonl", outlet="Bawaan")
    assert problems == []
    assert [(a.line, a.outlet, a.document_id, a.title) for a in articles] == [
        (1, "BBC", "12", None),
        (3, "Bawaan", None, "Dua"),
    ]
    assert articles[1].text == "Isi kedua \u2028 dengan pemisah."


@pytest.mark.parametrize(
    ("line", "field", "words"),
    [
        ('{"text": "Isi.", ', None, "not valid JSON"),
        ('["Isi."]', None, "expected a JSON object"),
        ('{"outlet": "BBC"}', "text", "missing key 'text'"),
        ('{"text": ""}', "text", "empty text"),
        ('{"text": 5}', "text", "expected a string"),
        ('{"text": "Isi.", "title": ["a"]}', "title", "expected a string"),
        ('{"text": "Isi.", "published": "kemarin"}', "published", "ISO 8601"),
        ('{"text": "Isi.", "language": "indonesia"}', "language", "2-3 lowercase letters"),
    ],
)
def test_jsonl_bad_lines_are_errors_with_line_and_field(
    line: str, field: str | None, words: str
) -> None:
    articles, problems = read(jsonl({"text": "Baik."}, line, {"text": "Juga baik."}), "a.ndjson")
    assert [a.line for a in articles] == [1, 3]
    assert [(p.line, p.field, p.severity) for p in problems] == [(2, field, "error")]
    assert words in problems[0].message


def test_jsonl_unknown_keys_give_one_warning_listing_them() -> None:
    articles, problems = read(
        jsonl({"text": "A.", "author": "x"}, {"text": "B.", "tags": []}), "a.jsonl"
    )
    assert len(articles) == 2
    assert [p.severity for p in problems] == ["warning"]
    assert "author" in problems[0].message and "tags" in problems[0].message


# --- bad input -----------------------------------------------------------------


def test_an_unknown_extension_names_the_file_and_the_supported_ones() -> None:
    problem = only_error("Isi.", "berita.docx")
    assert ".docx" in problem.message
    assert all(extension in problem.message for extension in FORMATS)


def test_the_supported_extensions() -> None:
    assert set(FORMATS) == {
        ".txt",
        ".md",
        ".markdown",
        ".html",
        ".htm",
        ".csv",
        ".jsonl",
        ".ndjson",
    }


def test_extension_case_does_not_matter() -> None:
    assert read_one("Isi berita.", "BERITA.TXT").source == "BERITA.TXT"


@pytest.mark.parametrize(
    "data",
    [
        b"Isi\x00berita.",
        bytes(range(1, 32)) * 100,
        b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj",
        b"PK\x03\x04\x14\x00\x06\x00",
    ],
    ids=["nul", "control-bytes", "pdf", "zip"],
)
def test_binary_data_is_rejected(data: bytes) -> None:
    assert "looks like a binary file" in only_error(data, "a.txt").message


def test_five_megabytes_of_random_bytes_are_rejected_quickly_as_binary() -> None:
    data = random.Random(7).randbytes(5_000_000)
    started = time.perf_counter()
    problem = only_error(data, "sampah.csv")
    assert time.perf_counter() - started < 1.0
    assert "binary" in problem.message


def test_non_utf8_text_names_line_and_byte_and_suggests_an_encoding() -> None:
    data = "Baris satu.\nHarga naik – café.\n".encode("cp1252")
    problem = only_error(data, "a.txt")
    assert problem.line == 2
    assert "byte 0x96 at byte 12 of the line" in problem.message
    assert "--encoding" in problem.message and "cp1252" in problem.message


def test_the_given_encoding_is_used() -> None:
    data = "Harga naik – café.".encode("cp1252")
    assert read_one(data, "a.txt", encoding="cp1252").text == "Harga naik – café."


def test_utf16_with_a_byte_order_mark_is_read() -> None:
    assert read_one("Isi berita.".encode("utf-16"), "a.txt").text == "Isi berita."


def test_an_unknown_encoding_is_an_error() -> None:
    problem = only_error(b"Isi.", "a.txt", encoding="klingon-8")
    assert problem.field == "encoding"


@pytest.mark.parametrize(("data", "words"), [(b"", "empty"), (b" \n\t\r\n ", "only whitespace")])
def test_empty_and_blank_files_are_errors(data: bytes, words: str) -> None:
    assert words in only_error(data, "a.txt").message


def test_a_file_over_the_size_limit_is_rejected(tmp_path: Path) -> None:
    assert "limit" in only_error(b"x" * 101, "a.txt", max_bytes=100).message
    path = tmp_path / "besar.txt"
    path.write_bytes(b"x" * 101)
    articles, problems = read_path(path, max_bytes=100)
    assert articles == [] and "limit" in problems[0].message


@pytest.mark.parametrize(
    ("options", "field"),
    [({"published": "13 Agustus 2024"}, "published"), ({"language": "Bahasa"}, "language")],
)
def test_invalid_default_metadata_is_an_error(options: dict[str, str], field: str) -> None:
    assert only_error("Isi.", "a.txt", **options).field == field


@settings(max_examples=60, deadline=None)
@given(st.binary(max_size=300), st.sampled_from(sorted(FORMATS)))
def test_no_input_makes_a_reader_raise(data: bytes, extension: str) -> None:
    articles, problems = read_articles(data, f"x{extension}")
    assert articles or errors(problems)
