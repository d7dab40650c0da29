"""Persistent logins: a token round trip, idle and absolute expiry on an
injected clock, only hashes stored, log out, and the ends that a password
change or disabling brings; migration 7 on an older database; the SQL."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import delete, inspect, select, text

from annotator import accounts
from annotator.accounts import InvalidAccount, Role, User
from annotator.login_sessions import (
    IDLE_TIMEOUT,
    LIFETIME,
    TOUCH_AFTER,
    end_all_sessions,
    end_session,
    start_session,
    user_for_token,
)
from annotator.storage import Store, migrations
from annotator.storage import login_sessions as sessions_sql
from annotator.storage import users as users_sql
from annotator.storage.schema import login_sessions, schema_migrations
from tests.people import PASSWORD, add_people, cheap_hashing

T0 = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _cheap(monkeypatch: pytest.MonkeyPatch) -> None:
    cheap_hashing(monkeypatch)


@pytest.fixture
def people(store: Store) -> dict[Role, User]:
    return add_people(store)


def _rows(store: Store) -> list[sessions_sql.LoginSessionRow]:
    with store.read() as conn:
        return sessions_sql.list_sessions(conn)


def _name(user: User | None) -> str | None:
    return None if user is None else user.name


# ---------------------------------------------------------------- round trip


def test_a_token_gives_back_its_user_and_a_made_up_one_nobody(
    store: Store, people: dict[Role, User]
) -> None:
    ani, ada = people[Role.ANNOTATOR], people[Role.ADMIN]
    token_ani = start_session(store, ani)
    token_ada = start_session(store, ada)
    assert token_ani != token_ada and len(token_ani) == 43  # 32 bytes, base64url
    found = user_for_token(store, token_ani)
    assert found is not None and (found.name, found.role, found.id) == (
        "ani",
        Role.ANNOTATOR,
        ani.id,
    )
    assert _name(user_for_token(store, token_ada)) == "ada"
    for wrong in ("", None, token_ani[:-1], token_ani + "x", "x" * 5000):
        assert user_for_token(store, wrong) is None


def test_only_the_hash_of_a_token_is_stored(store: Store, people: dict[Role, User]) -> None:
    token = start_session(store, people[Role.CURATOR], now=T0)
    with store.read() as conn:
        stored = [tuple(r) for r in conn.execute(select(login_sessions))]
    assert stored == [
        (
            hashlib.sha256(token.encode()).hexdigest(),
            people[Role.CURATOR].id,
            T0,
            T0 + LIFETIME,
            T0,
        )
    ]
    assert not any(token in str(value) for value in stored[0])
    # The hash itself is no token: presenting it logs nobody in.
    assert user_for_token(store, stored[0][0], now=T0) is None


def test_the_local_person_and_a_disabled_account_get_no_session(
    store: Store, people: dict[Role, User]
) -> None:
    with pytest.raises(InvalidAccount, match="single-user mode"):
        start_session(store, accounts.local_user("ana"))
    accounts.disable(store, "ani")
    with pytest.raises(InvalidAccount, match="disabled"):
        start_session(store, people[Role.ANNOTATOR])
    assert _rows(store) == []


# ---------------------------------------------------------------- expiry


def test_use_slides_the_idle_end_forward(store: Store, people: dict[Role, User]) -> None:
    token = start_session(store, people[Role.ANNOTATOR], now=T0)
    at = T0
    for _ in range(4):  # used every 11 hours: 44 hours in all, never idle 12
        at += timedelta(hours=11)
        assert _name(user_for_token(store, token, now=at)) == "ani"
    assert [r.last_seen_at for r in _rows(store)] == [at]
    assert user_for_token(store, token, now=at + IDLE_TIMEOUT + timedelta(seconds=1)) is None
    assert _rows(store) == []  # an expired login is removed when presented


def test_use_is_written_at_most_every_few_minutes(store: Store, people: dict[Role, User]) -> None:
    token = start_session(store, people[Role.ANNOTATOR], now=T0)
    soon = T0 + TOUCH_AFTER - timedelta(seconds=1)
    assert _name(user_for_token(store, token, now=soon)) == "ani"
    assert [r.last_seen_at for r in _rows(store)] == [T0]
    later = T0 + TOUCH_AFTER
    assert _name(user_for_token(store, token, now=later)) == "ani"
    assert [r.last_seen_at for r in _rows(store)] == [later]


def test_a_login_ends_after_its_lifetime_however_busy(
    store: Store, people: dict[Role, User]
) -> None:
    token = start_session(store, people[Role.ANNOTATOR], now=T0)
    at = T0
    while at + timedelta(hours=6) < T0 + LIFETIME:
        at += timedelta(hours=6)
        assert user_for_token(store, token, now=at) is not None
    assert user_for_token(store, token, now=T0 + LIFETIME) is None


def test_timeouts_are_options(store: Store, people: dict[Role, User]) -> None:
    token = start_session(store, people[Role.ANNOTATOR], now=T0, lifetime=timedelta(hours=1))
    idle = timedelta(minutes=10)
    assert user_for_token(store, token, now=T0 + timedelta(minutes=9), idle=idle) is not None
    assert user_for_token(store, token, now=T0 + timedelta(minutes=30), idle=idle) is None
    token = start_session(store, people[Role.ANNOTATOR], now=T0, lifetime=timedelta(hours=1))
    assert user_for_token(store, token, now=T0 + timedelta(minutes=61)) is None


def test_a_new_login_sweeps_away_expired_ones(store: Store, people: dict[Role, User]) -> None:
    start_session(store, people[Role.ANNOTATOR], now=T0)
    start_session(store, people[Role.CURATOR], now=T0 + timedelta(hours=10))
    start_session(store, people[Role.ADMIN], now=T0 + timedelta(hours=13))
    assert [r.user_id for r in _rows(store)] == [people[Role.CURATOR].id, people[Role.ADMIN].id]


# ---------------------------------------------------------------- ending logins


def test_log_out_ends_only_that_login(store: Store, people: dict[Role, User]) -> None:
    laptop = start_session(store, people[Role.ANNOTATOR])
    phone = start_session(store, people[Role.ANNOTATOR])
    assert end_session(store, laptop)
    assert not end_session(store, laptop) and not end_session(store, None)
    assert user_for_token(store, laptop) is None
    assert _name(user_for_token(store, phone)) == "ani"


def test_a_password_change_ends_every_login_of_that_user_only(
    store: Store, people: dict[Role, User]
) -> None:
    ani = [start_session(store, people[Role.ANNOTATOR]) for _ in range(2)]
    cici = start_session(store, people[Role.CURATOR])
    accounts.set_password(store, "ani", "a new long password")
    assert [user_for_token(store, t) for t in ani] == [None, None]
    assert _name(user_for_token(store, cici)) == "cici"
    fresh = start_session(store, accounts.authenticate(store, "ani", "a new long password"))
    assert _name(user_for_token(store, fresh)) == "ani"


def test_disabling_ends_the_logins_and_a_disabled_account_is_nobody(
    store: Store, people: dict[Role, User]
) -> None:
    token = start_session(store, people[Role.CURATOR])
    accounts.disable(store, "cici")
    assert _rows(store) == []
    assert user_for_token(store, token) is None
    # Disabled by a path that leaves the row (the bare SQL): still nobody.
    other = start_session(store, people[Role.ANNOTATOR])
    with store.write() as conn:
        users_sql.set_disabled(conn, "ani", True)
    assert user_for_token(store, other) is None


def test_end_all_sessions_logs_a_user_out_everywhere(
    store: Store, people: dict[Role, User]
) -> None:
    for _ in range(3):
        start_session(store, people[Role.ADMIN])
    kept = start_session(store, people[Role.ANNOTATOR])
    assert end_all_sessions(store, people[Role.ADMIN]) == 3
    assert end_all_sessions(store, accounts.local_user("ana")) == 0
    assert [r.user_id for r in _rows(store)] == [people[Role.ANNOTATOR].id]
    assert user_for_token(store, kept) is not None


def test_a_rehash_at_login_keeps_the_logins(
    store: Store, people: dict[Role, User], monkeypatch: pytest.MonkeyPatch
) -> None:
    token = start_session(store, people[Role.ANNOTATOR])
    from argon2 import PasswordHasher

    monkeypatch.setattr(
        accounts, "HASHER", PasswordHasher(time_cost=2, memory_cost=16, parallelism=1)
    )
    accounts.authenticate(store, "ani", PASSWORD)  # replaces the weaker hash
    assert _name(user_for_token(store, token)) == "ani"


# ---------------------------------------------------------------- schema


def test_a_database_from_before_migration_7_gets_the_login_sessions_table(store: Store) -> None:
    with store.write() as conn:  # back to the shape before persistent logins
        conn.execute(text("DROP TABLE login_sessions"))
        conn.execute(delete(schema_migrations).where(schema_migrations.c.version == 7))
    assert migrations.migrate(store) == [7]
    with store.read() as conn:
        inspector = inspect(conn)
        columns = {c["name"] for c in inspector.get_columns("login_sessions")}
        indexes = {ix["name"] for ix in inspector.get_indexes("login_sessions")}
        assert 7 in set(conn.scalars(select(schema_migrations.c.version)))
    assert columns == {"token_hash", "user_id", "created_at", "expires_at", "last_seen_at"}
    assert "ix_login_sessions_user" in indexes
    people = add_people(store)
    token = start_session(store, people[Role.ANNOTATOR])
    assert _name(user_for_token(store, token)) == "ani"


def test_session_rows_round_trip_with_aware_times(store: Store, people: dict[Role, User]) -> None:
    ani_id, ada_id = people[Role.ANNOTATOR].id, people[Role.ADMIN].id
    assert ani_id is not None and ada_id is not None
    with store.write() as conn:
        sessions_sql.insert_session(
            conn, token_hash="a" * 64, user_id=ani_id, created_at=T0, expires_at=T0 + LIFETIME
        )
        sessions_sql.insert_session(
            conn,
            token_hash="b" * 64,
            user_id=ada_id,
            created_at=T0 + timedelta(hours=1),
            expires_at=T0 + timedelta(hours=2),
        )
        assert sessions_sql.touch(conn, "a" * 64, T0 + timedelta(minutes=30))
        assert not sessions_sql.touch(conn, "c" * 64, T0)
    with store.read() as conn:
        row = sessions_sql.get_session(conn, "a" * 64)
        assert sessions_sql.get_session(conn, "c" * 64) is None
        assert [r.token_hash for r in sessions_sql.list_sessions(conn, user_id=ada_id)] == [
            "b" * 64
        ]
    assert row == sessions_sql.LoginSessionRow(
        "a" * 64, ani_id, T0, T0 + LIFETIME, T0 + timedelta(minutes=30)
    )
    assert row.created_at.tzinfo is not None
    with store.write() as conn:  # b ends at T0+2h; a was last used at T0+30min
        now = T0 + timedelta(hours=2)
        assert sessions_sql.delete_expired(conn, now=now, idle_since=T0) == 1
        assert [r.token_hash for r in sessions_sql.list_sessions(conn)] == ["a" * 64]
        assert sessions_sql.delete_expired(conn, now=now, idle_since=T0 + timedelta(hours=1)) == 1
        assert sessions_sql.list_sessions(conn) == []
