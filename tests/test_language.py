"""Language guessing between Indonesian and English."""

from __future__ import annotations

from pathlib import Path

import pytest

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
