"""Boilerplate removal: the seed articles' exact bodies, then each pattern."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from annotator import boilerplate
from annotator.boilerplate import Cleaned, RemovedLine, clean

SEEDS = Path(__file__).resolve().parent.parent / "seeds"
SEED_NAMES = ["bbc-indonesia-musk-trump-ddos.txt", "kumparan-musk-trump-serangan-siber.txt"]

# Ground truth: every paragraph of the articles, in order, nothing else.
BBC_BODY = [
    "Wawancara Elon Musk dengan calon presiden dari Partai Republik Donald Trump dirusak oleh masalah teknis setelah miliarder teknologi itu terkena serangan dunia maya.",
    "Percakapan panjang, yang menurut Musk ditujukan untuk “pemilih independen yang berpikiran terbuka”, terlambat lebih dari 40 menit karena banyak pengguna kesulitan mendapatkan akses.",
    "Musk, mantan pemilik X di Twitter, mengatakan serangan penolakan layanan terdistribusi (DDoS) “menjenuhkan semua lini data kami”.",
    "Di akhir percakapan dua jam tersebut, Trump semakin menegaskan persetujuannya terhadap Trump dan meminta pemilih moderat untuk mendukung kampanye Partai Republik.",
    "“Ini adalah masa depan yang menarik dan menginspirasi yang dapat dinantikan orang-orang dan penuh harapan serta bersemangat mengenai apa yang akan terjadi selanjutnya,” kata Musk.",
    "Percakapan tersebut mengambil arah yang kurang menguntungkan.",
    "Lebih dari 20 menit setelah percakapan, Musk menyalahkan “serangan DDOS besar-besaran terhadap X” atas masalah dalam postingan tersebut, karena banyak pengguna mengalami kesulitan mengakses streaming langsung.",
    "Serangan penolakan layanan terdistribusi – atau serangan DDoS – adalah upaya untuk membuat situs web sulit digunakan atau membebani situs secara berlebihan sehingga tidak dapat diakses.",
    "Setelah percakapan antara kedua pria tersebut dimulai, Musk mengatakan dugaan serangan siber tersebut menunjukkan keengganan AS untuk mendengarkan Trump.",
    "Tidak jelas apa yang menyebabkan masalah teknis dalam percakapan audio X atau siapa yang berada di balik dugaan serangan tersebut.",
    "“Serangan DDoS mengirimkan sejumlah besar sinyal untuk mengganggu target online,” kata Anthony Lim, direktur Pusat Kajian Internasional dan Dunia Maya Strategis di Singapura, kepada BBC.",
    "“Ini tidak mungkin hanya mempengaruhi satu layanan atau fitur di sebuah situs web.”",
    "Mei 2023 menandai masuknya Gubernur Florida Ron DeSantis ke dalam pemilihan presiden. Masukkan X dan lihat streaming langsung tidak berfungsi.",
    "Percakapan tentang X terjadi ketika Trump, mantan presiden dan calon presiden dari Partai Republik, mencoba mengatur ulang kampanye pemilihannya kembali.",
    "Jajak pendapat menunjukkan bahwa pencalonan Wakil Presiden Kamala Harris dari Partai Demokrat telah membuat persaingan untuk menduduki Gedung Putih semakin ketat.",
    "Kampanye Harris mendapatkan momentum setelah ia menjadi pembawa standar Partai Demokrat ketika Presiden Joe Biden keluar dari pencalonan bulan lalu.",
    "Minggu depan, Harris dan pasangannya, Gubernur Minnesota Tim Walz, bisa mendapatkan dukungan lebih lanjut dari Konvensi Nasional Partai Demokrat di Chicago.",
    "Tim kampanye Trump berterus terang mengenai Harris yang tidak melakukan wawancara dan hanya menjawab sedikit pertanyaan dari wartawan sejak menerima nominasi tersebut bulan lalu.",
    "Pada hari Senin, Trump mengatakan “menyenangkan memiliki forum seperti ini” di X, di mana ia dapat berbicara panjang lebar.",
    "Musk, yang menjadi pembawa acara acara tersebut, telah menjadi suara yang semakin berpengaruh dalam politik.",
    "Dia memiliki lebih dari 190 juta pengikut di X, di mana dia sering terlibat dalam kontroversi politik.",
    "Dia juga baru-baru ini berpartisipasi dalam komite politik baru yang mendukung kampanye Trump.",
    "Hubungan antara kedua pria ini telah berubah selama bertahun-tahun, dan mereka pernah saling bertukar olok-olok secara online di masa lalu.",
    "Namun percakapan hari Senin antara keduanya berlangsung akrab dan tidak pernah konfrontatif.",
    "Meski skeptis terhadap kendaraan listrik, Trump sebelumnya berjanji untuk mengurangi subsidi federal, dan memuji produsen mobil Tesla, yang juga dimiliki Musk.",
    "Dia baru-baru ini mengatakan bahwa dia “tidak punya pilihan” selain mendukung kendaraan listrik karena dukungan dari Musk, dan pada hari Senin menyebut produk Tesla “hebat.”",
    "Musk mengatakan dia terbuka terhadap dukungan pemerintahan Trump terhadap usulan “komisi efisiensi pemerintah”.",
    "Menjelang perbincangan penting di situs media sosial yang dapat diakses oleh pengguna Eropa, kepala industri UE Thierry Breton mengatakan kepada Musk melalui surat untuk mematuhi undang-undang konten digital UE.",
    "UE mencurigai X melanggar aturannya dalam memerangi konten ilegal dan disinformasi.",
    "Sebagai tanggapan, Kepala Eksekutif X Linda Yaccarino menyebutnya sebagai “upaya yang belum pernah terjadi sebelumnya untuk memperluas undang-undang yang dimaksudkan untuk diterapkan di Eropa hingga aktivitas politik di AS.”",
    "“Hal ini juga menyemangati warga Eropa, menunjukkan bahwa mereka tidak dapat mendengarkan pembicaraan dan menarik kesimpulan sendiri.”",
    "Senin menandai kembalinya X/Twitter ke Trump, yang dikeluarkan dari platform tersebut setelah kerusuhan Capitol pada 6 Januari 2021.",
    "Selain iklan kampanye di akun Trump pada hari Senin, Musk hanya memposting satu kali – foto mug dan tautan ke situs kampanyenya – setahun yang lalu ketika dia mengaktifkan kembali akun X-nya pada tahun 2022.",
    "Tidak jelas apakah Trump, yang sering memposting di situs sosial Truth miliknya, akan terus memposting lebih sering di X.",
    "Wawancara pada hari Senin menyentuh berbagai topik, mulai dari upaya pembunuhan terhadap Trump pada rapat umum di Pennsylvania bulan lalu hingga keinginannya agar AS memperoleh sistem pertahanan rudal “Iron Dome” yang mirip dengan yang ada di Israel dan merupakan bagian penting dari kampanye Trump. – Migrasi.",
    "Trump juga mempertimbangkan untuk menutup Departemen Pendidikan federal dan mengalihkan tanggung jawab tersebut ke negara bagian sebagai salah satu langkah pertamanya jika ia memenangkan pemilu bulan November.",
    "Calon presiden dari Partai Republik itu juga berbicara tentang keputusan Biden untuk mundur dari pencalonan setelah kinerja debat yang buruk dan tekanan dari anggota parlemen Demokrat yang rentan, dan menggambarkannya sebagai sebuah “kudeta”.",
    "Biden, dalam wawancara akhir pekan dengan CBS, mengatakan dia mundur karena dia khawatir pertikaian mengenai pencalonannya akan menjadi “gangguan nyata” menjelang pemilu.",
]
KUMPARAN_BODY = [
    "Pemilik media sosial X, Elon Musk, berusaha melakukan wawancara dengan Calon Presiden Amerika Serikat Donald Trump di platform miliknya pada Senin (12/8).",
    "Wawancara yang telah lama ditunggu-tunggu itu dimulai dengan berbagai hambatan, Musk menyebut kendala tersebut sebagai serangan siber.",
    'Diskusi bertajuk "tanpa batas" itu terlambat dimulai lebih dari setengah jam. Sejumlah akun juga tak dapat mendengarkan percakapan secara langsung.',
    '"Tampaknya ada serangan DDOS (Distributed Denial of Service) besar-besaran pada X. Berusaha untuk menghentikannya," tulis Musk dalam platformnya, seperti dikutip dari AFP.',
    "Wawancara ini merupakan strategi kampanye terbaru Trump yang sebelumnya dianggap melemah sejak Presiden Joe Biden keluar dari persaingan.",
    "Musk telah menyatakan dukungannya terhadap Trump sejak seorang pria bersenjata mencoba membunuh pria 78 tahun itu dalam kampanye terbukanya Juli lalu.",
    "Namun, kendala teknis yang terjadi menjadi pengingat bahwa orang terkaya di dunia itu pernah membantu kampanye pesaing Trump, Ron DeSantis. Saat itu, kampanye di platformnya pun dilanda masalah.",
    '"Kami telah menguji sistem ini dengan 8 juta pendengar secara bersamaan sebelumnya,” tulis Musk dalam unggahan terpisah.',
    "Trump sempat dilarang menggunakan Twitter imbas serbuan pendukungnya ke Gedung Capitol AS pada Januari 2021. Lalu Musk mengaktifkan kembali akun Trump saat mengambil alih platform itu dan mengganti namanya menjadi X.",
    "Kini pria Republik itu mengunggah berbagai iklan kampanye hingga sematan tautan ke situs webnya dalam akun resmi @realDonaldTrump.",
    "Musk telah muncul sebagai tokoh utama dalam politik AS, namun ia juga dituduh mengubah X menjadi pemicu teori konspirasi sayap kanan.",
    "Dikutip dari AFP, Musk adalah salah satu kritikus Demokrat yang paling keras. Ia memanfaatkan 194 juta pengikutnya di X untuk menyerang upaya liberal dalam meningkatkan keberagaman dan inklusi.",
    "Orang terkaya versi Forbes itu sering menyebarkan misinformasi sayap kanan tentang imigran tak berdokumen dan penipuan pemilih.",
    "Sementara itu, Trump masih berjuang mendulang suara imbas tertinggal dari Kamala Harris—sejak dicalonkan sebagai kandidat Demokrat—dalam sejumlah jajak pendapat pemilu AS.",
    "Trump sengaja memanfaatkan platform Musk itu untuk merayu warga yang tidak menonton kampanye terbuka atau mendengarkan berita di saluran konservatif.",
]


def clean_seed(name: str) -> Cleaned:
    return clean((SEEDS / name).read_text(encoding="utf-8"))


def reasons(cleaned: Cleaned) -> list[tuple[int, str, str]]:
    return [(r.line, r.reason, r.text) for r in cleaned.removed]


def test_bbc_seed_keeps_exactly_the_article() -> None:
    cleaned = clean_seed("bbc-indonesia-musk-trump-ddos.txt")
    assert cleaned.text.split("\n") == BBC_BODY
    assert cleaned.kept_lines == tuple(range(3, 78, 2))
    assert cleaned.title is None


def test_bbc_seed_removes_caption_contributor_and_aggregator_lines() -> None:
    removed = reasons(clean_seed("bbc-indonesia-musk-trump-ddos.txt"))
    assert [(line, reason) for line, reason, _ in removed] == [
        (1, "photo caption/credit"),
        (79, "byline/contributor"),
        (81, "aggregator line"),
        (83, "aggregator line"),
        (85, "aggregator line"),
    ]
    assert [text for _, _, text in removed][1:] == [
        "João da Silva berkontribusi pada laporan ini",
        "mengikat",
        "Lebih lanjut tentang pemilu AS",
        "Source link",
    ]


def test_kumparan_seed_keeps_exactly_the_article() -> None:
    cleaned = clean_seed("kumparan-musk-trump-serangan-siber.txt")
    assert cleaned.text.split("\n") == KUMPARAN_BODY
    assert cleaned.kept_lines == (8, 10, 11, 12, 13, 14, 15, 17, 18, 19, 20, 21, 23, 24, 25)


def test_kumparan_seed_title_is_its_headline() -> None:
    cleaned = clean_seed("kumparan-musk-trump-serangan-siber.txt")
    assert cleaned.title == "Wawancara Trump dan Elon Musk di X Terganggu 'Serangan Siber'"


def test_kumparan_seed_removes_site_furniture_with_reasons() -> None:
    removed = reasons(clean_seed("kumparan-musk-trump-serangan-siber.txt"))
    assert [(line, reason) for line, reason, _ in removed] == [
        (1, "menu/navigation"),
        (2, "copyright"),
        (3, "version string"),
        (4, "headline"),
        (5, "date line"),
        (6, "separator"),
        (7, "reading-time line"),
        (7, "advertisement marker"),
        (9, "advertisement marker"),
        (16, "advertisement marker"),
        (22, "advertisement marker"),
    ]
    assert removed[6][2] == "waktu baca 2 menit"
    assert removed[7][2] == "ADVERTISEMENT"


ENGLISH_PAGE = """\
Skip to content
Home | News | Sport | Business | Culture
Musk blames cyber attack for delayed Trump interview
By Jane Doe, Technology reporter
Tuesday 13 August 2024
3 min read
Image source, Getty Images
Image caption, Elon Musk hosted the conversation on X
Elon Musk's conversation with Donald Trump on X was delayed by more than 40 minutes on Monday.
Advertisement
Musk blamed a "massive DDoS attack" for the problems, although the claim could not be verified.
"We tested the system with 8 million concurrent listeners earlier today," Musk wrote.
Read more: How X changed under Musk
The U.S. election is on 5 November. Polls suggest a close race.
Trump supporters gather in Washington, U.S., August 12, 2024. REUTERS/Kevin Lamarque
Reporting by John Smith; Editing by Mary Jones
Share this article on Facebook
More on this story
© 2024 BBC. All rights reserved.
"""


def test_english_article_keeps_the_body_and_finds_the_headline() -> None:
    cleaned = clean(ENGLISH_PAGE, language="en")
    assert cleaned.text.split("\n") == [
        "Elon Musk's conversation with Donald Trump on X was delayed by more than 40 minutes on Monday.",
        'Musk blamed a "massive DDoS attack" for the problems, although the claim could not be verified.',
        '"We tested the system with 8 million concurrent listeners earlier today," Musk wrote.',
        "The U.S. election is on 5 November. Polls suggest a close race.",
    ]
    assert cleaned.kept_lines == (9, 11, 12, 14)
    assert cleaned.title == "Musk blames cyber attack for delayed Trump interview"
    assert [(r.line, r.reason) for r in cleaned.removed] == [
        (1, "no sentence end"),
        (2, "menu/navigation"),
        (3, "headline"),
        (4, "byline/contributor"),
        (5, "date line"),
        (6, "reading-time line"),
        (7, "photo caption/credit"),
        (8, "photo caption/credit"),
        (10, "advertisement marker"),
        (13, "related link"),
        (15, "photo caption/credit"),
        (16, "byline/contributor"),
        (17, "share/follow prompt"),
        (18, "aggregator line"),
        (19, "copyright"),
    ]


BODY = "Presiden meresmikan jembatan baru itu pada hari Senin pagi."


def removal_reason(line: str) -> str:
    """The reason ``line`` is removed when it sits between two body paragraphs."""
    cleaned = clean(f"{BODY}\n{line}\n{BODY}")
    assert cleaned.text == f"{BODY}\n{BODY}", f"{line!r} was kept"
    assert len(cleaned.removed) == 1
    assert cleaned.removed[0].line == 2
    return cleaned.removed[0].reason


BOILERPLATE_LINES = [
    ("ADVERTISEMENT", "advertisement marker"),
    ("Advertisement", "advertisement marker"),
    ("Iklan", "advertisement marker"),
    ("SCROLL TO CONTINUE WITH CONTENT", "advertisement marker"),
    ("Scroll to continue with content", "advertisement marker"),
    ("Baca juga: Harga beras naik lagi di Jakarta", "related link"),
    ("Read more: Why the market fell", "related link"),
    ("Lihat juga: Video banjir di Bekasi", "related link"),
    ("waktu baca 2 menit", "reading-time line"),
    ("3 min read", "reading-time line"),
    ("2025 © PT Dynamo Media Network", "copyright"),
    ("Copyright 2024 Reuters. All rights reserved.", "copyright"),
    ("Hak cipta © 2024 Kompas.com", "copyright"),
    ("Version 1.94.0", "version string"),
    ("·", "separator"),
    ("|", "separator"),
    ("—", "separator"),
    ("***", "separator"),
    ("Tentang KamiPedoman Media SiberKetentuan & Kebijakan PrivasiKarir", "menu/navigation"),
    ("Beranda › Internasional › Amerika", "menu/navigation"),
    ("13 Agustus 2024 10:28 WIB", "date line"),
    ("Selasa, 13 Agustus 2024 | 10:28 WIB", "date line"),
    ("Tuesday 13 August 2024", "date line"),
    ("Updated 5 hours ago", "date line"),
    (
        "Foto Noor via Getty Images Akun Twitter Donald Trump di layar laptop",
        "photo caption/credit",
    ),
    ("Sumber gambar, Getty Images", "photo caption/credit"),
    ("Image caption, Elon Musk at a rally in Pennsylvania", "photo caption/credit"),
    ("(Foto: ANTARA/Hafidz Mubarak)", "photo caption/credit"),
    ("Foto: ANTARA/Hafidz Mubarak", "photo caption/credit"),
    (
        "Musk speaks in Paris, France, June 16, 2023. REUTERS/Gonzalo Fuentes",
        "photo caption/credit",
    ),
    ("João da Silva berkontribusi pada laporan ini", "byline/contributor"),
    ("Jane Doe contributed to this report.", "byline/contributor"),
    ("Reporting by John Smith; Editing by Mary Jones", "byline/contributor"),
    ("Penulis: Budi Santoso", "byline/contributor"),
    ("Editor: Siti Aminah", "byline/contributor"),
    ("Oleh Budi Santoso", "byline/contributor"),
    ("Source link", "aggregator line"),
    ("Lebih lanjut tentang pemilu AS", "aggregator line"),
    ("mengikat", "aggregator line"),
    ("More on this story", "aggregator line"),
    ("Sumber: AFP", "aggregator line"),
    ("Ikuti kami di Google News.", "share/follow prompt"),
    ("Follow us on Twitter", "share/follow prompt"),
    ("Bagikan artikel ini", "share/follow prompt"),
    ("Presiden meresmikan jembatan", "no sentence end"),
    ("Ia tiba.", "too short"),
]


@pytest.mark.parametrize(("line", "reason"), BOILERPLATE_LINES)
def test_each_boilerplate_pattern_is_removed_with_its_reason(line: str, reason: str) -> None:
    assert removal_reason(line) == reason


SENTENCES_MENTIONING_BOILERPLATE = [
    "Pemerintah melarang iklan rokok di televisi sejak tahun lalu.",
    "Selain iklan kampanye di akun Trump, Musk hanya memposting satu kali.",
    "The court said the copyright claim was filed too late.",
    "Hak cipta lagu itu dimiliki oleh sebuah label rekaman.",
    "Foto itu diambil oleh seorang warga pada malam hari.",
    "Advertisement revenue at the company fell by a third.",
    "Lebih lanjut tentang hal itu, ia menolak berkomentar.",
    "Version control software was first used decades ago.",
    "A Reuters/Ipsos poll showed Harris leading by two points.",
    "Senin menandai kembalinya X/Twitter ke Trump setelah kerusuhan.",
    "Ia menolak berkomentar.",
    "Mei 2023 menandai masuknya DeSantis ke dalam pemilihan presiden.",
]


@pytest.mark.parametrize("sentence", SENTENCES_MENTIONING_BOILERPLATE)
def test_body_sentences_that_merely_mention_boilerplate_words_are_kept(sentence: str) -> None:
    cleaned = clean(sentence)
    assert cleaned.text == sentence
    assert cleaned.removed == ()


def test_glued_boilerplate_is_cut_out_and_reported_separately() -> None:
    cleaned = clean(
        "waktu baca 2 menitADVERTISEMENT\n"
        "Source linkTentang KamiPedoman Media SiberKetentuan & Kebijakan PrivasiKarir\n"
        "Musk menyebut kendala itu sebagai serangan siber.ADVERTISEMENT\n"
        "Trump kembali ke platform itu setelah dua tahun.Baca juga: Trump dan X\n"
        "Presiden meresmikan jembatan itu hari ini. (Foto: ANTARA/Budi)\n"
        "Harga beras naik tajam di pasar tradisional. (ant/dil)"
    )
    assert cleaned.text.split("\n") == [
        "Musk menyebut kendala itu sebagai serangan siber.",
        "Trump kembali ke platform itu setelah dua tahun.",
        "Presiden meresmikan jembatan itu hari ini.",
        "Harga beras naik tajam di pasar tradisional.",
    ]
    assert cleaned.kept_lines == (3, 4, 5, 6)
    assert cleaned.removed == (
        RemovedLine(1, "waktu baca 2 menit", "reading-time line"),
        RemovedLine(1, "ADVERTISEMENT", "advertisement marker"),
        RemovedLine(2, "Source link", "aggregator line"),
        RemovedLine(
            2,
            "Tentang KamiPedoman Media SiberKetentuan & Kebijakan PrivasiKarir",
            "menu/navigation",
        ),
        RemovedLine(3, "ADVERTISEMENT", "advertisement marker"),
        RemovedLine(4, "Baca juga: Trump dan X", "related link"),
        RemovedLine(5, "(Foto: ANTARA/Budi)", "photo caption/credit"),
        RemovedLine(6, "(ant/dil)", "byline/contributor"),
    )


def test_newlines_and_invisible_spaces_are_normalised_and_quotes_kept() -> None:
    text = "\ufeffMusk\u00a0menulis “hebat” di X.\r\n\r\n  \u200b\r“Ini nyata,” kata Musk.  \n"
    cleaned = clean(text)
    assert cleaned.text == "Musk menulis “hebat” di X.\n“Ini nyata,” kata Musk."
    assert cleaned.kept_lines == (1, 4)
    assert cleaned.removed == ()


def test_a_headline_after_the_body_has_started_is_not_the_title() -> None:
    cleaned = clean(f"{BODY}\nSebuah judul yang muncul terlambat\n{BODY}")
    assert cleaned.title is None
    assert cleaned.removed[0].reason == "no sentence end"


def test_short_lines_and_captions_are_not_taken_as_the_title() -> None:
    cleaned = clean(f"Berita Dunia\nFoto Reuters via Getty Images tampak di layar\n{BODY}")
    assert cleaned.title is None
    assert [r.reason for r in cleaned.removed] == ["no sentence end", "photo caption/credit"]


def test_the_first_headline_like_line_before_the_body_is_the_title() -> None:
    cleaned = clean(
        f"Harga Beras Naik Lagi di Jakarta\nPenulis: Budi\nSubjudul tanpa titik di sini\n{BODY}"
    )
    assert cleaned.title == "Harga Beras Naik Lagi di Jakarta"
    assert [r.reason for r in cleaned.removed] == [
        "headline",
        "byline/contributor",
        "no sentence end",
    ]


def test_text_with_only_boilerplate_keeps_nothing() -> None:
    cleaned = clean("ADVERTISEMENT\n·\nSource link\n")
    assert cleaned.text == ""
    assert cleaned.kept_lines == ()
    assert len(cleaned.removed) == 3


# The characters clean() documents turning into spaces.
INVISIBLE_TO_SPACE = dict.fromkeys(
    map(ord, "\u00a0\u2007\u202f\u200b\u200c\u200d\u2060\ufeff"), " "
)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.sampled_from(
                [
                    BODY,
                    "ADVERTISEMENT",
                    "waktu baca 2 menitADVERTISEMENT",
                    "Source link",
                    "·",
                    "Ia tiba.ADVERTISEMENT",
                    "13 Agustus 2024",
                    " \u00a0 ",
                    "(Foto: A/B)",
                ]
            ),
            st.text(max_size=40),
        ),
        max_size=12,
    ).map("\n".join)
)
def test_every_character_is_either_kept_or_reported(text: str) -> None:
    """Cleaning drops nothing silently: per line, kept and removed pieces add
    up to the line's visible characters."""
    cleaned = clean(text)
    pieces: dict[int, list[str]] = {}
    for number, paragraph in zip(cleaned.kept_lines, cleaned.text.split("\n"), strict=False):
        pieces.setdefault(number, []).append(paragraph)
    for removed in cleaned.removed:
        pieces.setdefault(removed.line, []).append(removed.text)
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    for number, line in enumerate(lines, start=1):
        visible = sorted("".join(line.translate(INVISIBLE_TO_SPACE).split()))
        assert sorted("".join("".join(pieces.get(number, [])).split())) == visible


# --- The quick path: cheap checks first, patterns only where one fires. ---
# clean() must give exactly what running every pattern on every line gives
# (_clean(..., quick=False), the definition). The lines mix strings generated
# from the patterns themselves (every alternative, any case), the boilerplate
# and body examples above, and random text.

_REGEXES = [pattern for _, pattern, _ in boilerplate._PATTERNS] + [
    boilerplate._GLUED,
    boilerplate._PROMPT_START,
    boilerplate._PROMPT_CHANNEL,
]
_FRAGMENTS = [
    *"©/:()|·.?!…“”\"'",
    *[" 12:05 ", " 2024 ", " Agustus ", "Senin", " WIB", " (12/8)", " REUTERS/Kevin Lamarque"],
    *["Getty Images", "ADVERTISEMENT", "Source link", "menitADVERTISEMENT", " (ant/dil)"],
    *["; Editing by Mary", " contributed to this report", " berkontribusi pada laporan ini"],
]
line_parts = st.one_of(
    st.sampled_from(_REGEXES).flatmap(st.from_regex),
    st.sampled_from([line for line, _ in BOILERPLATE_LINES]),
    st.sampled_from([*SENTENCES_MENTIONING_BOILERPLATE, *BBC_BODY[:8], *KUMPARAN_BODY[:8]]),
    st.sampled_from(_FRAGMENTS),
    st.text(max_size=12),
)
lines_of_parts = st.lists(
    st.lists(line_parts, min_size=1, max_size=4).flatmap(
        lambda parts: st.sampled_from(["", " "]).map(lambda sep: sep.join(parts))
    ),
    min_size=1,
    max_size=6,
).map("\n".join)


def has_case_fold_trap(text: str) -> bool:
    return any(c in text for c in boilerplate._CASE_FOLD_TRAPS)


@settings(max_examples=500, deadline=None)
@given(lines_of_parts)
def test_the_quick_verdict_of_each_line_is_the_full_one(text: str) -> None:
    for _, line in boilerplate._lines(text):
        if not has_case_fold_trap(line):
            assert boilerplate._quick_verdict(line) == boilerplate._full_verdict(line), line


@settings(max_examples=300, deadline=None)
@given(lines_of_parts)
def test_clean_gives_what_every_pattern_on_every_line_gives(text: str) -> None:
    assert clean(text) == boilerplate._clean(text, quick=False)


@pytest.mark.parametrize(
    "text",
    [
        *[(SEEDS / name).read_text(encoding="utf-8") for name in SEED_NAMES],
        ENGLISH_PAGE,
        "\n".join(line for line, _ in BOILERPLATE_LINES),
        "\n".join(SENTENCES_MENTIONING_BOILERPLATE),
    ],
    ids=[*SEED_NAMES, "english page", "boilerplate lines", "body sentences"],
)
def test_clean_gives_what_the_full_path_gives_on_the_examples(text: str) -> None:
    assert clean(text) == boilerplate._clean(text, quick=False)


def test_a_case_fold_trap_sends_the_text_down_the_full_path() -> None:
    # "ı" (dotless i) matches "i" in a case-insensitive pattern, but
    # lowercasing leaves it alone, so the cheap checks would miss this.
    line = "Semua hak cipta dılindungi undang-undang."
    assert boilerplate._quick_verdict(line) != boilerplate._full_verdict(line)
    assert [r.reason for r in clean(line).removed] == ["copyright"]


def test_the_case_fold_traps_are_all_the_characters_lowercasing_gets_wrong() -> None:
    """A non-ASCII character that matches an ASCII letter case-insensitively,
    or lowercases to (or into more than) one, needs the full path."""
    ascii_letter = re.compile("(?i)[a-z]")
    traps = {
        char
        for char in map(chr, range(0x80, sys.maxunicode + 1))
        if ascii_letter.match(char) or len(char.lower()) != 1 or char.lower().isascii()
    }
    assert traps == set(boilerplate._CASE_FOLD_TRAPS)


def test_repeated_site_furniture_is_judged_once_and_the_same() -> None:
    boilerplate._memo_verdict.cache_clear()
    first = clean(f"ADVERTISEMENT\n{BODY}\nADVERTISEMENT")
    assert boilerplate._memo_verdict.cache_info().hits >= 1
    assert first == boilerplate._clean(f"ADVERTISEMENT\n{BODY}\nADVERTISEMENT", quick=False)


# --- Faster helpers, against the straightforward code they replaced. ---
helper_text = st.one_of(
    st.text(max_size=40),
    st.lists(
        st.sampled_from([*"aZbY .!?…\"'”’»)]:0123²٣_-", "\ud800", "é", "Agustus", "WIB", "xY"]),
        max_size=30,
    ).map("".join),
)


@settings(max_examples=300, deadline=None)
@given(helper_text)
def test_the_sentence_end_check_is_the_regular_expression(text: str) -> None:
    line = text.replace("\n", " ")  # a line never holds a line break
    expected = bool(re.search(r"[.!?…][\"'”’»)\]]*$", line))
    assert boilerplate._ends_like_sentence(line) == expected


@settings(max_examples=300, deadline=None)
@given(helper_text)
def test_the_glue_count_is_the_regular_expression(text: str) -> None:
    assert boilerplate._glue_count(text) == len(re.findall(r"[a-z][A-Z]", text))


@settings(max_examples=300, deadline=None)
@given(helper_text)
def test_the_date_line_check_is_the_original(text: str) -> None:
    words = boilerplate._WORD.findall(text)
    expected = any(c.isdigit() for c in text) and all(
        w.lower() in boilerplate._DATE_WORDS for w in words
    )
    assert boilerplate._is_date_line(text) == expected


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from([*"ab \r\n\t", "\r\n", "\u00a0", "\ufeff", "\u2028"])).map("".join))
def test_lines_are_the_original_normalised_lines(text: str) -> None:
    normalised = boilerplate._INVISIBLE.sub(" ", text.replace("\r\n", "\n").replace("\r", "\n"))
    expected = [
        (number, line.strip())
        for number, line in enumerate(normalised.split("\n"), start=1)
        if line.strip()
    ]
    assert boilerplate._lines(text) == expected
