"""SQL for user accounts (team mode).

Plain rows in, plain rows out: hashing, roles and checks live in
:mod:`annotator.accounts`. Start with :func:`get_user`; :func:`any_users`
tells single-user mode (no rows) from team mode.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, and_, false, func, insert, select, update

from annotator.storage.schema import users, utcnow


@dataclass(frozen=True)
class UserRow:
    id: int
    name: str
    role: str
    password_hash: str
    disabled: bool
    created_at: datetime


_COLUMNS = (
    users.c.id,
    users.c.name,
    users.c.role,
    users.c.password_hash,
    users.c.disabled,
    users.c.created_at,
)


def _row(row: Any) -> UserRow:
    return UserRow(*row)


def any_users(conn: Connection) -> bool:
    return conn.scalar(select(users.c.id).limit(1)) is not None


def insert_user(conn: Connection, *, name: str, role: str, password_hash: str) -> int:
    result = conn.execute(
        insert(users).values(
            name=name, role=role, password_hash=password_hash, disabled=False, created_at=utcnow()
        )
    )
    return int(result.inserted_primary_key[0])  # type: ignore[index]


def get_user(conn: Connection, name: str) -> UserRow | None:
    row = conn.execute(select(*_COLUMNS).where(users.c.name == name)).first()
    return _row(row) if row else None


def get_user_by_id(conn: Connection, user_id: int) -> UserRow | None:
    row = conn.execute(select(*_COLUMNS).where(users.c.id == user_id)).first()
    return _row(row) if row else None


def list_users(conn: Connection) -> list[UserRow]:
    return [_row(r) for r in conn.execute(select(*_COLUMNS).order_by(users.c.name))]


def set_password_hash(conn: Connection, name: str, password_hash: str) -> bool:
    """Replace a user's hash; False when there is no such user."""
    result = conn.execute(
        update(users).where(users.c.name == name).values(password_hash=password_hash)
    )
    return result.rowcount > 0


def set_disabled(conn: Connection, name: str, disabled: bool) -> bool:
    result = conn.execute(update(users).where(users.c.name == name).values(disabled=disabled))
    return result.rowcount > 0


def count_enabled(conn: Connection, role: str) -> int:
    return int(
        conn.scalar(
            select(func.count())
            .select_from(users)
            .where(and_(users.c.role == role, users.c.disabled == false()))
        )
        or 0
    )
