"""The ``workbench`` command: set up, import, export, inspect, serve.

Every command takes ``--db URL`` (else ``$WORKBENCH_DB``, else
``data/workbench.sqlite``). Failures exit non-zero with a one-line reason on
stderr; problems found in input files are listed one per line before it.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

from annotator import __version__, labelsets, outlets
from annotator.bootstrap import LABELS_DIR, PROJECT_ROOT, bootstrap
from annotator.corpus import import_paths
from annotator.exchange import FORMATS
from annotator.exchange.export import export_files
from annotator.exchange.importer import import_file
from annotator.problems import InputError, Problem
from annotator.storage import ENV_VAR, Store, open_store


class CommandError(RuntimeError):
    """A failure to report in one line."""


def _print_problems(problems: Sequence[Problem]) -> None:
    for problem in problems:
        print(f"{problem.severity}: {problem}", file=sys.stderr)


def cmd_init(args: argparse.Namespace) -> int:
    store = open_store(args.db)
    report = bootstrap(store)
    for result in report.label_sets:
        state = "stored as version" if result.created else "unchanged, version"
        print(f"label set {result.labelset.name!r}: {state} {result.labelset.version}")
        if result.missing:
            print(f"  not in the file any more: {', '.join(result.missing)}")
    if report.seeds is None:
        print("corpus already has documents: seeds not loaded")
    else:
        print(
            f"seeds: {len(report.seeds.documents)} documents, {report.seeds.sentence_count} sentences"
        )
    print(f"database: {store.url}")
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    store = open_store(args.db)
    bootstrap(store, seeds_dir=None)
    paths = [Path(p) for p in args.paths]
    if args.labels:
        return _import_labels(store, paths, args)
    report = import_paths(
        store,
        paths,
        dry_run=args.dry_run,
        created_by=args.annotator or "",
        encoding=args.encoding,
        outlet=args.outlet,
        title=args.title,
        published=args.published,
        language=args.language,
        url=args.url,
    )
    _print_problems(report.problems)
    if not report.ok:
        raise CommandError(
            f"nothing imported: {sum(p.severity == 'error' for p in report.problems)} error(s)"
        )
    removed = sum(len(d.removed) for d in report.documents)
    verb = "would import" if args.dry_run else "imported"
    print(
        f"{verb} {len(report.documents)} document(s), {report.sentence_count} sentence(s); "
        f"{removed} boilerplate line(s) removed; {len(report.duplicates)} duplicate(s) skipped"
    )
    return 0


def _import_labels(store: Store, paths: list[Path], args: argparse.Namespace) -> int:
    for path in paths:
        report = import_file(
            store,
            path.read_bytes(),
            str(path),
            format_name=args.format,
            annotator=args.annotator or "import",
            dry_run=args.dry_run,
        )
        _print_problems(report.problems)
        if not report.ok:
            raise CommandError(f"nothing imported from {path}: it has errors")
        if report.label_set_additions:
            version = f" (version {report.label_set_version})" if report.label_set_version else ""
            print(f"label set: added {', '.join(report.label_set_additions)}{version}")
        print(
            f"{path}: {report.labels_added} label row(s) added, {report.labels_unchanged} already "
            f"present; {report.documents_created} document(s) and {report.sentences_created} "
            "sentence(s) created"
        )
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    store = open_store(args.db)
    bootstrap(store, seeds_dir=None)
    result = export_files(
        store,
        args.format,
        out=Path(args.out) if args.out else None,
        include_unlabelled=args.include_unlabelled,
    )
    print(f"wrote {result.rows} row(s) to {result.path} (data card: {result.card_path})")
    return 0


def cmd_stats(args: argparse.Namespace) -> int:
    store = open_store(args.db)
    figures = outlets.totals(store)
    if args.json:
        print(json.dumps(figures, ensure_ascii=False, indent=2))
        return 0
    print(
        f"{figures['documents']} documents, {figures['sentences']} sentences, "
        f"{figures['annotations']} annotations, {figures['labelled_sentences']} labelled sentences"
    )
    for name, counts in figures["outlets"].items():
        print(
            f"  {name}: {counts['documents']} documents, {counts['sentences']} sentences, {counts['labelled']} labelled"
        )
    return 0


def cmd_labelset(args: argparse.Namespace) -> int:
    if args.action == "validate":
        paths = [Path(args.path)] if args.path else sorted(LABELS_DIR.glob("*.toml"))
        for path in paths:
            labelset = labelsets.load_file(path)
            n_values = sum(len(t.values) for t in labelset.tasks)
            print(
                f"{path}: valid; {len(labelset.tasks)} tasks, {n_values} values, {len(labelset.targets)} targets"
            )
        return 0
    store = open_store(args.db)
    bootstrap(store, seeds_dir=None)
    labelset = labelsets.current(store, args.name)
    if args.format == "json":
        print(
            json.dumps(
                {"version": labelset.version, **labelsets.to_dict(labelset)},
                ensure_ascii=False,
                indent=2,
            )
        )
    else:
        print(labelsets.to_toml(labelset), end="")
    return 0


def _ready_labelset(args: argparse.Namespace) -> tuple[Store, labelsets.LabelSet]:
    store = open_store(args.db)
    bootstrap(store, seeds_dir=None)
    return store, labelsets.current(store, args.name)


def cmd_train(args: argparse.Namespace) -> int:
    from annotator import training

    store, labelset = _ready_labelset(args)
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

    store, labelset = _ready_labelset(args)
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

    store, labelset = _ready_labelset(args)
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


def cmd_serve(args: argparse.Namespace) -> int:
    env = dict(os.environ)
    if args.db:
        env[ENV_VAR] = args.db
    # `python workbench.py` (not `streamlit run`) so that pages/ is read as
    # st.navigation pages from the first request on; see workbench._serve.
    command = [
        sys.executable,
        str(PROJECT_ROOT / "workbench.py"),
        "--server.port",
        str(args.port),
        "--server.address",
        args.address,
    ]
    if args.headless:
        command += ["--server.headless", "true"]
    return subprocess.call(command, env=env, cwd=PROJECT_ROOT)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="workbench", description=__doc__.splitlines()[0])
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument(
        "--db", help=f"SQLAlchemy database URL (default: ${ENV_VAR} or data/workbench.sqlite)"
    )
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("init", help="create or upgrade the database, load label sets and the seeds")
    p.set_defaults(func=cmd_init)

    p = sub.add_parser(
        "import", help="import articles (txt, md, html, csv, jsonl) or, with --labels, label sets"
    )
    p.add_argument("paths", nargs="+", metavar="PATH")
    p.add_argument(
        "--labels", action="store_true", help="the files are exported label sets, not articles"
    )
    p.add_argument(
        "--format", choices=sorted(FORMATS), help="label-set format (default: from the extension)"
    )
    p.add_argument("--outlet")
    p.add_argument("--title")
    p.add_argument("--published", help="ISO date, e.g. 2024-08-13")
    p.add_argument("--language", help="e.g. id or en (default: guessed)")
    p.add_argument("--url")
    p.add_argument("--encoding", help="text encoding of the files (default: UTF-8)")
    p.add_argument("--annotator", help="annotator name for labels that have none")
    p.add_argument("--dry-run", action="store_true", help="check and report, store nothing")
    p.set_defaults(func=cmd_import)

    p = sub.add_parser("export", help="export the label set with a data card")
    p.add_argument("--format", choices=sorted(FORMATS), default="csv")
    p.add_argument("--out", help="file or directory (default: labels/exports/<name>-<timestamp>/)")
    p.add_argument(
        "--include-unlabelled", action="store_true", help="one row per unlabelled sentence too"
    )
    p.set_defaults(func=cmd_export)

    p = sub.add_parser("stats", help="counts of documents, sentences and annotations")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_stats)

    p = sub.add_parser("labelset", help="show or validate label sets")
    p.add_argument("action", choices=["show", "validate"])
    p.add_argument(
        "path", nargs="?", help="validate: a label-set file (default: every file in labels/)"
    )
    p.add_argument("--name", default=labelsets.DEFAULT_NAME)
    p.add_argument("--format", choices=["toml", "json"], default="toml")
    p.set_defaults(func=cmd_labelset)

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

    p = sub.add_parser("serve", help="start the app in the browser")
    p.add_argument("--port", type=int, default=8501)
    p.add_argument("--address", default="localhost")
    p.add_argument("--headless", action="store_true", help="do not open a browser")
    p.set_defaults(func=cmd_serve)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args))
    except InputError as exc:
        _print_problems(exc.problems)
        print(f"workbench: {exc}", file=sys.stderr)
    except (CommandError, OSError, LookupError, ValueError) as exc:
        print(f"workbench: {exc}", file=sys.stderr)
    except Exception as exc:  # a crash still gets one line, not a traceback
        print(f"workbench: unexpected error: {type(exc).__name__}: {exc}", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
