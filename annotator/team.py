"""The role-checked doorway to every action whose right depends on who acts.

Pages call these functions, never the underlying modules, for anything a
role may be refused: importing articles or label sets, exporting, training
and activating models, editing label sets, settings, managing users, and
reading labels (an annotator reads only their own, blind; a curator or
admin reads everyone's). Each function takes the acting
:class:`~annotator.accounts.User` first, calls
:func:`~annotator.accounts.require`, then delegates. Start with
:func:`labels_for` (reading) and :func:`import_articles` (an admin action).

Why a facade and not checks inside ``corpus``, ``training``, ``exchange``:
those modules are plain functions over a store, used as they are by the
command line (whoever runs it holds the database and acts as its operator),
by background jobs (a retrain started by the "every N labels" setting) and
by benchmarks; none of them knows who is logged in. Putting the user into
each of their signatures would spread the permission table over a dozen
modules; here it is checked in one place, and ``tests/test_accounts.py``
holds every page to it (pages may not call the wrapped functions directly).
In single-user mode the local person is an admin
(:func:`~annotator.accounts.local_user`), so every call passes.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from annotator import accounts, assignment, corpus, labelsets, preannotation, training
from annotator import annotations as ann
from annotator.accounts import Permission, Role, User
from annotator.annotations import Decision, Undone
from annotator.corpus import ImportReport
from annotator.exchange import export, importer
from annotator.labelsets import LabelSet
from annotator.readers import RawArticle
from annotator.storage import Store
from annotator.storage import labels as labels_sql
from annotator.storage import models as models_sql
from annotator.storage.labels import Label
from annotator.storage.models import ModelVersionRecord

PermissionDenied = accounts.PermissionDenied  # what every function here may raise
require = accounts.require


# ---------------------------------------------------------------- labels


def save_labels(
    user: User,
    store: Store,
    *,
    sentence_id: int,
    decisions: Iterable[Decision],
    labelset: LabelSet,
    **options: Any,
) -> int | None:
    """Save the user's own decisions on a sentence (never under another name)."""
    require(user, Permission.LABEL)
    return ann.save(
        store,
        sentence_id=sentence_id,
        annotator=user.name,
        decisions=decisions,
        labelset=labelset,
        **options,
    )


def undo(user: User, store: Store) -> Undone | None:
    require(user, Permission.LABEL)
    return ann.undo(store, user.name)


def _readable(user: User, labels: Iterable[Label]) -> list[Label]:
    if user.can(Permission.READ_ALL_LABELS):
        return list(labels)
    require(user, Permission.READ_OWN_LABELS)
    return [label for label in labels if label.annotator == user.name]


def labels_for(user: User, store: Store, sentence_id: int) -> list[Label]:
    """The current labels on a sentence that ``user`` may read: everyone's
    for a curator or admin, only their own for an annotator."""
    annotator = None if user.can(Permission.READ_ALL_LABELS) else user.name
    require(user, Permission.READ_OWN_LABELS)
    with store.read() as conn:
        return labels_sql.current_labels(conn, sentence_id=sentence_id, annotator=annotator)


def decisions_by_annotator(
    user: User, store: Store, sentence_id: int
) -> Mapping[str, dict[tuple[str, str], Decision]]:
    """Each readable annotator's current decisions on a sentence."""
    found = ann.decisions_by_annotator(store, sentence_id)
    if user.can(Permission.READ_ALL_LABELS):
        return found
    require(user, Permission.READ_OWN_LABELS)
    return {name: d for name, d in found.items() if name == user.name}


def history_for(user: User, store: Store, sentence_id: int) -> list[Label]:
    """Every stored row on a sentence (cleared ones too) that ``user`` may read, oldest first."""
    return _readable(user, ann.history(store, sentence_id))


# ---------------------------------------------------------------- corpus and exchange


def import_articles(
    user: User, store: Store, articles: Iterable[RawArticle], **options: Any
) -> ImportReport:
    """:func:`annotator.corpus.import_articles` for an admin (a dry run too:
    the preview is the first half of an import)."""
    require(user, Permission.IMPORT)
    return corpus.import_articles(store, articles, created_by=user.name, **options)


def import_paths(user: User, store: Store, paths: Sequence[Path], **options: Any) -> ImportReport:
    require(user, Permission.IMPORT)
    return corpus.import_paths(store, paths, created_by=user.name, **options)


def import_labels(
    user: User, store: Store, data: bytes, name: str, **options: Any
) -> importer.LabelImportReport:
    """:func:`annotator.exchange.importer.import_file` for an admin."""
    require(user, Permission.IMPORT)
    return importer.import_file(store, data, name, created_by=user.name, **options)


def export_frame(user: User, store: Store, **options: Any) -> pd.DataFrame:
    """Everyone's labels as the tidy table: an admin's export."""
    require(user, Permission.EXPORT)
    return export.export_frame(store, **options)


def export_files(user: User, store: Store, format_name: str, **options: Any) -> export.ExportResult:
    require(user, Permission.EXPORT)
    return export.export_files(store, format_name, **options)


# ---------------------------------------------------------------- models


def begin_training(user: User, store: Store, *, labelset: LabelSet) -> int:
    """Record a new train (run it with :func:`annotator.training.run`)."""
    require(user, Permission.TRAIN)
    return training.begin(store, labelset=labelset, created_by=user.name)


def begin_due_training(user: User, store: Store, *, labelset: LabelSet) -> int | None:
    """The retrain that "retrain every N labels" (an admin's setting) asks for
    after a save: anyone who labels may start it, but only when it is due
    (:func:`annotator.training.due`). Returns the new version id, or None."""
    require(user, Permission.LABEL)
    if not training.due(store, labelset):
        return None
    return training.begin(store, labelset=labelset, created_by=user.name)


def train(user: User, store: Store, *, labelset: LabelSet, **options: Any) -> training.TrainOutcome:
    require(user, Permission.TRAIN)
    return training.train(store, labelset=labelset, created_by=user.name, **options)


def preannotate(
    user: User, store: Store, version_id: int, *, labelset: LabelSet
) -> preannotation.PreannotationReport:
    require(user, Permission.TRAIN)
    return preannotation.preannotate(store, version_id, labelset=labelset)


def activate_model(user: User, store: Store, version_id: int) -> ModelVersionRecord:
    require(user, Permission.TRAIN)
    return training.activate(store, version_id)


# ---------------------------------------------------------------- label sets and settings


def save_labelset(user: User, store: Store, labelset: LabelSet, *, note: str) -> LabelSet:
    """Store an edited label set as its next version."""
    require(user, Permission.EDIT_LABEL_SETS)
    return labelsets.save_version(store, labelset, note=note or f"edited by {user.name}")


def set_setting(user: User, store: Store, key: str, value: Any) -> None:
    require(user, Permission.SETTINGS)
    with store.write() as conn:
        models_sql.set_setting(conn, key, value)


def set_overlap(user: User, store: Store, k: int | None) -> None:
    """Cap the annotators per sentence (see :mod:`annotator.assignment`)."""
    require(user, Permission.SETTINGS)
    assignment.set_overlap(store, k)


# ---------------------------------------------------------------- accounts


def list_users(user: User, store: Store) -> list[User]:
    require(user, Permission.MANAGE_USERS)
    return accounts.list_users(store)


def add_user(user: User, store: Store, name: str, *, role: str | Role, password: str) -> User:
    require(user, Permission.MANAGE_USERS)
    return accounts.add_user(store, name, role=role, password=password)


def set_password(user: User, store: Store, name: str, password: str) -> None:
    """Anyone may change their own password; an admin anyone's."""
    if name != user.name:
        require(user, Permission.MANAGE_USERS)
    elif user.disabled:
        raise PermissionDenied(f"{user.name}'s account is disabled")
    accounts.set_password(store, name, password)


def disable_user(user: User, store: Store, name: str) -> User:
    require(user, Permission.MANAGE_USERS)
    return accounts.disable(store, name)
