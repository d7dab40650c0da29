"""Account commands: ``workbench user add|list|passwd|disable``.

The first ``user add`` turns team mode on (the app asks for a login from then
on). Passwords are typed at a hidden prompt (twice) or read from the first
line of standard input with ``--password-stdin``, never given as an
argument, where they would stay in the shell history and the process list.
Whoever runs these commands holds the database, so they act as its operator.
"""

from __future__ import annotations

import argparse
import getpass
import json
import sys

from annotator import accounts
from annotator.cli.common import CommandError
from annotator.storage import Store, open_store


def _store(args: argparse.Namespace) -> Store:
    return open_store(args.db)


def _password(args: argparse.Namespace, name: str) -> str:
    if args.password_stdin:
        line = sys.stdin.readline()
        password = line.rstrip("\r\n")
        if not password:
            raise CommandError("no password on standard input")
        return password
    password = getpass.getpass(f"Password for {name}: ")
    if getpass.getpass("Again: ") != password:
        raise CommandError("the passwords differ; nothing changed")
    return password


def cmd_add(args: argparse.Namespace) -> int:
    store = _store(args)
    name = accounts.check_name(args.name)  # before asking for a password
    first = not accounts.team_mode(store)
    user = accounts.add_user(store, name, role=args.role, password=_password(args, name))
    print(f"added {user.name} ({user.role})")
    if first:
        print("team mode is on: the app now asks everyone to log in")
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    users = accounts.list_users(_store(args))
    if args.json:
        rows = [
            {
                "name": u.name,
                "role": u.role.value,
                "disabled": u.disabled,
                "created_at": u.created_at.isoformat() if u.created_at else None,
            }
            for u in users
        ]
        print(json.dumps(rows, indent=2, ensure_ascii=False))
        return 0
    if not users:
        print("no users: single-user mode (no login); `workbench user add NAME --role admin`")
    for u in users:
        print(f"{u.name}\t{u.role}" + ("\tdisabled" if u.disabled else ""))
    return 0


def cmd_passwd(args: argparse.Namespace) -> int:
    store = _store(args)
    if accounts.get_user(store, args.name) is None:
        raise CommandError(f"no user named {args.name!r}")
    accounts.set_password(store, args.name, _password(args, args.name))
    print(f"password of {args.name} changed")
    return 0


def cmd_disable(args: argparse.Namespace) -> int:
    user = accounts.disable(_store(args), args.name)
    print(f"{user.name} is disabled (their labels stay)")
    return 0


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("user", help="manage accounts (the first one turns on logins)")
    actions = p.add_subparsers(dest="action", required=True)

    a = actions.add_parser("add", help="add an account")
    a.add_argument("name")
    a.add_argument("--role", required=True, choices=[r.value for r in accounts.Role])
    a.add_argument("--password-stdin", action="store_true", help="read the password from stdin")
    a.set_defaults(func=cmd_add)

    a = actions.add_parser("list", help="list the accounts")
    a.add_argument("--json", action="store_true")
    a.set_defaults(func=cmd_list)

    a = actions.add_parser("passwd", help="set an account's password")
    a.add_argument("name")
    a.add_argument("--password-stdin", action="store_true", help="read the password from stdin")
    a.set_defaults(func=cmd_passwd)

    a = actions.add_parser("disable", help="disable an account (its labels stay)")
    a.add_argument("name")
    a.set_defaults(func=cmd_disable)
