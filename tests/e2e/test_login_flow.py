"""Team mode in a real browser: login before anything, pages per role, saves
under the login's name, log out, and a login kept across a reload and a new
tab (the workbench_session cookie) until log out. Its own server: accounts
switch every page of the shared one to team mode."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from annotator import accounts, login_sessions
from annotator.bootstrap import bootstrap
from annotator.storage import Store, open_store
from annotator.storage import labels as labels_sql
from annotator.storage import login_sessions as sessions_sql
from annotator.storage import texts as texts_sql
from tests.e2e.conftest import FIRST_RENDER_MS, SENTENCE, Server, running_app, wait_idle

pytestmark = pytest.mark.e2e

PASSWORD = "correct horse battery"


@pytest.fixture(scope="module")
def team_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    home: Path = tmp_path_factory.mktemp("e2e-team")
    store = open_store(f"sqlite:///{home / 'workbench.sqlite'}")
    bootstrap(store)
    accounts.add_user(store, "ani", role="annotator", password=PASSWORD)
    accounts.add_user(store, "ada", role="admin", password=PASSWORD)
    store.engine.dispose()
    with running_app(home) as app:
        yield app


@pytest.fixture
def team_db(team_server: Server) -> Iterator[Store]:
    store = open_store(team_server.db_url)
    yield store
    store.engine.dispose()


def log_in(page: Page, name: str, password: str = PASSWORD) -> None:
    page.get_by_role("textbox", name="Name", exact=True).fill(name)
    page.get_by_role("textbox", name="Password", exact=True).fill(password)
    page.get_by_role("button", name="Log in").click()
    wait_idle(page)


def wait_for_cookie(page: Page) -> None:
    """Until the page's script has written the kept login's cookie (just after the first render)."""
    page.wait_for_function("() => document.cookie.includes('workbench_session=')")


def nav_links(page: Page) -> list[str]:
    links = page.get_by_test_id("stSidebarNav").get_by_role("link")
    return [text.strip() for text in links.all_inner_texts()]


def test_an_annotator_logs_in_labels_under_their_name_and_logs_out(
    page: Page, team_server: Server, team_db: Store
) -> None:
    page.goto(f"{team_server.url}/annotate", timeout=FIRST_RENDER_MS)
    expect(page.get_by_role("button", name="Log in")).to_be_visible(timeout=FIRST_RENDER_MS)
    expect(page.locator(SENTENCE)).to_have_count(0)

    log_in(page, "ani", "not the password")
    expect(page.get_by_text("wrong name or password")).to_be_visible()

    log_in(page, "ani")  # the page asked for opens, with no name to type
    page.locator(SENTENCE).wait_for(timeout=FIRST_RENDER_MS)
    expect(page.get_by_text("Logged in: ani (annotator)")).to_be_visible()
    assert nav_links(page) == ["Home", "Annotate"]
    wait_idle(page)
    page.locator(SENTENCE).click()  # keys go to the page, not the sidebar
    page.keyboard.press("1")
    page.get_by_role("button", name=re.compile(r"Elon Musk: Mendukung$")).wait_for()
    wait_idle(page)
    first = page.locator(SENTENCE).inner_text()
    page.keyboard.press("Enter")
    page.wait_for_function(
        "([selector, before]) => document.querySelector(selector)?.textContent !== before",
        arg=[SENTENCE, first],
    )
    wait_idle(page)
    with team_db.read() as conn:
        saved = labels_sql.current_labels(conn, sentence_id=1)
    assert [(x.annotator, x.task, x.target, x.value) for x in saved] == [
        ("ani", "stance", "Elon Musk", "favor")
    ]

    page.get_by_role("button", name="Log out").click()
    wait_idle(page)
    expect(page.get_by_role("button", name="Log in")).to_be_visible()
    expect(page.locator(SENTENCE)).to_have_count(0)


def test_an_annotator_typing_an_admin_address_gets_no_admin_page(
    page: Page, team_server: Server
) -> None:
    page.goto(team_server.url, timeout=FIRST_RENDER_MS)
    log_in(page, "ani")
    expect(page.get_by_text("Logged in: ani (annotator)")).to_be_visible()
    wait_for_cookie(page)
    page.goto(f"{team_server.url}/import", timeout=FIRST_RENDER_MS)  # a new session: kept login
    expect(page.get_by_text("Logged in: ani (annotator)")).to_be_visible(timeout=FIRST_RENDER_MS)
    wait_idle(page)
    expect(page.get_by_role("button", name="Log in")).to_have_count(0)
    expect(page.get_by_text("Article files")).to_have_count(0)
    assert "Import" not in nav_links(page)


def test_an_admin_sees_every_page(page: Page, team_server: Server) -> None:
    page.goto(team_server.url, timeout=FIRST_RENDER_MS)
    log_in(page, "ada")
    expect(page.get_by_text("Logged in: ada (admin)")).to_be_visible()
    assert {"Home", "Import", "Annotate", "Model", "Export"} <= set(nav_links(page))


def session_cookie(page: Page) -> dict[str, object] | None:
    found = [c for c in page.context.cookies() if c["name"] == "workbench_session"]
    return dict(found[0]) if found else None


def test_a_login_is_kept_across_a_reload_and_a_new_tab_until_log_out(
    page: Page, team_server: Server, team_db: Store
) -> None:
    page.goto(team_server.url, timeout=FIRST_RENDER_MS)
    log_in(page, "ada")
    expect(page.get_by_text("Logged in: ada (admin)")).to_be_visible()
    wait_for_cookie(page)
    cookie = session_cookie(page)
    assert cookie is not None
    token = str(cookie["value"])
    assert (cookie["path"], cookie["sameSite"], cookie["httpOnly"]) == ("/", "Strict", False)
    days_left = (float(str(cookie["expires"])) - time.time()) / 86_400
    assert 13.9 < days_left <= 14.0
    ada = accounts.get_user(team_db, "ada")
    assert ada is not None
    with team_db.read() as conn:  # the database holds the token's hash, not the token
        stored = {r.token_hash for r in sessions_sql.list_sessions(conn, user_id=ada.id)}
    assert login_sessions.hash_token(token) in stored and token not in stored

    page.reload(timeout=FIRST_RENDER_MS)  # a new browser session
    expect(page.get_by_text("Logged in: ada (admin)")).to_be_visible(timeout=FIRST_RENDER_MS)
    wait_idle(page)
    expect(page.get_by_role("button", name="Log in")).to_have_count(0)

    with team_db.read() as conn:
        record = texts_sql.get_sentence(conn, 5)
    assert record is not None
    tab = page.context.new_page()  # what a Compare link with target=_blank opens
    tab.goto(f"{team_server.url}/annotate?sentence=5", timeout=FIRST_RENDER_MS)
    tab.locator(SENTENCE).wait_for(timeout=FIRST_RENDER_MS)
    expect(tab.locator(SENTENCE)).to_have_text(record.text)
    expect(tab.get_by_text("Logged in: ada (admin)")).to_be_visible()
    assert "sentence=5" in tab.url and token not in tab.url

    page.bring_to_front()
    page.get_by_role("button", name="Log out").click()
    wait_idle(page)
    expect(page.get_by_role("button", name="Log in")).to_be_visible()
    page.wait_for_function("() => !document.cookie.includes('workbench_session=')")
    assert session_cookie(page) is None
    assert login_sessions.user_for_token(team_db, token) is None
    page.reload(timeout=FIRST_RENDER_MS)
    expect(page.get_by_role("button", name="Log in")).to_be_visible(timeout=FIRST_RENDER_MS)
    expect(page.get_by_text("Logged in: ada (admin)")).to_have_count(0)
    # The other tab, still open on its own session, is out at its next run.
    tab.bring_to_front()
    tab.get_by_test_id("stSidebarNav").get_by_role("link", name="Home").click()
    expect(tab.get_by_role("button", name="Log in")).to_be_visible(timeout=FIRST_RENDER_MS)
    expect(tab.locator(SENTENCE)).to_have_count(0)
