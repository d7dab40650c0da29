"""Accounts and roles: hashing, logging in, the permission table, and roles
enforced through ``annotator/`` itself (annotator.team), not only by pages."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from argon2 import PasswordHasher
from sqlalchemy import func, select

from annotator import accounts, assignment, corpus, labelsets, team
from annotator import annotations as ann
from annotator.accounts import Permission, Role, User
from annotator.annotations import Choice, Decision
from annotator.labelsets import LabelSet
from annotator.storage import Store
from annotator.storage import labels as labels_sql
from annotator.storage import models as models_sql
from annotator.storage import texts as texts_sql
from annotator.storage.schema import imports, model_versions, settings, users
from tests.people import PASSWORD, add_people, cheap_hashing

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def _cheap(monkeypatch: pytest.MonkeyPatch) -> None:
    cheap_hashing(monkeypatch)


@pytest.fixture
def people(store: Store) -> dict[Role, User]:
    return add_people(store)


def _label(store: Store, labelset: LabelSet, who: str, value: str, sentence_id: int = 1) -> None:
    decision = Decision("bias", "", (Choice(value),))
    ann.save(store, sentence_id=sentence_id, annotator=who, decisions=[decision], labelset=labelset)


def _count(store: Store, table: Any) -> int:
    with store.read() as conn:
        return int(conn.scalar(select(func.count()).select_from(table)) or 0)


# ---------------------------------------------------------------- hashing and logging in


def test_the_password_is_stored_as_an_argon2id_hash_salted_per_user(store: Store) -> None:
    accounts.add_user(store, "ani", role="annotator", password=PASSWORD)
    accounts.add_user(store, "budi", role="annotator", password=PASSWORD)
    with store.read() as conn:
        hashes = list(conn.scalars(select(users.c.password_hash)))
    assert all(h.startswith("$argon2id$") and PASSWORD not in h for h in hashes)
    assert hashes[0] != hashes[1]


def test_the_right_password_logs_in_with_the_accounts_role(store: Store) -> None:
    accounts.add_user(store, "cici", role="curator", password=PASSWORD)
    user = accounts.authenticate(store, "cici", PASSWORD)
    assert (user.name, user.role, user.disabled) == ("cici", Role.CURATOR, False)


def test_a_wrong_password_and_an_unknown_name_get_the_same_message(store: Store) -> None:
    accounts.add_user(store, "ani", role="annotator", password=PASSWORD)
    with pytest.raises(accounts.AuthenticationFailed) as wrong:
        accounts.authenticate(store, "ani", "not the password")
    with pytest.raises(accounts.AuthenticationFailed) as unknown:
        accounts.authenticate(store, "nobody", PASSWORD)
    assert str(wrong.value) == str(unknown.value) == "wrong name or password"


def test_a_disabled_account_cannot_log_in_and_says_so_only_to_its_password(
    store: Store, people: dict[Role, User]
) -> None:
    disabled = accounts.disable(store, "ani")
    assert disabled.disabled
    with pytest.raises(accounts.AuthenticationFailed, match=r"^account disabled$"):
        accounts.authenticate(store, "ani", PASSWORD)
    with pytest.raises(accounts.AuthenticationFailed, match=r"^wrong name or password$"):
        accounts.authenticate(store, "ani", "a guess at it")


def test_a_new_password_replaces_the_old_one(store: Store) -> None:
    accounts.add_user(store, "ani", role="annotator", password=PASSWORD)
    accounts.set_password(store, "ani", "another long password")
    with pytest.raises(accounts.AuthenticationFailed):
        accounts.authenticate(store, "ani", PASSWORD)
    assert accounts.authenticate(store, "ani", "another long password").name == "ani"


def test_a_hash_with_old_parameters_is_rehashed_at_login(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    accounts.add_user(store, "ani", role="annotator", password=PASSWORD)
    stronger = PasswordHasher(time_cost=2, memory_cost=16, parallelism=1)
    monkeypatch.setattr(accounts, "HASHER", stronger)
    accounts.authenticate(store, "ani", PASSWORD)
    with store.read() as conn:
        stored = conn.scalar(select(users.c.password_hash))
    assert "m=16,t=2,p=1" in stored and not stronger.check_needs_rehash(stored)
    assert accounts.authenticate(store, "ani", PASSWORD).name == "ani"


@pytest.mark.parametrize("name", ["gold", "Gold", " GOLD ", "import", "", "   ", "a\nb", "x" * 101])
def test_reserved_empty_and_malformed_names_are_refused(store: Store, name: str) -> None:
    with pytest.raises(accounts.InvalidAccount):
        accounts.add_user(store, name, role="admin", password=PASSWORD)
    assert not accounts.team_mode(store)


def test_a_duplicate_name_an_unknown_role_and_a_short_password_are_refused(store: Store) -> None:
    accounts.add_user(store, "ani", role="annotator", password=PASSWORD)
    with pytest.raises(accounts.InvalidAccount, match="already"):
        accounts.add_user(store, "ani", role="admin", password=PASSWORD)
    with pytest.raises(accounts.InvalidAccount, match="unknown role"):
        accounts.add_user(store, "budi", role="owner", password=PASSWORD)
    with pytest.raises(accounts.InvalidAccount, match="at least 8"):
        accounts.add_user(store, "budi", role="annotator", password="short")
    assert [u.name for u in accounts.list_users(store)] == ["ani"]


def test_the_last_admin_cannot_be_disabled(store: Store, people: dict[Role, User]) -> None:
    with pytest.raises(accounts.InvalidAccount, match="last admin"):
        accounts.disable(store, "ada")
    accounts.add_user(store, "adi", role="admin", password=PASSWORD)
    assert accounts.disable(store, "ada").disabled
    assert not accounts.get_user(store, "adi").disabled  # type: ignore[union-attr]


def test_team_mode_starts_with_the_first_account(store: Store) -> None:
    assert not accounts.team_mode(store)
    accounts.add_user(store, "ada", role="admin", password=PASSWORD)
    assert accounts.team_mode(store)


def test_single_user_mode_acts_as_admin_under_the_typed_name() -> None:
    local = accounts.local_user("  Rina ")
    assert (local.name, local.role, local.id) == ("Rina", Role.ADMIN, None)
    assert all(local.can(p) for p in Permission)
    with pytest.raises(accounts.InvalidAccount):
        accounts.local_user("gold")


# ---------------------------------------------------------------- the permission table


def test_the_permission_table() -> None:
    annotator = {Permission.LABEL, Permission.READ_OWN_LABELS}
    curator = annotator | {
        Permission.READ_ALL_LABELS,
        Permission.ADJUDICATE,
        Permission.REVIEW_SUSPECTS,
        Permission.SEE_AGREEMENT,
        Permission.COMPARE,
    }
    assert accounts.PERMISSIONS[Role.ANNOTATOR] == annotator
    assert accounts.PERMISSIONS[Role.CURATOR] == curator
    assert accounts.PERMISSIONS[Role.ADMIN] == set(Permission)
    assert [r.rank for r in (Role.ANNOTATOR, Role.CURATOR, Role.ADMIN)] == [0, 1, 2]


def test_require_names_the_user_and_what_was_refused() -> None:
    ani = User(name="ani", role=Role.ANNOTATOR)
    accounts.require(ani, Permission.LABEL)
    with pytest.raises(accounts.PermissionDenied, match=r"ani \(annotator\) may not export"):
        accounts.require(ani, Permission.EXPORT)
    gone = User(name="ada", role=Role.ADMIN, disabled=True)
    with pytest.raises(accounts.PermissionDenied, match="disabled"):
        accounts.require(gone, Permission.LABEL)


# ---------------------------------------------------------------- reading labels (blind)


def test_an_annotator_reads_only_their_own_labels(
    store: Store, labelset: LabelSet, people: dict[Role, User]
) -> None:
    ani = people[Role.ANNOTATOR]
    _label(store, labelset, "ani", "biased")
    _label(store, labelset, "budi", "not-biased")
    _label(store, labelset, "budi", "biased")  # budi's history has two rows
    assert {lab.annotator for lab in team.labels_for(ani, store, 1)} == {"ani"}
    assert list(team.decisions_by_annotator(ani, store, 1)) == ["ani"]
    assert {lab.annotator for lab in team.history_for(ani, store, 1)} == {"ani"}


def test_a_curator_and_an_admin_read_everyones_labels(
    store: Store, labelset: LabelSet, people: dict[Role, User]
) -> None:
    _label(store, labelset, "ani", "biased")
    _label(store, labelset, "budi", "not-biased")
    for role in (Role.CURATOR, Role.ADMIN):
        user = people[role]
        assert {lab.annotator for lab in team.labels_for(user, store, 1)} == {"ani", "budi"}
        assert list(team.decisions_by_annotator(user, store, 1)) == ["ani", "budi"]


def test_a_save_through_team_is_stored_under_the_users_own_name(
    store: Store, labelset: LabelSet, people: dict[Role, User]
) -> None:
    decision = Decision("bias", "", (Choice("biased"),))
    team.save_labels(
        people[Role.ANNOTATOR], store, sentence_id=2, decisions=[decision], labelset=labelset
    )
    with store.read() as conn:
        assert [lab.annotator for lab in labels_sql.current_labels(conn, sentence_id=2)] == ["ani"]


def test_a_disabled_account_can_neither_label_nor_read(
    store: Store, labelset: LabelSet, people: dict[Role, User]
) -> None:
    gone = accounts.disable(store, "ani")
    decision = Decision("bias", "", (Choice("biased"),))
    with pytest.raises(team.PermissionDenied):
        team.save_labels(gone, store, sentence_id=1, decisions=[decision], labelset=labelset)
    with pytest.raises(team.PermissionDenied):
        team.labels_for(gone, store, 1)


# ---------------------------------------------------------------- admin actions


def _articles() -> Any:
    found, problems = corpus.read_sources(
        [(b"Presiden berbicara kepada wartawan di Jakarta pada hari Senin.\n", "a.txt")],
        outlet="Tempo",
    )
    assert not problems
    return found


ADMIN_ACTIONS: dict[str, Callable[[User, Store, LabelSet], object]] = {
    "import articles": lambda u, s, ls: team.import_articles(u, s, _articles()),
    "preview an import": lambda u, s, ls: team.import_articles(u, s, _articles(), dry_run=True),
    "import paths": lambda u, s, ls: team.import_paths(u, s, [ROOT / "seeds" / "manifest.toml"]),
    "import labels": lambda u, s, ls: team.import_labels(u, s, b"sentence_uid,task\n", "x.csv"),
    "export a table": lambda u, s, ls: team.export_frame(u, s),
    "export files": lambda u, s, ls: team.export_files(u, s, "csv", out=Path("/nonexistent/x")),
    "begin a train": lambda u, s, ls: team.begin_training(u, s, labelset=ls),
    "train": lambda u, s, ls: team.train(u, s, labelset=ls),
    "activate": lambda u, s, ls: team.activate_model(u, s, 1),
    "edit the label set": lambda u, s, ls: team.save_labelset(u, s, ls, note="x"),
    "change a setting": lambda u, s, ls: team.set_setting(u, s, "retrain_every", 5),
    "set the overlap": lambda u, s, ls: team.set_overlap(u, s, 2),
    "add a user": lambda u, s, ls: team.add_user(u, s, "eve", role="admin", password=PASSWORD),
    "list users": lambda u, s, ls: team.list_users(u, s),
    "disable a user": lambda u, s, ls: team.disable_user(u, s, "ada"),
    "set another's password": lambda u, s, ls: team.set_password(u, s, "ada", "x" * 12),
}


@pytest.mark.parametrize("role", [Role.ANNOTATOR, Role.CURATOR])
@pytest.mark.parametrize("action", list(ADMIN_ACTIONS))
def test_only_an_admin_may_call_admin_actions_and_a_refusal_stores_nothing(
    store: Store, labelset: LabelSet, people: dict[Role, User], role: Role, action: str
) -> None:
    before = {t.name: _count(store, t) for t in (imports, model_versions, settings, users)}
    versions = labelset.version
    with pytest.raises(team.PermissionDenied, match=f"{people[role].name} \\({role}\\)"):
        ADMIN_ACTIONS[action](people[role], store, labelset)
    assert {t.name: _count(store, t) for t in (imports, model_versions, settings, users)} == before
    assert accounts.authenticate(store, "ada", PASSWORD).name == "ada"  # password unchanged
    assert not accounts.get_user(store, "ada").disabled  # type: ignore[union-attr]
    assert labelsets.current(store).version == versions


def test_an_admin_imports_and_sets_the_overlap_under_their_name(
    store: Store, people: dict[Role, User]
) -> None:
    ada = people[Role.ADMIN]
    report = team.import_articles(ada, store, _articles())
    assert report.stored
    with store.read() as conn:
        assert texts_sql.count_documents(conn) == 3
        assert conn.scalar(select(imports.c.created_by).order_by(imports.c.id.desc())) == "ada"
    team.set_overlap(ada, store, 2)
    assert assignment.overlap(store) == 2


def test_anyone_may_change_their_own_password(store: Store, people: dict[Role, User]) -> None:
    team.set_password(people[Role.ANNOTATOR], store, "ani", "my own new password")
    assert accounts.authenticate(store, "ani", "my own new password").name == "ani"


def test_a_due_retrain_may_start_after_anyones_save_but_only_when_due(
    store: Store, labelset: LabelSet, people: dict[Role, User]
) -> None:
    ani = people[Role.ANNOTATOR]
    assert team.begin_due_training(ani, store, labelset=labelset) is None  # no setting: never due
    with store.write() as conn:
        models_sql.set_setting(conn, "retrain_every", 1)
    _label(store, labelset, "ani", "biased")
    version_id = team.begin_due_training(ani, store, labelset=labelset)
    assert version_id is not None
    with store.read() as conn:
        assert models_sql.get_version(conn, version_id).created_by == "ani"  # type: ignore[union-attr]


# ---------------------------------------------------------------- pages keep to team

# What pages must not call directly: each is reached through annotator.team.
_BYPASSES = re.compile(
    r"corpus\.import_(articles|paths)\(|\bimport_file\(|\bexport_(frame|files)\("
    r"|training\.(begin|train|activate)\(|preannotation\.preannotate\(|\bsave_version\("
    r"|\bset_setting\(|\bset_overlap\(|accounts\.(add_user|disable|set_password)\("
)


def test_pages_call_role_sensitive_actions_only_through_team() -> None:
    offenders = [
        f"{path.name}:{number}: {line.strip()}"
        for path in [*sorted((ROOT / "pages").glob("*.py")), ROOT / "workbench.py"]
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if _BYPASSES.search(line) and "team." not in line
    ]
    assert offenders == []
