"""Compare outlets: stance, frames, bias and cue phrases per outlet, down to the sentences behind a bar."""

from functools import partial

import pandas as pd
import streamlit as st

from annotator import charts, compare
from annotator.accounts import Permission
from annotator.label_sources import DEFAULT_THRESHOLD, HUMAN, LABEL_SOURCES
from annotator.labelsets import LabelSet
from annotator.outlets import SMALL_N, Comparison
from annotator.storage import Store
from pages import story_panel, ui

Key = story_panel.CacheKey


@st.cache_data(max_entries=8, show_spinner="Counting…")
def _compare(_store: Store, _ls: LabelSet, key: Key, controls: compare.Controls) -> Comparison:
    return compare.compare(_store, _ls, controls)


@st.cache_data(max_entries=32)
def _behind(
    _store: Store, _ls: LabelSet, key: Key, controls: compare.Controls, cell: compare.Cell, who: str
) -> pd.DataFrame:
    return compare.behind(_store, _ls, controls, cell, annotator=who)


store, labelset, user = ui.store(), ui.labelset(), ui.acting_user(Permission.COMPARE)
options = compare.choices(store, labelset)
st.title("Compare outlets")
st.caption(
    "How outlets tell the same story, sentence by sentence from your labels: stance toward each "
    "target, frames, bias and cue phrases, with 95% intervals. Click a bar or a cell to list the "
    "sentences behind it."
)
top = st.columns(3)
source = top[0].selectbox(
    "Label source",
    LABEL_SOURCES,
    index=LABEL_SOURCES.index(HUMAN),
    format_func=compare.SOURCE_NAMES.__getitem__,
    key="compare.source",
)
chosen = top[1].multiselect(
    "Outlets (the first two are compared)", options.outlets, default=options.outlets[:2],
    key="compare.outlets",
)  # fmt: skip
story = top[2].selectbox(
    "Story", [None, *options.stories], key="compare.story",
    format_func=lambda i: "all documents" if i is None else options.stories[i],
)  # fmt: skip
with st.expander("More filters: model threshold, dates, documents, targets, label-set version"):
    uses_model = source in ("model", "human_else_model")
    # round(): exactly one of the steps the tallies count at (0.15, not 0.15000000000000002).
    threshold = round(st.slider("Model threshold: predictions at or above it count", 0.0, 1.0,
                      DEFAULT_THRESHOLD, 0.05, key="compare.threshold", disabled=not uses_model), 2)  # fmt: skip
    more = st.columns(3)
    date_from = more[0].date_input("Published from", value=None, key="compare.from")
    date_to = more[1].date_input("Published to", value=None, key="compare.to")
    version = more[2].selectbox("Label-set version", [None, *options.versions], key="compare.version",
                               format_func=lambda v: "any" if v is None else f"version {v}")  # fmt: skip
    picked_docs = st.multiselect("Documents (none: all)", options.documents,
                                 format_func=options.documents.__getitem__, key="compare.documents")  # fmt: skip
    targets = st.multiselect("Targets (none: all)", options.targets, key="compare.targets")
try:
    controls = compare.Controls(
        source=source, threshold=threshold, outlets=tuple(chosen), date_from=date_from,
        date_to=date_to, document_ids=tuple(picked_docs), story=story, targets=tuple(targets),
        label_set_version=version,
    )  # fmt: skip
except ValueError as exc:
    st.error(str(exc))
    st.stop()
in_story = () if story is None else options.story_documents.get(story, ())
key: Key = (store.url, labelset.version, ui.data_revision(), in_story)
result = _compare(store, labelset, key, controls)

if controls.uses_model:
    st.subheader("How far the model can be trusted")
    st.caption("Macro-F1 of the active model with each outlet held out in turn: how well it labels "
               "an outlet it never saw. Read the model-fed charts below with this in mind.")  # fmt: skip
    st.dataframe(compare.trust_table(result), hide_index=True, key="compare.trust")
if message := compare.empty_message(result, controls):
    st.info(message)
if small := compare.small_groups(result):
    ui.text_line(f"Fewer than {SMALL_N} labelled sentences (dashed, faded): " + "; ".join(small))

LINKS = {
    "text": st.column_config.TextColumn("sentence", width="large"),
    "annotate": st.column_config.LinkColumn("correct", display_text="annotate ↗"),
}
who = "" if ui.team_mode() else user.name
for item in compare.chart_items(result, labelset, pair=controls.pair):
    event = st.altair_chart(item.chart, on_select="rerun", selection_mode=charts.SELECTION,
                            key=f"compare.chart.{item.key}")  # fmt: skip
    row = st.container(horizontal=True)
    for ext, mime, data in (
        ("png", "image/png", partial(charts.to_png, item.chart)),
        ("svg", "image/svg+xml", partial(charts.to_svg, item.chart)),
        ("csv", "text/csv", partial(charts.to_csv, item.data)),
    ):
        row.download_button(ext.upper(), data=data, file_name=f"compare-{item.key}.{ext}", mime=mime,
                            key=f"compare.{ext}.{item.key}", on_click="ignore")  # fmt: skip
    picks = charts.picked(event["selection"])
    cells = [compare.cell_of(item, p, pair=controls.pair) for p in picks]
    if cells:
        table = pd.concat([_behind(store, labelset, key, controls, c, who) for c in cells])
        st.caption(f"{len(table)} sentence(s) behind the selection (at most "
                   f"{compare.BEHIND_LIMIT} per bar); open one to correct its labels.")  # fmt: skip
        st.dataframe(table, hide_index=True, column_config=LINKS, key=f"compare.behind.{item.key}")
    if item.kind == "differences":
        st.caption("Significant cells first (Benjamini-Hochberg across the cells); `few`: a side "
                   f"has fewer than {SMALL_N} labelled sentences.")  # fmt: skip
        st.dataframe(compare.difference_table(result.differences), hide_index=True,
                     key="compare.differences")  # fmt: skip

story_panel.show(store, labelset, user, key, controls, options)
