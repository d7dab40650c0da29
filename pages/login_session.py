"""Keeping a team-mode login across reloads and new tabs: the Streamlit side.

Not a page (the router lists the pages). A login (``pages/login.py`` calls
:func:`log_in`) starts a kept login (:mod:`annotator.login_sessions`) whose
token goes into this browser session's state and into the browser's
``workbench_session`` cookie. Streamlit cannot send a ``Set-Cookie`` header
from a script, so :func:`sync_cookie` writes the cookie from a script in the
page (``st.html`` runs it in the app's own document, not an iframe). A new
browser session (a reload, a link opened in a new tab) sends the cookie with
its first request; :func:`current_user` (the router's ``ui.user()``, and
every page's) first calls :func:`restore`, which logs the cookie's account
in once per session, without the form. Start with :func:`current_user`.

The token never appears in an address or a log; the cookie is not HttpOnly
(see :mod:`annotator.login_sessions` for what bounds a stolen token).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping

import streamlit as st

from annotator import accounts, login_sessions
from annotator.accounts import User
from annotator.storage import Store

COOKIE = "workbench_session"
USER_KEY = "workbench.user"  # the logged-in account's name
TOKEN_KEY = "workbench.login_token"  # its kept login's token
FORGET_KEY = "workbench.forget_cookie"  # an ended token: clear the cookie if it still holds it
CHECKED_KEY = "workbench.cookie_checked"  # the cookie was read in this session
# The cookie lives as long as a login can; the database ends it sooner
# (idle, log out, password change) and a cookie whose login ended is cleared.
MAX_AGE = int(login_sessions.LIFETIME.total_seconds())
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{1,100}$")  # what secrets.token_urlsafe makes
# Hides the script's element so it adds no gap to the layout.
_HIDE = "<style>.stElementContainer:has(> .stHtml .workbench-cookie){display:none}</style>"


def browser_cookies() -> Mapping[str, str]:
    """The cookies the browser sent when this session opened."""
    return st.context.cookies


def restore(store: Store) -> None:
    """Once per browser session, before anyone logs in with the form: log in
    the account whose kept login the cookie names (a stale cookie is cleared)."""
    if st.session_state.get(CHECKED_KEY):
        return
    st.session_state[CHECKED_KEY] = True
    token = browser_cookies().get(COOKIE)
    if not isinstance(token, str) or not token or st.session_state.get(USER_KEY):
        return
    found = login_sessions.user_for_token(store, token)
    if found is None:
        _forget(token)
        return
    st.session_state[USER_KEY] = found.name
    st.session_state[TOKEN_KEY] = token


def log_in(store: Store, account: User) -> None:
    """After the form's password check: this session and the browser are logged in."""
    st.session_state[TOKEN_KEY] = login_sessions.start_session(store, account)
    st.session_state[USER_KEY] = account.name
    st.session_state.pop(FORGET_KEY, None)


def log_out(store: Store) -> None:
    """End the kept login in the database (every tab sharing it is out at its
    next click) and clear the browser's cookie."""
    token = st.session_state.pop(TOKEN_KEY, None)
    login_sessions.end_session(store, token)
    st.session_state.pop(USER_KEY, None)
    _forget(token)


def current_user(store: Store) -> User | None:
    """The logged-in account, read from the database on every run: None once
    its kept login has ended or expired or the account is disabled. (A
    session given a name without a kept login, as tests arrange, is checked
    by name.)"""
    restore(store)
    name = st.session_state.get(USER_KEY)
    if not name:
        return None
    token = st.session_state.get(TOKEN_KEY)
    if token:
        found = login_sessions.user_for_token(store, str(token))
    else:
        found = accounts.get_user(store, str(name))
    if found is not None and not found.disabled and found.name == name:
        return found
    st.session_state.pop(USER_KEY, None)
    if ended := st.session_state.pop(TOKEN_KEY, None):
        _forget(ended)
    return None


def _forget(token: str | None) -> None:
    # Only this token is cleared: another tab may have logged in since and
    # put a new one in the shared cookie.
    st.session_state[FORGET_KEY] = token if token and _TOKEN.match(token) else ""


def _js(value: str) -> str:
    return json.dumps(value).replace("<", "\\u003c")  # no "</script>" can end the script early


def sync_cookie() -> None:
    """Write this session's login into the browser's cookie, or clear it after
    log out or an ended login. Emitted on every run (the browser runs it once
    per content), so a run cut short by a rerun cannot lose it."""
    token = st.session_state.get(TOKEN_KEY)
    ended = st.session_state.get(FORGET_KEY)
    if token:
        value, max_age, only_if = str(token), MAX_AGE, ""
    elif ended is not None:
        value, max_age, only_if = "", 0, str(ended)
    else:
        return
    cookie = _js(f"{COOKIE}={value}; Path=/; Max-Age={max_age}; SameSite=Strict")
    script = f'document.cookie = {cookie} + (location.protocol === "https:" ? "; Secure" : "");'
    if only_if:
        held = _js(f"{COOKIE}={only_if}")
        script = f'if (document.cookie.split("; ").includes({held})) {{ {script} }}'
    st.html(
        f'{_HIDE}<span class="workbench-cookie"></span><script>{script}</script>',
        unsafe_allow_javascript=True,
    )
