"""Language guessing between Indonesian and English."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from annotator import language
from annotator.language import guess_language

SEEDS = Path(__file__).resolve().parent.parent / "seeds"


@pytest.mark.parametrize("path", sorted(SEEDS.glob("*.txt")), ids=lambda p: p.name)
def test_the_seed_articles_are_indonesian(path: Path) -> None:
    assert guess_language(path.read_text(encoding="utf-8")) == "id"


def test_an_english_news_paragraph_is_english() -> None:
    text = (
        "Elon Musk's conversation with Donald Trump on X was delayed by more than 40 minutes, "
        "and Musk said that the platform had been hit by a massive attack."
    )
    assert guess_language(text) == "en"


def test_an_indonesian_paragraph_with_an_english_quote_is_indonesian() -> None:
    text = (
        'Musk menulis "this is the future" di platformnya, dan ia mengatakan bahwa serangan '
        "itu tidak akan menghentikan percakapan dengan Trump pada hari Senin."
    )
    assert guess_language(text) == "id"


@pytest.mark.parametrize("text", ["", "   ", "12/8 2024 10:28", "Elon Musk", "DDoS X AFP"])
def test_without_evidence_the_answer_is_indonesian(text: str) -> None:
    assert guess_language(text) == "id"


def test_a_single_english_function_word_is_not_enough() -> None:
    assert guess_language("Trump interview hit by cyber attack") == "id"


def test_case_does_not_matter() -> None:
    assert guess_language("THE PRESIDENT SAID THAT HE WAS NOT IN THE CITY.") == "en"


def test_the_word_lists_do_not_overlap() -> None:
    assert not language._INDONESIAN & language._ENGLISH


# --- The quick count (bytes, one per character) against the plain one. ---
def reference_guess(text: str) -> str:
    """guess_language as first written: every word found with the regex."""
    indonesian = english = 0
    for word in language._WORD.findall(text[: language._SAMPLE_CHARS].lower()):
        if word in language._INDONESIAN:
            indonesian += 1
        elif word in language._ENGLISH:
            english += 1
    return "en" if english >= 2 and english > 1.5 * indonesian else "id"


# Function words with every kind of neighbour: ASCII and other letters
# (é, ı, K, İ, ², Ⅰ, ß), digits (ASCII, Arabic-Indic), punctuation, quotes,
# exotic spaces and line breaks, "?" (what the quick count turns others into),
# "_" and a lone surrogate.
_WORDS = sorted(language._INDONESIAN | language._ENGLISH)
_NEIGHBOURS = [*" .,?!_-“”«»©·—0123", "\u00a0", "\u2028", "\t", "é", "ı", "\u212a", "İ", "²"]
_NEIGHBOURS += ["Ⅰ", "ß", "٣", "\ud800", "João", "THE", "Yang", "X"]
mixed_text = st.one_of(
    st.lists(st.sampled_from([*_WORDS, *_NEIGHBOURS]), max_size=60).map("".join),
    st.lists(st.sampled_from(_WORDS), max_size=30).map(" ".join),
    st.text(max_size=60),
)


@settings(max_examples=500, deadline=None)
@given(mixed_text)
def test_the_quick_count_is_the_plain_count(text: str) -> None:
    low = text.lower()
    assert language._function_word_counts(low) == language._reference_counts(low)
    assert guess_language(text) == reference_guess(text)


def test_text_in_another_script_takes_the_plain_count() -> None:
    text = "это не тот текст " * 100 + "the the and"
    assert language._function_word_counts(text) == language._reference_counts(text) == (0, 3)


def test_a_word_character_outside_ascii_is_what_the_quick_count_takes_it_for() -> None:
    """The quick count marks a non-ASCII character as part of a word when it
    is alphanumeric but not a decimal digit: exactly the regex's word class."""
    word = re.compile(r"[^\W\d_]")
    for char in map(chr, range(0x80, sys.maxunicode + 1)):
        assert (char.isalnum() and not char.isdecimal()) == bool(word.match(char)), hex(ord(char))
