"""Untrusted text is shown as text: escaping, highlights, cue-word runs."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from annotator import display
from annotator.labelsets import Mention


def test_html_in_an_article_is_escaped_and_marks_are_ours() -> None:
    text = "<script>alert(1)</script> Musk & **bold**"
    out = display.sentence_html(text, mentions=[Mention(26, 30, "Elon Musk")])
    assert "<script>" not in out
    assert "&lt;script&gt;alert(1)&lt;/script&gt; " in out
    assert 'title="target: Elon Musk">Musk</mark>' in out
    assert "&amp; **bold**" in out


@given(st.text())
def test_escaped_html_contains_no_markup_from_the_text(text: str) -> None:
    out = display.sentence_html(text)
    assert "<" not in out and ">" not in out


@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=80))
def test_escaped_markdown_has_no_unescaped_special_character(text: str) -> None:
    out = display.escape_markdown(text)
    i = 0
    while i < len(out):
        if out[i] == "\\":
            i += 2
            continue
        assert out[i] not in "*_`[]<>#|~"
        i += 1


def test_runs_join_consecutive_words_into_one_span() -> None:
    text = "misinformasi sayap kanan tentang imigran"
    words = display.word_spans(text)
    assert display.runs(words, [0, 1, 2, 4]) == [(0, 24), (33, 40)]
    assert text[0:24] == "misinformasi sayap kanan"


def test_words_keep_hyphenated_and_apostrophe_words_whole() -> None:
    words = [w.text for w in display.word_spans("ditunggu-tunggu, X-nya dan Musk’s “hebat.”")]
    assert words == ["ditunggu-tunggu", ",", "X-nya", "dan", "Musk’s", "“", "hebat", ".", "”"]


def test_the_codebook_block_lists_every_value_with_its_key_in_the_chosen_language() -> None:
    from annotator.labelsets import Task, Value

    task = Task(
        "bias",
        "single",
        (
            Value(
                "biased",
                {"en": "Biased", "id": "Bias"},
                {"en": "One-sided *words*", "id": "Kata sepihak"},
                {"id": "Contoh."},
            ),
            Value("not-biased", {"en": "Not biased"}),
        ),
        question={"en": "Does it take a side?", "id": "Apakah berpihak?"},
    )
    block = display.codebook_markdown(task, "id")
    assert block.split("\n\n")[0] == "Apakah berpihak?"
    assert "**1 · Bias**: Kata sepihak _Contoh\\._" in block
    assert "**2 · Not biased**" in block
    assert "One\\-sided \\*words\\*" in display.codebook_markdown(task, "en")


def test_a_decision_summary_names_values_and_marks_a_model_guess() -> None:
    from annotator.annotations import Choice, Decision
    from annotator.labelsets import Task, Value

    task = Task("frames", "multi", (Value("economic", {"id": "Ekonomi"}), Value("political")))
    assert display.decision_summary(task, Decision("frames"), "id") == "—"
    assert (
        display.decision_summary(task, Decision("frames", "", (Choice(""),)), "id")
        == "none applies"
    )
    both = Decision("frames", "", (Choice("economic"), Choice("political")))
    assert display.decision_summary(task, both, "id") == "Ekonomi, political"
    assert (
        display.decision_summary(task, both, "id", confidence=0.914)
        == "Ekonomi, political (model guess, 91%)"
    )
