"""Background work the pages start: training a model version, activating one.

Retrain and Activate are an admin's actions, checked by annotator.team; the
retrain that "retrain every N labels" asks for may start after anyone's save,
but only when it is due (``team.begin_due_training``).
"""

import contextlib
import threading

import streamlit as st

from annotator import team, training
from annotator.labelsets import LabelSet
from annotator.storage import Store
from annotator.storage import models as models_sql
from pages import ui


def _train_in_background(
    store: Store, version_id: int, labelset: LabelSet, name: str, learning_curve: bool
) -> None:
    # Runs outside the script: no Streamlit calls here, only the library.
    # A failure is recorded on the version and shown on the Model page.
    with contextlib.suppress(Exception):
        training.run(
            store,
            version_id,
            labelset=labelset,
            created_by=name,
            learning_curve=learning_curve,
        )


def start_training(*, learning_curve: bool = False, automatic: bool = False) -> None:
    """Start a train in a background thread (one at a time); the page stays usable.
    ``automatic``: only if "retrain every N labels" says one is due."""
    labels, user = ui.labelset(), ui.acting_user()
    name = user.name or "someone"
    begin = team.begin_due_training if automatic else team.begin_training
    try:
        version_id = begin(user, ui.store(), labelset=labels)
    except (training.TrainingBusy, team.PermissionDenied) as exc:
        st.session_state["model.message"] = str(exc)
        return
    if version_id is None:
        return
    threading.Thread(
        target=_train_in_background,
        args=(ui.store(), version_id, labels, name, learning_curve),
        name=f"train-v{version_id}",
        daemon=True,
    ).start()


def activate_model(version_id: int) -> None:
    try:
        user = ui.acting_user()
        if not _has_predictions(version_id):
            team.preannotate(user, ui.store(), version_id, labelset=ui.labelset())
        team.activate_model(user, ui.store(), version_id)
    except Exception as exc:
        st.session_state["model.message"] = f"Not activated: {exc}"


def _has_predictions(version_id: int) -> bool:
    with ui.store().read() as conn:
        return models_sql.has_predictions(conn, version_id)


def retrain_if_due() -> None:
    """After a save: start a train when "retrain every N labels" asks for one."""
    start_training(automatic=True)
