"""Label sources: gold, human majority, model above a threshold, human else model; filters."""

from __future__ import annotations

import dataclasses
import random
from collections import Counter
from collections.abc import Iterator
from datetime import date

import pandas as pd
import pytest
from sqlalchemy import Column, DateTime, ForeignKey, Integer, MetaData, String, Table, inspect
from sqlalchemy import insert as sql_insert

from annotator import label_sources as ls
from annotator import labelsets, training
from annotator.label_sources import Filters
from annotator.labelsets import LabelSet
from annotator.storage import Store
from annotator.storage import texts as texts_sql
from annotator.storage.schema import utcnow
from tests.synthetic_outlets import Corpus, add_model, build_corpus, label, noisy_annotators

LAYOUT = {
    "Alpha": [("2024-08-01", 12), ("2024-08-05T09:00:00+07:00", 12)],
    "Beta": [("2024-08-03", 15)],
}


@pytest.fixture
def labelset(empty_store: Store) -> LabelSet:
    return labelsets.current(empty_store)


@pytest.fixture
def corpus(empty_store: Store) -> Corpus:
    return build_corpus(empty_store, LAYOUT)


@pytest.fixture
def db(empty_store: Store, corpus: Corpus) -> Iterator[Store]:
    """The generated corpus (not the seeds), with the default label set."""
    yield empty_store


def chosen(frame: pd.DataFrame, task: str) -> dict[int, str]:
    rows = frame[frame["task"] == task]
    return dict(zip(rows["sentence_id"], rows["value"], strict=True))


def frame_counts(frame: pd.DataFrame) -> tuple[set[tuple[object, ...]], set[tuple[object, ...]]]:
    values = Counter(
        zip(frame["outlet"], frame["task"], frame["target"], frame["value"], strict=True)
    )
    totals = frame.groupby(["outlet", "task", "target"])["sentence_id"].nunique()
    return {(*k, v) for k, v in values.items()}, {(*k, int(v)) for k, v in totals.items()}


def as_sets(found: ls.Counts) -> tuple[set[tuple[object, ...]], set[tuple[object, ...]]]:
    return (
        set(found.values.itertuples(index=False, name=None)),
        set(found.totals.itertuples(index=False, name=None)),
    )


def test_the_human_majority_recovers_the_truth_from_noisy_annotators(
    db: Store, labelset: LabelSet, corpus: Corpus
) -> None:
    rng = random.Random(11)
    ids = corpus.sentences("Alpha") + corpus.sentences("Beta")
    truth = {sid: rng.choice(["biased", "not-biased"]) for sid in ids}
    said = noisy_annotators(truth, ["biased", "not-biased"], annotators=3, error=0.5, seed=3)
    assert any(said[a][s] != truth[s] for a in said for s in ids)  # the noise is real
    for annotator, values in said.items():
        for sid, value in values.items():
            label(db, labelset, annotator, sid, bias=value)
    frame = ls.label_frame(db, labelset, source="human")
    assert chosen(frame, "bias") == truth
    assert set(frame["source"]) == {"human"} and frame["probability"].isna().all()
    assert frame.columns.tolist() == list(ls.LABEL_COLUMNS)
    found = ls.counts(db, labelset, source="human")
    alpha = Counter(truth[s] for s in corpus.sentences("Alpha"))
    assert ("Alpha", "bias", "", "biased", alpha["biased"]) in as_sets(found)[0]
    assert ("Alpha", "bias", "", 24) in as_sets(found)[1]


def test_ties_go_to_the_value_listed_first_in_the_label_set(
    db: Store, labelset: LabelSet, corpus: Corpus
) -> None:
    a, b, c = corpus.sentences("Alpha")[:3]
    label(db, labelset, "ani", a, stance={"Donald Trump": "against"}, opinion="opinion")
    label(db, labelset, "budi", a, stance={"Donald Trump": "favor"}, opinion="mixed")
    for who, value in (("ani", "against"), ("budi", "favor"), ("cici", "against")):
        label(db, labelset, who, b, stance={"Elon Musk": value})
    label(db, labelset, "ani", c, opinion="factual")
    frame = ls.label_frame(db, labelset, source="human")
    stance = frame[frame["task"] == "stance"].set_index(["sentence_id", "target"])["value"]
    assert stance.to_dict() == {(a, "Donald Trump"): "favor", (b, "Elon Musk"): "against"}
    assert chosen(frame, "opinion") == {a: "mixed", c: "factual"}


def test_multi_choice_keeps_values_most_annotators_chose_and_none_applies(
    db: Store, labelset: LabelSet, corpus: Corpus
) -> None:
    s1, s2, s3 = corpus.sentences("Beta")[:3]
    label(db, labelset, "ani", s1, frames=["economic", "political"])
    label(db, labelset, "budi", s1, frames=["economic"])
    label(db, labelset, "ani", s2, frames=[""])
    label(db, labelset, "budi", s2, frames=[""])
    label(db, labelset, "ani", s3, frames=["economic"])
    label(db, labelset, "budi", s3, frames=["political"])
    frame = ls.label_frame(db, labelset, source="human")
    rows = set(zip(frame["sentence_id"], frame["value"], strict=True))
    assert rows == {(s1, "economic"), (s2, ""), (s3, "")}
    values, totals = as_sets(ls.counts(db, labelset, source="human"))
    assert ("Beta", "frames", "", 3) in totals
    assert ("Beta", "frames", "", "economic", 1) in values


def test_cleared_labels_are_ignored_and_the_newest_label_counts(
    db: Store, labelset: LabelSet, corpus: Corpus
) -> None:
    s1, s2 = corpus.sentences("Alpha")[:2]
    label(db, labelset, "ani", s1, bias="biased", frames=["economic"])
    label(db, labelset, "ani", s1, bias=None, frames=[])  # cleared both
    label(db, labelset, "budi", s2, bias="biased")
    label(db, labelset, "budi", s2, bias="not-biased")
    label(db, labelset, "ani", s2, frames=["crime"])
    frame = ls.label_frame(db, labelset, source="human")
    assert set(zip(frame["sentence_id"], frame["task"], frame["value"], strict=True)) == {
        (s2, "bias", "not-biased"),
        (s2, "frames", "crime"),
    }


def test_gold_reads_only_adjudicated_labels_of_gold_and_people_exclude_gold(
    db: Store, labelset: LabelSet, corpus: Corpus
) -> None:
    s1, s2 = corpus.sentences("Beta")[:2]
    label(db, labelset, ls.GOLD_ANNOTATOR, s1, source=ls.GOLD_SOURCE, bias="biased")
    label(db, labelset, ls.GOLD_ANNOTATOR, s2, source="human", bias="biased")
    label(db, labelset, "ani", s1, bias="not-biased")
    gold = ls.label_frame(db, labelset, source="gold")
    assert chosen(gold, "bias") == {s1: "biased"} and set(gold["source"]) == {"gold"}
    assert chosen(ls.label_frame(db, labelset, source="human"), "bias") == {s1: "not-biased"}
    assert ls.PEOPLE_SOURCES == training.HUMAN_SOURCES


def model_rows(corpus: Corpus) -> list[tuple[int, str, str, str, float]]:
    s = corpus.sentences("Alpha")
    return [
        (s[0], "bias", "", "biased", 0.9),
        (s[1], "bias", "", "not-biased", 0.4),
        (s[2], "frames", "", "economic", 0.8),
        (s[2], "frames", "", "political", 0.3),
        (s[3], "frames", "", "", 0.7),
        (s[0], "stance", "Donald Trump", "against", 0.6),
    ]


def test_the_model_source_keeps_predictions_at_or_above_the_threshold(
    db: Store, labelset: LabelSet, corpus: Corpus
) -> None:
    s = corpus.sentences("Alpha")
    assert ls.label_frame(db, labelset, source="model").empty  # no active version yet
    add_model(db, labelset, model_rows(corpus))
    frame = ls.label_frame(db, labelset, source="model", threshold=0.6)
    assert set(zip(frame["sentence_id"], frame["task"], frame["value"], strict=True)) == {
        (s[0], "bias", "biased"),
        (s[2], "frames", "economic"),
        (s[3], "frames", ""),
        (s[0], "stance", "against"),
    }
    assert set(frame["source"]) == {"model"} and frame["probability"].min() == 0.6
    assert len(ls.label_frame(db, labelset, source="model", threshold=0.0)) == 6
    for threshold in (0.0, 0.5, 0.85):
        found = ls.counts(db, labelset, source="model", threshold=threshold)
        every = ls.label_frame(db, labelset, source="model", threshold=threshold)
        assert as_sets(found) == frame_counts(every)


def test_human_else_model_takes_people_where_they_labelled_each_key(
    db: Store, labelset: LabelSet, corpus: Corpus
) -> None:
    s = corpus.sentences("Alpha")
    add_model(db, labelset, model_rows(corpus))
    label(db, labelset, "ani", s[0], bias="not-biased")
    label(db, labelset, "ani", s[2], bias="biased")  # frames of s[2] stay the model's
    label(db, labelset, "ani", s[3], frames=["crime"])
    frame = ls.label_frame(db, labelset, source="human_else_model", threshold=0.5)
    got = set(
        zip(frame["sentence_id"], frame["task"], frame["value"], frame["source"], strict=True)
    )
    assert got == {
        (s[0], "bias", "not-biased", "human"),
        (s[0], "stance", "against", "model"),
        (s[2], "bias", "biased", "human"),
        (s[2], "frames", "economic", "model"),
        (s[3], "frames", "crime", "human"),
    }
    found = ls.counts(db, labelset, source="human_else_model", threshold=0.5)
    assert as_sets(found) == frame_counts(frame)


def test_counts_equal_counting_the_label_frame_for_every_source(
    db: Store, labelset: LabelSet, corpus: Corpus
) -> None:
    rng = random.Random(5)
    frames_task = labelset.task("frames")
    assert frames_task is not None
    names = [v.name for v in frames_task.values]
    predictions = []
    for sid in corpus.sentences("Alpha") + corpus.sentences("Beta"):
        predictions.append((sid, "bias", "", rng.choice(["biased", "not-biased"]), rng.random()))
        for value in rng.sample(names, rng.randint(0, 2)) or [""]:
            predictions.append((sid, "frames", "", value, rng.random()))
        for who in ("ani", "budi", "cici", ls.GOLD_ANNOTATOR):
            if rng.random() < 0.3:
                label(
                    db,
                    labelset,
                    who,
                    sid,
                    source=ls.GOLD_SOURCE if who == ls.GOLD_ANNOTATOR else "human",
                    bias=rng.choice(["biased", "not-biased"]),
                    frames=rng.sample(names, rng.randint(0, 2)) or [""],
                )
    add_model(db, labelset, predictions)
    for source in ls.LABEL_SOURCES:
        frame = ls.label_frame(db, labelset, source=source, threshold=0.3)
        assert not frame.empty
        found = ls.counts(db, labelset, source=source, threshold=0.3)
        assert as_sets(found) == frame_counts(frame), source


def test_human_majority_agrees_with_the_training_data(
    db: Store, labelset: LabelSet, corpus: Corpus
) -> None:
    rng = random.Random(8)
    frames_task = labelset.task("frames")
    assert frames_task is not None
    names = [v.name for v in frames_task.values][:4]
    for sid in corpus.sentences("Alpha"):
        for who in ("ani", "budi", "cici")[: rng.randint(1, 3)]:
            label(
                db,
                labelset,
                who,
                sid,
                opinion=rng.choice(["factual", "mixed", "opinion"]),
                frames=rng.sample(names, rng.randint(0, 2)) or [""],
            )
    data = training.training_data(db, labelset)
    with db.read() as conn:
        outlets_of = texts_sql.sentence_outlets(conn, corpus.sentences("Alpha"))
    text_of = {sid: text for sid, (text, _) in outlets_of.items()}
    frame = ls.label_frame(db, labelset, source="human")
    opinion = {text_of[s]: v for s, v in chosen(frame, "opinion").items()}
    assert opinion == dict(zip(data["opinion"].texts, data["opinion"].labels, strict=True))
    multi = frame[frame["task"] == "frames"].groupby("sentence_id")["value"].agg(set)
    ours = {text_of[s]: frozenset(v - {""}) for s, v in multi.items()}
    assert ours == dict(zip(data["frames"].texts, data["frames"].labels, strict=True))


# ---------------------------------------------------------------- filters


@pytest.fixture
def everyone_labelled(db: Store, labelset: LabelSet, corpus: Corpus) -> None:
    for doc in corpus.documents:
        for sid in doc.sentence_ids:
            label(
                db,
                labelset,
                "ani",
                sid,
                bias="biased",
                stance={"Donald Trump": "favor", "Elon Musk": "against"},
            )


def sentences_in(db: Store, labelset: LabelSet, filters: Filters) -> set[int]:
    return set(ls.label_frame(db, labelset, source="human", filters=filters)["sentence_id"])


@pytest.mark.usefixtures("everyone_labelled")
def test_filters_pick_outlets_dates_documents_and_targets(
    db: Store, labelset: LabelSet, corpus: Corpus
) -> None:
    first, later = corpus.document("Alpha", 0), corpus.document("Alpha", 1)
    beta = corpus.document("Beta")
    assert sentences_in(db, labelset, Filters(outlets=("Beta",))) == set(beta.sentence_ids)
    window = Filters(date_from=date(2024, 8, 2), date_to=date(2024, 8, 5))
    assert sentences_in(db, labelset, window) == {*later.sentence_ids, *beta.sentence_ids}
    before = Filters(date_to=date(2024, 8, 4))
    assert sentences_in(db, labelset, before) == {*first.sentence_ids, *beta.sentence_ids}
    assert sentences_in(db, labelset, Filters(document_ids=(later.id,))) == set(later.sentence_ids)
    frame = ls.label_frame(db, labelset, filters=Filters(targets=("Elon Musk",)))
    assert set(frame["target"]) == {"", "Elon Musk"}
    assert len(frame) == 2 * sum(len(d.sentence_ids) for d in corpus.documents)


def test_documents_without_a_date_drop_out_once_a_date_bound_is_set(
    empty_store: Store, labelset: LabelSet
) -> None:
    corpus = build_corpus(empty_store, {"Gamma": [("", 3)], "Delta": [("2024-08-02", 3)]})
    for doc in corpus.documents:
        for sid in doc.sentence_ids:
            label(empty_store, labelset, "ani", sid, bias="biased")
    assert len(sentences_in(empty_store, labelset, Filters())) == 6
    dated = sentences_in(empty_store, labelset, Filters(date_from=date(2000, 1, 1)))
    assert dated == set(corpus.document("Delta").sentence_ids)


def test_the_label_set_version_filter_keeps_labels_made_under_it(
    db: Store, labelset: LabelSet, corpus: Corpus
) -> None:
    s1, s2 = corpus.sentences("Beta")[:2]
    newer = dataclasses.replace(labelset, version=labelset.version + 1)
    label(db, labelset, "ani", s1, bias="biased")
    label(db, newer, "ani", s2, bias="biased")
    old = Filters(label_set_version=labelset.version)
    assert sentences_in(db, labelset, old) == {s1}
    add_model(db, labelset, [(s1, "bias", "", "biased", 0.9)])
    assert len(ls.label_frame(db, labelset, source="model", filters=old)) == 1
    new = Filters(label_set_version=newer.version)
    assert ls.label_frame(db, labelset, source="model", filters=new).empty
    assert ls.counts(db, labelset, source="model", filters=new).values.empty


def put_in_story(db: Store, document_ids: list[int]) -> int:
    """A story holding the documents, in the stories tables (made here when
    the stories migration is not in this tree yet)."""
    with db.write() as conn:
        if not inspect(conn).has_table("story_documents"):
            local = MetaData()
            Table(
                "stories",
                local,
                Column("id", Integer, primary_key=True),
                Column("name", String(200)),
                Column("created_at", DateTime, nullable=True),
            )
            Table(
                "story_documents",
                local,
                Column("story_id", ForeignKey("stories.id"), primary_key=True),
                Column("document_id", Integer, primary_key=True),
            )
            local.create_all(conn)
        reflected = MetaData()
        stories = Table("stories", reflected, autoload_with=conn)
        members = Table("story_documents", reflected, autoload_with=conn)
        extra = {"created_at": utcnow().replace(tzinfo=None)} if "created_at" in stories.c else {}
        story = conn.execute(sql_insert(stories).values(name="DDoS", **extra)).inserted_primary_key
        assert story is not None
        conn.execute(
            sql_insert(members), [{"story_id": story[0], "document_id": d} for d in document_ids]
        )
    return int(story[0])


@pytest.mark.usefixtures("everyone_labelled")
def test_the_story_filter_keeps_its_documents(
    db: Store, labelset: LabelSet, corpus: Corpus
) -> None:
    beta, later = corpus.document("Beta"), corpus.document("Alpha", 1)
    story = put_in_story(db, [beta.id, later.id])
    assert sentences_in(db, labelset, Filters(story=story)) == {
        *beta.sentence_ids,
        *later.sentence_ids,
    }
    assert sentences_in(db, labelset, Filters(story=story + 1)) == set()
    with db.write() as conn:
        conn.exec_driver_sql("DROP TABLE story_documents")
    assert sentences_in(db, labelset, Filters(story=story)) == set()


def test_an_unknown_label_source_is_refused(db: Store, labelset: LabelSet) -> None:
    with pytest.raises(ValueError, match="unknown label source"):
        ls.label_frame(db, labelset, source="crowd")  # type: ignore[arg-type]


def test_the_sentences_behind_one_bar_are_the_frame_narrowed(
    db: Store, labelset: LabelSet, corpus: Corpus
) -> None:
    s = corpus.sentences("Alpha")
    add_model(db, labelset, model_rows(corpus))
    label(db, labelset, "ani", s[0], bias="not-biased")  # takes s[0] from the model
    label(db, labelset, "ani", s[5], bias="biased")
    label(db, labelset, "budi", s[6], bias="biased")
    label(db, labelset, "cici", s[6], bias="not-biased")  # a tie: "biased" is listed first
    label(db, labelset, "ani", s[7], bias="not-biased")
    full = ls.label_frame(db, labelset, source="human_else_model")
    bar = ls.label_frame(db, labelset, source="human_else_model", task="bias", value="biased")
    expected = full[(full["task"] == "bias") & (full["value"] == "biased")]
    assert bar.reset_index(drop=True).equals(expected.reset_index(drop=True))
    assert bar["sentence_id"].tolist() == [s[5], s[6]]
    first = ls.label_frame(db, labelset, source="model", task="frames", limit=2)
    assert list(zip(first["sentence_id"], first["value"], strict=True)) == [
        (s[2], "economic"),
        (s[3], ""),
    ]
