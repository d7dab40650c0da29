"""The ``workbench`` command: set up, import, export, inspect, train, serve.

Every command takes ``--db URL`` (else ``$WORKBENCH_DB``, else
``data/workbench.sqlite``). Failures exit non-zero with a one-line reason on
stderr; problems found in input files are listed one per line before it.
One module per group of commands; each has ``register(sub)``, listed in
:data:`COMMAND_MODULES`.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from annotator import __version__
from annotator.cli import agreement, compare, corpus, model, users
from annotator.cli.common import CommandError, print_problems
from annotator.problems import InputError
from annotator.storage import ENV_VAR

__all__ = ["CommandError", "build_parser", "main"]

COMMAND_MODULES = (corpus, model, users, agreement, compare)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="workbench", description=__doc__.splitlines()[0])
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument(
        "--db", help=f"SQLAlchemy database URL (default: ${ENV_VAR} or data/workbench.sqlite)"
    )
    sub = parser.add_subparsers(dest="command", required=True)
    for module in COMMAND_MODULES:
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args))
    except InputError as exc:
        print_problems(exc.problems)
        print(f"workbench: {exc}", file=sys.stderr)
    except (CommandError, OSError, LookupError, ValueError) as exc:
        print(f"workbench: {exc}", file=sys.stderr)
    except Exception as exc:  # a crash still gets one line, not a traceback
        print(f"workbench: unexpected error: {type(exc).__name__}: {exc}", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
