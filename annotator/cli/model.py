"""Model commands: train, predict, models."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from annotator import labelsets
from annotator.cli.common import CommandError, ready_labelset


def cmd_train(args: argparse.Namespace) -> int:
    from annotator import training

    store, labelset = ready_labelset(args)
    try:
        outcome = training.train(
            store,
            labelset=labelset,
            created_by=args.annotator or "workbench train",
            learning_curve=args.learning_curve,
            progress=None if args.json else (lambda message: print(message, file=sys.stderr)),
        )
    except (training.TrainingBusy, training.NothingToTrain) as exc:
        raise CommandError(str(exc)) from exc
    card = outcome.version.card or {}
    if args.json:
        print(
            json.dumps(
                {
                    "version": outcome.version.id,
                    "activated": outcome.activated,
                    "comparison": outcome.comparison,
                    "skipped": outcome.skipped,
                    "tasks": {name: c["metrics"] for name, c in card.get("tasks", {}).items()},
                },
                indent=2,
                ensure_ascii=False,
            )
        )
        return 0
    print(f"model version {outcome.version.id}" + (" (active)" if outcome.activated else ""))
    for name, task_card in card.get("tasks", {}).items():
        metrics = task_card["metrics"]
        line = f"  {name}: {task_card['n_labels']} labels, macro-F1 {metrics['random']['macro_f1']:.3f}"
        if metrics.get("grouped"):
            line += f", outlets held out {metrics['grouped']['macro_f1']:.3f}"
        if metrics["random"].get("f_avg") is not None:
            line += f", F_avg {metrics['random']['f_avg']:.3f}"
        print(line)
    for name, why in outcome.skipped.items():
        print(f"  {name}: not trained ({why})")
    if not outcome.activated:
        print(
            "  not activated: worse than the active version (`workbench models activate` to force)"
        )
    return 0


def cmd_predict(args: argparse.Namespace) -> int:
    import pandas as pd

    from annotator import preannotation, training
    from annotator.storage import models as models_sql

    store, labelset = ready_labelset(args)
    with store.read() as conn:
        active = models_sql.active_version(conn, labelset.name)
    if active is None:
        raise CommandError("no active model: run `workbench train` first")
    path = Path(args.path)
    try:
        if path.suffix.lower() in (".jsonl", ".ndjson"):
            frame = pd.read_json(path, lines=True, dtype=False)
        else:
            frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    except (ValueError, OSError, pd.errors.ParserError) as exc:
        raise CommandError(f"{path}: cannot read it as a table: {exc}") from exc
    if "text" not in frame.columns:
        raise CommandError(f"{path}, line 1: no 'text' column")
    if frame.empty:
        raise CommandError(f"{path}: no rows to predict")
    trained = training.load_version(store, active.id, labelset=(labelset.name, labelset.version))
    result = preannotation.predict_table(trained, labelset, frame, version_id=active.id)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    if out.suffix.lower() in (".jsonl", ".ndjson"):
        out.write_text(
            result.to_json(orient="records", lines=True, force_ascii=False), encoding="utf-8"
        )
    else:
        result.to_csv(out, index=False)
    print(
        f"wrote {len(result)} prediction(s) for {len(frame)} text(s) to {out} (model v{active.id})"
    )
    return 0


def cmd_models(args: argparse.Namespace) -> int:
    from annotator import training
    from annotator.storage import models as models_sql

    store, labelset = ready_labelset(args)
    if args.action == "activate":
        if args.version is None:
            raise CommandError("name the version to activate, e.g. `workbench models activate 3`")
        try:
            record = training.activate(store, args.version)
        except (LookupError, ValueError) as exc:
            raise CommandError(str(exc)) from exc
        print(f"model version {record.id} is active")
        return 0
    with store.read() as conn:
        rows = [training.summary(v) for v in models_sql.list_versions(conn, labelset.name)]
    if args.json:
        print(json.dumps(rows, indent=2, ensure_ascii=False))
    elif not rows:
        print("no model versions yet: `workbench train`")
    for row in rows if not args.json else []:
        scores = ", ".join(
            f"{k} {v}" for k, v in row.items() if k.endswith("F1") or "held out" in k
        )
        flag = " *active*" if row["active"] else ""
        print(
            f"v{row['version']} {row['status']}{flag} {row['created']} by {row['by'] or '?'}: {scores}"
        )
    return 0


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("train", help="train a model version on the current labels")
    p.add_argument("--json", action="store_true", help="print the metrics as JSON")
    p.add_argument("--learning-curve", action="store_true", help="also measure a learning curve")
    p.add_argument("--annotator", help="who trains (recorded on the version)")
    p.add_argument("--name", default=labelsets.DEFAULT_NAME, help="label set")
    p.set_defaults(func=cmd_train)

    p = sub.add_parser("predict", help="predict a CSV or JSONL of texts with the active model")
    p.add_argument("path", help="a table with a 'text' column (a 'target' column asks for stance)")
    p.add_argument("--out", required=True, help="output .csv or .jsonl (importable with --labels)")
    p.add_argument("--name", default=labelsets.DEFAULT_NAME, help="label set")
    p.set_defaults(func=cmd_predict)

    p = sub.add_parser("models", help="list model versions, or activate one")
    p.add_argument("action", nargs="?", choices=["list", "activate"], default="list")
    p.add_argument("version", nargs="?", type=int)
    p.add_argument("--json", action="store_true")
    p.add_argument("--name", default=labelsets.DEFAULT_NAME, help="label set")
    p.set_defaults(func=cmd_models)
