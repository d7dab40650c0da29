"""The users table: migration 5 on an existing database, steps applied by
number (not "above the highest"), and the account SQL."""

from __future__ import annotations

import pytest
from sqlalchemy import Connection, delete, inspect, select, text

from annotator.storage import Store, migrations
from annotator.storage import users as users_sql
from annotator.storage.schema import schema_migrations, users


def _stamps(store: Store) -> list[int]:
    with store.read() as conn:
        return sorted(conn.scalars(select(schema_migrations.c.version)))


def test_a_database_from_before_migration_5_gets_the_users_table(store: Store) -> None:
    with store.write() as conn:  # back to the shape before accounts existed
        conn.execute(text("DROP TABLE users"))
        conn.execute(delete(schema_migrations).where(schema_migrations.c.version == 5))
    assert 5 not in _stamps(store)
    assert migrations.migrate(store) == [5]
    with store.read() as conn:
        columns = {c["name"] for c in inspect(conn).get_columns("users")}
    assert columns == set(users.c.keys())
    assert 5 in _stamps(store)
    with store.write() as conn:
        users_sql.insert_user(conn, name="ada", role="admin", password_hash="h")
        assert users_sql.any_users(conn)


def test_a_step_numbered_below_one_already_applied_still_runs(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    ran: list[int] = []

    def step(number: int) -> migrations.Migration:
        def upgrade(conn: Connection) -> None:
            ran.append(number)

        return migrations.Migration(number, f"step {number}", upgrade)

    # 901 was applied (it landed first); 900 was written at the same time.
    with store.write() as conn:
        conn.execute(
            schema_migrations.insert().values(
                version=901, name="step 901", applied_at=migrations.utcnow()
            )
        )
    monkeypatch.setattr(migrations, "MIGRATIONS", (*migrations.MIGRATIONS, step(900), step(901)))
    assert migrations.migrate(store) == [900]
    assert ran == [900]
    assert migrations.migrate(store) == []
    assert {900, 901} <= set(_stamps(store))


def test_user_rows_round_trip_and_enabled_admins_are_counted(store: Store) -> None:
    with store.write() as conn:
        users_sql.insert_user(conn, name="ada", role="admin", password_hash="h1")
        users_sql.insert_user(conn, name="adi", role="admin", password_hash="h2")
        users_sql.insert_user(conn, name="ani", role="annotator", password_hash="h3")
        assert users_sql.count_enabled(conn, "admin") == 2
        assert users_sql.set_disabled(conn, "adi", True)
        assert users_sql.set_password_hash(conn, "ani", "h4")
        assert not users_sql.set_password_hash(conn, "nobody", "h5")
    with store.read() as conn:
        assert users_sql.count_enabled(conn, "admin") == 1
        rows = users_sql.list_users(conn)
        ani = users_sql.get_user(conn, "ani")
    assert [(r.name, r.role, r.disabled) for r in rows] == [
        ("ada", "admin", False),
        ("adi", "admin", True),
        ("ani", "annotator", False),
    ]
    assert ani is not None and ani.password_hash == "h4"
    assert ani.created_at.tzinfo is not None
