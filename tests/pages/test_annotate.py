"""Annotate: the name, value keys, save/skip/previous/undo, focus, outlet, escaping, cues.

Sentence 1 of the seeds mentions Elon Musk and Donald Trump, so its tasks are,
in order: stance → Elon Musk, stance → Donald Trump, bias, opinion, frames.
"""

from __future__ import annotations

import html
import re

from streamlit.testing.v1 import AppTest

from annotator import annotations as ann
from annotator import corpus
from annotator.annotations import Choice, Decision
from annotator.display import word_spans
from annotator.labelsets import LabelSet
from annotator.readers import RawArticle
from annotator.storage import Store
from annotator.storage import labels as labels_sql
from annotator.storage import texts as texts_sql
from tests.pages.conftest import BuildApp, open_page

PAGE = "pages/annotate.py"
NAME = "ana"
SENTENCE_1_LABELS = {
    ("stance", "Elon Musk", "favor"),
    ("stance", "Donald Trump", "against"),
    ("bias", "", "not-biased"),
    ("opinion", "", "factual"),
    ("frames", "", "economic"),
}


# ---------------------------------------------------------------- helpers


def annotate(app: BuildApp, **query: str) -> AppTest:
    """The annotate page, opened by ``NAME`` (through the address, as after a reload)."""
    return app(PAGE, annotator=NAME, **query)


def click(at: AppTest, *keys: str) -> AppTest:
    for key in keys:
        at.button(key=key).click().run()
        assert not at.exception, at.exception
    return at


def press(at: AppTest, *values: str) -> AppTest:
    return click(at, *(f"annotate.value.{v}" for v in values))


def stored(store: Store, sentence_id: int | None = None) -> set[tuple[str, str, str]]:
    with store.read() as conn:
        rows = labels_sql.current_labels(conn, sentence_id=sentence_id, annotator=NAME)
    return {(r.task, r.target, r.value or "") for r in rows}


def sentence_text(store: Store, sentence_id: int) -> str:
    with store.read() as conn:
        record = texts_sql.get_sentence(conn, sentence_id)
    assert record is not None
    return record.text


def sentence_html(at: AppTest) -> str:
    return next(h.value for h in at.html if 'data-testid="annotate-sentence"' in h.value)


def shown_sentence(at: AppTest) -> str:
    """The sentence as the reader sees it: tags dropped, entities decoded."""
    shown = re.search(r'data-testid="annotate-sentence"[^>]*>(.*?)</p>', sentence_html(at), re.S)
    assert shown is not None
    return html.unescape(re.sub(r"<[^>]+>", "", shown.group(1)))


def header_line(at: AppTest) -> str:
    return at.html[0].value


def focused_task(at: AppTest) -> int:
    """The focused task is the one drawn as value buttons instead of a task button."""
    task_buttons = {b.key for b in at.button if b.key and b.key.startswith("annotate.task.")}
    return next(i for i in range(len(task_buttons) + 1) if f"annotate.task.{i}" not in task_buttons)


def task_summary(at: AppTest, index: int) -> str:
    """What a task button says was chosen, Markdown escapes removed."""
    label = at.button(key=f"annotate.task.{index}").label
    return re.sub(r"\\(.)", r"\1", label).rsplit(": ", 1)[1]


def is_selected(at: AppTest, value: str) -> bool:
    return at.button(key=f"annotate.value.{value}").proto.type == "primary"


def label_sentence_1(at: AppTest) -> AppTest:
    return press(at, "favor", "against", "not-biased", "factual", "economic")


# ---------------------------------------------------------------- the name


def test_annotate_page_asks_for_a_name_before_showing_a_sentence(app: BuildApp) -> None:
    at = app(PAGE)
    assert not at.exception
    assert at.text_input(key="workbench.name_input").value == ""
    assert not [b for b in at.button if b.key == "annotate.save"]


def test_the_name_is_asked_once_then_kept_in_the_address_and_across_pages(app: BuildApp) -> None:
    at = app(PAGE)
    at.text_input(key="workbench.name_input").input("  ana  ")
    at.form_submit_button[0].click().run()
    assert at.query_params["annotator"] == NAME
    assert at.query_params["sentence"] == "1"
    open_page(at, "pages/home.py")
    open_page(at, PAGE)
    assert not at.text_input
    assert at.button(key="annotate.save")


# ---------------------------------------------------------------- deciding and saving


def test_pressing_values_then_save_stores_exactly_those_labels(
    app: BuildApp, store: Store, labelset: LabelSet
) -> None:
    at = label_sentence_1(annotate(app))
    assert stored(store) == set()  # nothing is written before the save
    click(at, "annotate.save")
    assert stored(store) == SENTENCE_1_LABELS
    with store.read() as conn:
        rows = labels_sql.current_labels(conn, annotator=NAME)
    assert {(r.sentence_id, r.annotator, r.source) for r in rows} == {(1, NAME, "human")}
    assert {(r.label_set, r.label_set_version) for r in rows} == {(labelset.name, labelset.version)}


def test_saving_shows_the_next_sentence(app: BuildApp, store: Store) -> None:
    at = annotate(app)
    assert shown_sentence(at) == sentence_text(store, 1)
    click(label_sentence_1(at), "annotate.save")
    assert at.query_params["sentence"] == "2"
    assert shown_sentence(at) == sentence_text(store, 2)


def test_a_single_choice_moves_the_focus_to_the_next_task(app: BuildApp) -> None:
    at = annotate(app)
    assert focused_task(at) == 0
    press(at, "favor")
    assert focused_task(at) == 1
    assert task_summary(at, 0) == "Mendukung"  # the value's title in the codebook language


def test_up_down_and_task_buttons_move_the_focus(app: BuildApp) -> None:
    at = click(annotate(app), "annotate.down", "annotate.down")
    assert focused_task(at) == 2
    click(at, "annotate.up")
    assert focused_task(at) == 1
    click(at, "annotate.task.4")
    assert focused_task(at) == 4


def test_none_applies_is_stored_as_an_empty_value(app: BuildApp, store: Store) -> None:
    at = click(annotate(app), "annotate.task.4", "annotate.value.none")
    assert is_selected(at, "none")
    click(at, "annotate.save")
    assert stored(store, 1) == {("frames", "", "")}


def test_pressing_a_chosen_value_again_clears_it(app: BuildApp, store: Store) -> None:
    at = click(press(annotate(app), "favor"), "annotate.task.0", "annotate.value.favor")
    assert not is_selected(at, "favor")
    click(at, "annotate.save")
    assert stored(store) == set()


def test_none_applies_and_frame_values_exclude_each_other(app: BuildApp) -> None:
    at = click(annotate(app), "annotate.task.4", "annotate.value.none", "annotate.value.economic")
    assert is_selected(at, "economic")
    assert not is_selected(at, "none")
    click(at, "annotate.value.none")
    assert [v for v in ("economic", "none") if is_selected(at, v)] == ["none"]


def test_a_target_the_sentence_does_not_name_can_be_added_and_labelled(
    app: BuildApp, store: Store
) -> None:
    at = annotate(app, sentence="2")  # names Musk only
    at.selectbox(key="annotate.add_target.2").select("Donald Trump").run()
    click(at, "annotate.task.1", "annotate.value.against", "annotate.save")
    assert stored(store, 2) == {("stance", "Donald Trump", "against")}


def test_the_tasks_chosen_in_the_sidebar_are_the_only_ones_asked(
    app: BuildApp, store: Store
) -> None:
    at = annotate(app)
    at.multiselect(key="annotate.tasks").set_value(["opinion"]).run()
    assert not [b for b in at.button if b.key and b.key.startswith("annotate.task.")]
    click(at, "annotate.value.opinion", "annotate.save")
    assert stored(store, 1) == {("opinion", "", "opinion")}


def test_the_codebook_language_switches_the_value_labels(app: BuildApp) -> None:
    at = annotate(app)
    assert at.button(key="annotate.value.favor").label == "Mendukung"
    at.radio(key="annotate.lang").set_value("en").run()
    assert at.button(key="annotate.value.favor").label == "Favor"


def test_when_every_sentence_is_labelled_the_page_says_thank_you(
    app: BuildApp, store: Store, labelset: LabelSet
) -> None:
    opinion = [Decision("opinion", "", (Choice("factual"),))]
    for sentence_id in range(1, 59):
        ann.save(
            store, sentence_id=sentence_id, annotator=NAME, decisions=opinion, labelset=labelset
        )
    at = annotate(app)
    assert not at.exception
    assert "Every sentence has a label from you" in at.success[0].value
    assert at.progress[0].value == 100


# ---------------------------------------------------------------- moving around


def test_skip_moves_on_without_storing_anything(app: BuildApp, store: Store) -> None:
    at = click(press(annotate(app), "favor"), "annotate.skip")
    assert at.query_params["sentence"] == "2"
    assert stored(store) == set()


def test_previous_goes_back_to_the_saved_sentence_and_shows_its_labels(
    app: BuildApp, store: Store
) -> None:
    at = click(label_sentence_1(annotate(app)), "annotate.save", "annotate.previous")
    assert at.query_params["sentence"] == "1"
    assert shown_sentence(at) == sentence_text(store, 1)
    assert is_selected(at, "favor")


def test_a_reload_shows_the_stored_labels_as_selected(app: BuildApp) -> None:
    click(label_sentence_1(annotate(app)), "annotate.save")
    at = annotate(app, sentence="1")  # a new session: what a browser reload is
    assert is_selected(at, "favor")
    assert not is_selected(at, "against")
    assert [task_summary(at, i) for i in (1, 2, 3, 4)] == [
        "Menentang",
        "Tidak bias",
        "Faktual",
        "Ekonomi",
    ]


def test_undo_reverts_the_last_save_in_the_database(app: BuildApp, store: Store) -> None:
    at = click(label_sentence_1(annotate(app)), "annotate.save")
    click(press(at, "neutral"), "annotate.save")  # sentence 2 names Musk only
    assert stored(store, 2) == {("stance", "Elon Musk", "neutral")}
    click(at, "annotate.undo")
    assert stored(store, 2) == set()
    assert stored(store, 1) == SENTENCE_1_LABELS
    assert at.query_params["sentence"] == "2"
    assert "Undone" in at.warning[0].value
    click(at, "annotate.undo")
    assert stored(store) == set()


def test_undo_with_nothing_saved_says_so(app: BuildApp) -> None:
    at = click(annotate(app), "annotate.undo")
    assert "Nothing to undo" in at.warning[0].value


# ---------------------------------------------------------------- what is shown


def test_the_outlet_is_hidden_until_the_toggle_is_on(app: BuildApp) -> None:
    at = annotate(app)
    assert "outlet hidden" in header_line(at)
    assert "BBC News Indonesia" not in header_line(at)
    at.toggle(key="annotate.show_outlet").set_value(True).run()
    assert "BBC News Indonesia · 2024-08-13" in header_line(at)


def test_article_markup_is_shown_as_escaped_text(app: BuildApp, store: Store) -> None:
    sentence_id = import_hostile_article(store)
    at = annotate(app, sentence=str(sentence_id))
    assert not at.exception
    shown = sentence_html(at)
    assert "<script>" not in shown
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in shown
    assert "**markdown**" in shown  # st.html does not render Markdown: the stars stay
    assert "<strong>" not in shown
    assert "<b>" not in header_line(at)
    assert "&lt;b&gt;" in header_line(at)


def import_hostile_article(store: Store) -> int:
    """Import an article whose text and title are markup; returns its first sentence's id."""
    with store.read() as conn:
        first = texts_sql.max_sentence_id(conn) + 1
    article = RawArticle(
        text="Trump menulis <script>alert(1)</script> dan **markdown** di X pada Senin.\n\n"
        "Kalimat kedua tetap biasa saja.",
        source="hostile.txt",
        outlet="Hostile",
        title="<b>Judul</b>",
        language="id",
    )
    assert corpus.import_articles(store, [article]).stored
    assert "<script>" in sentence_text(store, first)
    return first


def test_cue_words_picked_in_the_pills_are_stored_as_spans(app: BuildApp, store: Store) -> None:
    # "biased" asks for its cue words, so the focus stays on the bias task.
    at = click(annotate(app), "annotate.task.2", "annotate.value.biased")
    words = word_spans(sentence_text(store, 1))
    at.pills(key="annotate.cue.1.bias..biased").set_value([1, 2, 5]).run()
    click(at, "annotate.save")
    with store.read() as conn:
        rows = labels_sql.current_labels(conn, sentence_id=1, annotator=NAME)
    spans = sorted((r.span_start, r.span_end) for r in rows if r.task == "bias")
    assert spans == [(words[1].start, words[2].end), (words[5].start, words[5].end)]
    assert {r.value for r in rows} == {"biased"}


def test_an_unknown_sentence_in_the_address_is_reported_not_crashed(app: BuildApp) -> None:
    at = annotate(app, sentence="9999")
    assert not at.exception
    assert "no sentence 9999" in at.warning[0].value
    click(at, "annotate.restart")
    assert at.query_params["sentence"] == "1"
