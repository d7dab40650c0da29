"""Model: the Retrain button, the versions with their metrics, activation and rollback."""

import pandas as pd
import streamlit as st

from annotator import charts, team, training
from annotator.accounts import Permission
from annotator.storage import models as models_sql
from pages import jobs, ui

store, labelset, user = ui.store(), ui.labelset(), ui.acting_user(Permission.TRAIN)
st.title("Model")
st.caption(
    "A model learns from the labels and pre-fills its guesses on the Annotate page; the "
    "uncertainty queues show the sentences it is least sure of first. Scores are measured on "
    "held-out folds, and with each outlet held out in turn: a model that recognises the outlet "
    "would fake outlet differences."
)

with store.read() as conn:
    versions = models_sql.list_versions(conn, labelset.name)
    every = int(models_sql.get_setting(conn, training.RETRAIN_EVERY, 0) or 0)
running = any(v.status == models_sql.TRAINING for v in versions)


@st.fragment(run_every=1.0 if running else None)
def status() -> None:
    with store.read() as conn:
        now = models_sql.training_versions(conn)
    if now:
        st.info(f"Training version {now[0].id}: {now[0].message or 'starting'} …", icon="⏳")
    elif running:
        st.rerun()  # the train has finished: show its result


row = st.container(horizontal=True)
learning_curve = row.checkbox("With learning curve (slower)", key="model.learning_curve")
row.button(
    "Retrain", key="model.retrain", type="primary", disabled=running,
    on_click=jobs.start_training, kwargs={"learning_curve": learning_curve},
)  # fmt: skip
status()
if message := st.session_state.pop("model.message", ""):
    st.warning(message)
new_every = st.number_input(
    "Retrain every N new labels (0: only by hand)", min_value=0, step=50, value=every,
    key="model.every",
)  # fmt: skip
if new_every != every:
    team.set_setting(user, store, training.RETRAIN_EVERY, int(new_every))

if not versions:
    st.info("No model yet: label some sentences, then press Retrain.")
    st.stop()
st.subheader("Versions")
st.dataframe(
    pd.DataFrame([training.summary(v) for v in versions]), hide_index=True, key="model.versions"
)

ready = [v for v in versions if v.status == models_sql.READY]
active = next((v for v in versions if v.active), None)
if ready:
    chosen = st.selectbox(
        "Version", [v.id for v in ready], key="model.version",
        format_func=lambda i: f"v{i}" + (" (active)" if active and active.id == i else ""),
    )  # fmt: skip
    version = next(v for v in ready if v.id == chosen)
    if not version.active and st.button(f"Activate v{version.id}", key="model.activate"):
        jobs.activate_model(version.id)
    assert version.card is not None
    for task, card in version.card["tasks"].items():
        with st.expander(f"{task}: {card['kind']}, {card['n_labels']} labels", expanded=True):
            cards = {f"v{version.id}": card}
            if active and active.id != version.id and active.card and task in active.card["tasks"]:
                cards[f"v{active.id} (active)"] = active.card["tasks"][task]
            left, right = st.columns(2)
            left.altair_chart(charts.class_f1(cards), key=f"model.f1.{task}")
            if card["kind"] == "multi":  # one yes/no table per value: a table reads better
                right.dataframe(
                    charts.confusion_table(card).pivot(
                        index="true", columns="predicted", values="count"
                    ),
                    key=f"model.confusion.{task}",
                )
            else:
                right.altair_chart(charts.confusion(card), key=f"model.confusion.{task}")
            if card["metrics"].get("learning_curve"):
                st.altair_chart(charts.learning_curve(cards), key=f"model.curve.{task}")
    if version.card.get("skipped"):
        st.caption(
            "Not trained: " + "; ".join(f"{t}: {why}" for t, why in version.card["skipped"].items())
        )
