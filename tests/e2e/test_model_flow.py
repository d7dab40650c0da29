"""Retrain in the browser: a new model version with its metrics, then its guesses on Annotate.

A model changes what the annotate page pre-fills, so this test runs its own
app and database instead of the session's shared one.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect

from annotator import labelsets
from annotator.bootstrap import bootstrap
from annotator.storage import models as models_sql
from annotator.storage import open_store
from tests.e2e.conftest import FIRST_RENDER_MS, SENTENCE, Server, running_app, wait_idle
from tests.test_training import label_corpus

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def labelled_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    home = tmp_path_factory.mktemp("e2e-model")
    store = open_store(f"sqlite:///{home / 'workbench.sqlite'}")
    bootstrap(store)
    label_corpus(store, labelsets.current(store), annotators=("ani",))
    store.engine.dispose()
    with running_app(home) as app:
        yield app


def test_retrain_makes_a_version_whose_guesses_the_annotate_page_shows(
    page: Page, labelled_app: Server
) -> None:
    page.goto(f"{labelled_app.url}/model?annotator=budi", timeout=FIRST_RENDER_MS)
    page.get_by_role("button", name="Retrain").click()
    # The train runs in the background; the page polls and then shows the version.
    page.get_by_text("bias: single, 58 labels").wait_for(timeout=60_000)
    expect(page.locator('[data-testid="stVegaLiteChart"]').first).to_be_visible()
    store = open_store(labelled_app.db_url)
    with store.read() as conn:
        (version,) = models_sql.list_versions(conn)
    assert (version.status, version.active, version.created_by) == ("ready", True, "budi")
    assert version.card is not None and {"bias", "frames", "stance"} <= set(version.card["tasks"])

    page.goto(f"{labelled_app.url}/annotate?annotator=budi", timeout=FIRST_RENDER_MS)
    page.locator(SENTENCE).wait_for()
    wait_idle(page)
    expect(page.get_by_text("(model guess,").first).to_be_visible()
    page.locator(SENTENCE).click()
    page.keyboard.press("Enter")  # one key accepts every guess
    page.get_by_text("1 of 58 sentences labelled by you").wait_for()
    with store.read() as conn:
        from annotator.storage import labels as labels_sql

        saved = labels_sql.current_labels(conn, annotator="budi")
        info = labels_sql.revision_info(conn, saved[0].revision_id)
    assert saved and info is not None
    assert (info.model_version_id, info.suggestion) == (version.id, "accepted")
    store.engine.dispose()
