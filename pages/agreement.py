"""Agreement: alpha with intervals, kappa between annotators, confusion, outlet slices, suspects."""

from urllib.parse import quote

import pandas as pd
import streamlit as st

from annotator import charts, curation, suspects
from annotator.accounts import Permission, User
from annotator.curation import AgreementView
from annotator.disagreement import confusion, disagreements
from annotator.storage import Store
from pages import adjudicate_panel, ui

N_BOOT = 1000
ALPHA_SHOWN = ["analysis", "alpha", "low", "high", "agreement", "units", "annotators"]


@st.cache_data(max_entries=4)
def _view(_store: Store, _user: User, url: str, revision: tuple[int, int, int]) -> AgreementView:
    return curation.agreement_view(_store, _user, n_boot=N_BOOT)


store, user = ui.store(), ui.acting_user(Permission.SEE_AGREEMENT)
revision = ui.data_revision()
st.title("Agreement")
st.caption(
    "How far annotators agree: Krippendorff's alpha per task, target and frame with 95% "
    "bootstrap intervals (sentences resampled), Cohen's kappa for every pair, and where they "
    "disagree. Gold labels are left out."
)
view = _view(store, user, store.url, revision)
labels, alpha, kappa = view.labels, view.reliability.alpha, view.reliability.kappa
people = sorted(labels["annotator"].unique()) if not labels.empty else []

cols = st.columns(3)
cols[0].metric("Annotators", len(people))
cols[1].metric("Sentences labelled by two or more", int(
    (labels.groupby("sentence_id")["annotator"].nunique() >= 2).sum() if people else 0
))  # fmt: skip
cols[2].metric("Disagreements", len(disagreements(labels)) if people else 0)
if alpha.empty:
    st.info("Agreement needs two annotators who labelled the same sentences.")
    st.stop()

st.subheader("Krippendorff's alpha")
overall = charts.alpha_rows(alpha)
per_task = overall[overall["level"] == "task"]
for column, name, value in zip(
    st.columns(len(per_task)), per_task["task"], per_task["alpha"], strict=True
):
    column.metric(f"alpha · {name}", "—" if pd.isna(value) else f"{float(value):.3f}")
st.dataframe(
    overall[ALPHA_SHOWN].round(3), hide_index=True, key="agreement.alpha",
    column_config={"agreement": "percent agreement", "low": "95% low", "high": "95% high"},
)  # fmt: skip
st.altair_chart(charts.alpha_intervals(alpha), key="agreement.alpha_chart")

st.subheader("Cohen's kappa between annotators")
tasks = sorted(kappa["task"].unique())
if tasks:
    row = st.container(horizontal=True)
    task = row.selectbox("Task", tasks, key="agreement.kappa_task")
    targets = sorted(t for t in kappa.loc[kappa["task"] == task, "target"].dropna().unique())
    target = row.selectbox("Target", ["all targets", *targets], key="agreement.kappa_target")
    chosen = None if target == "all targets" else target
    st.altair_chart(
        charts.kappa_heatmap(kappa, task=task, target=chosen), key="agreement.kappa_chart"
    )
    shown = charts.kappa_matrix(kappa, task=task, target=chosen)
    st.dataframe(
        shown[shown["annotator_a"] < shown["annotator_b"]].round(3),
        hide_index=True,
        key="agreement.kappa",
    )

st.subheader("Confusion between two annotators")
row = st.container(horizontal=True)
first = row.selectbox("Annotator A", people, key="agreement.a")
second = row.selectbox("Annotator B", people, index=min(1, len(people) - 1), key="agreement.b")
confusion_task = row.selectbox(
    "Task", sorted(labels["task"].unique()), key="agreement.confusion_task"
)
table = confusion(labels, first, second, task=confusion_task)
st.caption(f"Rows: {first}'s values; columns: {second}'s, on what both labelled.")
st.dataframe(table, key="agreement.confusion")

st.subheader("By outlet and by target")
st.caption("Alpha over each outlet's sentences: does disagreement cluster in one source?")
outlet_rows = alpha[alpha["slice"] == "outlet"]
if not outlet_rows.empty:
    named = charts.alpha_rows(alpha)[["task", "target", "frame", "analysis"]]
    sliced = outlet_rows.merge(named, on=["task", "target", "frame"], how="left")
    pivot = sliced.pivot_table(index="analysis", columns="outlet", values="alpha", sort=False)
    st.dataframe(pivot.round(3), key="agreement.outlets")

st.subheader("Label-error suspects")
st.caption(
    "Training labels the model doubts: each sentence scored by a model that did not see it "
    "(cleanlab's confident learning), lowest self-confidence first, those with gold left "
    "out. Open one to set its gold label, or walk them all on Adjudicate (Label-error suspects)."
)
if user.can(Permission.REVIEW_SUSPECTS) and st.toggle(
    "Find suspects (fits a model per task)", key="agreement.find_suspects"
):
    found = suspects.suspect_queue(store, user, found=adjudicate_panel.found_suspects(store, user))
    shown = found.loc[:, list(suspects.SUSPECT_COLUMNS)].round(3)
    # A relative address: the Adjudicate page beside this one, whatever the server's base path.
    who = "" if ui.team_mode() or not user.name else f"&annotator={quote(user.name)}"
    shown.insert(0, "adjudicate", [f"adjudicate?sentence={s}{who}" for s in shown["sentence_id"]])
    st.dataframe(
        shown, hide_index=True, key="agreement.suspects",
        column_config={
            "adjudicate": st.column_config.LinkColumn("adjudicate", display_text="Open"),
            "text": st.column_config.TextColumn("sentence", width="large"),
        },
    )  # fmt: skip
