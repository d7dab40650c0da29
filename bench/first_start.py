"""First start: from launching the app on an empty database to the first seed sentence on screen.

Each repetition launches ``python -m streamlit run workbench.py`` (headless,
127.0.0.1, a free port, no file watcher) with ``WORKBENCH_DB`` pointing at a
new, empty SQLite file, and opens ``/annotate?annotator=bench`` in headless
Chromium (``/usr/bin/chromium`` through Playwright; the browser itself is
started once, before the clock runs) as soon as the health check answers.
The clock stops when the annotate page shows the queue's first seed sentence.
The split: process start to health check, then page load to sentence
(session start, bootstrap on the first run of the script, render).

Also measured: ``open_store`` + ``bootstrap`` alone on an empty database,
warm (in this process, modules imported) and cold (a new Python process,
imports included).

Target (the foundation issue): first start to seeds on screen <= 5 s.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import common

TARGET_S = 5.0
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
]  # fmt: skip
SHOWS = """([testid, text]) => {
    const node = document.querySelector(`[data-testid="${testid}"]`);
    return node !== null && node.innerText.includes(text);
}"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def first_seed_sentence(tmp: Path) -> str:
    """The text the annotate page shows first: the sequential queue's first sentence."""
    from annotator import queue
    from annotator.bootstrap import bootstrap
    from annotator.storage import open_store
    from annotator.storage import texts as texts_sql

    store = open_store(common.sqlite_url(tmp / "expected.sqlite"))
    bootstrap(store)
    first = queue.get_strategy("sequential").next_sentence(store, "bench")
    with store.read() as conn:
        sentence = texts_sql.get_sentence(conn, first)
    store.engine.dispose()
    assert sentence is not None
    return sentence.text


def bootstrap_warm(tmp: Path, repeat: int) -> float:
    from annotator.bootstrap import bootstrap
    from annotator.storage import open_store

    seconds: list[float] = []
    for i in range(repeat):
        with common.timed(seconds):
            store = open_store(common.sqlite_url(tmp / f"warm-{i}.sqlite"))
            bootstrap(store)
        store.engine.dispose()
    return common.median(seconds)


def bootstrap_cold(tmp: Path, repeat: int) -> float:
    code = (
        "import time; t = time.perf_counter(); "
        "from annotator.bootstrap import open_ready_store; "
        "open_ready_store({url!r}); print(time.perf_counter() - t)"
    )
    seconds = []
    for i in range(repeat):
        url = common.sqlite_url(tmp / f"cold-{i}.sqlite")
        out = subprocess.run(
            [sys.executable, "-c", code.format(url=url)],
            cwd=common.ROOT,
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        seconds.append(float(out.strip().splitlines()[-1]))
    return common.median(seconds)


def wait_healthy(port: int, proc: subprocess.Popen[bytes], timeout: float = 60) -> None:
    url = f"http://127.0.0.1:{port}/_stcore/health"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"streamlit exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=1) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.02)
    raise TimeoutError("the app never answered its health check (see streamlit.log, --keep)")


def one_start(browser: object, db: Path, expected: str) -> dict[str, float]:
    port = free_port()
    env = {**os.environ, "WORKBENCH_DB": common.sqlite_url(db)}
    command = [
        sys.executable, "-m", "streamlit", "run", "workbench.py",
        "--server.headless", "true", "--server.port", str(port),
        "--server.address", "127.0.0.1", "--server.fileWatcherType", "none",
    ]  # fmt: skip
    page = browser.new_page()  # type: ignore[attr-defined]
    db.parent.mkdir(parents=True, exist_ok=True)
    log = (db.parent / "streamlit.log").open("wb")
    start = time.perf_counter()
    proc = subprocess.Popen(command, cwd=common.ROOT, env=env, stdout=log, stderr=log)
    try:
        wait_healthy(port, proc)
        healthy = time.perf_counter()
        page.goto(f"http://127.0.0.1:{port}/annotate?annotator=bench")
        page.wait_for_function(SHOWS, arg=["annotate-sentence", expected[:60]], timeout=60_000)
        shown = time.perf_counter()
    finally:
        page.close()
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()
    return {
        "total": shown - start,
        "to_health": healthy - start,
        "health_to_sentence": shown - healthy,
    }


def main(argv: list[str] | None = None) -> common.Report:
    p = common.parser(__doc__.split("\n")[0])
    args = p.parse_args(argv)
    repeat = args.repeat or (2 if args.quick else 5)
    report = common.Report("first start", {"repeat": repeat})
    from playwright.sync_api import sync_playwright

    with common.workdir(args, "first-start") as tmp:
        expected = first_seed_sentence(tmp)
        runs = []
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            try:
                for i in range(repeat):
                    db = tmp / f"start-{i}" / "workbench.sqlite"
                    runs.append(one_start(browser, db, expected))
                    print(f"  run {i + 1}/{repeat}: {runs[-1]['total']:.2f} s", file=sys.stderr)
            finally:
                browser.close()
        warm = bootstrap_warm(tmp, repeat)
        cold = bootstrap_cold(tmp, max(1, repeat // 2 + 1))

    totals = [r["total"] for r in runs]
    report.add(
        "launch to first seed sentence on screen",
        common.median(totals),
        "s",
        target=TARGET_S,
        note="runs " + ", ".join(f"{t:.2f}" for t in totals),
    )
    report.add("  process start to health check", common.median(r["to_health"] for r in runs), "s")
    report.add(
        "  page load to sentence shown (incl. bootstrap)",
        common.median(r["health_to_sentence"] for r in runs),
        "s",
    )
    report.add("bootstrap alone (open_store + bootstrap), warm", warm * 1000, "ms")
    report.add("bootstrap alone, new process (imports included)", cold * 1000, "ms")
    report.details["first seed sentence"] = expected[:80] + ("…" if len(expected) > 80 else "")
    report.finish(args)
    return report


if __name__ == "__main__":
    main()
