"""Persistent logins for team mode: a login that survives a reload or a new tab.

After a successful :func:`annotator.accounts.authenticate`, the app calls
:func:`start_session` and keeps the returned token in the browser (the
``workbench_session`` cookie, see ``pages/login_session.py``). Every new
browser session presents the token; :func:`user_for_token` gives back the
account, or None. :func:`end_session` is log out; :func:`end_all_sessions`
ends every login of a user, and :mod:`annotator.accounts` does the same in
the transaction that changes a password or disables an account. Start with
:func:`start_session`.

Timeouts (keyword options, these defaults in the app):

* **idle**: :data:`IDLE_TIMEOUT` (12 h) without use ends a login. Use is
  recorded at most every :data:`TOUCH_AFTER` (5 min), so a busy page does
  not write on every click; the idle end is therefore exact to 5 minutes.
* **absolute**: :data:`LIFETIME` (14 days) after logging in, however busy.

Security notes:

* The token is 32 random bytes (:func:`secrets.token_urlsafe`). Only its
  SHA-256 is stored: a copy of the database (a backup, a dump) logs nobody
  in. No salt or slow hash is needed, as a token, unlike a password, cannot
  be guessed from a list.
* The cookie is set from JavaScript (Streamlit cannot send a ``Set-Cookie``
  header from a script), so it is **not HttpOnly**: a script injected into
  the page could read it. Untrusted text is always shown escaped
  (:mod:`annotator.display`), and a stolen token is bounded by the timeouts
  above and ends at log out, a password change or disabling. The cookie is
  ``SameSite=Strict``, ``Path=/``, and ``Secure`` when the app is served
  over HTTPS.
* Tokens never travel in URLs (a link such as ``annotate?sentence=12`` opens
  in a new tab through the cookie alone) and are never logged or printed;
  errors name the user, not the token.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from annotator.accounts import InvalidAccount, User, user_from_row
from annotator.storage import Store
from annotator.storage import login_sessions as sessions_sql
from annotator.storage import users as users_sql
from annotator.storage.login_sessions import LoginSessionRow
from annotator.storage.schema import utcnow

IDLE_TIMEOUT = timedelta(hours=12)
LIFETIME = timedelta(days=14)
TOUCH_AFTER = timedelta(minutes=5)
TOKEN_BYTES = 32
# token_urlsafe(32) is 43 characters; anything much longer is not ours and
# is refused before it reaches the database.
_MAX_TOKEN_LENGTH = 100


def hash_token(token: str) -> str:
    """The stored form of a token: its SHA-256, hex."""
    return hashlib.sha256(token.encode()).hexdigest()


def _expired(row: LoginSessionRow, *, now: datetime, idle: timedelta) -> bool:
    return now >= row.expires_at or now - row.last_seen_at > idle


def start_session(
    store: Store,
    user: User,
    *,
    now: datetime | None = None,
    lifetime: timedelta = LIFETIME,
    idle: timedelta = IDLE_TIMEOUT,
) -> str:
    """Keep ``user`` logged in: a new token (shown once, stored only as its
    hash). Expired logins of anyone are removed on the way. Raises
    :class:`~annotator.accounts.InvalidAccount` for the local person of
    single-user mode, an unknown or a disabled account."""
    if user.id is None:
        raise InvalidAccount("single-user mode has no logins to keep")
    now = now or utcnow()
    token = secrets.token_urlsafe(TOKEN_BYTES)
    with store.write() as conn:
        row = users_sql.get_user_by_id(conn, user.id)
        if row is None or row.disabled:
            raise InvalidAccount(f"{user.name!r} is {'disabled' if row else 'not an account'}")
        sessions_sql.delete_expired(conn, now=now, idle_since=now - idle)
        sessions_sql.insert_session(
            conn,
            token_hash=hash_token(token),
            user_id=user.id,
            created_at=now,
            expires_at=now + lifetime,
        )
    return token


def user_for_token(
    store: Store,
    token: str | None,
    *,
    now: datetime | None = None,
    idle: timedelta = IDLE_TIMEOUT,
) -> User | None:
    """The account a token keeps logged in, or None when the token is unknown,
    ended, expired (idle or absolute) or its account disabled. A found login
    counts as used now (sliding idle expiry); an expired one is removed."""
    if not token or len(token) > _MAX_TOKEN_LENGTH:
        return None
    now = now or utcnow()
    key = hash_token(token)
    with store.read() as conn:
        found = sessions_sql.get_session(conn, key)
        row = users_sql.get_user_by_id(conn, found.user_id) if found else None
    if found is None or row is None:
        return None
    if row.disabled or _expired(found, now=now, idle=idle):
        with store.write() as conn:
            sessions_sql.delete_session(conn, key)
        return None
    if now - found.last_seen_at >= TOUCH_AFTER:
        with store.write() as conn:
            if not sessions_sql.touch(conn, key, now):
                return None  # ended (log out elsewhere) since it was read
    return user_from_row(row)


def end_session(store: Store, token: str | None) -> bool:
    """Log out: the token logs nobody in any more. False when it was not a login."""
    if not token or len(token) > _MAX_TOKEN_LENGTH:
        return False
    with store.write() as conn:
        return sessions_sql.delete_session(conn, hash_token(token))


def end_all_sessions(store: Store, user: User) -> int:
    """Log a user out everywhere; returns how many logins ended."""
    if user.id is None:
        return 0
    with store.write() as conn:
        return sessions_sql.delete_user_sessions(conn, user.id)
