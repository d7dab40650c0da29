"""First start: schema, label sets from labels/, the seeds into an empty corpus only."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from annotator.bootstrap import SEEDS_DIR, bootstrap, open_ready_store, seed_articles
from annotator.problems import InputError
from annotator.storage import Store, open_store
from annotator.storage import texts as texts_sql


def test_the_seed_manifest_gives_outlet_title_date_and_language() -> None:
    articles = seed_articles(SEEDS_DIR)
    assert [(a.outlet, a.published, a.language) for a in articles] == [
        ("BBC News Indonesia", "2024-08-13", "id"),
        ("kumparan", "2024-08-13T10:28:00+07:00", "id"),
    ]
    assert all(a.title for a in articles)


def test_bootstrap_loads_seeds_into_an_empty_database_only(db_url: str) -> None:
    store = open_ready_store(db_url)
    report = bootstrap(store)
    assert report.seeds is None
    assert [r.created for r in report.label_sets] == [False]
    with store.read() as conn:
        assert texts_sql.count_sentences(conn) == 58


def test_a_broken_manifest_is_named(tmp_path: Path, empty_store: Store) -> None:
    seeds = tmp_path / "seeds"
    shutil.copytree(SEEDS_DIR, seeds)
    (seeds / "manifest.toml").write_text("[[articles]\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"manifest\.toml"):
        bootstrap(empty_store, seeds_dir=seeds)
    with empty_store.read() as conn:
        assert texts_sql.count_documents(conn) == 0


def test_a_missing_seed_file_stores_no_seed(tmp_path: Path, db_url: str) -> None:
    seeds = tmp_path / "seeds"
    shutil.copytree(SEEDS_DIR, seeds)
    (seeds / "kumparan-musk-trump-serangan-siber.txt").unlink()
    store = open_store(db_url)
    with pytest.raises(InputError, match="kumparan"):
        bootstrap(store, seeds_dir=seeds)
    with store.read() as conn:
        assert texts_sql.count_documents(conn) == 0
