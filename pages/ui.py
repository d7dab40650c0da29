"""Shared pieces of the pages: the store, the label set, who is acting.

In team mode the acting user is whoever logged in (``pages/login.py``; kept
across reloads and tabs by ``pages/login_session.py``), read back from the
database on every run, so a disabled account or an ended login is out at once. In single-user mode the local
person is an admin under the name they type. Not a page itself (the router
lists the pages). Caching lives here and in the pages, never in ``annotator/``.
"""

from __future__ import annotations

import html

import streamlit as st

from annotator import accounts, labelsets
from annotator.accounts import Permission, User
from annotator.bootstrap import open_ready_store
from annotator.labelsets import LabelSet
from annotator.storage import Store, resolve_url
from annotator.storage import labels as labels_sql
from annotator.storage import labelsets as labelsets_sql
from annotator.storage import texts as texts_sql
from pages.login_session import USER_KEY, current_user

ANNOTATOR_KEY = "workbench.annotator"


@st.cache_resource(show_spinner="Opening the database…")
def _store(url: str) -> Store:
    return open_ready_store(url)


def store() -> Store:
    """The database of this app process, created and seeded on first use."""
    return _store(resolve_url())


@st.cache_resource(max_entries=8)
def _labelset(url: str, name: str, version: int) -> LabelSet:
    # Keyed by version: a new version (file edit, import) is a new entry.
    return labelsets.current(store(), name)


def labelset(name: str = labelsets.DEFAULT_NAME) -> LabelSet:
    """The current version of the label set, parsed once per version."""
    s = store()
    with s.read() as conn:
        latest = labelsets_sql.latest_label_set(conn, name)
    if latest is None:
        st.error(f"No label set named {name!r}. Run `workbench init`.")
        st.stop()
    return _labelset(s.url, name, latest.version)


def team_mode() -> bool:
    return accounts.team_mode(store())


def user() -> User | None:
    """Who is acting: the logged-in account (None until someone logs in), or
    in single-user mode the local admin under the typed name."""
    if not team_mode():
        return User(name=annotator(), role=accounts.Role.ADMIN)
    return current_user(store())


def acting_user(needs: Permission | None = None) -> User:
    """Who acts on this page; stops the page for nobody logged in or a role
    without ``needs`` (the router hides such pages; this holds however a page is reached)."""
    found = user()
    if found is None or (needs is not None and not found.can(needs)):
        st.warning("Log in first." if found is None else f"{found.role.title()}s may not {needs}.")
        st.stop()
    return found


def annotator() -> str:
    """The annotator's name: in team mode the logged-in user's; else from this
    session or the page address (survives a reload)."""
    if team_mode():
        return str(st.session_state.get(USER_KEY) or "")
    name = st.session_state.get(ANNOTATOR_KEY) or st.query_params.get("annotator", "")
    if name and st.session_state.get(ANNOTATOR_KEY) != name:
        st.session_state[ANNOTATOR_KEY] = name
    return str(name)


def set_annotator(name: str) -> None:
    st.session_state[ANNOTATOR_KEY] = name.strip()
    st.query_params["annotator"] = name.strip()


def ask_annotator() -> str:
    """The annotator's name; asks for it once and stops the page until given."""
    if team_mode():  # the login, not the address, says who it is
        return acting_user(Permission.LABEL).name
    if name := annotator():
        st.query_params["annotator"] = name
        return name
    with st.form("workbench.name_form"):
        st.subheader("Who is annotating?")
        typed = st.text_input("Your name", key="workbench.name_input", max_chars=100)
        if st.form_submit_button("Start", type="primary") and typed.strip():
            try:
                set_annotator(accounts.check_name(typed))
            except accounts.InvalidAccount as exc:
                st.error(str(exc))
            else:
                st.rerun()
    st.stop()


def data_revision() -> tuple[int, int, int]:
    """Changes whenever labels, sentences or label sets change (cache key)."""
    with store().read() as conn:
        return labels_sql.data_revision(conn)


@st.cache_data(max_entries=4)
def _sentence_total(url: str, top_id: int) -> int:
    with store().read() as conn:
        return texts_sql.count_sentences(conn)


def sentence_total() -> int:
    """Sentences in the corpus; counted again only when sentences are added."""
    s = store()
    with s.read() as conn:
        top = texts_sql.max_sentence_id(conn)
    return _sentence_total(s.url, top)


def text_line(text: str, *, muted: bool = True) -> None:
    """One line of untrusted text, shown as text (escaped, never Markdown)."""
    style = "color:#6b6b6b;font-size:0.9rem" if muted else ""
    st.html(f'<div style="{style}">{html.escape(text)}</div>')
