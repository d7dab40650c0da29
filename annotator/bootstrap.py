"""Getting a database ready: schema, label sets, and the seed corpus.

Start with :func:`bootstrap`: it upgrades the schema, loads every label-set
file in ``labels/`` that changed since it was last loaded, and imports the
seed articles listed in ``seeds/manifest.toml`` into an empty database. The
app calls it on start; ``workbench init`` does the same from the shell.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

from annotator import labelsets
from annotator.corpus import ImportReport, import_articles
from annotator.problems import InputError, Problem
from annotator.readers import RawArticle, read_path
from annotator.storage import Store, open_store
from annotator.storage import texts as texts_sql

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SEEDS_DIR = PROJECT_ROOT / "seeds"
LABELS_DIR = PROJECT_ROOT / "labels"


@dataclass(frozen=True)
class BootstrapReport:
    label_sets: tuple[labelsets.SyncResult, ...]
    seeds: ImportReport | None  # None when the database already had documents


def seed_articles(seeds_dir: Path = SEEDS_DIR) -> list[RawArticle]:
    """The seed articles with their metadata from ``manifest.toml``."""
    manifest = seeds_dir / "manifest.toml"
    try:
        entries = tomllib.loads(manifest.read_text(encoding="utf-8"))["articles"]
    except (OSError, tomllib.TOMLDecodeError, KeyError) as exc:
        raise InputError([Problem(str(manifest), f"cannot read the seed manifest: {exc}")]) from exc
    articles: list[RawArticle] = []
    problems: list[Problem] = []
    for entry in entries:
        found, found_problems = read_path(
            seeds_dir / entry["file"],
            outlet=entry.get("outlet"),
            title=entry.get("title"),
            published=entry.get("published"),
            language=entry.get("language"),
            url=entry.get("url"),
        )
        articles.extend(found)
        problems.extend(p for p in found_problems if p.severity == "error")
    if problems:
        raise InputError(problems)
    return articles


def bootstrap(
    store: Store,
    *,
    labels_dir: Path = LABELS_DIR,
    seeds_dir: Path | None = SEEDS_DIR,
) -> BootstrapReport:
    """Load changed label-set files, and the seeds when the corpus is empty."""
    synced = tuple(labelsets.sync_file(store, path) for path in sorted(labels_dir.glob("*.toml")))
    seeds = None
    if seeds_dir is not None:
        with store.read() as conn:
            empty = texts_sql.count_documents(conn) == 0
        if empty:
            seeds = import_articles(store, seed_articles(seeds_dir), created_by="workbench init")
            if not seeds.ok:
                raise InputError(seeds.problems)
    return BootstrapReport(label_sets=synced, seeds=seeds)


def open_ready_store(url: str | None = None) -> Store:
    """Open the database and bootstrap it: what the app does on start."""
    store = open_store(url)
    bootstrap(store)
    return store
