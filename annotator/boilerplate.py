"""Remove scraped boilerplate from article text, line by line, and say why.

Start with :func:`clean`. Scraped news (see ``seeds/``) mixes the article's
paragraphs with site menus, "ADVERTISEMENT" markers, reading-time lines,
photo credits and aggregator leftovers; every sentence splitter keeps them,
so they must go before splitting. :func:`clean` keeps a line only when it
reads like body text (ends like a sentence, has a few words, matches no
boilerplate pattern) and reports every other line with a reason, so an
import page can show what was dropped and a user can spot a wrong guess.

Patterns cover Indonesian and English news sites; both are always active
because scraped pages mix them ("Source link" under an Indonesian article).
Boilerplate glued onto a line (``waktu baca 2 menitADVERTISEMENT``) is cut
out first and reported piece by piece. The first headline-like line before
the body (removed only for lacking a sentence end, at least four words) is
returned as the title.

Most lines are body text, and proving that through every pattern was most
of the work, so :func:`clean` first asks cheap questions (does the line
start with a word that opens a pattern, does it hold ``©``, ``/``, ``:``...)
and runs the patterns only where one says yes. Each question is a necessary
condition of a pattern, so the answers are the patterns' own; the tests
compare both paths on lines generated from the patterns.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class RemovedLine:
    """A line (or a piece cut out of one) that is not body text."""

    line: int
    text: str
    reason: str


@dataclass(frozen=True)
class Cleaned:
    """Body paragraphs, an optional headline, and what was removed."""

    text: str
    title: str | None
    removed: tuple[RemovedLine, ...]
    kept_lines: tuple[int, ...]


# Fewer words than this is a label or a fragment, not a paragraph. Three,
# not four: Indonesian is compact ("Ia menolak berkomentar." is a real
# paragraph), and short boilerplate is caught by the patterns below.
MIN_WORDS = 3

NO_SENTENCE_END = "no sentence end"
HEADLINE = "headline"

_INVISIBLE_CHARS = "\u00a0\u2007\u202f\u200b\u200c\u200d\u2060\ufeff"
_INVISIBLE = re.compile(f"[{_INVISIBLE_CHARS}]")

# Boilerplate glued to other text inside one line; each match is cut out
# and reported on its own. Group names are the reasons.
_GLUED = re.compile(
    r"(?P<advertisement>ADVERTISEMENT|SCROLL TO CONTINUE WITH CONTENT"
    r"|Scroll to continue with content|(?<=\S)Advertisement(?=$|[A-Z“\"]))"
    r"|(?P<aggregator>^Source link(?=\S)|(?<=\S)Source link$)"
    r"|(?P<reading>(?i:waktu baca \d+ menit|\d+ min(?:ute)?s? read)(?=[A-Z]))"
    r"|(?P<related>(?<=[.!?…\"”’])\s*(?:Baca [Jj]uga|BACA JUGA|Read more|READ MORE"
    r"|Lihat [Jj]uga|Simak [Jj]uga)\s*:.*$)"
    r"|(?P<caption>\s*\((?:Foto|FOTO|Photo|Gambar|Sumber foto)\s*:[^)]*\))"
    r"|(?P<byline>\s*\((?:[a-z]{2,5}/)+[a-z]{2,5}\)$)"
)
_GLUED_REASONS = {
    "advertisement": "advertisement marker",
    "aggregator": "aggregator line",
    "reading": "reading-time line",
    "related": "related link",
    "caption": "photo caption/credit",
    "byline": "byline/contributor",
}


def _rx(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.IGNORECASE)


# (reason, pattern, only when the line has no sentence end)
_PATTERNS: tuple[tuple[str, re.Pattern[str], bool], ...] = (
    (
        "advertisement marker",
        _rx(
            r"^(?:advertisement|advertisements?\s*-\s*scroll to continue|iklan|ads?|sponsored"
            r"|konten (?:sponsor|bersponsor)|scroll to continue with content"
            r"|scroll untuk melanjutkan(?: membaca)?|lanjutkan membaca)\W*$"
        ),
        False,
    ),
    (
        "related link",
        _rx(
            r"^(?:baca juga|lihat juga|simak juga|read more|read also|see also|baca selengkapnya"
            r"|artikel terkait|berita terkait|related(?: articles| stories)?)\b\s*:?"
        ),
        False,
    ),
    (
        "reading-time line",
        _rx(
            r"^(?:(?:waktu|lama) baca\s*:?\s*\d+\s*(?:menit|min)|\d+\s*(?:min|mins|minutes?|menit)"
            r"\s+(?:read|baca|bacaan)|read(?:ing)? time\s*:?\s*\d+\s*(?:min|mins|minutes?))\W*$"
        ),
        False,
    ),
    (
        "copyright",
        _rx(
            r"©|^\s*(?:copyright|hak cipta)\s*(?:©|\(c\)|\d{4})|\ball rights reserved\b"
            r"|\bhak cipta dilindungi\b"
        ),
        False,
    ),
    ("version string", _rx(r"^(?:version|versi|ver\.?|v)\s*\d+(?:\.\d+){1,3}\S*$"), False),
    ("separator", re.compile(r"^[\W_]+$"), False),
    (
        "photo caption/credit",
        re.compile(
            r"^\(?(?:Foto|FOTO|Photo|PHOTO|Gambar|Ilustrasi|Image|Sumber gambar|Sumber foto"
            r"|Keterangan gambar|Keterangan foto|Image source|Image caption|Media caption"
            r"|Video caption|Caption)\s*[:,]"
            r"|\b(?:REUTERS|AFP|AP|EPA(?:-EFE)?|ANTARA FOTO|ANTARA|ANADOLU|XINHUA|Getty Images)"
            r"\s*/\s*[A-Z][\w.\-]*(?:\s+[A-Z][\w.\-]*){0,3}\s*\)?$"
        ),
        False,
    ),
    (
        "photo caption/credit",
        re.compile(
            r"^(?:Foto|FOTO|Photo|PHOTO|Gambar|Ilustrasi|Image)\b|Getty Images$"
            r"|\b(?:via|melalui) Getty Images\b"
        ),
        True,
    ),
    (
        "byline/contributor",
        re.compile(
            r"^(?:Penulis|Editor|Reporter|Pewarta|Redaktur|Penyunting|Kontributor|Fotografer"
            r"|Author|Writer|Laporan oleh|Sumber berita)\s*:"
            r"|^\(?(?:Additional )?(?:[Rr]eporting|[Ww]riting|[Ee]diting) by\b|; [Ee]diting by\b"
            r"|\b(?:berkontribusi (?:pada|dalam|untuk) laporan ini|contributed (?:to )?"
            r"(?:this|the) report(?:ing)?)\W*$|^\((?:[a-z]{2,5}/)+[a-z]{2,5}\)$"
        ),
        False,
    ),
    ("byline/contributor", re.compile(r"^(?:By|Oleh)\s+[A-Z]"), True),
    (
        "aggregator line",
        _rx(
            r"^(?:source link|sumber link|tautan sumber|mengikat|more on this story"
            r"|related topics|topik terkait|tags?|topik|top stories|most read|terpopuler"
            r"|berita lainnya)\W*$|^(?:sumber|source)\s*:"
        ),
        False,
    ),
    (
        "aggregator line",
        _rx(r"^(?:lebih lanjut tentang|more on|more from|selengkapnya tentang)\b"),
        True,
    ),
)

_PROMPT_START = _rx(
    r"^(?:share|bagikan|ikuti|follow|subscribe|berlangganan|dapatkan|download|unduh|gabung"
    r"|join|klik|click|tap|sign up|daftar|simak)\b"
)
_PROMPT_CHANNEL = re.compile(
    r"(?i:\b(?:kami|whatsapp|telegram|twitter|facebook|instagram|tiktok|youtube|google news"
    r"|newsletter|channel|saluran|aplikasi|app|artikel ini|this article|this story"
    r"|notifikasi|notifications|di sini|here)\b)|\bus\b"
)

_DATE_WORDS = frozenset(
    """
    januari februari maret april mei juni juli agustus september oktober november desember
    jan feb mar apr jun jul agu agt ags aug sep sept okt oct nov des dec
    january february march may june july august october december
    senin selasa rabu kamis jumat jum sabtu minggu ahad
    monday tuesday wednesday thursday friday saturday sunday
    mon tue tues wed thu thur thurs fri sat sun
    wib wita wit gmt utc bst est edt pst pdt cet cest am pm pukul jam
    updated diperbarui published dipublikasikan diterbitkan posted terbit last modified
    on at pada ago yang lalu hours hour minutes minute menit days day hari
    """.split()
)
_WORD = re.compile(r"[^\W\d_]+")
_WORD_CHAR = re.compile(r"[^\W_]")
_MENU_SEPARATOR = re.compile(r"\s[|•·»›>/]\s")
_CLOSERS = "\"'”’»)]"
_SENTENCE_ENDS = (".", "!", "?", "…")
# Glued menu items are lowercase-then-uppercase transitions ([a-z][A-Z]).
# Counted on bytes: ASCII letters become "a"/"A", everything else (every
# byte of a non-ASCII character included) a space, so "aA" counts them.
_CASE_CLASSES = bytes(97 if 97 <= b <= 122 else 65 if 65 <= b <= 90 else 32 for b in range(256))

# --- the quick pre-checks (see the module docstring) ---
# The non-ASCII characters that match ASCII letters under IGNORECASE (İ ı:
# i, ſ: s, Kelvin K: k). lower() leaves ı and ſ alone and makes İ two
# characters, so the checks on line.lower() could miss a match: a text
# holding any of the four takes the full path. The test recomputes the set.
_CASE_FOLD_TRAPS = "\u0130\u0131\u017f\u212a"
# The lowercased first word of every line an anchored pattern, a date line
# or a prompt can match, when the line starts with a letter.
_OPENING_WORDS = _DATE_WORDS | frozenset(
    """
    advertisement advertisements iklan ad ads sponsored konten scroll lanjutkan
    baca lihat simak read see artikel berita related waktu lama reading copyright hak
    version versi ver v foto photo gambar ilustrasi image sumber keterangan media video
    caption penulis editor reporter pewarta redaktur penyunting kontributor fotografer
    author writer laporan additional reporting writing editing by oleh source tautan
    mengikat more topik tags tag top most terpopuler lebih selengkapnya share bagikan
    ikuti follow subscribe berlangganan dapatkan download unduh gabung join klik click
    tap sign daftar
    """.split()
)
# What follows the last "/" of a line that the REUTERS/... credit pattern
# matches: the credit's tail can hold no "/", so it starts after the last one.
_CREDIT_TAIL = re.compile(r"\s*[A-Z][\w.\-]*(?:\s+[A-Z][\w.\-]*){0,3}\s*\)?")


def clean(text: str, *, language: str = "id") -> Cleaned:
    """Keep the body paragraphs of ``text``; report every other line and why.

    ``language`` is accepted for callers that know it; the Indonesian and
    English patterns are always both active.
    """
    return _clean(text, quick=not any(c in text for c in _CASE_FOLD_TRAPS))


def _clean(text: str, *, quick: bool) -> Cleaned:
    """:func:`clean`; with ``quick=False`` every line goes through every pattern."""
    kept: list[str] = []
    kept_lines: list[int] = []
    removed: list[RemovedLine] = []
    title_at: int | None = None  # index into removed of the headline
    for number, line in _lines(text):
        if not quick:
            verdict = _full_verdict(line)
        elif len(line) <= _MEMO_CHARS:
            verdict = _memo_verdict(line)
        else:
            verdict = _quick_verdict(line)
        for piece, reason in verdict:
            if reason is None:
                kept.append(piece)
                kept_lines.append(number)
                continue
            removed.append(RemovedLine(number, piece, reason))
            first_headline = title_at is None and not kept and reason == NO_SENTENCE_END
            if first_headline and _looks_like_headline(piece):
                title_at = len(removed) - 1
    title = None
    if title_at is not None:
        headline = removed[title_at]
        title = headline.text
        removed[title_at] = RemovedLine(headline.line, headline.text, HEADLINE)
    return Cleaned("\n".join(kept), title, tuple(removed), tuple(kept_lines))


def _lines(text: str) -> list[tuple[int, str]]:
    """(1-based number, stripped text) of each non-empty line."""
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if any(c in text for c in _INVISIBLE_CHARS):  # a scan each: 10x faster than sub()
        text = _INVISIBLE.sub(" ", text)
    return [(n, s) for n, line in enumerate(text.split("\n"), start=1) if (s := line.strip())]


# The pieces of a line, each with why it is not body text (None: it is).
_Verdict = tuple[tuple[str, str | None], ...]


def _full_verdict(line: str) -> _Verdict:
    """Every pattern on every piece: what the quick path must agree with."""
    return tuple((piece, glued or _reason(piece)) for piece, glued in _cut_glued(line))


def _quick_verdict(line: str) -> _Verdict:
    """:func:`_full_verdict`, for a line holding no case-fold trap."""
    low = line.lower()
    if _may_be_glued(line, low):
        return tuple(
            (piece, glued or _quick_reason(piece, piece.lower()))
            for piece, glued in _cut_glued(line)
        )
    return ((line, _quick_reason(line, low)),)


# Site furniture (ADVERTISEMENT, Source link, menus, credits) repeats from
# article to article: short lines are judged once.
_MEMO_CHARS = 100
_memo_verdict = functools.lru_cache(maxsize=4096)(_quick_verdict)


def _may_be_glued(line: str, low: str) -> bool:
    """False when no branch of ``_GLUED`` can match ``line`` (``low`` is its
    lowercase, and the line holds no case-fold trap)."""
    return (
        ":" in line  # related link, caption
        or line.endswith(")")  # byline
        or "advertisement" in low
        or "scroll to continue with content" in low
        or "source link" in low
        or "waktu baca" in low
        or " read" in low
    )


def _cut_glued(line: str) -> Iterator[tuple[str, str | None]]:
    """The pieces of ``line``: glued boilerplate with its reason, the rest with None."""
    position = 0
    for m in _GLUED.finditer(line):
        before = line[position : m.start()].strip()
        if before:
            yield before, None
        assert m.lastgroup is not None
        yield m.group().strip(), _GLUED_REASONS[m.lastgroup]
        position = m.end()
    rest = line[position:].strip()
    if rest:
        yield rest, None


def _quick_reason(line: str, low: str) -> str | None:
    """:func:`_reason`, without the patterns when cheap checks rule them out.
    ``low`` is ``line.lower()``: with no case-fold trap in the line, a
    case-insensitive pattern matches only where its lowercase text is in it."""
    lead = _WORD.match(line)
    if lead is None:
        # Anchored patterns start with a letter, "(" or a digit; the
        # separator pattern needs a line without letters or digits.
        if line[0] == "(" or line[0].isdecimal() or not _WORD_CHAR.search(line):
            return _reason(line)
        if _is_date_line(line):
            return _reason(line)
    elif lead.group().lower() in _OPENING_WORDS:
        return _reason(line)
    if (
        "©" in line
        or "Getty Images" in line
        or "contributed" in line
        or "laporan ini" in line
        or "diting by" in line
        or "all rights reserved" in low
        or "hak cipta dilindungi" in low
        or ("/" in line and _CREDIT_TAIL.fullmatch(line, line.rfind("/") + 1))
    ):
        return _reason(line)
    return _shape_reason(line, ends=_ends_like_sentence(line))


def _reason(line: str) -> str | None:
    """Why ``line`` is not body text, or None when it is."""
    ends = _ends_like_sentence(line)
    for reason, pattern, only_without_end in _PATTERNS:
        if only_without_end and ends:
            continue
        if pattern.search(line):
            return reason
    if _is_date_line(line):
        return "date line"
    if _is_prompt(line):
        return "share/follow prompt"
    return _shape_reason(line, ends=ends)


def _shape_reason(line: str, *, ends: bool) -> str | None:
    """The checks after the patterns: menus, a missing sentence end, too few words."""
    if _is_menu(line, ends=ends):
        return "menu/navigation"
    if not ends:
        return NO_SENTENCE_END
    if len(line.split(None, MIN_WORDS - 1)) < MIN_WORDS:
        return "too short"
    return None


def _ends_like_sentence(line: str) -> bool:
    """``.``, ``!``, ``?`` or ``…``, then only closing quotes or brackets."""
    return line.rstrip(_CLOSERS).endswith(_SENTENCE_ENDS)


def _is_date_line(line: str) -> bool:
    """A date or time and nothing else (``13 Agustus 2024 10:28 WIB``)."""
    for word in _WORD.finditer(line):  # words first: a body line fails at once
        if word.group().lower() not in _DATE_WORDS:
            return False
    return any(map(str.isdigit, line))


def _is_prompt(line: str) -> bool:
    """ "Ikuti kami di Google News", "Share this article" and the like."""
    return (
        bool(_PROMPT_START.search(line))
        and len(line.split()) <= 25
        and bool(_PROMPT_CHANNEL.search(line))
    )


def _glue_count(line: str) -> int:
    """How many times a lowercase ASCII letter is followed by an uppercase one."""
    return line.encode("utf-8", "surrogatepass").translate(_CASE_CLASSES).count(b"aA")


def _is_menu(line: str, *, ends: bool) -> bool:
    """Menu items glued together (``Tentang KamiPedoman Media Siber…``) or
    separated by bars and bullets (``Home | News | Sport``)."""
    glued = _glue_count(line)
    if glued >= 6 or (glued >= 3 and not ends):
        return True
    return not ends and len(_MENU_SEPARATOR.split(line)) >= 3


def _looks_like_headline(line: str) -> bool:
    return (
        len(line.split()) >= 4
        and not line.endswith((":", ","))
        and not line.startswith(("http://", "https://", "www."))
    )
