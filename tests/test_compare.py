"""What the compare page and command share: controls, charts, the sentences behind a bar,
a story side by side, the numbers as JSON and the report sections."""

from __future__ import annotations

import json
from datetime import date

import pandas as pd
import pytest

from annotator import compare, labelsets, outlets, report, stories
from annotator.compare import Cell, Controls
from annotator.compare_report import numbers, records, report_sections, story_view
from annotator.labelsets import LabelSet
from annotator.storage import Store
from annotator.storage import texts as texts_sql
from tests.synthetic_outlets import add_model, build_corpus, label

BBC, KUMPARAN = "BBC News Indonesia", "kumparan"
PAIR = (BBC, KUMPARAN)
MUSK = "Elon Musk"
# Seed sentences (ids as the seeds import them): the DDoS claim and the cyberattack.
BBC_DDOS, BBC_SIBER, KUMPARAN_SIBER, KUMPARAN_DDOS, KUMPARAN_OTHER = 7, 9, 41, 44, 45
DDOS_CUE = "serangan DDOS besar-besaran"


def _text(store: Store, sentence_id: int) -> str:
    with store.read() as conn:
        found = texts_sql.get_sentence(conn, sentence_id)
    assert found is not None
    return found.text


@pytest.fixture
def labelled(store: Store, labelset: LabelSet) -> Store:
    """Stance toward Musk and bias on the DDoS sentences of both seed
    outlets; on KUMPARAN_SIBER three annotators, the majority for favor."""
    start = _text(store, BBC_DDOS).index(DDOS_CUE)
    plan = {
        BBC_DDOS: ("against", "biased", (start, start + len(DDOS_CUE))),
        BBC_SIBER: ("neutral", "not-biased", None),
        KUMPARAN_SIBER: ("favor", "biased", None),
        KUMPARAN_DDOS: ("favor", "biased", None),
        KUMPARAN_OTHER: ("against", "not-biased", None),
    }
    for sid, (stance, bias, cue) in plan.items():
        label(store, labelset, "ani", sid, stance={MUSK: stance}, bias=bias,
              frames=["cyber-attack"], cues={"biased": cue} if cue else None)  # fmt: skip
    label(store, labelset, "budi", KUMPARAN_SIBER, stance={MUSK: "favor"})
    label(store, labelset, "cici", KUMPARAN_SIBER, stance={MUSK: "against"})
    return store


def _item(result: outlets.Comparison, labelset: LabelSet, key: str) -> compare.ChartItem:
    [item] = [i for i in compare.chart_items(result, labelset, pair=PAIR) if i.key == key]
    return item


def test_controls_become_filters_and_the_first_two_outlets_are_the_pair() -> None:
    controls = Controls(outlets=("A", "B", "C"), date_from=date(2024, 8, 1), story=3,
                        targets=(MUSK,), label_set_version=2, document_ids=(5,))  # fmt: skip
    assert controls.filters == outlets.Filters(
        outlets=("A", "B", "C"), date_from=date(2024, 8, 1), story=3, targets=(MUSK,),
        label_set_version=2, document_ids=(5,),
    )  # fmt: skip
    assert controls.pair == ("A", "B") and not controls.uses_model
    assert Controls(outlets=("A",)).pair is None
    assert Controls(source="human_else_model").uses_model
    with pytest.raises(ValueError, match="label source"):
        Controls(source="crowd")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="threshold"):
        Controls(threshold=1.5)
    with pytest.raises(ValueError, match="before it starts"):
        Controls(date_from=date(2024, 8, 2), date_to=date(2024, 8, 1))


def test_every_bar_has_as_many_sentences_behind_it_as_it_counts(
    labelled: Store, labelset: LabelSet
) -> None:
    controls = Controls(outlets=PAIR)
    result = compare.compare(labelled, labelset, controls)
    items = compare.chart_items(result, labelset, pair=PAIR)
    assert [i.key for i in items] == [
        f"stance.{MUSK}",
        "choice.bias",
        "frames",
        "differences",
        "cues",
    ]
    checked = 0
    for item in items[:3]:
        for row in item.data.to_dict("records"):
            cell = compare.cell_of(item, row, pair=PAIR)
            found = compare.behind(labelled, labelset, controls, cell)
            assert len(found) == row["count"], (item.key, row)
            assert set(found["outlet"]) <= {row["outlet"]}
            checked += row["count"]
    assert checked == 5 + 5 + 5  # stance, bias and frames on the five labelled sentences


def test_the_sentences_behind_a_stance_bar_come_with_text_labels_and_a_link(
    labelled: Store, labelset: LabelSet
) -> None:
    controls = Controls(outlets=PAIR)
    result = compare.compare(labelled, labelset, controls)
    picked = {"outlet": KUMPARAN, "target": MUSK, "value": "favor"}
    cell = compare.cell_of(_item(result, labelset, f"stance.{MUSK}"), picked, pair=PAIR)
    assert cell == Cell((KUMPARAN,), "stance", MUSK, "favor")
    found = compare.behind(labelled, labelset, controls, cell, annotator="ani")
    assert found.columns.tolist() == list(compare.BEHIND_COLUMNS)
    assert found["sentence_id"].tolist() == [KUMPARAN_SIBER, KUMPARAN_DDOS]  # majority on 41
    assert found["text"].tolist() == [_text(labelled, s) for s in found["sentence_id"]]
    assert found["labels"].iloc[1] == "bias=biased; frames=cyber-attack; stance[Elon Musk]=favor"
    assert found["annotate"].iloc[1] == f"annotate?sentence={KUMPARAN_DDOS}&annotator=ani"
    assert found["source"].unique().tolist() == ["human"]
    assert len(compare.behind(labelled, labelset, controls, cell, limit=1)) == 1


def test_a_difference_cell_lists_both_outlets_and_a_cue_bar_the_sentences_with_that_cue(
    labelled: Store, labelset: LabelSet
) -> None:
    controls = Controls(outlets=PAIR)
    result = compare.compare(labelled, labelset, controls)
    picked = {"task": "bias", "target": "", "value": "biased"}
    cell = compare.cell_of(_item(result, labelset, "differences"), picked, pair=PAIR)
    found = compare.behind(labelled, labelset, controls, cell)
    assert found["sentence_id"].tolist() == [BBC_DDOS, KUMPARAN_SIBER, KUMPARAN_DDOS]
    cues = _item(result, labelset, "cues")
    assert cues.data.to_dict("records") == [{"outlet": BBC, "cue": DDOS_CUE.casefold(), "count": 1}]
    cell = compare.cell_of(cues, {"outlet": BBC, "cue": DDOS_CUE.casefold()}, pair=PAIR)
    found = compare.behind(labelled, labelset, controls, cell)
    assert found["sentence_id"].tolist() == [BBC_DDOS] and found["value"].tolist() == ["biased"]
    other = compare.cell_of(cues, {"outlet": KUMPARAN, "cue": DDOS_CUE.casefold()}, pair=PAIR)
    assert compare.behind(labelled, labelset, controls, other).empty


def test_model_fed_bars_list_predictions_above_the_threshold_and_show_the_model_s_score(
    store: Store, labelset: LabelSet
) -> None:
    assert "retrain on Model" in str(
        compare.empty_message(compare.compare(store, labelset, Controls(source="model")), Controls(source="model"))
    )  # fmt: skip
    grouped = {"macro_f1": 0.42, "n": 80, "folds": 2}
    add_model(store, labelset, [
        (KUMPARAN_DDOS, "bias", "", "biased", 0.9),
        (KUMPARAN_SIBER, "bias", "", "biased", 0.4),
        (BBC_DDOS, "bias", "", "not-biased", 0.7),
    ], card_tasks={"bias": {"metrics": {"grouped": grouped}}})  # fmt: skip
    controls = Controls(source="model", outlets=PAIR)
    result = compare.compare(store, labelset, controls)
    bar = {"outlet": KUMPARAN, "task": "bias", "value": "biased"}
    cell = compare.cell_of(_item(result, labelset, "choice.bias"), bar, pair=PAIR)
    found = compare.behind(store, labelset, controls, cell)
    assert found[["sentence_id", "probability", "source"]].values.tolist() == [
        [KUMPARAN_DDOS, 0.9, "model"]
    ]
    trust = compare.trust_table(result).set_index("task")
    assert trust.loc["bias", "macro_f1"] == 0.42 and trust.loc["bias", "outlets_held_out"] == 2
    assert pd.isna(trust.loc["opinion", "macro_f1"])
    lowered = compare.compare(store, labelset, Controls(source="model", threshold=0.3))
    assert int(lowered.counts.totals["n"].sum()) == 3
    strict = Controls(source="model", threshold=0.95)
    assert "lower the threshold" in str(
        compare.empty_message(compare.compare(store, labelset, strict), strict)
    )


def test_empty_states_say_what_to_do_and_small_groups_are_flagged(
    store: Store, labelset: LabelSet
) -> None:
    human = Controls()
    message = compare.empty_message(compare.compare(store, labelset, human), human)
    assert message is not None and "label some sentences" in message and "retrain" in message
    gold = Controls(source="gold")
    assert "adjudicate" in str(compare.empty_message(compare.compare(store, labelset, gold), gold))
    label(store, labelset, "ani", KUMPARAN_DDOS, bias="biased")
    result = compare.compare(store, labelset, human)
    assert compare.empty_message(result, human) is None
    assert compare.small_groups(result) == [f"{KUMPARAN} · bias: n=1"]


def test_the_difference_table_puts_significant_cells_first_and_flags_few() -> None:
    rows = [
        ("bias", "", "biased", 2, 3, 0, 3),  # large but noise, few sentences
        ("bias", "", "not-biased", 30, 40, 5, 40),  # holds
    ]
    frame = pd.DataFrame(
        rows, columns=["task", "target", "value", "count_a", "n_a", "count_b", "n_b"]
    )
    frame = frame.assign(share_a=frame.count_a / frame.n_a, share_b=frame.count_b / frame.n_b)
    frame = frame.assign(difference=frame.share_a - frame.share_b, p_adjusted=[0.4, 1e-9],
                         significant=[False, True], test="fisher")  # fmt: skip
    table = compare.difference_table(frame)
    assert table["value"].tolist() == ["not-biased", "biased"]
    assert table["few"].tolist() == [False, True]


def test_the_story_view_pairs_the_ddos_claim_with_each_side_s_labels(
    labelled: Store, labelset: LabelSet
) -> None:
    [suggestion] = stories.suggest_stories(labelled)
    story = stories.accept_suggestion(labelled, suggestion)
    view = story_view(labelled, labelset, Controls(story=story), story)
    assert view.outlets == PAIR and view.story.id == story
    ddos = view.pairs[view.pairs["left_text"].str.contains("serangan DDOS besar-besaran")]
    assert ddos["right_text"].str.contains("serangan DDOS (Distributed", regex=False).tolist() == [
        True
    ]
    row = ddos.iloc[0]
    assert row["left_labels"] == "bias=biased; frames=cyber-attack; stance[Elon Musk]=against"
    assert row["right_labels"] == "bias=biased; frames=cyber-attack; stance[Elon Musk]=favor"
    assert row["differ_on"] == "stance[Elon Musk]"
    siber = view.pairs[view.pairs["right_sentence_id"] == KUMPARAN_SIBER].iloc[0]
    assert siber["left_sentence_id"] == BBC_SIBER and "serangan siber" in siber["right_text"]
    lim = view.blindspots[view.blindspots["text"].str.contains("kata Anthony Lim")]
    assert lim["outlet"].tolist() == [BBC] and lim["labels"].tolist() == [""]


def test_numbers_are_json_with_nan_as_null_and_the_report_holds_every_chart(
    labelled: Store, labelset: LabelSet
) -> None:
    label(labelled, labelset, "ani", 1, opinion="opinion")  # only BBC: kumparan's share is NaN
    story = stories.create_story(labelled, "DDoS", document_ids=[1, 2])
    controls = Controls(outlets=PAIR, story=story)
    result = compare.compare(labelled, labelset, controls)
    view = story_view(labelled, labelset, controls, story)
    found = json.loads(json.dumps(numbers(result, controls, view=view), allow_nan=False))
    assert found["stance"] == records(result.stance)
    assert found["controls"]["story"] == story and found["pair"] == list(PAIR)
    opinion = [
        r for r in found["differences"] if r["task"] == "opinion" and r["value"] == "opinion"
    ]
    assert opinion[0]["share_b"] is None and opinion[0]["n_b"] == 0
    assert len(found["story"]["pairs"]) == len(view.pairs) > 0
    sections = report_sections(result, labelset, controls, view=view)
    items = compare.chart_items(result, labelset, pair=PAIR)
    assert sum(len(s.charts) for s in sections) == len(items) == 6  # opinion too
    assert sections[-1].tables[0].data.equals(view.pairs)
    html = report.render_report(title="t", sections=sections, interactive=False)
    assert html.count("<img ") == 6 and "serangan DDOS besar-besaran" in html


def test_a_timeline_is_drawn_only_when_the_dates_vary(empty_store: Store) -> None:
    labelset = labelsets.current(empty_store)
    corpus = build_corpus(empty_store, {"Alpha": [("2024-08-01", 2), ("2024-08-05", 2)],
                                        "Beta": [("2024-08-01", 2)]})  # fmt: skip
    for document in corpus.documents:
        for sid in document.sentence_ids:
            label(empty_store, labelset, "ani", sid, stance={"Donald Trump": "against"})
    result = compare.compare(empty_store, labelset, Controls(outlets=("Alpha", "Beta")))
    [timeline] = [
        i for i in compare.chart_items(result, labelset, pair=None) if i.kind == "timeline"
    ]
    assert (timeline.task, timeline.target) == ("stance", "Donald Trump")
    assert set(timeline.data["outlet"]) == {"Alpha", "Beta"}
    cell = compare.cell_of(timeline, {"outlet": "Alpha", "value": "against"}, pair=None)
    assert cell == Cell(("Alpha",), "stance", "Donald Trump", "against")
    late = Controls(outlets=("Alpha",), date_from=date(2024, 8, 2))
    assert len(compare.behind(empty_store, labelset, late, cell)) == 2
