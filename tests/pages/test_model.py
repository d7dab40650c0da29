"""The Model page: Retrain in the background, versions, metrics charts, activation."""

from __future__ import annotations

import time

from annotator import labelsets, training
from annotator.storage import Store
from annotator.storage import models as models_sql
from tests.pages.conftest import BuildApp
from tests.test_training import label_corpus

PAGE = "pages/model.py"


def wait_for_train(store: Store, timeout: float = 60.0) -> models_sql.ModelVersionRecord:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with store.read() as conn:
            versions = models_sql.list_versions(conn)
        if versions and versions[0].status != models_sql.TRAINING:
            return versions[0]
        time.sleep(0.2)
    raise AssertionError("the train did not finish")


def test_without_a_model_the_page_says_what_to_do(app: BuildApp) -> None:
    at = app(PAGE)
    assert not at.exception
    assert at.button(key="model.retrain").label == "Retrain"
    assert "No model yet" in at.info[0].value


def test_retrain_trains_in_the_background_and_the_page_shows_the_version(
    app: BuildApp, store: Store
) -> None:
    label_corpus(store, labelsets.current(store))
    at = app(PAGE, annotator="ani")
    at.button(key="model.retrain").click().run()
    assert not at.exception
    version = wait_for_train(store)
    assert (version.status, version.active, version.created_by) == ("ready", True, "ani")
    at.run()
    assert not at.exception
    table = at.dataframe[0].value
    assert table["version"].tolist() == [1] and "bias F1 outlets held out" in table.columns
    # F1 for each trained task, confusion charts for bias and stance (frames: a table)
    assert len(at.get("vega_lite_chart")) == 5 and len(at.dataframe) == 2


def test_a_retrain_pressed_while_one_runs_is_refused_with_a_message(
    app: BuildApp, store: Store
) -> None:
    labelset = labelsets.current(store)
    training.begin(store, labelset=labelset, created_by="budi")
    at = app(PAGE)
    assert at.button(key="model.retrain").disabled
    assert "Training version 1" in at.info[0].value


def test_an_older_version_can_be_activated_again(app: BuildApp, store: Store) -> None:
    labelset = labelsets.current(store)
    label_corpus(store, labelset)
    first = training.train(store, labelset=labelset).version.id
    training.train(store, labelset=labelset)
    at = app(PAGE)
    at.selectbox(key="model.version").set_value(first).run()
    at.button(key="model.activate").click().run()
    assert not at.exception
    with store.read() as conn:
        assert models_sql.active_version(conn, "default").id == first  # type: ignore[union-attr]


def test_the_retrain_every_setting_is_stored(app: BuildApp, store: Store) -> None:
    at = app(PAGE)
    at.number_input(key="model.every").set_value(100).run()
    with store.read() as conn:
        assert models_sql.get_setting(conn, training.RETRAIN_EVERY) == 100
