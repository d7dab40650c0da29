"""The app in a real headless Chromium: one server per test session (per xdist
worker), a fresh browser context per test.

The server runs ``python workbench.py`` (what ``workbench serve`` runs) on a free port with its own
SQLite file; tests share it, so each uses its own annotator name and asserts
on that annotator's rows only.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, Playwright, sync_playwright

from annotator.storage import Store, open_store

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
START_TIMEOUT = 60.0
# The first render bootstraps the database (label set, 58 seed sentences).
FIRST_RENDER_MS = 30_000


@dataclass(frozen=True)
class Server:
    url: str
    db_url: str


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_healthy(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"streamlit exited with {process.returncode}:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=1) as answer:
                if answer.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"streamlit did not answer within {START_TIMEOUT:.0f} s:\n{log.read_text()}")


def stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)


@contextlib.contextmanager
def running_app(home: Path) -> Iterator[Server]:
    """``python workbench.py`` on a free port and a fresh database in ``home``."""
    db_url = f"sqlite:///{home / 'workbench.sqlite'}"
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log = home / "streamlit.log"
    command = [
        sys.executable, "workbench.py",  # as `workbench serve` starts it
        "--server.headless", "true",
        "--server.address", "127.0.0.1",
        "--server.port", str(port),
        "--server.fileWatcherType", "none",
        "--browser.gatherUsageStats", "false",
    ]  # fmt: skip
    env = {**os.environ, "WORKBENCH_DB": db_url}
    with log.open("wb") as out:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        wait_healthy(url, process, log)
        yield Server(url=url, db_url=db_url)
    finally:
        stop(process)


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """The app shared by the tests of a session (each uses its own annotator name)."""
    with running_app(tmp_path_factory.mktemp("e2e-server")) as app:
        yield app


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="session")
def browser(playwright: Playwright) -> Iterator[Browser]:
    browser = playwright.chromium.launch(
        executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
    )
    yield browser
    browser.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(accept_downloads=True)
    context.set_default_timeout(10_000)
    yield context.new_page()
    context.close()


@pytest.fixture
def db(server: Server) -> Iterator[Store]:
    """The server's database file, for asserting on stored rows."""
    store = open_store(server.db_url)
    yield store
    store.engine.dispose()


# ---------------------------------------------------------------- page helpers

SENTENCE = '[data-testid="annotate-sentence"]'


def wait_idle(page: Page) -> None:
    """Until the script run that the last interaction started has finished."""
    page.wait_for_function(
        "() => document.querySelector('[data-testid=stApp]')"
        "?.getAttribute('data-test-script-state') === 'notRunning'"
    )


def open_annotate(page: Page, server: Server, name: str) -> None:
    """Open /annotate, give the name, and wait for the first sentence."""
    page.goto(f"{server.url}/annotate", timeout=FIRST_RENDER_MS)
    page.get_by_label("Your name").fill(name)
    page.get_by_role("button", name="Start").click()
    page.locator(SENTENCE).wait_for(timeout=FIRST_RENDER_MS)
    wait_idle(page)
    # Shortcuts do not fire while a text input has focus: move it onto the page.
    page.locator(SENTENCE).click()
