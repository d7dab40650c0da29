"""Login and roles in the app: with accounts, nothing but Log in until someone
logs in; each role sees only its pages; a page reached another way refuses
too; a login is kept across new sessions through the browser's cookie."""

from __future__ import annotations

import hashlib
import html
import re
from collections.abc import Callable

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from annotator import accounts, assignment, login_sessions
from annotator import annotations as ann
from annotator.accounts import Role
from annotator.annotations import Choice, Decision
from annotator.labelsets import LabelSet
from annotator.storage import Store
from annotator.storage import login_sessions as sessions_sql
from annotator.storage import texts as texts_sql
from pages import login_session
from pages.login_session import COOKIE
from tests.pages.conftest import APP, BuildApp, open_page
from tests.people import PASSWORD, add_people, cheap_hashing

ADMIN_PAGES = ("pages/import.py", "pages/model.py", "pages/export.py")


@pytest.fixture(autouse=True)
def _cheap(monkeypatch: pytest.MonkeyPatch) -> None:
    cheap_hashing(monkeypatch)


@pytest.fixture
def team(store: Store) -> Store:
    add_people(store)
    return store


def log_in(at: AppTest, name: str, password: str = PASSWORD) -> AppTest:
    at.text_input(key="login.name").input(name)
    at.text_input(key="login.password").input(password)
    return next(b for b in at.button if b.label == "Log in").click().run()


def logged_in(name: str, **query: str) -> AppTest:
    """A session where ``name`` has logged in, run through the router.

    (After the first run AppTest sends a rerun straight to the page file, not
    through ``workbench.py``: Streamlit's test runner treats ``pages/`` as a
    pages directory, which the real server, started by ``workbench serve``,
    does not. So each view of the router starts a session of its own.)
    """
    at = AppTest.from_file(str(APP), default_timeout=30)
    at.session_state["workbench.user"] = name
    at.query_params.update(query)
    return at.run()


def is_login_page(at: AppTest) -> bool:
    return [t.label for t in at.text_input] == ["Name", "Password"] and not at.metric


def test_without_accounts_there_is_no_login(app: BuildApp) -> None:
    at = app()
    assert not at.exception
    assert not is_login_page(at) and at.metric  # the home page, straight away
    assert [c.value for c in at.sidebar.caption] == ["Annotator: not set (asked on Annotate)"]


def test_with_accounts_only_the_login_page_is_reachable(app: BuildApp, team: Store) -> None:
    at = app()
    assert not at.exception and is_login_page(at)
    for page in ("pages/home.py", "pages/annotate.py", *ADMIN_PAGES):
        with pytest.raises(ValueError, match="Could not find a navigation page"):
            at.switch_page(page)


@pytest.mark.parametrize("page", ["pages/annotate.py", *ADMIN_PAGES])
def test_a_page_reached_without_the_router_still_asks_for_a_login(
    app: BuildApp, team: Store, page: str
) -> None:
    at = app(page)  # a first visit straight to the page, as `streamlit run` allows
    assert not at.exception
    assert [w.value for w in at.warning] == ["Log in first."]
    assert not at.button and not at.text_area and not at.radio


def test_a_wrong_password_says_wrong_name_or_password(app: BuildApp, team: Store) -> None:
    at = log_in(app(), "ani", "not the password")
    assert [e.value for e in at.error] == ["wrong name or password"]
    assert is_login_page(at) and "workbench.user" not in at.session_state
    at = log_in(at, "nobody")
    assert [e.value for e in at.error] == ["wrong name or password"]


def test_the_right_password_logs_in(app: BuildApp, team: Store) -> None:
    at = log_in(app(), "ani")
    assert not at.exception and not at.error
    assert at.session_state["workbench.user"] == "ani"
    kept = at.session_state.get("login.password", "")
    assert kept == ""  # the password does not stay in the session


def test_a_disabled_account_is_told_so_and_a_session_ends_when_disabled(
    app: BuildApp, team: Store
) -> None:
    at = logged_in("cici")
    assert at.metric and not is_login_page(at)
    accounts.disable(team, "cici")
    at.run()
    assert not at.metric and "workbench.user" not in at.session_state
    at = log_in(app(), "cici")
    assert [e.value for e in at.error] == ["account disabled"]


def test_an_annotator_sees_home_and_annotate_but_no_admin_page(app: BuildApp, team: Store) -> None:
    at = logged_in("ani")
    assert not at.exception
    assert [c.value for c in at.sidebar.caption] == ["Logged in: **ani** (annotator)"]
    for page in ADMIN_PAGES:
        with pytest.raises(ValueError, match="Could not find a navigation page"):
            at.switch_page(page)
    at = open_page(at, "pages/annotate.py")
    assert not at.exception
    assert not [s for s in at.subheader if s.value == "Who is annotating?"]  # no name asked
    assert at.button(key="annotate.save")  # a sentence to label, under the login's name


@pytest.mark.parametrize(
    ("page", "refusal"),
    [
        ("pages/import.py", "Annotators may not import."),
        ("pages/model.py", "Annotators may not retrain and activate models."),
        ("pages/export.py", "Annotators may not export."),
    ],
)
def test_a_logged_in_annotator_reaching_an_admin_page_directly_is_refused(
    app: BuildApp, team: Store, page: str, refusal: str
) -> None:
    del app  # requested for its database setting only
    at = AppTest.from_file(str(APP), default_timeout=30)
    at.session_state["workbench.user"] = "ani"
    at.switch_page(page).run()  # straight to the page, without the router
    assert not at.exception
    assert [w.value for w in at.warning] == [refusal]
    assert not at.button and not at.text_input and not at.dataframe


def test_an_admin_sees_every_page_and_sets_the_overlap(app: BuildApp, team: Store) -> None:
    at = logged_in("ada")
    assert [c.value for c in at.sidebar.caption] == ["Logged in: **ada** (admin)"]
    at.number_input(key="home.overlap").set_value(2).run()
    assert assignment.overlap(team) == 2
    for page in ADMIN_PAGES:
        assert not open_page(at, page).exception


def test_an_annotator_has_no_overlap_setting_but_is_told_the_cap(
    app: BuildApp, team: Store
) -> None:
    assignment.set_overlap(team, 2)
    at = logged_in("ani")
    assert not [n for n in at.number_input if n.key == "home.overlap"]
    assert "Each sentence is labelled by at most 2 annotator(s)." in [c.value for c in at.caption]


def test_the_home_page_shows_progress_per_annotator(
    app: BuildApp, team: Store, labelset: LabelSet
) -> None:
    for who, sentences in (("ani", (1, 2)), ("budi", (3,))):
        for sid in sentences:
            decision = Decision("bias", "", (Choice("biased"),))
            ann.save(team, sentence_id=sid, annotator=who, decisions=[decision], labelset=labelset)
    at = logged_in("cici")
    table = next(d.value for d in at.dataframe if "last_active" in d.value.columns)
    assert isinstance(table, pd.DataFrame)
    assert table.set_index("annotator")["labelled"].to_dict() == {
        "ada": 0,
        "ani": 2,
        "budi": 1,
        "cici": 0,
    }


def test_log_out_returns_to_the_login_page(app: BuildApp, team: Store) -> None:
    at = logged_in("ada")
    at.sidebar.button(key="workbench.logout").click().run()
    assert "workbench.user" not in at.session_state
    assert not at.metric and not at.sidebar.button  # nothing of the home page is left
    assert is_login_page(app())


def test_the_role_comes_from_the_database_not_the_address(app: BuildApp, team: Store) -> None:
    at = logged_in("ani", annotator="ada")  # ?annotator=ada in the address
    assert [c.value for c in at.sidebar.caption] == ["Logged in: **ani** (annotator)"]
    assert accounts.get_user(team, "ani").role == Role.ANNOTATOR  # type: ignore[union-attr]


# ---------------------------------------------------------------- kept logins (the cookie)
# AppTest cannot send cookies, so these swap in what the browser would have
# sent (pages/login_session.browser_cookies); tests/e2e/test_login_flow.py
# does it in Chromium.


@pytest.fixture
def cookie(monkeypatch: pytest.MonkeyPatch) -> Callable[[str], None]:
    """``cookie(token)``: the next new session's browser sends ``workbench_session=token``."""

    def send(value: str) -> None:
        monkeypatch.setattr(login_session, "browser_cookies", lambda: {COOKIE: value})

    return send


def cookie_scripts(at: AppTest) -> list[str]:
    return [h.value for h in at.html if COOKIE in h.value]


def kept_login(store: Store, name: str) -> str:
    found = accounts.get_user(store, name)
    assert found is not None
    return login_sessions.start_session(store, found)


def test_logging_in_keeps_a_login_stored_only_as_a_hash(app: BuildApp, team: Store) -> None:
    at = log_in(app(), "ani")
    token = at.session_state["workbench.login_token"]
    with team.read() as conn:
        stored = [(r.token_hash, r.user_id) for r in sessions_sql.list_sessions(conn)]
    ani = accounts.get_user(team, "ani")
    assert ani is not None
    assert stored == [(hashlib.sha256(token.encode()).hexdigest(), ani.id)]


def test_a_new_session_sending_the_cookie_is_logged_in_without_the_form(
    app: BuildApp, team: Store, cookie: Callable[[str], None]
) -> None:
    token = kept_login(team, "ani")
    cookie(token)
    at = app()  # a reload
    assert not at.exception and not is_login_page(at) and at.metric
    assert [c.value for c in at.sidebar.caption] == ["Logged in: **ani** (annotator)"]
    (script,) = cookie_scripts(at)  # the cookie is written back, with the same token
    assert f"{COOKIE}={token}; Path=/; Max-Age=1209600; SameSite=Strict" in script
    assert "<script>document.cookie = " in script


def test_a_link_to_a_sentence_opens_it_in_a_new_tab_sending_the_cookie(
    app: BuildApp, team: Store, cookie: Callable[[str], None]
) -> None:
    cookie(kept_login(team, "ani"))
    at = app("pages/annotate.py", sentence="3")  # annotate?sentence=3, as Compare links
    assert not at.exception and not at.warning
    with team.read() as conn:
        record = texts_sql.get_sentence(conn, 3)
    assert record is not None
    sentence = next(h.value for h in at.html if 'data-testid="annotate-sentence"' in h.value)
    shown = re.search(r'data-testid="annotate-sentence"[^>]*>(.*?)</p>', sentence, re.S)
    assert shown is not None  # the sentence as read: highlight tags dropped, entities decoded
    assert html.unescape(re.sub(r"<[^>]+>", "", shown.group(1))) == record.text
    assert at.button(key="annotate.save")


def test_an_ended_login_in_the_cookie_shows_the_form_and_clears_that_cookie(
    app: BuildApp, team: Store, cookie: Callable[[str], None]
) -> None:
    token = kept_login(team, "ani")
    login_sessions.end_session(team, token)
    cookie(token)
    at = app()
    assert is_login_page(at) and "workbench.user" not in at.session_state
    (script,) = cookie_scripts(at)
    assert f"{COOKIE}=; Path=/; Max-Age=0; SameSite=Strict" in script
    assert f'.includes("{COOKIE}={token}")' in script  # only if no newer login replaced it


def test_log_out_ends_the_kept_login_for_every_tab(
    app: BuildApp, team: Store, cookie: Callable[[str], None]
) -> None:
    token = kept_login(team, "ada")
    cookie(token)
    other_tab = app()
    at = app()
    assert [c.value for c in at.sidebar.caption] == ["Logged in: **ada** (admin)"]
    at.sidebar.button(key="workbench.logout").click().run()
    assert "workbench.user" not in at.session_state
    assert login_sessions.user_for_token(team, token) is None
    assert is_login_page(app())  # a reload: the cookie names an ended login
    other_tab.run()  # its next click
    assert "workbench.user" not in other_tab.session_state and not other_tab.metric


def test_a_password_change_logs_an_open_session_out(
    app: BuildApp, team: Store, cookie: Callable[[str], None]
) -> None:
    cookie(kept_login(team, "cici"))
    at = app()
    assert at.metric
    accounts.set_password(team, "cici", "another long password")
    at.run()
    assert not at.metric and "workbench.user" not in at.session_state
    assert is_login_page(app())


def test_a_garbage_cookie_is_nobody_and_is_cleared(
    app: BuildApp, team: Store, cookie: Callable[[str], None]
) -> None:
    cookie('"</script><script>alert(1)</script>')
    at = app()
    assert not at.exception and is_login_page(at)
    (script,) = cookie_scripts(at)
    assert "alert" not in script and script.count("</script>") == 1
    assert f"{COOKIE}=; Path=/; Max-Age=0; SameSite=Strict" in script


def test_without_accounts_no_cookie_is_read_or_written(
    app: BuildApp, store: Store, cookie: Callable[[str], None]
) -> None:
    cookie("whatever")
    at = app()
    assert not at.exception and at.metric and not cookie_scripts(at)
