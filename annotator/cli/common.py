"""What every command module shares: the one-line error and problem printing."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from annotator import labelsets
from annotator.bootstrap import bootstrap
from annotator.problems import Problem
from annotator.storage import Store, open_store


class CommandError(RuntimeError):
    """A failure to report in one line."""


def print_problems(problems: Sequence[Problem]) -> None:
    for problem in problems:
        print(f"{problem.severity}: {problem}", file=sys.stderr)


def ready_store(args: argparse.Namespace) -> Store:
    """The database of ``--db``, created or upgraded, label sets loaded (no seeds)."""
    store = open_store(args.db)
    bootstrap(store, seeds_dir=None)
    return store


def ready_labelset(args: argparse.Namespace) -> tuple[Store, labelsets.LabelSet]:
    store = ready_store(args)
    return store, labelsets.current(store, args.name)
