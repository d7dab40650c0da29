"""Guess whether an article is Indonesian or English.

Start with :func:`guess_language`. The corpus is Indonesian news with some
English; counting the commonest function words of each language is enough to
tell them apart, needs no model download, and runs in microseconds. When the
evidence is thin or balanced the answer is Indonesian, the corpus' default.
"""

from __future__ import annotations

import re

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


def guess_language(text: str) -> str:
    """``"en"`` when English function words clearly dominate, else ``"id"``."""
    indonesian = english = 0
    for word in _WORD.findall(text[:_SAMPLE_CHARS].lower()):
        if word in _INDONESIAN:
            indonesian += 1
        elif word in _ENGLISH:
            english += 1
    if english >= 2 and english > _ENGLISH_MARGIN * indonesian:
        return "en"
    return "id"
