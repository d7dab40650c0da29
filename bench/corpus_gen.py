"""A seeded generator of Indonesian-like news articles for the benchmarks.

Start with :func:`corpus` (exactly ``sentences`` sentences, ``per_article``
to an article). Every article is built from its own random generator, seeded
with ``(seed, index)``, so article 17 is the same whatever else is generated
and the same seed always gives the same corpus, on any machine.

The text is new: words come from a vocabulary written here plus the plain
words of the seed articles in ``seeds/``, put together in news-like
sentence patterns (attribution, quotations, numbers such as ``Rp15.000`` and
``3,5 persen``, titles such as ``Prof. Dr.`` that must not end a sentence).
:meth:`GeneratedArticle.raw` wraps the body in scraped-page boilerplate
(menus, ``ADVERTISEMENT``, reading time, "Baca juga:" links, photo credits,
"Source link"), so the importer's cleaning has work to do; the importer must
then find exactly :attr:`GeneratedArticle.sentences`.
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from annotator.readers import RawArticle

SEEDS_DIR = Path(__file__).resolve().parent.parent / "seeds"
DEFAULT_SEED = 20240812
PER_ARTICLE = 50

OUTLETS = (
    "kumparan", "BBC News Indonesia", "detikcom", "Kompas", "Tempo", "CNN Indonesia",
    "Tribunnews", "Republika", "Antara", "Liputan6",
)  # fmt: skip

_SUBJECTS = (
    "Pemerintah", "Presiden", "Trump", "Musk", "Elon Musk", "Donald Trump", "Harris",
    "Kamala Harris", "Biden", "Juru bicara partai", "Para pengamat", "Warga Jakarta",
    "Komisi Pemilihan Umum", "Anggota DPR", "Pengguna X", "Tim kampanye Trump",
    "Bank Indonesia", "Gubernur Jawa Barat", "Menteri Keuangan", "Polisi", "Uni Eropa",
    "Prof. Dr. Bambang Sutrisno", "Direktur PT. Sinar Harapan", "Ketua RT di Jl. Sudirman",
    "Kementerian Komunikasi", "Sejumlah aktivis", "Pengusaha muda", "Mahasiswa",
    "Pemilik media sosial X", "Wakil Presiden", "Analis pasar",
)  # fmt: skip
_VERBS = (
    "mengatakan", "menyatakan", "menilai", "membantah", "menegaskan", "mengkritik",
    "mendukung", "menolak", "mengumumkan", "membahas", "menyebut", "meminta", "menunda",
    "memperingatkan", "mengakui", "menjelaskan", "mempertanyakan", "mengusulkan", "memuji",
    "menuduh", "menyoroti", "menanggapi",
)  # fmt: skip
_OBJECTS = (
    "kebijakan baru", "anggaran negara", "kampanye terbuka", "pemilihan presiden",
    "platform digital", "serangan siber", "data pengguna", "kenaikan harga",
    "subsidi energi", "undang-undang penyiaran", "investasi asing", "pajak digital",
    "layanan internet", "keamanan siber", "hak pilih", "debat publik", "pasar saham",
    "utang negara", "harga beras", "pekerja migran", "misinformasi", "regulasi media sosial",
    "wawancara langsung", "jajak pendapat", "teori konspirasi", "kebebasan berpendapat",
)  # fmt: skip
_ADJUNCTS = (
    "pada Senin (12/8)", "di Jakarta", "dalam konferensi pers", "sejak awal tahun ini",
    "menurut data terbaru", "pekan lalu", "secara langsung", "di tengah persaingan ketat",
    "setelah rapat kabinet", "dalam wawancara dengan wartawan", "pada Selasa malam",
    "di Gedung Capitol AS", "sebesar Rp15.000 per kilogram", "naik 3,5 persen",
    "senilai Rp2,1 triliun", "yang diikuti 12.000 orang", "hingga akhir bulan",
    "seperti dikutip dari AFP", "menurut dr. Siti Rahma", "kepada BBC", "di platform X",
)  # fmt: skip
_FUNCTION = (
    "yang", "dan", "dengan", "untuk", "dalam", "pada", "juga", "akan", "karena", "sebagai",
    "telah", "sudah", "masih", "lebih", "sejak", "setelah", "ketika", "hingga", "menjadi",
    "antara", "tetapi", "saat", "sebuah", "dapat", "harus", "kepada", "serta", "secara",
)  # fmt: skip
_SPEAKERS = ("kata Musk", "ujar Trump", "kata Harris", "tulis Musk", "kata dia", "ujarnya")
# Seed words that would make a line look like boilerplate or an abbreviation.
_AVOID = frozenset(
    """
    kami baca iklan simak ikuti bagikan daftar klik unduh sumber foto oleh tags topik
    version versi advertisement source link getty images melalui via
    """.split()
)

_MENUS = (
    "Tentang KamiPedoman Media SiberKetentuan & Kebijakan PrivasiPanduan KomunitasKarir",
    "Home | News | Sport | Tekno | Otomotif",
    "BerandaNasionalInternasionalEkonomiOlahragaTeknologiGaya HidupKesehatan",
)


@cache
def seed_words() -> tuple[str, ...]:
    """Plain lowercase words (four letters or more) of the seed articles, sorted."""
    words: set[str] = set()
    for path in sorted(SEEDS_DIR.glob("*.txt")):
        words.update(re.findall(r"\b[a-z]{4,}\b", path.read_text(encoding="utf-8")))
    return tuple(sorted(words - _AVOID))


@dataclass(frozen=True)
class GeneratedArticle:
    """One generated article: its body as paragraphs of sentences, and metadata."""

    seed: int
    index: int
    outlet: str
    title: str
    published: str
    paragraphs: tuple[tuple[str, ...], ...]

    @property
    def sentences(self) -> list[str]:
        return [s for p in self.paragraphs for s in p]

    def body(self) -> str:
        """The text without boilerplate: one paragraph a line."""
        return "\n".join(" ".join(p) for p in self.paragraphs)

    def spans(self) -> list[tuple[int, int]]:
        """(start, end) of each sentence in :meth:`body`."""
        spans: list[tuple[int, int]] = []
        position = 0
        for paragraph in self.paragraphs:
            for sentence in paragraph:
                spans.append((position, position + len(sentence)))
                position += len(sentence) + 1  # the space, or the line break
        return spans

    def raw(self) -> str:
        """The article as scraped: the body between and around boilerplate lines."""
        rng = random.Random(f"{self.seed}:{self.index}:raw")
        lines = [
            rng.choice(_MENUS),
            f"{2024 + rng.randrange(2)} © PT {rng.choice(OUTLETS)} Media Network",
            f"Version 1.{rng.randrange(100)}.{rng.randrange(10)}",
            self.title,
            f"{int(self.published[-2:])} Agustus 2024 {rng.randrange(24):02d}:"
            f"{rng.randrange(60):02d} WIB",
            "·",
            f"waktu baca {rng.randrange(1, 9)} menitADVERTISEMENT",
        ]
        for i, paragraph in enumerate(self.paragraphs):
            lines.append(" ".join(paragraph))
            if i % 3 == 2:
                lines.append("ADVERTISEMENT")
            if i == 4:
                lines.append(f"Baca juga: {rng.choice(_OBJECTS).capitalize()} dibahas lagi")
            if i == 7:
                lines.append(f"(Foto: ANTARA/{rng.choice(('Budi', 'Sari', 'Agus'))})")
        lines.append("Source link")
        return "\n\n".join(lines) if rng.random() < 0.5 else "\n".join(lines)

    def raw_article(self) -> RawArticle:
        """What a reader would return for this article's file (language left to guess)."""
        return RawArticle(
            text=self.raw(),
            source=f"generated/{self.index:07d}.txt",
            outlet=self.outlet,
            published=self.published,
        )


def _sentence(rng: random.Random, words: tuple[str, ...]) -> str:
    shape = rng.random()
    filler = " ".join(rng.choice(words) for _ in range(rng.randrange(0, 6)))
    clause = f"{rng.choice(_VERBS)} {rng.choice(_OBJECTS)}"
    if filler:
        clause += f" {rng.choice(_FUNCTION)} {filler}"
    if shape < 0.15:
        quoted = f"{rng.choice(_OBJECTS).capitalize()} {rng.choice(_FUNCTION)} {filler or 'itu'}"
        return f"“{quoted} {rng.choice(_ADJUNCTS)},” {rng.choice(_SPEAKERS)}."
    if shape < 0.35:
        return (
            f"{rng.choice(_SUBJECTS)} {rng.choice(_VERBS)} bahwa {rng.choice(_SUBJECTS)} "
            f"{clause} {rng.choice(_ADJUNCTS)}."
        )
    return f"{rng.choice(_SUBJECTS)} {clause} {rng.choice(_ADJUNCTS)}."


def article(
    index: int, sentences: int = PER_ARTICLE, *, seed: int = DEFAULT_SEED
) -> GeneratedArticle:
    """Article number ``index`` with ``sentences`` sentences (the same for the same arguments)."""
    rng = random.Random(f"{seed}:{index}")
    words = seed_words()
    body = [_sentence(rng, words) for _ in range(sentences)]
    paragraphs: list[tuple[str, ...]] = []
    i = 0
    while i < len(body):
        size = rng.choice((1, 2, 2, 3))
        paragraphs.append(tuple(body[i : i + size]))
        i += size
    title = (
        f"{rng.choice(_SUBJECTS)} {rng.choice(_VERBS)} {rng.choice(_OBJECTS)} "
        f"{rng.choice(_ADJUNCTS)} ({index})"
    )
    return GeneratedArticle(
        seed=seed,
        index=index,
        outlet=OUTLETS[index % len(OUTLETS)],
        title=title,
        published=f"2024-08-{1 + index % 28:02d}",
        paragraphs=tuple(paragraphs),
    )


def corpus(
    sentences: int, *, per_article: int = PER_ARTICLE, seed: int = DEFAULT_SEED
) -> Iterator[GeneratedArticle]:
    """Articles holding exactly ``sentences`` sentences, ``per_article`` each
    (the last one gets the remainder)."""
    if sentences < 0 or per_article < 1:
        raise ValueError("sentences must be >= 0 and per_article >= 1")
    full, rest = divmod(sentences, per_article)
    for index in range(full):
        yield article(index, per_article, seed=seed)
    if rest:
        yield article(full, rest, seed=seed)
