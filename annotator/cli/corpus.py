"""Corpus commands: init, import, export, stats, labelset, serve."""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

from annotator import labelsets, outlets
from annotator.bootstrap import LABELS_DIR, PROJECT_ROOT, bootstrap
from annotator.cli.common import CommandError, print_problems
from annotator.corpus import import_paths
from annotator.exchange import FORMATS
from annotator.exchange.export import export_files
from annotator.exchange.importer import import_file
from annotator.storage import ENV_VAR, Store, open_store


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
    print_problems(report.problems)
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
        print_problems(report.problems)
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


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
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

    p = sub.add_parser("serve", help="start the app in the browser")
    p.add_argument("--port", type=int, default=8501)
    p.add_argument("--address", default="localhost")
    p.add_argument("--headless", action="store_true", help="do not open a browser")
    p.set_defaults(func=cmd_serve)
