"""Accounts for tests: cheap argon2 parameters and one account per role."""

from __future__ import annotations

import pytest
from argon2 import PasswordHasher

from annotator import accounts
from annotator.accounts import Role, User
from annotator.storage import Store

PASSWORD = "correct horse battery"


def cheap_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Argon2 at its smallest: a test's logins take milliseconds, not 150 ms each."""
    monkeypatch.setattr(
        accounts, "HASHER", PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    )
    monkeypatch.setattr(accounts, "_dummy_hash", None)


def add_people(store: Store) -> dict[Role, User]:
    """ani (annotator), cici (curator), ada (admin), all with :data:`PASSWORD`."""
    names = {Role.ANNOTATOR: "ani", Role.CURATOR: "cici", Role.ADMIN: "ada"}
    return {
        role: accounts.add_user(store, name, role=role, password=PASSWORD)
        for role, name in names.items()
    }
