"""Sentence splitting: properties on arbitrary text, then the tricky cases."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from annotator import sentences as sentences_module
from annotator.sentences import Span, split_sentences

SEEDS = Path(__file__).resolve().parent.parent / "seeds"


def sentences(text: str, language: str = "id") -> list[str]:
    return [text[s.start : s.end] for s in split_sentences(text, language=language)]


# Text built from the characters the rules care about, so Hypothesis reaches
# abbreviations, quotes and line breaks far more often than with random text.
news_alphabet = st.sampled_from(
    [
        *"aAbXJ .!?…,“”\"'‘’()–—-\n\r\t\u00a0\u2028 0123",
        *["Rp.", "Dr.", "dll.", "U.S.", "No.", " Ia ", "kata", "12/8"],
    ]
)
news_like = st.lists(news_alphabet, max_size=60).map("".join)
any_text = st.one_of(st.text(max_size=80), news_like)


@settings(max_examples=300, deadline=None)
@given(any_text)
def test_splitting_loses_no_character(text: str) -> None:
    covered = [False] * len(text)
    for span in split_sentences(text):
        for i in range(span.start, span.end):
            covered[i] = True
    assert all(c or char.isspace() for c, char in zip(covered, text, strict=True))


@settings(max_examples=300, deadline=None)
@given(any_text)
def test_spans_are_increasing_non_empty_and_trimmed(text: str) -> None:
    previous_end = 0
    for span in split_sentences(text):
        assert previous_end <= span.start < span.end <= len(text)
        assert not text[span.start].isspace()
        assert not text[span.end - 1].isspace()
        previous_end = span.end


@settings(max_examples=300, deadline=None)
@given(any_text)
def test_no_sentence_crosses_a_line_break(text: str) -> None:
    for sentence in sentences(text):
        assert len(sentence.splitlines()) == 1


@settings(max_examples=300, deadline=None)
@given(any_text)
def test_splitting_one_sentence_again_gives_it_back_whole(text: str) -> None:
    for sentence in sentences(text):
        assert split_sentences(sentence) == [Span(0, len(sentence))]


def test_empty_and_blank_text_has_no_sentence() -> None:
    assert split_sentences("") == []
    assert split_sentences(" \n\t \r\n") == []


def test_spans_are_offsets_into_the_given_text() -> None:
    text = "  Satu dua.  Tiga empat?\n\nLima!  "
    assert split_sentences(text) == [Span(2, 11), Span(13, 24), Span(26, 31)]


def test_a_newline_always_ends_a_sentence() -> None:
    assert sentences("Kata Dr.\nBudi datang\r\ndan pergi") == [
        "Kata Dr.",
        "Budi datang",
        "dan pergi",
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # Currency, streets, companies, titles: the period is not an end.
        ("Harganya Rp15.000 per kilo. Naik lagi.", ["Harganya Rp15.000 per kilo.", "Naik lagi."]),
        ("Biayanya Rp. 20.000 saja. Murah.", ["Biayanya Rp. 20.000 saja.", "Murah."]),
        ("Kantornya di Jl. Sudirman No. 5 Jakarta.", ["Kantornya di Jl. Sudirman No. 5 Jakarta."]),
        (
            "Ia bekerja di PT. Maju Jaya. Gajinya besar.",
            ["Ia bekerja di PT. Maju Jaya.", "Gajinya besar."],
        ),
        ("Ia diperiksa dr. Andi. Hasilnya baik.", ["Ia diperiksa dr. Andi.", "Hasilnya baik."]),
        (
            "Menurut Prof. Dr. Budi Santoso, itu benar.",
            ["Menurut Prof. Dr. Budi Santoso, itu benar."],
        ),
        ("Ruang No. 5 penuh. Ruang lain kosong.", ["Ruang No. 5 penuh.", "Ruang lain kosong."]),
        # Numbers with separators are never split (no space after the mark).
        (
            "Inflasi 3,5 persen. Angka 1.2 juta naik.",
            ["Inflasi 3,5 persen.", "Angka 1.2 juta naik."],
        ),
        ("Itu terjadi pada 2021. Lalu berhenti.", ["Itu terjadi pada 2021.", "Lalu berhenti."]),
        ("1. Pertama datang. 2. Kedua pergi.", ["1. Pertama datang.", "2. Kedua pergi."]),
        # dll. ends a sentence only before a capitalised word.
        ("Ada apel, jeruk, dll. Semua segar.", ["Ada apel, jeruk, dll.", "Semua segar."]),
        ("Ada apel, dll. yang segar.", ["Ada apel, dll. yang segar."]),
        ("Ada buku, pena, dsb. 5 orang membeli.", ["Ada buku, pena, dsb. 5 orang membeli."]),
        # Brackets, handles, URLs, e-mail addresses.
        (
            "Musk mewawancarai Trump pada Senin (12/8). Lalu selesai.",
            ["Musk mewawancarai Trump pada Senin (12/8).", "Lalu selesai."],
        ),
        ("Akun resmi @realDonaldTrump. Ia aktif.", ["Akun resmi @realDonaldTrump.", "Ia aktif."]),
        (
            "Buka https://x.com/a.b?c=1 atau tulis ke a.b@kumparan.co.id. Terima kasih.",
            ["Buka https://x.com/a.b?c=1 atau tulis ke a.b@kumparan.co.id.", "Terima kasih."],
        ),
        # Other terminal marks.
        ("Apa? Ya! Tunggu… Baik.", ["Apa?", "Ya!", "Tunggu…", "Baik."]),
        ("Dia diam... lalu pergi. Tamat.", ["Dia diam... lalu pergi.", "Tamat."]),
        # Dashes continue a sentence.
        (
            "Kamala Harris—sejak dicalonkan sebagai kandidat Demokrat—dalam jajak pendapat.",
            ["Kamala Harris—sejak dicalonkan sebagai kandidat Demokrat—dalam jajak pendapat."],
        ),
        (
            "Serangan – atau DDoS – adalah upaya. Itu nyata.",
            ["Serangan – atau DDoS – adalah upaya.", "Itu nyata."],
        ),
        ("Bagian dari kampanye Trump. – Migrasi.", ["Bagian dari kampanye Trump. – Migrasi."]),
        # Initials belong to names; a lone capital after a lowercase word ends.
        ("Surat dari B. J. Habibie tiba.", ["Surat dari B. J. Habibie tiba."]),
        ("Ia pindah ke X. Lalu diam.", ["Ia pindah ke X.", "Lalu diam."]),
    ],
)
def test_indonesian_tricky_cases(text: str, expected: list[str]) -> None:
    assert sentences(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("J. Smith arrived. He sat down.", ["J. Smith arrived.", "He sat down."]),
        ("George W. Bush spoke today.", ["George W. Bush spoke today."]),
        (
            "She moved to the U.S. in 2010. Then she left.",
            ["She moved to the U.S. in 2010.", "Then she left."],
        ),
        ("Fruit, e.g. apples, is good. Eat it.", ["Fruit, e.g. apples, is good.", "Eat it."]),
        (
            "Mr. Jones met Mrs. Lee on St. Mark's Road.",
            ["Mr. Jones met Mrs. Lee on St. Mark's Road."],
        ),
        ("Apples, pears, etc. Then came the rest.", ["Apples, pears, etc.", "Then came the rest."]),
        ("It closed at 5 p.m. The crowd left.", ["It closed at 5 p.m.", "The crowd left."]),
        ("See Smith et al. (2020) for details.", ["See Smith et al. (2020) for details."]),
        ("Is it true? Yes! It is.", ["Is it true?", "Yes!", "It is."]),
        ('"Wow!" he said. Then silence.', ['"Wow!" he said.', "Then silence."]),
    ],
)
def test_english_tricky_cases(text: str, expected: list[str]) -> None:
    assert sentences(text, language="en") == expected


def test_a_quote_followed_by_its_attribution_stays_one_sentence() -> None:
    text = "“Ini hebat,” kata Musk. Lalu ia pergi."
    assert sentences(text) == ["“Ini hebat,” kata Musk.", "Lalu ia pergi."]


def test_a_quotation_ending_a_sentence_splits_after_the_closing_quote() -> None:
    text = "Dia menyebut produk Tesla “hebat.” Berikutnya dia pergi."
    assert sentences(text) == ["Dia menyebut produk Tesla “hebat.”", "Berikutnya dia pergi."]


def test_a_quoted_exclamation_before_a_lowercase_verb_is_not_an_end() -> None:
    assert sentences("“Hebat!” seru dia. Semua diam.") == ["“Hebat!” seru dia.", "Semua diam."]


def test_sentences_inside_a_quotation_closed_on_the_line_are_not_split() -> None:
    # Documented choice: the quoted speech stays whole with its attribution.
    text = "“Kami menang. Terima kasih,” kata Budi. Semua bersorak."
    assert sentences(text) == ["“Kami menang. Terima kasih,” kata Budi.", "Semua bersorak."]


def test_an_unclosed_quotation_does_not_stop_splitting() -> None:
    text = "“Kami menang. Terima kasih. Sampai jumpa."
    assert sentences(text) == ["“Kami menang.", "Terima kasih.", "Sampai jumpa."]


def test_kumparan_musk_quote_stays_with_its_attribution() -> None:
    line = (
        '"Tampaknya ada serangan DDOS (Distributed Denial of Service) besar-besaran pada X. '
        'Berusaha untuk menghentikannya," tulis Musk dalam platformnya, seperti dikutip dari AFP.'
    )
    assert sentences(line) == [line]


def seed_sentences(name: str) -> list[str]:
    return sentences((SEEDS / name).read_text(encoding="utf-8"))


def test_kumparan_seed_sentences() -> None:
    found = seed_sentences("kumparan-musk-trump-serangan-siber.txt")
    assert (
        "Pemilik media sosial X, Elon Musk, berusaha melakukan wawancara dengan Calon Presiden Amerika Serikat Donald Trump di platform miliknya pada Senin (12/8)."
        in found
    )
    assert 'Diskusi bertajuk "tanpa batas" itu terlambat dimulai lebih dari setengah jam.' in found
    assert "Sejumlah akun juga tak dapat mendengarkan percakapan secara langsung." in found
    assert (
        "Trump sempat dilarang menggunakan Twitter imbas serbuan pendukungnya ke Gedung Capitol AS pada Januari 2021."
        in found
    )
    assert (
        "Lalu Musk mengaktifkan kembali akun Trump saat mengambil alih platform itu dan mengganti namanya menjadi X."
        in found
    )
    assert (
        "Kini pria Republik itu mengunggah berbagai iklan kampanye hingga sematan tautan ke situs webnya dalam akun resmi @realDonaldTrump."
        in found
    )
    assert (
        '"Kami telah menguji sistem ini dengan 8 juta pendengar secara bersamaan sebelumnya,” tulis Musk dalam unggahan terpisah.'
        in found
    )
    assert any(
        s.startswith("Sementara itu, Trump masih berjuang") and s.endswith("pemilu AS.")
        for s in found
    )
    # Boilerplate lines stay (removing them is boilerplate.clean's job), one per line.
    assert found[:3] == [
        "Tentang KamiPedoman Media SiberKetentuan & Kebijakan PrivasiPanduan KomunitasPeringkat PenulisCara Menulis di kumparanInformasi Kerja SamaBantuanIklanKarir",
        "2025 © PT Dynamo Media Network",
        "Version 1.94.0",
    ]
    assert len(found) == 29


def test_bbc_seed_sentences() -> None:
    found = seed_sentences("bbc-indonesia-musk-trump-ddos.txt")
    assert (
        "Mei 2023 menandai masuknya Gubernur Florida Ron DeSantis ke dalam pemilihan presiden."
        in found
    )
    assert "Masukkan X dan lihat streaming langsung tidak berfungsi." in found
    assert (
        "Dia baru-baru ini mengatakan bahwa dia “tidak punya pilihan” selain mendukung kendaraan listrik karena dukungan dari Musk, dan pada hari Senin menyebut produk Tesla “hebat.”"
        in found
    )
    assert any(
        s.startswith("Wawancara pada hari Senin menyentuh") and s.endswith("– Migrasi.")
        for s in found
    )
    assert (
        "Serangan penolakan layanan terdistribusi – atau serangan DDoS – adalah upaya untuk membuat situs web sulit digunakan atau membebani situs secara berlebihan sehingga tidak dapat diakses."
        in found
    )
    assert (
        "“Serangan DDoS mengirimkan sejumlah besar sinyal untuk mengganggu target online,” kata Anthony Lim, direktur Pusat Kajian Internasional dan Dunia Maya Strategis di Singapura, kepada BBC."
        in found
    )
    assert found[-1] == "Source link"
    assert len(found) == 44


# --- Faster internals, against the straightforward code they replaced. ---
# The old candidate pattern captured the punctuation run, and lines were the
# runs of this pattern; each is compared with what replaced it.
OLD_CANDIDATE = re.compile(r"([.!?…]+)[\"'”’»)\]]*(?=\s+[\"'“‘„«(\[]*(\S))")
OLD_LINE = re.compile(r"[^\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]+")


@settings(max_examples=300, deadline=None)
@given(any_text)
def test_the_candidate_pattern_finds_what_the_old_one_found(text: str) -> None:
    old = [(m.span(), m.group(2), m.group(1) == ".") for m in OLD_CANDIDATE.finditer(text)]
    new = [
        (m.span(), m.group(1), text[m.start()] == "." and text[m.start() + 1] not in ".!?…")
        for m in sentences_module._CANDIDATE.finditer(text)
    ]
    assert new == old


@settings(max_examples=300, deadline=None)
@given(any_text)
def test_lines_are_the_old_stripped_runs_between_line_breaks(text: str) -> None:
    expected = []
    for line in OLD_LINE.finditer(text):
        raw = line.group()
        if raw.strip():
            start = line.start() + len(raw) - len(raw.lstrip())
            expected.append((start, start + len(raw.strip())))
    assert list(sentences_module._lines(text)) == expected
