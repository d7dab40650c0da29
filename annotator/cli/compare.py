"""Compare command: ``workbench compare [--source S] [--outlets A B] [--story ID] [--json] [--report PATH]``.

Prints the numbers behind the compare page's charts
(:func:`annotator.compare_report.numbers`) as JSON, or a few lines of
them, and with ``--report`` writes the self-contained HTML report
(:func:`annotator.compare_report.report_sections`, charts and tables, no
network needed). Whoever runs it holds the database, so it reads everyone's
labels (as a curator would).
"""

from __future__ import annotations

import argparse
import json
from datetime import date
from pathlib import Path
from typing import Any

from annotator import compare, labelsets, report
from annotator.cli.common import CommandError, ready_store
from annotator.compare_report import numbers, report_sections, story_view
from annotator.label_sources import DEFAULT_THRESHOLD, HUMAN, LABEL_SOURCES


def _share(row: dict[str, Any]) -> str:
    return f"{row['share']:.0%} [{row['low']:.0%}, {row['high']:.0%}] of {row['n']}"


def _text(found: dict[str, Any]) -> str:
    lines = [f"label source: {found['controls']['source']}"]
    if found["empty"]:
        lines.append(found["empty"])
    for row in found["stance"]:
        lines.append(f"  stance toward {row['target']} · {row['outlet']} · {row['value']}: "
                     f"{_share(row)}")  # fmt: skip
    for row in found["single_choice"]:
        lines.append(f"  {row['task']} · {row['outlet']} · {row['value']}: {_share(row)}")
    held = [r for r in found["differences"] if r["significant"]]
    if found["pair"]:
        a, b = found["pair"]
        lines.append(
            f"{len(held)} of {len(found['differences'])} difference(s) between {a} and {b} "
            "hold after Benjamini-Hochberg"
        )
    for row in found["model_scores"]:
        score = "—" if row["macro_f1"] is None else f"{row['macro_f1']:.3f}"
        lines.append(f"  model, {row['task']}: macro-F1 with outlets held out {score}")
    if "story" in found:
        story = found["story"]
        lines.append(f"story {story['name']}: {len(story['pairs'])} aligned pair(s), "
                     f"{len(story['blindspots'])} blindspot(s)")  # fmt: skip
    return "\n".join(lines)


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from exc


def cmd_compare(args: argparse.Namespace) -> int:
    store = ready_store(args)
    labelset = labelsets.current(store, args.name)
    known = compare.outlet_names(store)
    chosen = tuple(args.outlets) if args.outlets else tuple(known[:2])
    if unknown := [o for o in chosen if o not in known]:
        raise CommandError(
            f"no outlet named {', '.join(map(repr, unknown))}; known: {', '.join(known)}"
        )
    controls = compare.Controls(
        source=args.source, threshold=args.threshold, outlets=chosen, date_from=args.date_from,
        date_to=args.date_to, story=args.story, targets=tuple(args.targets or ()),
        label_set_version=args.label_set_version,
    )  # fmt: skip
    result = compare.compare(store, labelset, controls)
    view = None if args.story is None else story_view(store, labelset, controls, args.story)
    if args.report:
        sections = report_sections(result, labelset, controls, view=view)
        path = report.write_report(Path(args.report), sections=sections, title=args.title)
        print(f"wrote {path}")
    found = numbers(result, controls, view=view)
    if args.json:
        print(json.dumps(found, indent=2, ensure_ascii=False, allow_nan=False))
    elif not args.report:
        print(_text(found))
    return 0


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("compare", help="compare outlets: the numbers behind the charts, a report")
    p.add_argument("--name", default=labelsets.DEFAULT_NAME, help="label set")
    p.add_argument("--source", choices=LABEL_SOURCES, default=HUMAN, help="which labels count")
    p.add_argument("--threshold", type=float, default=DEFAULT_THRESHOLD,
                   help="model predictions count at this probability or above")  # fmt: skip
    p.add_argument("--outlets", nargs="+", metavar="OUTLET",
                   help="outlets to compare; the first two are tested against each other "
                   "(default: the first two by name)")  # fmt: skip
    p.add_argument("--story", type=int, help="only this story's documents; adds its aligned pairs")
    p.add_argument(
        "--from", dest="date_from", type=_date, help="published on or after (YYYY-MM-DD)"
    )
    p.add_argument("--to", dest="date_to", type=_date, help="published on or before (YYYY-MM-DD)")
    p.add_argument("--targets", nargs="+", metavar="TARGET", help="only these stance targets")
    p.add_argument("--label-set-version", type=int, help="only labels made under this version")
    p.add_argument("--json", action="store_true", help="every number as JSON (NaN as null)")
    p.add_argument("--report", metavar="PATH.html", help="write the self-contained HTML report")
    p.add_argument("--title", default="Outlet comparison", help="the report's title")
    p.set_defaults(func=cmd_compare)
