"""The app under AppTest: a fresh database per test, Streamlit caches cleared.

``app(page, **query)`` builds and runs the app as a first visit would (a new
AppTest is a new browser session, i.e. a reload); the ``store`` fixture of
``tests/conftest.py`` opens the same database, already seeded, for arranging
data and asserting on stored rows.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

APP = Path(__file__).resolve().parents[2] / "workbench.py"

BuildApp = Callable[..., AppTest]


def _clear_caches() -> None:
    st.cache_data.clear()
    st.cache_resource.clear()


@pytest.fixture(autouse=True)
def fresh_caches() -> Iterator[None]:
    """Streamlit caches outlive an AppTest: keep one test's store out of the next."""
    _clear_caches()
    yield
    _clear_caches()


@pytest.fixture
def app(db_url: str, monkeypatch: pytest.MonkeyPatch) -> BuildApp:
    """Build and run the app on the test's database: ``app("pages/annotate.py", annotator="ana")``."""
    monkeypatch.setenv("WORKBENCH_DB", db_url)

    def build(page: str | None = None, **query: str) -> AppTest:
        at = AppTest.from_file(str(APP), default_timeout=30)
        at.query_params.update(query)
        if page is not None:
            at.switch_page(page)
        return at.run()

    return build


def open_page(at: AppTest, page: str) -> AppTest:
    """Navigate within the same session (what a click in the sidebar does)."""
    return at.switch_page(page).run()
