"""Shared fixtures: databases built from seeds/, on SQLite and on PostgreSQL.

``db_url`` is a fresh, empty database; ``store`` opens it with the default
label set and the seed articles, ``empty_store`` with the label set only.
The modules in :data:`BOTH_BACKENDS` (and everything under ``tests/pages/``)
run every such test twice, ``[sqlite]`` and ``[postgresql]``; the rest run on
SQLite. ``--db sqlite`` runs only SQLite; ``--db postgresql`` runs *every*
test on PostgreSQL (to find what else breaks there).

PostgreSQL is a throwaway server per test session (per xdist worker), started
by the ``postgres_server`` fixture (see ``tests/postgres.py``); each test gets
its own database on it, a copy of a template when it asks for the seeded
``store``. If the server cannot start, those tests fail and say why.
"""

from __future__ import annotations

import itertools
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from annotator import labelsets
from annotator.bootstrap import LABELS_DIR, bootstrap
from annotator.labelsets import LabelSet
from annotator.storage import Store, open_store
from tests.postgres import PostgresUnavailable, Server, running_server

ROOT = Path(__file__).resolve().parent.parent
SQLITE, POSTGRESQL = "sqlite", "postgresql"
BOTH_BACKENDS = frozenset(
    {
        "test_storage.py",
        "test_leases.py",
        "test_storage_backends.py",
        "test_storage_models.py",
        "test_annotations.py",
        "test_exchange_database.py",
        "test_agreement.py",
        "test_adjudication.py",
        "test_history.py",
        "test_suspects.py",
        "test_cli_agreement.py",
        "test_compare.py",
        "test_cli_compare.py",
        "test_login_sessions.py",
        "test_tallies.py",
    }
)
PAGES_DIR = Path(__file__).resolve().parent / "pages"
# Tests that check something only SQLite has (its pragmas, its files).
SQLITE_ONLY_MARK = "sqlite_only"

NewDatabase = Callable[[], str]


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--db",
        choices=("both", SQLITE, POSTGRESQL),
        default="both",
        help="both: the storage and page tests on SQLite and PostgreSQL, the rest on SQLite "
        "(default); sqlite: everything on SQLite; postgresql: everything on PostgreSQL",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", f"{SQLITE_ONLY_MARK}: checks SQLite itself; not run on PostgreSQL"
    )


def _backends(metafunc: pytest.Metafunc) -> list[str]:
    choice = metafunc.config.getoption("--db")
    if metafunc.definition.get_closest_marker(SQLITE_ONLY_MARK) is not None:
        return [SQLITE]
    if choice != "both":
        return [choice]
    path = Path(str(metafunc.definition.path))
    if path.name in BOTH_BACKENDS or PAGES_DIR in path.parents:
        return [SQLITE, POSTGRESQL]
    return [SQLITE]


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "backend" in metafunc.fixturenames:
        metafunc.parametrize("backend", _backends(metafunc), indirect=True)


@pytest.fixture(autouse=True)
def keep_main_module() -> Iterator[None]:
    """Put ``__main__`` back after each test. AppTest leaves the last script it
    ran there, and a process started with ``spawn`` runs ``__main__``'s file
    first: a later test's child processes would die on that script."""
    main = sys.modules["__main__"]
    yield
    sys.modules["__main__"] = main


@pytest.fixture
def backend(request: pytest.FixtureRequest) -> str:
    """Which database the test runs on: ``sqlite`` or ``postgresql``."""
    return str(getattr(request, "param", SQLITE))


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[Server]:
    """A throwaway PostgreSQL server for this session (this xdist worker)."""
    try:
        server_context = running_server()
        server = server_context.__enter__()
    except PostgresUnavailable as reason:
        pytest.fail(f"PostgreSQL could not be started for the tests:\n{reason}", pytrace=False)
    try:
        yield server
    finally:
        server_context.__exit__(None, None, None)


_names = itertools.count(1)


@pytest.fixture(scope="session")
def postgres_templates(postgres_server: Server) -> dict[str, str]:
    """Template databases on the session's server: ``seeded`` and ``labelset_only``."""
    names = {"seeded": "tpl_seeded", "labelset_only": "tpl_labelset_only"}
    for kind, name in names.items():
        url = postgres_server.create_database(name)
        store = open_store(url)
        bootstrap(store, **({} if kind == "seeded" else {"seeds_dir": None}))
        store.engine.dispose()
        postgres_server.mark_template(name)
    return names


def _template_for(request: pytest.FixtureRequest) -> str | None:
    """The ready-made template for the fixture the test asked for, if any."""
    if "store" in request.fixturenames:
        return "seeded"
    if "empty_store" in request.fixturenames:
        return "labelset_only"
    return None


@pytest.fixture
def new_db_url(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest
) -> Iterator[NewDatabase]:
    """Make further empty databases on the test's backend: ``new_db_url()`` returns a URL."""
    made: list[str] = []
    server: Server | None = None

    def make() -> str:
        nonlocal server
        name = f"t{next(_names)}"
        if backend == SQLITE:
            return sqlite_url(tmp_path / f"{name}.sqlite")
        if server is None:
            server = request.getfixturevalue("postgres_server")
        made.append(name)
        return server.create_database(name)

    yield make
    for name in made:
        assert server is not None
        server.drop_database(name)


@pytest.fixture
def db_url(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[str]:
    """The test's database (fresh; on PostgreSQL already bootstrapped when the test
    asks for ``store`` or ``empty_store``, which then finds nothing to do)."""
    if backend == SQLITE:
        yield sqlite_url(tmp_path / "workbench.sqlite")
        return
    server: Server = request.getfixturevalue("postgres_server")
    kind = _template_for(request)
    template = request.getfixturevalue("postgres_templates")[kind] if kind else None
    name = f"t{next(_names)}"
    url = server.create_database(name, template=template)
    yield url
    server.drop_database(name)


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
