"""Login and roles in the app: with accounts, nothing but Log in until someone
logs in; each role sees only its pages; a page reached another way refuses too."""

from __future__ import annotations

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from annotator import accounts, assignment
from annotator import annotations as ann
from annotator.accounts import Role
from annotator.annotations import Choice, Decision
from annotator.labelsets import LabelSet
from annotator.storage import Store
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
