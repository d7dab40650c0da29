"""Shared fixtures: databases built from seeds/, and the app under AppTest."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from annotator import labelsets
from annotator.bootstrap import LABELS_DIR, bootstrap
from annotator.labelsets import LabelSet
from annotator.storage import Store, open_store

ROOT = Path(__file__).resolve().parent.parent


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    return sqlite_url(tmp_path / "workbench.sqlite")


@pytest.fixture
def store(db_url: str) -> Iterator[Store]:
    """A database with the default label set and the two seed articles."""
    s = open_store(db_url)
    bootstrap(s)
    yield s
    s.engine.dispose()


@pytest.fixture
def empty_store(db_url: str) -> Iterator[Store]:
    """A database with the default label set and no documents."""
    s = open_store(db_url)
    bootstrap(s, seeds_dir=None)
    yield s
    s.engine.dispose()


@pytest.fixture
def labelset(store: Store) -> LabelSet:
    return labelsets.current(store)


@pytest.fixture
def default_labelset_file() -> Path:
    return LABELS_DIR / "default.toml"
