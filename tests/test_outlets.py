"""Per-outlet figures for the home page and `workbench stats`."""

from __future__ import annotations

from annotator import annotations as ann
from annotator import outlets
from annotator.annotations import Choice, Decision
from annotator.labelsets import LabelSet
from annotator.storage import Store


def test_summary_counts_documents_sentences_and_labelled_per_outlet(
    store: Store, labelset: LabelSet
) -> None:
    for sid, who in ((1, "ani"), (2, "ani"), (2, "budi"), (45, "budi")):
        ann.save(
            store,
            sentence_id=sid,
            annotator=who,
            decisions=[Decision("bias", "", (Choice("biased"),))],
            labelset=labelset,
        )
    frame = outlets.summary(store)
    assert frame.to_dict("records") == [
        {
            "outlet": "BBC News Indonesia",
            "documents": 1,
            "sentences": 39,
            "labelled": 2,
            "labelled_share": 2 / 39,
        },
        {
            "outlet": "kumparan",
            "documents": 1,
            "sentences": 19,
            "labelled": 1,
            "labelled_share": 1 / 19,
        },
    ]
    mine = outlets.summary(store, annotator="ani")
    assert mine["labelled"].tolist() == [2, 0]


def test_totals_match_the_stats_command(store: Store, labelset: LabelSet) -> None:
    ann.save(
        store,
        sentence_id=3,
        annotator="ani",
        decisions=[Decision("frames", "", (Choice("economic"), Choice("political")))],
        labelset=labelset,
    )
    totals = outlets.totals(store)
    assert (
        totals["documents"],
        totals["sentences"],
        totals["annotations"],
        totals["labelled_sentences"],
    ) == (2, 58, 2, 1)
    assert totals["annotators"] == ["ani"]
    assert totals["outlets"]["BBC News Indonesia"] == {
        "documents": 1,
        "sentences": 39,
        "labelled": 1,
    }


def test_documents_lists_each_article_with_its_metadata(store: Store) -> None:
    frame = outlets.documents(store)
    assert frame[["outlet", "published", "language", "sentences"]].values.tolist() == [
        ["BBC News Indonesia", "2024-08-13", "id", 39],
        ["kumparan", "2024-08-13T10:28:00+07:00", "id", 19],
    ]
    assert frame["title"].iloc[1] == "Wawancara Trump dan Elon Musk di X Terganggu 'Serangan Siber'"
