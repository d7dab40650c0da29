"""The benchmarks' corpus generator: deterministic, and exactly the sentences asked for."""

from __future__ import annotations

from annotator.corpus import prepare
from bench.corpus_gen import article, corpus


def test_the_same_seed_gives_the_same_corpus():
    first = [(a.title, a.raw()) for a in corpus(230, seed=7)]
    second = [(a.title, a.raw()) for a in corpus(230, seed=7)]
    assert first == second


def test_another_seed_gives_another_corpus():
    assert article(0, 10, seed=1).raw() != article(0, 10, seed=2).raw()


def test_an_article_does_not_depend_on_what_else_is_generated():
    assert list(corpus(500, seed=3))[4] == article(4, 50, seed=3)


def test_the_corpus_has_the_requested_sentence_count():
    articles = list(corpus(1234, per_article=50))
    assert len(articles) == 25
    assert sum(len(a.sentences) for a in articles) == 1234


def test_importing_finds_exactly_the_generated_sentences_and_removes_the_boilerplate():
    for generated in corpus(600, per_article=60, seed=11):
        document, problems = prepare(generated.raw_article())
        assert document is not None
        assert not [p for p in problems if p.severity == "error"]
        assert document.sentence_texts() == generated.sentences
        assert document.text == generated.body()
        assert "ADVERTISEMENT" not in document.text
        assert [(s.start, s.end) for s in document.sentences] == generated.spans()
        assert document.title == generated.title
