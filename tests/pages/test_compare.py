"""The Compare page: the two seed outlets compared from labels saved through the library,
the sentences behind a picked bar, the model's trust, the DDoS claim side by side,
stories accepted or made by hand, and annotators refused."""

from __future__ import annotations

import pandas as pd
import pyarrow as pa
import pytest
from streamlit.testing.v1 import AppTest
from streamlit.testing.v1.element_tree import UnknownElement

from annotator import stories
from annotator.labelsets import LabelSet
from annotator.storage import Store
from tests.pages.conftest import APP, BuildApp
from tests.people import add_people, cheap_hashing
from tests.synthetic_outlets import add_model, label

PAGE = "pages/compare.py"
BBC, KUMPARAN, MUSK = "BBC News Indonesia", "kumparan", "Elon Musk"
BBC_DDOS, BBC_SIBER, KUMPARAN_SIBER, KUMPARAN_DDOS = 7, 9, 41, 44
STANCE_CHART = f"compare.chart.stance.{MUSK}"


@pytest.fixture
def labelled(store: Store, labelset: LabelSet) -> Store:
    """Stance toward Musk and bias on the DDoS and cyberattack sentences of both outlets."""
    plan = {BBC_DDOS: ("against", "biased"), BBC_SIBER: ("neutral", "not-biased"),
            KUMPARAN_SIBER: ("favor", "biased"), KUMPARAN_DDOS: ("favor", "biased")}  # fmt: skip
    for sid, (stance, bias) in plan.items():
        label(store, labelset, "ani", sid, stance={MUSK: stance}, bias=bias)
    return store


def vega_charts(at: AppTest) -> dict[str, pd.DataFrame]:
    """Each chart on the page by its widget key, with the rows it draws."""
    found: dict[str, pd.DataFrame] = {}

    def walk(node: object) -> None:
        if isinstance(node, UnknownElement) and node.type == "vega_lite_chart":
            key = node.proto.id.split("-", 2)[-1]
            tables = [
                pa.ipc.open_stream(d.data.data).read_all().to_pandas() for d in node.proto.datasets
            ]
            found[key] = pd.concat(tables, ignore_index=True)
        for child in getattr(node, "children", {}).values():
            walk(child)

    walk(at.main)
    return found


def table_with(at: AppTest, column: str) -> pd.DataFrame:
    found = [d.value for d in at.dataframe if column in d.value.columns]
    assert len(found) == 1, [list(d.value.columns) for d in at.dataframe]
    return found[0]


def test_without_labels_the_page_says_what_to_do(app: BuildApp, store: Store) -> None:
    at = app(PAGE, annotator="ani")
    assert not at.exception
    assert "label some sentences" in at.info[0].value and "retrain" in at.info[0].value
    assert not vega_charts(at)
    assert at.multiselect(key="compare.outlets").value == [BBC, KUMPARAN]


def test_the_page_compares_the_two_seed_outlets(app: BuildApp, labelled: Store) -> None:
    at = app(PAGE, annotator="ani")
    assert not at.exception
    shown = vega_charts(at)
    assert set(shown) == {STANCE_CHART, "compare.chart.choice.bias", "compare.chart.differences"}
    stance = shown[STANCE_CHART]
    assert set(stance["outlet_label"]) == {f"{BBC} (n=2)", f"{KUMPARAN} (n=2)"}
    favor = stance[(stance["outlet"] == KUMPARAN) & (stance["value"] == "favor")].iloc[0]
    assert (favor["count"], favor["share"], bool(favor["small"])) == (2, 1.0, True)
    differences = table_with(at, "p_adjusted")
    assert len(differences) == 3 + 2 and not differences["significant"].any()
    assert differences["few"].all()
    downloads = {b.proto.label for b in at.get("download_button")}
    assert downloads == {"PNG", "SVG", "CSV"} and len(at.get("download_button")) == 3 * 3
    assert any("n=2" in h.proto.body for h in at.get("html"))  # small groups flagged


def test_picking_a_bar_lists_the_sentences_behind_it(
    app: BuildApp, labelled: Store, labelset: LabelSet
) -> None:
    at = app(PAGE, annotator="ani")
    picked = [{"outlet": KUMPARAN, "target": MUSK, "value": "favor"}]
    at.session_state[STANCE_CHART] = {"selection": {"pick": picked}}  # what a click sends
    at.run()
    assert not at.exception
    behind = table_with(at, "annotate")
    assert behind["sentence_id"].tolist() == [KUMPARAN_SIBER, KUMPARAN_DDOS]
    assert behind["text"].iloc[1].startswith('"Tampaknya ada serangan DDOS')
    assert behind["labels"].iloc[1] == "bias=biased; stance[Elon Musk]=favor"
    assert behind["annotate"].iloc[1] == f"annotate?sentence={KUMPARAN_DDOS}&annotator=ani"


def test_the_model_s_held_out_score_sits_beside_model_fed_charts(
    app: BuildApp, store: Store, labelset: LabelSet
) -> None:
    grouped = {"macro_f1": 0.57, "n": 40, "folds": 2}
    add_model(store, labelset, [(KUMPARAN_DDOS, "bias", "", "biased", 0.8)],
              card_tasks={"bias": {"metrics": {"grouped": grouped}}})  # fmt: skip
    at = app(PAGE, annotator="ani")
    assert not [d for d in at.dataframe if "macro_f1" in d.value.columns]  # people: no trust
    at.selectbox(key="compare.source").set_value("model").run()
    assert not at.exception
    trust = table_with(at, "macro_f1").set_index("task")
    assert trust.loc["bias", "macro_f1"] == 0.57 and trust.loc["bias", "outlets_held_out"] == 2
    bias = vega_charts(at)["compare.chart.choice.bias"]
    assert set(bias["outlet_label"]) == {f"{KUMPARAN} (n=1)"}
    at.slider(key="compare.threshold").set_value(0.9).run()
    assert "lower the threshold" in at.info[0].value


def test_an_accepted_story_shows_the_ddos_claim_side_by_side(
    app: BuildApp, labelled: Store
) -> None:
    at = app(PAGE, annotator="ani")
    assert not [d for d in at.dataframe if "left_text" in d.value.columns]
    at.toggle(key="compare.suggest").set_value(True).run()
    at.button(key="compare.accept.0").click().run()
    assert not at.exception
    [story] = stories.list_stories(labelled)
    assert {d.outlet for d in story.documents} == {BBC, KUMPARAN} and story.created_by == "ani"
    assert at.selectbox(key="compare.story").value == story.id
    pairs = table_with(at, "left_text")
    ddos = pairs[pairs["left_text"].str.contains("serangan DDOS besar-besaran")].iloc[0]
    assert "serangan DDOS (Distributed Denial of Service)" in ddos["right_text"]
    assert (ddos["left_labels"], ddos["right_labels"]) == (
        "bias=biased; stance[Elon Musk]=against",
        "bias=biased; stance[Elon Musk]=favor",
    )
    assert ddos["differ_on"] == "stance[Elon Musk]"
    siber = pairs[pairs["right_text"].str.contains("sebagai serangan siber")].iloc[0]
    assert "dugaan serangan siber" in siber["left_text"]
    spots = [d.value for d in at.dataframe if list(d.value.columns) == ["text", "labels"]]
    assert len(spots) == 2  # one per outlet
    assert any(s["text"].str.contains("kata Anthony Lim").any() for s in spots)
    assert vega_charts(at)[STANCE_CHART]["n"].max() == 2  # the charts are the story's


def test_a_story_made_by_hand_is_stored_and_a_nameless_one_refused(
    app: BuildApp, store: Store
) -> None:
    at = app(PAGE, annotator="ani")
    at.multiselect(key="compare.new_documents").set_value([2])
    at.button(key="FormSubmitter:compare.new_story-Create story").click().run()
    assert not at.exception and "story name" in at.error[0].value
    assert stories.list_stories(store) == []
    at.text_input(key="compare.new_name").input("Kumparan only")
    at.multiselect(key="compare.new_documents").set_value([2])
    at.button(key="FormSubmitter:compare.new_story-Create story").click().run()
    [story] = stories.list_stories(store)
    assert (story.name, [d.id for d in story.documents]) == ("Kumparan only", [2])
    assert at.selectbox(key="compare.story").value == story.id


def test_curators_compare_and_annotators_are_refused(
    app: BuildApp, labelled: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    del app  # for its database setting
    cheap_hashing(monkeypatch)
    add_people(labelled)
    for name, allowed in (("cici", True), ("ani", False)):
        at = AppTest.from_file(str(APP), default_timeout=60)
        at.session_state["workbench.user"] = name
        at.switch_page(PAGE).run()
        assert not at.exception
        assert bool(vega_charts(at)) is allowed
        if not allowed:
            assert [w.value for w in at.warning] == ["Annotators may not compare outlets."]
    # The link to correct a sentence leaves the name out in team mode: the login says who.
    at = AppTest.from_file(str(APP), default_timeout=60)
    at.session_state["workbench.user"] = "cici"
    at.session_state[STANCE_CHART] = {
        "selection": {"pick": [{"outlet": BBC, "target": MUSK, "value": "against"}]}
    }
    at.switch_page(PAGE).run()
    assert table_with(at, "annotate")["annotate"].tolist() == [f"annotate?sentence={BBC_DDOS}"]
