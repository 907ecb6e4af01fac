"""``run_hub.py user …`` and ``run_hub.py api-key``: staff accounts and integration keys.

Everything goes through hub.actions.users as the CLI's system actor, so each change is in the
audit log. Passwords are read with getpass, or one line from stdin with --password-stdin
(for scripts); they are never taken from the command line, where `ps` and shell history see them.
"""

from __future__ import annotations

import argparse
import getpass
import json
import sys
from collections.abc import Callable
from typing import Any

ROLES = ["agent", "supervisor", "department", "admin"]


def _read_password(args: argparse.Namespace) -> str:
    if args.password_stdin:
        line = sys.stdin.readline()
        return line.rstrip("\r\n")
    if not sys.stdin.isatty():
        raise SystemExit("hata: parola için --password-stdin verin (giriş bir terminal değil)")
    first = getpass.getpass("Parola: ")
    if first != getpass.getpass("Parola (tekrar): "):
        raise SystemExit("hata: parolalar aynı değil")
    return first


def _with_session(args: argparse.Namespace, work: Callable[[Any, Any], Any]) -> int:
    from hub.actions.errors import ActionError
    from hub.auth import SYSTEM_CLI
    from hub.cli import _settings
    from hub.context import Hub

    hub = Hub(_settings(args))
    try:
        with hub.db.session() as session:
            out = work(session, SYSTEM_CLI)
    except ActionError as exc:
        print(f"hata: {exc.message}", file=sys.stderr)
        return 2
    if out is not None:
        print(out)
    return 0


def cmd_user(args: argparse.Namespace) -> int:
    from sqlmodel import select

    from hub.actions import users
    from hub.models import User

    if args.user_cmd == "list":

        def listing(session: Any, actor: Any) -> str:
            rows = session.exec(select(User).order_by(User.username)).all()
            return json.dumps(
                [
                    {"username": u.username, "display_name": u.display_name, "role": u.role,
                     "department": u.department_code, "active": u.active,
                     **({"ilce": u.ilce, "mahalle": u.mahalle} if u.mahalle else {})}  # a muhtar's mahalle
                    for u in rows
                ],
                ensure_ascii=False, indent=1,
            )  # fmt: skip

        return _with_session(args, listing)
    if args.user_cmd == "import-muhtars":
        return _import_muhtars(args)
    password = _read_password(args) if args.user_cmd in ("add", "passwd") else None

    def work(session: Any, actor: Any) -> str:
        if args.user_cmd == "add" and args.role == "muhtar":
            from hub.actions import muhtars

            u = muhtars.create_muhtar(
                session, actor, name=args.name or "", phone=args.phone or "", ilce=args.ilce or "",
                mahalle=args.mahalle or "", username=args.username, password=password,
            )  # fmt: skip
            return f"muhtar eklendi: {u.username} ({u.mahalle}, {u.ilce})"
        if args.user_cmd == "add":
            u = users.create_user(
                session, actor, username=args.username, display_name=args.name or args.username,
                role=args.role, department=args.department, password=password,
            )  # fmt: skip
            return f"kullanıcı eklendi: {u.username} ({u.role})"
        user = users.by_username(session, args.username)
        if args.user_cmd == "passwd":
            users.set_password(session, actor, user, password or "")
            return f"parola değişti, açık oturumlar kapandı: {user.username}"
        if args.user_cmd in ("deactivate", "activate"):
            users.set_active(session, actor, user, args.user_cmd == "activate")
            return f"{user.username}: {'etkin' if user.active else 'devre dışı'}"
        if args.user_cmd == "update":
            users.update_user(session, actor, user, role=args.role, department=args.department,
                              display_name=args.name)  # fmt: skip
            return f"güncellendi: {user.username} ({user.role}, {user.department_code or '-'})"
        users.end_sessions(session, actor, user.id)  # "logout"
        return f"oturumlar kapandı: {user.username}"

    return _with_session(args, work)


def _import_muhtars(args: argparse.Namespace) -> int:
    """Bulk muhtar accounts from a CSV (ad soyad, telefon, ilçe, mahalle): bad rows are listed
    on stderr and skipped. With --passwords OUT each new account gets a first password, written
    to OUT (mode 0600) for handing over, never to the terminal."""
    import csv
    import os
    from pathlib import Path

    from hub.actions import muhtars

    text = Path(args.file).read_text(encoding="utf-8-sig")
    report: list[Any] = []

    def work(session: Any, actor: Any) -> str:
        rep = muhtars.import_muhtars(session, actor, text, with_passwords=bool(args.passwords))
        report.append(rep)
        return f"{len(rep.created)} muhtar hesabı eklendi, {len(rep.errors)} satır atlandı"

    code = _with_session(args, work)
    if not report:
        return code
    for err in report[0].errors:
        print(f"satır {err['line']}: {err['field'] or '-'}: {err['message']}", file=sys.stderr)
    if args.passwords and report[0].created:
        fd = os.open(args.passwords, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            out = csv.writer(fh)
            out.writerow(["kullanici", "ilce", "mahalle", "ilk_parola"])
            for row in report[0].created:
                out.writerow([row["username"], row["ilce"], row["mahalle"], row["password"]])
    return 1 if report[0].errors and not report[0].created else code


def cmd_api_key(args: argparse.Namespace) -> int:
    from hub.actions import users

    def work(session: Any, actor: Any) -> str:
        _, key = users.create_api_key(session, actor, name=args.name, role=args.role, department=args.department)
        return key

    return _with_session(args, work)


def add_parsers(sub: Any) -> None:
    key = sub.add_parser("api-key", help="create an API key for an integration (printed once)")
    key.add_argument("name")
    key.add_argument("--role", default="agent", choices=ROLES)
    key.add_argument("--department")
    key.set_defaults(fn=cmd_api_key)

    user = sub.add_parser("user", aliases=["users"], help="staff accounts: add, passwd, update, deactivate, activate, logout, list")
    usub = user.add_subparsers(dest="user_cmd", required=True)
    add = usub.add_parser("add", help="add a staff account")
    add.add_argument("username")
    add.add_argument("--name", help="display name, e.g. 'Ayşe Yılmaz'")
    add.add_argument("--role", default="agent", choices=[*ROLES, "muhtar"])
    add.add_argument("--department", help="department code (required for the department role)")
    add.add_argument("--ilce", help="muhtar: the ilçe of his mahalle")
    add.add_argument("--mahalle", help="muhtar: his mahalle (as in the gazetteer)")
    add.add_argument("--phone", help="muhtar: mobile number for the stage SMS")
    add.add_argument("--password-stdin", action="store_true", help="read the password from stdin")
    pw = usub.add_parser("passwd", help="set a new password (ends the user's open sessions)")
    pw.add_argument("username")
    pw.add_argument("--password-stdin", action="store_true", help="read the password from stdin")
    up = usub.add_parser("update", help="change role, department or display name")
    up.add_argument("username")
    up.add_argument("--role", choices=ROLES)
    up.add_argument("--department", help="department code; '' clears it")
    up.add_argument("--name")
    for name, text in (("deactivate", "block the account and end its sessions"),
                       ("activate", "allow the account again"),
                       ("logout", "end every open session of the account")):  # fmt: skip
        p = usub.add_parser(name, help=text)
        p.add_argument("username")
    usub.add_parser("list", help="list the accounts (JSON)")
    imp = usub.add_parser("import-muhtars", help="add muhtar accounts from a CSV (ad soyad, telefon, ilçe, mahalle)")
    imp.add_argument("file")
    imp.add_argument("--passwords", metavar="OUT", help="give each new account a first password, written to OUT")
    user.set_defaults(fn=cmd_user)
