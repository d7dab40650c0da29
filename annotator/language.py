"""Guess whether an article is Indonesian or English.

Start with :func:`guess_language`. The corpus is Indonesian news with some
English; counting the commonest function words of each language is enough to
tell them apart, needs no model download, and runs in microseconds. When the
evidence is thin or balanced the answer is Indonesian, the corpus' default.
"""

from __future__ import annotations

import re
from itertools import repeat

_INDONESIAN = frozenset(
    """
    yang dan di ke dari ini itu dengan untuk tidak dalam adalah pada juga akan ada oleh
    atau karena bahwa sebagai telah mereka kami kita saya ia dia sudah bisa lebih tersebut
    para serta namun secara hingga menjadi kata tak belum masih sejak setelah ketika agar
    bagi antara tetapi tapi jika saat sebuah seorang dapat harus kepada menurut
    """.split()
)
_ENGLISH = frozenset(
    """
    the and of to in is that for it with as was on be by at this are from have has he she
    they said not but an will which were would been their his her who its had or after
    about than more when there what also could can into over
    """.split()
)
# Only the start of a long text is read: a few thousand words decide it.
_SAMPLE_CHARS = 20_000
_WORD = re.compile(r"[^\W\d_]+")
# English needs this many more hits than Indonesian (and at least two) to win.
_ENGLISH_MARGIN = 1.5

# The quick count works on bytes, one per character: ASCII letters stay,
# other ASCII characters become spaces, and a non-ASCII letter becomes
# _LETTER (a byte no ASCII text holds), which joins a word but never makes
# it a function word.
_LETTER = 0x80
_WORD_BYTES = bytes(
    b if (b < 0x80 and chr(b).isalpha()) or b == _LETTER else 0x20 for b in range(256)
)
# One pass counts both lists: an Indonesian word adds 1, an English one
# 1 << 32 (a sample holds far fewer than 2**32 words).
_ENGLISH_UNIT = 1 << 32
_WEIGHTS = {w.encode(): 1 for w in _INDONESIAN} | {w.encode(): _ENGLISH_UNIT for w in _ENGLISH}
# Above this many non-ASCII characters (another script) the plain count is
# as fast as marking them one by one.
_MAX_NON_ASCII = 500


def guess_language(text: str) -> str:
    """``"en"`` when English function words clearly dominate, else ``"id"``."""
    indonesian, english = _function_word_counts(text[:_SAMPLE_CHARS].lower())
    if english >= 2 and english > _ENGLISH_MARGIN * indonesian:
        return "en"
    return "id"


def _function_word_counts(text: str) -> tuple[int, int]:
    """How many words of ``text`` (runs of ``_WORD``) are Indonesian and
    English function words: :func:`_reference_counts`, three times faster.

    The word lists do not overlap (a test checks), so each word counts once.
    """
    data = text.encode("ascii", "replace")  # every other character becomes "?"
    non_ascii = data.count(b"?") - text.count("?")
    if non_ascii > _MAX_NON_ASCII:
        return _reference_counts(text)
    if non_ascii:
        marked = bytearray(data)
        at = data.find(b"?")
        while at != -1:
            char = text[at]
            if char.isalnum() and not char.isdecimal():  # in _WORD: a letter
                marked[at] = _LETTER
            at = data.find(b"?", at + 1)
        data = bytes(marked)
    total = sum(map(_WEIGHTS.get, data.translate(_WORD_BYTES).split(), repeat(0)))
    return total % _ENGLISH_UNIT, total // _ENGLISH_UNIT


def _reference_counts(text: str) -> tuple[int, int]:
    """The counts as first written: every word found with the regex."""
    words = _WORD.findall(text)
    return sum(map(_INDONESIAN.__contains__, words)), sum(map(_ENGLISH.__contains__, words))
