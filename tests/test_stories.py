"""Stories: by hand, suggested from text similarity, and sentence alignment across outlets."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.feature_extraction.text import CountVectorizer
from sqlalchemy import insert, inspect, select

from annotator import annotations as ann
from annotator import label_sources, stories
from annotator.alignment import (
    BLINDSPOT_THRESHOLD,
    PAIR_THRESHOLD,
    AlignedPair,
    Alignment,
    align_sentences,
    blindspots_with_labels,
    char_counts,
    pairs_with_labels,
)
from annotator.annotations import Choice, Decision
from annotator.corpus import import_articles
from annotator.labelsets import LabelSet
from annotator.readers import RawArticle
from annotator.storage import Store, open_store
from annotator.storage import texts as texts_sql
from annotator.storage.migrations import LATEST, MIGRATIONS, current_version
from annotator.storage.schema import (
    documents,
    metadata,
    outlets,
    schema_migrations,
    story_documents,
    utcnow,
)
from annotator.storage.stories import SentenceText
from bench.align_story import story as generated_story

# Reports of other events, written for these tests: what must not join the seeds.
RALLY_ID = """Donald Trump terluka di telinga kanan setelah seorang pria bersenjata melepaskan tembakan dalam kampanye terbuka di Butler, Pennsylvania, pada Sabtu (13/7).
Dinas Rahasia AS menembak mati pelaku, seorang pria berusia 20 tahun, dari atap sebuah gedung di luar area kampanye.
Seorang penonton tewas dan dua lainnya luka berat dalam insiden tersebut.
Trump dibawa ke rumah sakit dan dinyatakan dalam kondisi baik beberapa jam kemudian.
Presiden Joe Biden mengecam kekerasan politik dan menelepon Trump pada malam itu.
Elon Musk segera menyatakan dukungan penuh kepada calon presiden dari Partai Republik itu."""
FLOOD_ID = """Banjir merendam puluhan ribu rumah di Jakarta Timur dan Bekasi setelah hujan deras mengguyur sejak Minggu malam.
Badan Penanggulangan Bencana Daerah mencatat ketinggian air mencapai dua meter di beberapa permukiman di tepi Kali Ciliwung.
Ribuan warga mengungsi ke masjid, sekolah, dan kantor kelurahan terdekat.
Jalur kereta rel listrik menuju Bogor sempat terhenti karena rel tergenang."""
HEAT_EN_A = """A heatwave pushed temperatures above 40C across southern Spain and Italy on Tuesday, and authorities issued red alerts in twelve cities.
Hospitals in Seville reported a rise in admissions for heatstroke among elderly people.
Firefighters battled wildfires near Palermo, where several villages were evacuated overnight.
Meteorologists said the hot air mass from North Africa would linger until the weekend."""
HEAT_EN_B = """Southern Europe sweltered under a punishing heatwave, with thermometers passing 40C in Spain and Italy and red weather alerts in force in a dozen cities.
In Sicily, wildfires forced the evacuation of villages outside Palermo as firefighters worked through the night.
Doctors in Seville said more elderly patients were arriving with heatstroke.
Forecasters expect the North African air mass to stay over the region until the weekend."""
MATCH_EN = """Manchester City beat Arsenal 2-1 on Sunday to go top of the Premier League table.
Erling Haaland scored twice in the first half before Arsenal pulled a goal back through Bukayo Saka.
The visitors pressed for an equaliser but City's goalkeeper made a string of saves in stoppage time.
Arsenal now trail the leaders by three points with ten games left."""


def _add(store: Store, *articles: tuple[str, str, str, str]) -> dict[str, int]:
    """Import (title, text, outlet, language) articles; document ids by title."""
    raw = [
        RawArticle(text=t, source=f"{title}.txt", outlet=o, title=title, language=lang)
        for title, t, o, lang in articles
    ]
    assert import_articles(store, raw).ok
    with store.read() as conn:
        return {d.title: d.id for d in texts_sql.list_documents(conn)}


def _seed_ids(store: Store) -> tuple[int, int]:
    with store.read() as conn:
        by_outlet = {d.outlet: d.id for d in texts_sql.list_documents(conn)}
    return by_outlet["BBC News Indonesia"], by_outlet["kumparan"]


# ------------------------------------------------------------------ by hand


def test_a_story_made_by_hand_keeps_its_documents_name_and_author(store: Store) -> None:
    bbc, kumparan = _seed_ids(store)
    story_id = stories.create_story(
        store, "  Musk  DDoS ", document_ids=[kumparan, bbc], created_by="ani"
    )
    [story] = stories.list_stories(store)
    assert (story.id, story.name, story.created_by) == (story_id, "Musk DDoS", "ani")
    assert [d.id for d in story.documents] == sorted([bbc, kumparan])
    assert story.outlets == ("BBC News Indonesia", "kumparan")
    assert {d.sentence_count for d in story.documents} == {39, 19}
    stories.rename_story(store, story_id, "Trump on X")
    assert stories.get_story(store, story_id).name == "Trump on X"


def test_documents_come_and_go_and_deleting_a_story_keeps_them(store: Store) -> None:
    bbc, kumparan = _seed_ids(store)
    story_id = stories.create_story(store, "s", document_ids=[bbc])
    assert stories.add_documents(store, story_id, [bbc, kumparan, kumparan]) == 1
    assert stories.remove_documents(store, story_id, [bbc]) == 1
    assert stories.remove_documents(store, story_id, [bbc]) == 0
    other = stories.create_story(store, "other", document_ids=[bbc])
    assert [d.id for d in stories.get_story(store, story_id).documents] == [kumparan]
    assert [d.id for d in stories.get_story(store, other).documents] == [bbc]
    stories.delete_story(store, story_id)
    assert [s.id for s in stories.list_stories(store)] == [other]
    with store.read() as conn:
        assert set(conn.scalars(select(story_documents.c.story_id))) == {other}
        assert texts_sql.count_documents(conn) == 2


def test_unknown_stories_documents_and_bad_names_are_refused_and_store_nothing(
    store: Store,
) -> None:
    bbc, _ = _seed_ids(store)
    with pytest.raises(stories.UnknownDocuments, match="999"):
        stories.create_story(store, "s", document_ids=[bbc, 999])
    assert stories.list_stories(store) == []
    for bad in ("", "   ", "x" * 201):
        with pytest.raises(stories.InvalidStoryName):
            stories.create_story(store, bad)
    for action in (
        lambda: stories.rename_story(store, 42, "n"),
        lambda: stories.delete_story(store, 42),
        lambda: stories.add_documents(store, 42, [bbc]),
        lambda: stories.remove_documents(store, 42, [bbc]),
        lambda: stories.get_story(store, 42),
        lambda: stories.align_story(store, 42),
    ):
        with pytest.raises(stories.UnknownStory):
            action()


# ---------------------------------------------------------------- suggested


def _other_events(store: Store) -> dict[str, int]:
    return _add(
        store,
        ("rally", RALLY_ID, "Tempo", "id"),
        ("flood", FLOOD_ID, "Tempo", "id"),
        ("heat A", HEAT_EN_A, "Reuters", "en"),
        ("heat B", HEAT_EN_B, "The Guardian", "en"),
        ("match", MATCH_EN, "Reuters", "en"),
    )


def test_the_seeds_are_suggested_as_one_story_and_other_events_stay_apart(store: Store) -> None:
    ids = _other_events(store)
    suggested = stories.suggest_stories(store)
    groups = {frozenset(s.document_ids) for s in suggested}
    assert groups == {frozenset(_seed_ids(store)), frozenset({ids["heat A"], ids["heat B"]})}
    [seeds] = [s for s in suggested if set(s.document_ids) == set(_seed_ids(store))]
    assert [s.similarity for s in suggested] == sorted(
        (s.similarity for s in suggested), reverse=True
    )
    assert seeds.name.startswith("Wawancara")
    assert stories.DOCUMENT_THRESHOLD <= seeds.min_similarity <= seeds.similarity < 1


def test_an_accepted_suggestion_is_a_story_and_is_not_suggested_again(store: Store) -> None:
    [seeds] = stories.suggest_stories(store)
    story_id = stories.accept_suggestion(store, seeds, created_by="ani")
    story = stories.get_story(store, story_id)
    assert (story.name, story.created_by) == (seeds.name, "ani")
    assert tuple(d.id for d in story.documents) == seeds.document_ids
    assert stories.suggest_stories(store) == []
    again = stories.suggest_stories(store, include_assigned=True)
    assert [s.document_ids for s in again] == [seeds.document_ids]


def test_a_story_needs_two_outlets_unless_asked_otherwise(empty_store: Store) -> None:
    ids = _add(
        empty_store,
        ("heat A", HEAT_EN_A, "Reuters", "en"),
        ("heat B", HEAT_EN_B, "Reuters", "en"),
    )
    assert stories.suggest_stories(empty_store) == []
    [one] = stories.suggest_stories(empty_store, min_outlets=1)
    assert set(one.document_ids) == set(ids.values())


def test_a_chain_of_weak_links_is_not_one_story() -> None:
    # a~b and b~c at 0.5, a and c unrelated: linked, but not alike on average.
    vectors = sp.csr_matrix(np.array([[1.0, 0.0, 0.0], [0.5, 0.5, np.sqrt(0.5)], [0.0, 1.0, 0.0]]))
    groups = stories.group_documents(vectors, threshold=0.4)
    assert len(groups) == 1 and len(groups[0]) == 2
    assert stories.group_documents(vectors, threshold=0.2) == [[0, 1, 2]]


def test_a_component_too_big_to_cluster_at_once_is_split_by_stricter_links() -> None:
    # 600 documents all 0.64 alike, of which the first two are the same story.
    n = 600
    dense = np.zeros((n, n + 1))
    dense[:, 0] = 0.8
    dense[np.arange(n), np.arange(n) + 1] = 0.6
    dense[1, 1], dense[1, 2] = 0.6, 0.0
    groups = stories.group_documents(sp.csr_matrix(dense), threshold=0.25)
    assert groups == [[0, 1]]
    half = sp.csr_matrix(dense[:400])  # small enough: one story of everything
    assert [len(g) for g in stories.group_documents(half, threshold=0.25)] == [400]


# ---------------------------------------------------------------- alignment


def _seed_alignment(store: Store) -> Alignment:
    story_id = stories.create_story(store, "seeds", document_ids=list(_seed_ids(store)))
    return stories.align_story(store, story_id)


def _pair_with(alignment: Alignment, left: str, right: str) -> AlignedPair:
    [pair] = [p for p in alignment.pairs if left in p.left_text and right in p.right_text]
    return pair


def test_the_ddos_claim_is_paired_across_the_two_seed_outlets(store: Store) -> None:
    alignment = _seed_alignment(store)
    assert alignment.outlets == ("BBC News Indonesia", "kumparan")
    ddos = _pair_with(
        alignment, "serangan DDOS besar-besaran terhadap X", "serangan DDOS (Distributed"
    )
    assert ddos.left_text.startswith("Lebih dari 20 menit setelah percakapan, Musk menyalahkan")
    assert ddos.right_text.startswith('"Tampaknya ada serangan DDOS')
    assert "besar-besaran pada X" in ddos.right_text
    siber = _pair_with(alignment, "dugaan serangan siber tersebut", "sebagai serangan siber")
    assert siber.right_text.startswith("Wawancara yang telah lama ditunggu-tunggu")
    assert min(ddos.similarity, siber.similarity) >= PAIR_THRESHOLD
    assert (ddos.left_outlet, ddos.right_outlet) == ("BBC News Indonesia", "kumparan")


def test_facts_only_one_seed_outlet_reports_are_its_blindspots(store: Store) -> None:
    alignment = _seed_alignment(store)
    spots = {b.text: b for b in alignment.blindspots}
    kumparan_only = [t for t in spots if "misinformasi sayap kanan" in t]
    bbc_only = [t for t in spots if "kata Anthony Lim" in t]
    assert len(kumparan_only) == len(bbc_only) == 1
    assert spots[kumparan_only[0]].outlet == "kumparan"
    assert spots[bbc_only[0]].outlet == "BBC News Indonesia"
    paired = {i for p in alignment.pairs for i in (p.left_sentence_id, p.right_sentence_id)}
    assert not paired & {b.sentence_id for b in alignment.blindspots}
    assert all(b.best_similarity < BLINDSPOT_THRESHOLD for b in alignment.blindspots)


def test_labels_sit_beside_each_side_of_a_pair_with_the_differences(store: Store) -> None:
    alignment = _seed_alignment(store)
    pair = _pair_with(alignment, "serangan DDOS besar-besaran", "serangan DDOS (Distributed")
    left, right = pair.left_sentence_id, pair.right_sentence_id
    labels = pd.DataFrame(
        [
            (left, "frame", "", "conflict", "gold"),
            (left, "stance", "Musk", "against", "gold"),
            (right, "stance", "Musk", "favor", "gold"),
            (right, "bias", "", "neutral", "gold"),
            (right, "frame", "", None, "gold"),  # cleared: not a label
            (10_000, "bias", "", "biased", "gold"),  # another sentence
        ],
        columns=["sentence_id", "task", "target", "value", "source"],
    )
    table = pairs_with_labels(alignment.pairs, labels)
    assert len(table) == len(alignment.pairs)
    row = table[(table.left_sentence_id == left) & (table.right_sentence_id == right)].iloc[0]
    assert row.left_labels == (("frame", "", "conflict"), ("stance", "Musk", "against"))
    assert row.right_labels == (("bias", "", "neutral"), ("stance", "Musk", "favor"))
    assert row.differences == (("stance", "Musk"),)
    others = table[table.left_sentence_id != left]
    assert others.left_labels.map(len).sum() == others.right_labels.map(len).sum() == 0
    spots = blindspots_with_labels(alignment.blindspots, labels)
    assert list(spots.sentence_id) == [b.sentence_id for b in alignment.blindspots]
    with pytest.raises(ValueError, match="target"):
        pairs_with_labels(alignment.pairs, labels.drop(columns=["target"]))


def test_the_comparison_label_frame_feeds_the_pairs(store: Store, labelset: LabelSet) -> None:
    alignment = _seed_alignment(store)
    pair = _pair_with(alignment, "serangan DDOS besar-besaran", "serangan DDOS (Distributed")
    for sentence_id, stance in (
        (pair.left_sentence_id, "neutral"),
        (pair.right_sentence_id, "favor"),
    ):
        ann.save(
            store,
            sentence_id=sentence_id,
            annotator="ani",
            decisions=[Decision("stance", "Elon Musk", (Choice(stance),))],
            labelset=labelset,
        )
    table = pairs_with_labels(alignment.pairs, label_sources.label_frame(store, labelset))
    row = table[table.left_sentence_id == pair.left_sentence_id].iloc[0]
    assert row.left_labels == (("stance", "Elon Musk", "neutral"),)
    assert row.right_labels == (("stance", "Elon Musk", "favor"),)
    assert row.differences == (("stance", "Elon Musk"),)


def test_a_story_with_one_outlet_has_no_pairs_and_no_blindspots() -> None:
    rows = [SentenceText(i, 1, "A", f"kalimat nomor {i}") for i in range(3)]
    assert align_sentences(rows) == Alignment(outlets=("A",), pairs=(), blindspots=())
    with pytest.raises(ValueError, match="blindspot"):
        align_sentences(rows, threshold=0.1, blindspot_threshold=0.2)


WORDS = ["musk", "trump", "serangan", "siber", "DDoS", "wawancara", "X", "harris", "the", "attack"]
texts = st.lists(st.sampled_from(WORDS), min_size=0, max_size=6).map(" ".join)


@settings(max_examples=150, deadline=None)
@given(
    left=st.lists(texts, min_size=1, max_size=8),
    right=st.lists(texts, min_size=1, max_size=8),
    threshold=st.sampled_from([0.0, 0.11, 0.3, 0.8]),
)
def test_alignment_is_one_to_one_and_the_same_whichever_outlet_comes_first(
    left: list[str], right: list[str], threshold: float
) -> None:
    a = [SentenceText(i, 1, "A", t) for i, t in enumerate(left)]
    b = [SentenceText(100 + i, 2, "B", t) for i, t in enumerate(right)]
    forward = align_sentences(a + b, threshold=threshold, blindspot_threshold=threshold)
    backward = align_sentences(b + a, threshold=threshold, blindspot_threshold=threshold)
    pairs = [(p.left_sentence_id, p.right_sentence_id, p.similarity) for p in forward.pairs]
    assert len({p[0] for p in pairs}) == len({p[1] for p in pairs}) == len(pairs)
    assert all(
        s >= threshold and p.left_outlet == "A"
        for (*_, s), p in zip(pairs, forward.pairs, strict=True)
    )
    swapped = {(p.right_sentence_id, p.left_sentence_id, p.similarity) for p in backward.pairs}
    assert set(pairs) == swapped
    assert {b.sentence_id for b in forward.blindspots} == {
        b.sentence_id for b in backward.blindspots
    }


@settings(max_examples=100, deadline=None)
@given(st.lists(st.text(st.sampled_from("ab cD\t\n.“é"), max_size=12), min_size=1, max_size=6))
def test_character_counts_are_those_of_the_char_wb_analyzer(docs: list[str]) -> None:
    reference = CountVectorizer(analyzer="char_wb", ngram_range=(3, 5))
    try:
        expected = reference.fit_transform(docs).toarray()
    except ValueError:  # no n-gram in any text
        expected = np.zeros((len(docs), 0))
    assert np.array_equal(char_counts(docs).toarray(), expected)


def test_two_outlets_of_500_sentences_align_well_under_a_second() -> None:
    rows, planted = generated_story(500, 100, seed=7)
    align_sentences(rows)
    runs = []
    for _ in range(3):
        start = time.perf_counter()
        alignment = align_sentences(rows)
        runs.append(time.perf_counter() - start)
    assert min(runs) < 1.0, runs
    found = {(p.left_sentence_id, p.right_sentence_id) for p in alignment.pairs}
    assert len(found & planted) >= 95


# ---------------------------------------------------------------- migration


def _database_at_migration_3(path: Path) -> None:
    with sqlite3.connect(path) as conn:
        conn.executescript((Path(__file__).parent / "data" / "schema_v1_sqlite.sql").read_text())
    store = open_store(f"sqlite:///{path}", migrate=False)
    with store.write() as conn:
        for migration in MIGRATIONS[1:3]:
            migration.upgrade(conn)
            conn.execute(
                insert(schema_migrations).values(
                    version=migration.version, name=migration.name, applied_at=utcnow()
                )
            )
        conn.execute(insert(outlets).values(id=1, name="kumparan", created_at=utcnow()))
        conn.execute(
            insert(documents).values(
                id=1, uid="d1", outlet_id=1, text="t", content_hash="h", created_at=utcnow()
            )
        )
    store.engine.dispose()


@pytest.mark.sqlite_only
def test_a_database_at_migration_3_gains_the_story_tables(tmp_path: Path) -> None:
    path = tmp_path / "v3.sqlite"
    _database_at_migration_3(path)
    assert current_version(open_store(f"sqlite:///{path}", migrate=False)) == 3
    upgraded = open_store(f"sqlite:///{path}")
    assert current_version(upgraded) == LATEST >= 4
    with upgraded.read() as conn:
        done = set(conn.scalars(select(schema_migrations.c.version)))
        assert done == {m.version for m in MIGRATIONS}
        inspector = inspect(conn)
        for name in ("stories", "story_documents"):
            table = metadata.tables[name]
            assert {c["name"] for c in inspector.get_columns(name)} == set(table.c.keys())
            indexes = {ix["name"] for ix in inspector.get_indexes(name)}
            assert {ix.name for ix in table.indexes} <= indexes
    story_id = stories.create_story(upgraded, "old document", document_ids=[1])
    assert [d.uid for d in stories.get_story(upgraded, story_id).documents] == ["d1"]
