"""A throwaway PostgreSQL server for the tests, and a database per test.

Start with :func:`running_server`: it runs ``initdb`` into a fresh temporary
directory, starts the server with ``pg_ctl`` (listening on 127.0.0.1 on a
free port, its socket in the same directory), yields a :class:`Server`, and
stops and deletes it at the end. :meth:`Server.create_database` makes a
database (optionally a copy of a template) and :meth:`Server.drop_database`
removes it, closing whatever connections are still open on it.

The binaries come from Debian's ``postgresql`` package
(``/usr/lib/postgresql/<version>/bin``, not on ``PATH``) or from
``$WORKBENCH_PG_BIN``. PostgreSQL refuses to run as root, so under root the
server runs as the ``postgres`` system user through ``runuser``. Durability
is switched off (``fsync``, ``synchronous_commit``, ``full_page_writes``):
the data dies with the test session anyway, and it makes creating a
database several times faster.

Anything that keeps the server from starting raises :class:`PostgresUnavailable`
with what to do; the fixtures turn that into a failed test, never a skip.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg
from psycopg import sql

BIN_ENV = "WORKBENCH_PG_BIN"
DEBIAN_ROOT = Path("/usr/lib/postgresql")
SUPERUSER = "postgres"
START_TIMEOUT_S = 60
SETTINGS = (
    "fsync=off",
    "synchronous_commit=off",
    "full_page_writes=off",
    "max_connections=200",
    "shared_buffers=32MB",
    # No timed checkpoints in a test session (CREATE DATABASE ... FILE_COPY makes its own).
    "checkpoint_timeout=1h",
)


class PostgresUnavailable(RuntimeError):
    """No PostgreSQL server could be started here; the message says why and what to do."""


@dataclass(frozen=True)
class Server:
    """A running throwaway server."""

    directory: Path
    port: int
    user: str = SUPERUSER

    def url(self, database: str) -> str:
        """The SQLAlchemy URL of one database on this server."""
        return f"postgresql+psycopg://{self.user}@127.0.0.1:{self.port}/{database}"

    def _admin(self) -> psycopg.Connection[tuple[object, ...]]:
        return psycopg.connect(
            host="127.0.0.1", port=self.port, user=self.user, dbname="postgres", autocommit=True
        )

    def create_database(self, name: str, *, template: str | None = None) -> str:
        """Create database ``name`` (a copy of ``template`` when given); returns its URL."""
        statement = sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name))
        if template is not None:
            statement = sql.SQL("{} TEMPLATE {} STRATEGY FILE_COPY").format(
                statement, sql.Identifier(template)
            )
        with self._admin() as conn:
            conn.execute(statement)
        return self.url(name)

    def drop_database(self, name: str) -> None:
        """Drop ``name`` even if connections are still open on it (they are closed)."""
        with self._admin() as conn:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )

    def mark_template(self, name: str) -> None:
        """Let ``name`` be copied by ``CREATE DATABASE ... TEMPLATE`` (no one may use it then)."""
        with self._admin() as conn:
            conn.execute(
                sql.SQL("ALTER DATABASE {} WITH ALLOW_CONNECTIONS false IS_TEMPLATE true").format(
                    sql.Identifier(name)
                )
            )


def find_bin_dir() -> Path:
    """The directory holding ``initdb`` and ``pg_ctl``: ``$WORKBENCH_PG_BIN`` or Debian's newest."""
    if os.environ.get(BIN_ENV):
        candidates = [Path(os.environ[BIN_ENV])]
    else:
        versions = sorted(
            (p for p in DEBIAN_ROOT.glob("*/bin") if p.parent.name.isdigit()),
            key=lambda p: int(p.parent.name),
            reverse=True,
        )
        on_path = shutil.which("initdb")
        candidates = [*versions, *([Path(on_path).parent] if on_path else [])]
    for directory in candidates:
        if (directory / "initdb").is_file() and (directory / "pg_ctl").is_file():
            return directory
    raise PostgresUnavailable(
        "PostgreSQL server binaries not found (looked in "
        f"{', '.join(map(str, candidates)) or DEBIAN_ROOT}). Install them with "
        "`make postgres-deps` (apt-get install postgresql) or point "
        f"${BIN_ENV} at the directory holding initdb and pg_ctl."
    )


def _run_as() -> tuple[list[str], int | None, int | None]:
    """The command prefix, uid and gid the server runs under (postgres when we are root)."""
    if os.geteuid() != 0:
        return [], None, None
    try:
        account = pwd.getpwnam(SUPERUSER)
    except KeyError as missing:
        raise PostgresUnavailable(
            f"running as root and there is no {SUPERUSER!r} user to run PostgreSQL as "
            "(Debian's postgresql package creates it)"
        ) from missing
    if shutil.which("runuser") is None:
        raise PostgresUnavailable("running as root and `runuser` is missing (util-linux)")
    return ["runuser", "-u", SUPERUSER, "--"], account.pw_uid, account.pw_gid


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _run(command: list[str], what: str) -> None:
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise PostgresUnavailable(
            f"{what} failed (exit {done.returncode}): {' '.join(command)}\n"
            f"{done.stdout}\n{done.stderr}".strip()
        )


@contextlib.contextmanager
def running_server(*, attempts: int = 3) -> Iterator[Server]:
    """Start a throwaway server in a new temporary directory; stop and delete it afterwards."""
    bin_dir = find_bin_dir()
    prefix, uid, gid = _run_as()
    # Not under pytest's tmp_path: that is private to the test user, and the
    # server may run as another one.
    directory = Path(tempfile.mkdtemp(prefix="workbench-pg-"))
    data = directory / "data"
    try:
        if uid is not None and gid is not None:
            os.chown(directory, uid, gid)
        _run(
            [
                *prefix,
                str(bin_dir / "initdb"),
                "--pgdata",
                str(data),
                "--username",
                SUPERUSER,
                "--auth",
                "trust",
                "--encoding",
                "UTF8",
                "--locale",
                "C",
                "--no-sync",
            ],
            "initdb",
        )
        server = _start(bin_dir, prefix, directory, data, attempts=attempts)
        try:
            yield server
        finally:
            subprocess.run(
                [*prefix, str(bin_dir / "pg_ctl"), "stop", "-D", str(data), "-m", "immediate"],
                capture_output=True,
                check=False,
            )
    finally:
        shutil.rmtree(directory, ignore_errors=True)


def _start(
    bin_dir: Path, prefix: list[str], directory: Path, data: Path, *, attempts: int
) -> Server:
    log = directory / "server.log"
    for attempt in range(attempts):
        port = _free_port()
        options = " ".join(
            ["-h 127.0.0.1", f"-p {port}", f"-k {directory}", *(f"-c {s}" for s in SETTINGS)]
        )
        done = subprocess.run(
            [
                *prefix,
                str(bin_dir / "pg_ctl"),
                "start",
                "-D",
                str(data),
                "-l",
                str(log),
                "-o",
                options,
                "-w",
                "-t",
                str(START_TIMEOUT_S),
            ],
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode == 0:
            return Server(directory=directory, port=port)
        # Another process may have taken the port between our check and the start.
        if attempt == attempts - 1:
            text = log.read_text(errors="replace") if log.exists() else ""
            raise PostgresUnavailable(
                f"pg_ctl start failed (exit {done.returncode}):\n{done.stdout}\n{done.stderr}\n"
                f"server log:\n{text}".strip()
            )
    raise AssertionError("unreachable")
