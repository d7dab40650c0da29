"""Agreement command: ``workbench agreement [--json]``.

Prints :func:`annotator.agreement.summary`: Krippendorff's alpha per task,
target and frame with bootstrap intervals, every pair's Cohen's kappa, and
the most contested sentences. Whoever runs it holds the database, so it
reads everyone's labels (as a curator would).
"""

from __future__ import annotations

import argparse
import json
import math
from typing import Any

from annotator import agreement
from annotator.cli.common import ready_store


def _number(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    return f"{value:.3f}"


def _text(summary: dict[str, Any]) -> str:
    lines = [
        f"{len(summary['annotators'])} annotator(s), {summary['sentences']} sentence(s) labelled, "
        f"{summary['shared_sentences']} by two or more; {summary['disagreements']} disagreement(s)"
    ]
    rows = [r for r in summary["alpha"] if r["slice"] == "all"]
    if rows:
        lines.append("alpha (95% bootstrap interval), percent agreement, units:")
    for r in rows:
        name = r["task"] + (f" · {r['target'] or r['frame']}" if r["target"] or r["frame"] else "")
        lines.append(
            f"  {name}: {_number(r['alpha'])} [{_number(r['low'])}, {_number(r['high'])}], "
            f"{_number(r['agreement'])}, {r['units']}"
        )
    pairs = [r for r in summary["kappa"] if r["slice"] == "all"]
    if pairs:
        lines.append("Cohen's kappa per pair:")
    for r in pairs:
        lines.append(
            f"  {r['task']}: {r['annotator_a']} / {r['annotator_b']}: {_number(r['kappa'])} "
            f"[{_number(r['low'])}, {_number(r['high'])}] on {r['units']} unit(s)"
        )
    return "\n".join(lines)


def cmd_agreement(args: argparse.Namespace) -> int:
    summary = agreement.summary(ready_store(args), n_boot=args.n_boot, seed=args.seed, top=args.top)
    if args.json:
        print(json.dumps(summary, indent=2, ensure_ascii=False))
    else:
        print(_text(summary))
    return 0


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "agreement", help="agreement between annotators (alpha, kappa, disagreements)"
    )
    p.add_argument("--json", action="store_true", help="the whole summary as JSON")
    p.add_argument(
        "--n-boot", type=int, default=1000, help="bootstrap replicates (0: no intervals)"
    )
    p.add_argument("--seed", type=int, default=0, help="the bootstrap's seed")
    p.add_argument("--top", type=int, default=20, help="most contested sentences to list (JSON)")
    p.set_defaults(func=cmd_agreement)
