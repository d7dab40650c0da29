"""SQL for persistent logins (team mode).

Plain rows in, plain rows out: tokens, hashing and timeouts live in
:mod:`annotator.login_sessions`; this module only ever sees the token's
hash. Start with :func:`get_session`.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, delete, insert, or_, select, update

from annotator.storage.schema import login_sessions


@dataclass(frozen=True)
class LoginSessionRow:
    token_hash: str
    user_id: int
    created_at: datetime
    expires_at: datetime
    last_seen_at: datetime


_COLUMNS = (
    login_sessions.c.token_hash,
    login_sessions.c.user_id,
    login_sessions.c.created_at,
    login_sessions.c.expires_at,
    login_sessions.c.last_seen_at,
)


def _row(row: Any) -> LoginSessionRow:
    return LoginSessionRow(*row)


def insert_session(
    conn: Connection, *, token_hash: str, user_id: int, created_at: datetime, expires_at: datetime
) -> None:
    conn.execute(
        insert(login_sessions).values(
            token_hash=token_hash,
            user_id=user_id,
            created_at=created_at,
            expires_at=expires_at,
            last_seen_at=created_at,
        )
    )


def get_session(conn: Connection, token_hash: str) -> LoginSessionRow | None:
    row = conn.execute(select(*_COLUMNS).where(login_sessions.c.token_hash == token_hash)).first()
    return _row(row) if row else None


def list_sessions(conn: Connection, *, user_id: int | None = None) -> list[LoginSessionRow]:
    """Every stored session (of one user when given), oldest first."""
    query = select(*_COLUMNS).order_by(login_sessions.c.created_at, login_sessions.c.token_hash)
    if user_id is not None:
        query = query.where(login_sessions.c.user_id == user_id)
    return [_row(r) for r in conn.execute(query)]


def touch(conn: Connection, token_hash: str, last_seen_at: datetime) -> bool:
    """Move a session's last use forward; False when it is gone."""
    result = conn.execute(
        update(login_sessions)
        .where(login_sessions.c.token_hash == token_hash)
        .values(last_seen_at=last_seen_at)
    )
    return result.rowcount > 0


def delete_session(conn: Connection, token_hash: str) -> bool:
    result = conn.execute(delete(login_sessions).where(login_sessions.c.token_hash == token_hash))
    return result.rowcount > 0


def delete_user_sessions(conn: Connection, user_id: int) -> int:
    """End every session of a user; returns how many there were."""
    result = conn.execute(delete(login_sessions).where(login_sessions.c.user_id == user_id))
    return int(result.rowcount)


def delete_expired(conn: Connection, *, now: datetime, idle_since: datetime) -> int:
    """Remove sessions past their end or unused since ``idle_since``."""
    result = conn.execute(
        delete(login_sessions).where(
            or_(login_sessions.c.expires_at <= now, login_sessions.c.last_seen_at < idle_since)
        )
    )
    return int(result.rowcount)
