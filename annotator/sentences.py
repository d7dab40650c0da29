"""Split article text into sentences, as character spans into that text.

Start with :func:`split_sentences`. It returns :class:`Span` offsets rather
than strings so that annotations can point back into the stored article and
no character is ever lost or changed: everything outside the spans is
whitespace.

The splitter is a regular expression that finds candidate boundaries
(``.``, ``!``, ``?``, ``…`` followed by optional closing quotes or brackets
and then whitespace) plus a few rules that veto a candidate. Rule-based
splitting was both the most accurate and the fastest option on Indonesian
news (see ``STACK-NOTES.md``); learned splitters mis-split ``Rp.``/``Jl.``.

Decisions a reader of the output should know about:

* A line break always ends a sentence: paragraphs are lines.
* Nothing is split inside a double quotation that closes on the same line,
  so ``"… pada X. Berusaha menghentikannya," tulis Musk.`` stays one
  sentence together with its attribution. A quotation ending a sentence
  (``… “hebat.” Berikutnya``) splits after the closing quote.
* A sentence never starts with a lowercase letter, a dash, a comma or a
  closing bracket, so ``“Wow!” kata dia`` and ``Trump. – Migrasi`` stay
  together.
* Titles and prefixes (``Rp.``, ``Jl.``, ``PT.``, ``dr.``, ``Prof.``,
  ``Mr.``, ``St.``, ``e.g.``, ``U.S.``) never end a sentence; ``No.``,
  ``hlm.``, ``Vol.`` and month abbreviations do not when a number follows.
* ``dll.``, ``dsb.``, ``dst.``, ``etc.``, ``Tbk.``, ``Inc.`` and similar
  *can* end a sentence: they do when the next word is capitalised (in news
  text a capital after ``dll.`` starts a new sentence far more often than it
  names something mid-sentence).
* A single capital letter (``J. Smith``, ``George W. Bush``, ``B. J.
  Habibie``) does not end a sentence when it belongs to a name (the word
  before it is capitalised, it starts the sentence, or another initial
  follows); after a lowercase word it does, so ``… pada X. Lalu …`` splits.

Known misses, accepted for speed and simplicity: ``Malcolm X. He`` and
``Main St. The`` stay joined; ``in the U.S. The`` stays joined (dotted
acronyms never end a sentence); a long quotation closed on its line stays
one sentence however many sentences it holds.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Span:
    """A sentence as character offsets ``text[start:end]``."""

    start: int
    end: int


_OPENERS = "\"'“‘„«(["
_CLOSERS = "\"'”’»)]"

# The terminal punctuation, then group 1: the first character of the next
# word after any opening quotes or brackets. The lookahead requires
# whitespace then more text on the same line, so the end of a line and
# glued text (``X.Berusaha``, ``1.2``, URLs) are never candidates. The word
# before the punctuation is looked up only when needed: capturing it in the
# pattern made the whole splitter three times slower. The pattern starts
# with a plain character class (not ``[.!?…]+`` or a group) so that the
# regex engine skips to the next punctuation mark instead of trying every
# position: three times faster.
_CANDIDATE = re.compile(r"[.!?…][.!?…]*[\"'”’»)\]]*(?=\s+[\"'“‘„«(\[]*(\S))")
_PUNCTUATION = ".!?…"

# Quotation marks whose direction depends on context: after whitespace (or
# at the start) a mark opens, otherwise it closes.
_QUOTE = re.compile(r"[\"“”„«»]")

# Always followed by a name or a number: never a sentence end.
_TITLES = frozenset(
    """
    Rp rp Jl Jln jl PT CV UD dr Dr drg Drs Dra Prof prof Ir H Hj KH Tn Ny Nn Sdr Sdri
    Bpk Bp Kol Jend Letjen Mayjen Brigjen Kapt Kompol AKBP AKP Pdt Yth yth Kec Kab Kel
    Gg Prov Ds Mr Mrs Ms Messrs Mt Ft Gen Gov Sen Rep Rev Capt Col Lt Sgt Cmdr Adm Maj
    Hon St vs cf viz ca approx incl Ph.D M.Sc M.Si M.Pd M.Kom S.Kom S.Pd S.Sos S.Ag
    S.Psi M.Hum
    """.split()
)

# Not a sentence end when a number follows (``No. 5``, ``Jan. 6``).
_NUMBER_PREFIXES = frozenset(
    """
    No no Nos Nr nr hlm Hlm hal Hal Vol vol pp p Fig fig Art art Ps ps Tgl tgl
    Jan Feb Mar Apr Jun Jul Aug Agu Agt Sep Sept Okt Oct Nov Des Dec
    """.split()
)

# Can end a sentence: only when the next word is capitalised.
_CAN_END = frozenset(
    """
    dll dsb dst dkk tsb sbb etc al Inc Ltd Co Corp Bros Tbk Jr Sr a.m p.m
    """.split()
)

_ABBREVIATIONS = _TITLES | _NUMBER_PREFIXES | _CAN_END

# After a candidate, these continue the sentence (as a lowercase letter does).
_CONTINUING = "–—-,;:)]}”’»"

_DOTTED = re.compile(r"(?:[A-Za-z]\.)+[A-Za-z]")
_INITIAL = re.compile(r"[A-Z]\.\s")


def split_sentences(text: str, *, language: str = "id") -> list[Span]:
    """Split ``text`` into sentence spans, in order.

    Spans never overlap, are never empty, never start or end with whitespace,
    and every character outside them is whitespace. ``language`` is accepted
    for callers that know it; the Indonesian and English abbreviation lists
    are both always active because each language's news quotes the other's
    names and prefixes (``Dr.``, ``Mr.`` in Indonesian text, ``Rp.`` in
    English coverage of Indonesia).
    """
    spans: list[Span] = []
    for start, end in _lines(text):
        _split_line(text, start, end, spans)
    return spans


def _lines(text: str) -> Iterator[tuple[int, int]]:
    """(start, end) of each line that is not blank, without its surrounding
    whitespace. A line is what str.splitlines() says: each is split on its own."""
    position = 0
    for line in text.splitlines(keepends=True):
        start = position
        position += len(line)
        stripped = line.strip()  # the line ending is whitespace too
        if stripped:
            start += len(line) - len(line.lstrip())
            yield start, start + len(stripped)


def _split_line(text: str, start: int, end: int, spans: list[Span]) -> None:
    quotes: list[tuple[int, int]] | None = None
    sentence_start = start
    for m in _CANDIDATE.finditer(text, start, end):
        following = m.group(1)
        # A lowercase letter, a dash or continuing punctuation after the
        # candidate continues the same sentence.
        if following.islower() or following in _CONTINUING:
            continue
        period = m.start()
        # The punctuation is greedy, so a lone "." is followed by no other mark.
        if (
            text[period] == "."
            and text[period + 1] not in _PUNCTUATION
            and not _ends_with_period(text, period, m.start(1), sentence_start)
        ):
            continue
        boundary = m.end()
        if quotes is None:
            quotes = _quotations(text, start, end)
        if quotes and any(q_open < boundary <= q_close for q_open, q_close in quotes):
            continue
        spans.append(Span(sentence_start, boundary))
        # The lookahead guaranteed whitespace then text: skip the whitespace.
        sentence_start = boundary + 1
        while text[sentence_start].isspace():
            sentence_start += 1
    spans.append(Span(sentence_start, end))


def _ends_with_period(text: str, period: int, following_at: int, sentence_start: int) -> bool:
    """Whether the single ``.`` at ``period`` ends the sentence.

    Only text from ``sentence_start`` on is consulted, so re-splitting one
    sentence on its own gives the same decisions.
    """
    before = text[max(sentence_start, period - 64) : period]
    if not before or before[-1].isspace():
        return True
    token = before.rsplit(None, 1)[-1]
    token_start = period - len(token)
    word = token.lstrip(_OPENERS)
    if not word:
        return True
    if word in _ABBREVIATIONS:  # one look-up for the common case: none of them
        if word in _TITLES:
            return False
        following = text[following_at]
        if word in _NUMBER_PREFIXES and following.isdigit():
            return False
        if word in _CAN_END:
            return following.isupper()
    if "." in word and _DOTTED.fullmatch(word):  # U.S., e.g., B.J.: acronyms, not ends
        return False
    if word.isdigit() and token_start == sentence_start:  # "1." numbering a list item
        return False
    if len(word) == 1 and word.isupper():
        if _INITIAL.match(text, following_at):  # "B. J. Habibie"
            return False
        return not _is_initial(text, token_start, sentence_start)
    return True


def _is_initial(text: str, token_start: int, sentence_start: int) -> bool:
    """Whether a lone capital letter is part of a name (``J. Smith``)."""
    before = text[max(sentence_start, token_start - 40) : token_start].split()
    if not before:
        return True
    previous = before[-1].strip(_OPENERS + _CLOSERS)
    if not previous or previous[-1] in ".!?…":
        return True
    return previous[0].isupper()


def _quotations(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """(open, close) offsets of double quotations that close on this line."""
    regions: list[tuple[int, int]] = []
    opened: int | None = None
    for m in _QUOTE.finditer(text, start, end):
        i = m.start()
        opening = i == start or text[i - 1].isspace() or text[i - 1] in _OPENERS
        if opening:
            opened = i
        elif opened is not None:
            regions.append((opened, i))
            opened = None
    return regions
