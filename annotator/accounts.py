"""Accounts, roles and permissions for team mode.

Two modes, decided by the database alone (:func:`team_mode`):

* **Single-user mode** (the ``users`` table is empty, the default on a
  laptop): there is no login; the local person acts as admin under the
  annotator name they type (:func:`local_user`).
* **Team mode** (at least one user, e.g. after ``workbench user add alice
  --role admin``): people log in (:func:`authenticate`) and act with their
  role's permissions.

Roles are ordered annotator < curator < admin; each has the permissions of
the one below and more. :func:`require` raises :class:`PermissionDenied`
when a user's role lacks a permission; :mod:`annotator.team` calls it at
every role-sensitive entry point.

=============  ============================================================
role           permissions (each role also has those of the rows above)
=============  ============================================================
annotator      label own sentences; read own labels
curator        read everyone's labels; adjudicate; review label-error
               suspects; see agreement; compare outlets
admin          import (articles and label sets); retrain and activate
               models; export; edit label sets; manage users; settings
=============  ============================================================

Passwords are hashed with argon2id (argon2-cffi's :class:`PasswordHasher`,
its parameters stored in each hash); a hash made with weaker parameters is
replaced at the next successful login. Start with :func:`authenticate`.
"""

from __future__ import annotations

import contextlib
import re
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy.exc import IntegrityError

from annotator.storage import Store
from annotator.storage import login_sessions as login_sessions_sql
from annotator.storage import users as users_sql
from annotator.storage.assignment import GOLD_ANNOTATOR
from annotator.storage.users import UserRow


class Role(StrEnum):
    ANNOTATOR = "annotator"
    CURATOR = "curator"
    ADMIN = "admin"

    @property
    def rank(self) -> int:
        return list(Role).index(self)


class Permission(StrEnum):
    LABEL = "label own sentences"
    READ_OWN_LABELS = "read own labels"
    READ_ALL_LABELS = "read everyone's labels"
    ADJUDICATE = "adjudicate"
    REVIEW_SUSPECTS = "review label-error suspects"
    SEE_AGREEMENT = "see agreement"
    COMPARE = "compare outlets"
    IMPORT = "import"
    TRAIN = "retrain and activate models"
    EXPORT = "export"
    EDIT_LABEL_SETS = "edit label sets"
    MANAGE_USERS = "manage users"
    SETTINGS = "change settings"


_ANNOTATOR = frozenset({Permission.LABEL, Permission.READ_OWN_LABELS})
_CURATOR = _ANNOTATOR | {
    Permission.READ_ALL_LABELS,
    Permission.ADJUDICATE,
    Permission.REVIEW_SUSPECTS,
    Permission.SEE_AGREEMENT,
    Permission.COMPARE,
}
_ADMIN = _CURATOR | {
    Permission.IMPORT,
    Permission.TRAIN,
    Permission.EXPORT,
    Permission.EDIT_LABEL_SETS,
    Permission.MANAGE_USERS,
    Permission.SETTINGS,
}
PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.ANNOTATOR: _ANNOTATOR,
    Role.CURATOR: frozenset(_CURATOR),
    Role.ADMIN: frozenset(_ADMIN),
}

# Names that mean something other than a person: gold labels are stored
# under "gold" (source "adjudicated"); imported labels without an annotator
# column under "import".
RESERVED_NAMES = frozenset({GOLD_ANNOTATOR, "import"})
MIN_PASSWORD_LENGTH = 8
_NAME = re.compile(r"^[^\x00-\x1f\x7f]{1,100}$")

# Module-level so that tests can swap in cheaper parameters.
HASHER = PasswordHasher()


class PermissionDenied(PermissionError):
    """The user's role does not allow this action."""


class AuthenticationFailed(ValueError):
    """A login was refused; the message is safe to show."""


class InvalidAccount(ValueError):
    """A name, role or password that cannot be stored (or no such user)."""


@dataclass(frozen=True)
class User:
    """Who is acting. ``id`` is None for the local person of single-user mode."""

    name: str
    role: Role
    id: int | None = None
    disabled: bool = False
    created_at: datetime | None = None

    def can(self, permission: Permission) -> bool:
        return not self.disabled and permission in PERMISSIONS[self.role]


def user_from_row(row: UserRow) -> User:
    """The :class:`User` of a stored account row."""
    return User(
        name=row.name,
        role=Role(row.role),
        id=row.id,
        disabled=row.disabled,
        created_at=row.created_at,
    )


# ---------------------------------------------------------------- permissions


def require(user: User, permission: Permission) -> None:
    """Raise :class:`PermissionDenied` unless ``user`` may do ``permission``."""
    if user.disabled:
        raise PermissionDenied(f"{user.name}'s account is disabled")
    if permission not in PERMISSIONS[user.role]:
        raise PermissionDenied(f"{user.name} ({user.role}) may not {permission}")


def team_mode(store: Store) -> bool:
    """True once any account exists: logins are needed from then on."""
    with store.read() as conn:
        return users_sql.any_users(conn)


def local_user(name: str) -> User:
    """The person at the keyboard in single-user mode: an admin under their typed name."""
    return User(name=check_name(name), role=Role.ADMIN)


# ---------------------------------------------------------------- names and passwords


def check_name(name: str) -> str:
    """The name, stripped; raises :class:`InvalidAccount` for an empty,
    over-long, control-character or reserved one."""
    name = name.strip()
    if not _NAME.match(name):
        raise InvalidAccount("a name needs 1 to 100 characters and no control characters")
    if name.casefold() in RESERVED_NAMES:
        raise InvalidAccount(f"{name!r} is reserved (gold and imported labels are stored under it)")
    return name


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidAccount(f"a password needs at least {MIN_PASSWORD_LENGTH} characters")


def _role(role: str | Role) -> Role:
    try:
        return Role(role)
    except ValueError:
        known = ", ".join(r.value for r in Role)
        raise InvalidAccount(f"unknown role {role!r}; known: {known}") from None


# ---------------------------------------------------------------- managing accounts


def add_user(store: Store, name: str, *, role: str | Role, password: str) -> User:
    """Create an account; the first one turns team mode on."""
    name = check_name(name)
    checked_role = _role(role)
    _check_password(password)
    password_hash = HASHER.hash(password)
    try:
        with store.write() as conn:
            if users_sql.get_user(conn, name) is not None:
                raise InvalidAccount(f"there is already a user named {name!r}")
            users_sql.insert_user(
                conn, name=name, role=checked_role.value, password_hash=password_hash
            )
            row = users_sql.get_user(conn, name)
    except IntegrityError:  # added by someone else at the same moment
        raise InvalidAccount(f"there is already a user named {name!r}") from None
    assert row is not None
    return user_from_row(row)


def get_user(store: Store, name: str) -> User | None:
    with store.read() as conn:
        row = users_sql.get_user(conn, name)
    return user_from_row(row) if row else None


def list_users(store: Store) -> list[User]:
    with store.read() as conn:
        return [user_from_row(r) for r in users_sql.list_users(conn)]


def set_password(store: Store, name: str, password: str) -> None:
    """Replace a password; every login kept with the old one ends (a browser
    someone else may hold is out at its next click)."""
    _check_password(password)
    password_hash = HASHER.hash(password)
    with store.write() as conn:
        row = users_sql.get_user(conn, name)
        if row is None:
            raise InvalidAccount(f"no user named {name!r}")
        users_sql.set_password_hash(conn, name, password_hash)
        login_sessions_sql.delete_user_sessions(conn, row.id)


def disable(store: Store, name: str) -> User:
    """Disable an account (its labels stay) and end its kept logins. The last
    enabled admin cannot be disabled, so a team can never lock itself out of
    managing users."""
    with store.write() as conn:
        row = users_sql.get_user(conn, name)
        if row is None:
            raise InvalidAccount(f"no user named {name!r}")
        if (
            row.role == Role.ADMIN
            and not row.disabled
            and users_sql.count_enabled(conn, Role.ADMIN.value) <= 1
        ):
            raise InvalidAccount(f"{name!r} is the last admin: add another admin first")
        users_sql.set_disabled(conn, name, True)
        login_sessions_sql.delete_user_sessions(conn, row.id)
        updated = users_sql.get_user(conn, name)
    assert updated is not None
    return user_from_row(updated)


# ---------------------------------------------------------------- logging in

WRONG_CREDENTIALS = "wrong name or password"
ACCOUNT_DISABLED = "account disabled"
_dummy_hash: str | None = None


def _spend_a_verify(password: str) -> None:
    # An unknown name costs as much time as a wrong password, so timing does
    # not tell which names exist.
    global _dummy_hash
    if _dummy_hash is None:
        _dummy_hash = HASHER.hash("not a password of anyone")
    with contextlib.suppress(VerificationError):
        HASHER.verify(_dummy_hash, password)


def authenticate(store: Store, name: str, password: str) -> User:
    """The user with this name and password; raises :class:`AuthenticationFailed`
    with "wrong name or password" (unknown name and wrong password alike) or
    "account disabled" (only once the password is right)."""
    with store.read() as conn:
        row = users_sql.get_user(conn, name.strip())
    if row is None:
        _spend_a_verify(password)
        raise AuthenticationFailed(WRONG_CREDENTIALS)
    try:
        HASHER.verify(row.password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        raise AuthenticationFailed(WRONG_CREDENTIALS) from None
    if row.disabled:
        raise AuthenticationFailed(ACCOUNT_DISABLED)
    if HASHER.check_needs_rehash(row.password_hash):
        with store.write() as conn:
            users_sql.set_password_hash(conn, row.name, HASHER.hash(password))
    return user_from_row(row)
