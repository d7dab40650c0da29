"""Run every benchmark, each in its own process, and print a summary table.

``python bench/run_all.py`` runs them at the issue's sizes (about 15 minutes
on 2 cores); ``--quick`` runs small sizes as a smoke test; ``--only
import,export`` picks some. The summary is Markdown, ready for
``docs/benchmarks.md``; ``--json PATH`` also writes every figure.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import common

BENCHES = {
    "import": "import_speed.py",
    "annotate": "annotate_rerun.py",
    "export": "export_speed.py",
    "first-start": "first_start.py",
    "compare": "compare_speed.py",
    "browser-latency": "browser_latency.py",
}
# Diagnostics, run only when named in --only.
EXTRA = {"prepare-profile": "prepare_profile.py"}


def summary_table(reports: list[dict[str, Any]]) -> str:
    lines = [
        "| benchmark | measured | target | met | margin |",
        "|---|---:|---:|:---:|---:|",
    ]
    for report in reports:
        for m in report["metrics"]:
            if m["target"] is None:
                continue
            sign = ">=" if m["higher_is_better"] else "<="
            lines.append(
                f"| {report['bench']}: {m['name'].strip()} | {common.fmt(m['value'])} {m['unit']}"
                f" | {sign} {common.fmt(m['target'])} {m['unit']}"
                f" | {'yes' if m['met'] else '**no**'} | x{m['margin']:.2f} |"
            )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--quick", action="store_true", help="small sizes, for a smoke run")
    p.add_argument(
        "--only",
        default=",".join(BENCHES),
        help="comma-separated: " + ", ".join([*BENCHES, *EXTRA]),
    )
    p.add_argument("--json", type=Path, default=None, help="also write every figure here")
    args = p.parse_args(argv)
    chosen = [b.strip() for b in args.only.split(",") if b.strip()]
    scripts = {**BENCHES, **EXTRA}
    unknown = set(chosen) - scripts.keys()
    if unknown:
        p.error(f"unknown benchmark(s): {', '.join(sorted(unknown))}")

    reports: list[dict[str, Any]] = []
    failed: list[str] = []
    with tempfile.TemporaryDirectory(prefix="workbench-bench-") as tmp:
        for name in chosen:
            out = Path(tmp) / f"{name}.json"
            command = [
                sys.executable,
                str(Path(__file__).parent / scripts[name]),
                "--json",
                str(out),
            ]
            if args.quick:
                command.append("--quick")
            print(f"\n# {name}: {' '.join(command[1:])}", flush=True)
            started = time.perf_counter()
            done = subprocess.run(command, check=False)
            print(f"# {name} took {time.perf_counter() - started:.0f} s", flush=True)
            if done.returncode != 0 or not out.exists():
                failed.append(name)
                continue
            reports.append(json.loads(out.read_text(encoding="utf-8")))

    machine = common.machine()
    print("\n## Summary\n")
    print(summary_table(reports))
    print("\nMachine: " + "; ".join(f"{k} {v}" for k, v in machine.items()))
    if args.quick:
        print("(--quick: small sizes, the targets are for the full sizes)")
    if failed:
        print(f"\nFAILED: {', '.join(failed)}")
    if args.json:
        args.json.write_text(
            json.dumps({"machine": machine, "reports": reports}, indent=2), encoding="utf-8"
        )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
