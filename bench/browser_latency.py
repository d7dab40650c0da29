"""Browser latency on the annotate page: from pressing Enter to the next sentence on screen.

Launches the app the way users do (``python workbench.py``, headless, a free
port) on a new SQLite database with the seeds, opens
``/annotate?annotator=bench`` in headless Chromium (``/usr/bin/chromium``
through Playwright), and then, ``--saves`` times: presses ``1`` (the first
value of the task in focus), waits until the page is idle, presses Enter and
stops the clock when the sentence shown changes. The time includes
Playwright's own round trip to the browser (a few ms).

Also times a value key alone (``1``): from the key to the end of the script
run it starts (the app's script state, watched in the page), the rerun of
the sentence panel without moving on.

Target (the foundation issue's aim for the annotate page): Enter to the
next sentence <= 100 ms.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import common
from bench.first_start import CHROMIUM, CHROMIUM_ARGS, free_port, wait_healthy

TARGET_MS = 100.0
SENTENCE = '[data-testid="annotate-sentence"]'
IDLE = (
    "() => document.querySelector('[data-testid=stApp]')"
    "?.getAttribute('data-test-script-state') === 'notRunning'"
)
# Before a key: a promise of the milliseconds until the script run it starts
# has finished (the app's script state goes to running, then back).
WATCH_RUN = """() => {
    const app = document.querySelector('[data-testid=stApp]');
    const start = performance.now();
    let ran = false;
    window.__benchRun = new Promise((done) => {
        const watch = new MutationObserver(() => {
            const state = app.getAttribute('data-test-script-state');
            if (state === 'running') ran = true;
            if (ran && state === 'notRunning') { watch.disconnect(); done(performance.now() - start); }
        });
        watch.observe(app, {attributes: true});
    });
}"""
CHANGED = (
    "([selector, before]) => { const shown = document.querySelector(selector);"
    " return shown !== null && shown.textContent !== before; }"
)


def measure(page: Any, saves: int) -> tuple[list[float], list[float]]:
    """Seconds per Enter (to the next sentence) and per value key (to idle)."""
    enters: list[float] = []
    values: list[float] = []
    for _ in range(saves):
        page.evaluate(WATCH_RUN)
        page.keyboard.press("1")
        values.append(page.evaluate("() => window.__benchRun") / 1000)
        before = page.locator(SENTENCE).text_content()
        start = time.perf_counter()
        page.keyboard.press("Enter")
        page.wait_for_function(CHANGED, arg=[SENTENCE, before])
        enters.append(time.perf_counter() - start)
        page.wait_for_function(IDLE)
    return enters, values


def main(argv: list[str] | None = None) -> common.Report:
    p = common.parser(__doc__.split("\n")[0])
    p.add_argument("--saves", type=int, default=30, help="sentences saved with Enter")
    args = p.parse_args(argv)
    saves = 8 if args.quick else args.saves
    report = common.Report("browser latency", {"saves": saves})
    from playwright.sync_api import sync_playwright

    with common.workdir(args, "browser-latency") as tmp:
        db = tmp / "workbench.sqlite"
        port = free_port()
        env = {**os.environ, "WORKBENCH_DB": common.sqlite_url(db)}
        command = [
            sys.executable, "workbench.py", "--server.headless", "true",
            "--server.port", str(port), "--server.address", "127.0.0.1",
        ]  # fmt: skip
        log = (tmp / "streamlit.log").open("wb")
        proc = subprocess.Popen(command, cwd=common.ROOT, env=env, stdout=log, stderr=log)
        try:
            wait_healthy(port, proc)
            with sync_playwright() as pw:
                browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
                page = browser.new_page()
                page.goto(f"http://127.0.0.1:{port}/annotate?annotator=bench", timeout=60_000)
                page.locator(SENTENCE).wait_for(timeout=60_000)
                page.wait_for_function(IDLE)
                page.locator(SENTENCE).click()  # keys go to the page, not an input
                measure(page, 2)  # warm up: first reruns compile and fill caches
                enters, values = measure(page, saves)
                browser.close()
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
            log.close()

    ms = sorted(t * 1000 for t in enters)
    report.add(
        "Enter to the next sentence on screen (median)",
        common.median(ms),
        "ms",
        target=TARGET_MS,
        higher_is_better=False,
        note=f"p90 {common.quantile(ms, 0.9):.0f} ms, min {ms[0]:.0f}, max {ms[-1]:.0f}",
    )
    report.add(
        "value key to the end of its script run (median)",
        common.median(t * 1000 for t in values),
        "ms",
    )
    report.finish(args)
    return report


if __name__ == "__main__":
    main()
