"""``python run_hub.py``: the hub and its subcommands on one entry point."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import signal
import sys
from pathlib import Path

from hub import cli_model, cli_privacy, cli_users

log = logging.getLogger("hub")


def _settings(args: argparse.Namespace):  # noqa: ANN202
    from hub.settings import Settings

    overrides = {}
    if getattr(args, "demo", False):
        overrides["demo"] = True
        if os.environ.get("HUB_ANONYMOUS_ROLE") is None:
            overrides["anonymous_role"] = "supervisor"
    if getattr(args, "port", None):
        overrides["port"] = args.port
    if getattr(args, "host", None):
        overrides["host"] = args.host
    return Settings(**overrides)


def cmd_serve(args: argparse.Namespace) -> int:
    from aiohttp import web

    from hub.context import Hub
    from hub.observability import setup_logging

    st = _settings(args)
    setup_logging(st.log_level)
    hub = Hub(st)
    if args.demo:
        from hub import demo

        with hub.db.reader() as session:
            from sqlmodel import func, select

            from hub.models import Request

            have = session.exec(select(func.count()).select_from(Request)).one()
        logins = demo.seed(hub, n=args.demo_count) if have == 0 else demo._users(hub)
        print("Demo girişleri (kullanıcı / parola / API anahtarı):")
        for row in logins:
            print(f"  {row['username']:<11} {row['password']:<17} {row['api_key']}  ({row['role']})")
    _bootstrap_key(hub)
    app = hub.app()

    async def main() -> None:
        runner = web.AppRunner(app, handle_signals=False, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, st.host, st.port)
        await site.start()
        print(f"Talep Hub çalışıyor: {st.base_url}  (durdurmak için Ctrl+C)", flush=True)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        await stop.wait()
        log.info("stopping: finishing work in hand")
        await runner.cleanup()

    asyncio.run(main())
    return 0


def _bootstrap_key(hub) -> None:  # noqa: ANN001
    key = hub.settings.bootstrap_admin_key
    if key is None:
        return
    from sqlmodel import select

    from hub.actions.users import create_api_key
    from hub.auth import SYSTEM_CLI, hash_key
    from hub.models import ApiKey

    digest = hash_key(key.get_secret_value())
    with hub.db.session() as session:
        if session.exec(select(ApiKey).where(ApiKey.key_hash == digest)).first() is None:
            create_api_key(session, SYSTEM_CLI, name="bootstrap admin", role="admin", key=key.get_secret_value())


def cmd_migrate(args: argparse.Namespace) -> int:
    from hub.db import migrate

    st = _settings(args)
    st.data_dir.mkdir(parents=True, exist_ok=True)
    migrate(st.resolved_database_url)
    print("veritabanı güncel")
    return 0


def cmd_seed_demo(args: argparse.Namespace) -> int:
    from hub import demo
    from hub.context import Hub

    hub = Hub(_settings(args))
    logins = demo.seed(hub, n=args.count)
    print(json.dumps({"seeded": args.count, "logins": logins}, ensure_ascii=False, indent=1))
    return 0


def cmd_rules(args: argparse.Namespace) -> int:
    from hub.routing import known_vocab
    from hub.rules.check import check_file

    if args.rules_cmd == "check":
        code, text = check_file(args.file, **known_vocab())
        print(text)
        return code
    if args.rules_cmd == "backtest":
        from hub.context import Hub
        from hub.rules import RulesError, RuleSet
        from hub.rules_backtest import run_backtest

        try:
            candidate = RuleSet.from_file(args.file, **known_vocab())
        except RulesError as exc:
            print(exc.format())
            return 2
        except OSError as exc:
            print(f"{args.file}: {exc.strerror}")
            return 2
        hub = Hub(_settings(args))
        since = _days(args.since) if args.since else None
        report = run_backtest(hub, candidate, since_days=since)
        print(json.dumps(report.to_dict(), ensure_ascii=False, indent=1) if args.json else report.format())
        return 0
    return 2


def _days(value: str) -> int:
    value = value.strip().lower()
    if value.endswith("d"):
        value = value[:-1]
    try:
        return max(1, int(value))
    except ValueError:
        raise SystemExit(f"--since must look like 30d, got {value!r}") from None


def cmd_import(args: argparse.Namespace) -> int:
    from connectors.imports import ImportRejected, ImportRun, MappingError
    from hub.context import Hub
    from hub.file_imports import mapping_for

    st = _settings(args)
    try:
        mapping = mapping_for(st, args.kind)  # the municipality's own mapping file, if any
        run = ImportRun(Path(args.file), kind=args.kind, mapping=mapping, max_bytes=st.import_max_bytes)
    except MappingError as exc:
        print(f"sütun eşleme dosyası okunamadı: {exc}")
        return 2
    except ImportRejected as exc:
        print(f"dosya reddedildi: {exc}")
        return 2
    created = seen = 0
    with run:  # rows stream from the file and go to intake a batch at a time
        hub = Hub(st)
        for batch in run.batches():
            results = hub.intake.ingest_batch(batch)
            created += sum(r.created for r in results)
            seen += sum(r.duplicate_delivery for r in results)
    print(run.result.format())
    print(f"{created} yeni talep, {seen} daha önce alınmış")
    return 0 if not run.result.rejected_count else 1


def cmd_report(args: argparse.Namespace) -> int:
    from hub import reports
    from hub.actions.errors import ActionError
    from hub.context import Hub

    try:
        reports.quarter_bounds(args.quarter)  # years 2000-2099, checked before the database opens
    except ActionError as exc:
        print(f"hata: dönem 2026Q3 biçiminde, yılı 2000 ile 2099 arasında olmalıdır ({exc.message})", file=sys.stderr)
        return 2
    hub = Hub(_settings(args))
    report = reports.muhtar_quarter(hub.db, args.quarter)
    if args.xlsx:
        reports.muhtar_xlsx(report, args.xlsx)
        print(f"yazıldı: {args.xlsx}")
    else:
        print(json.dumps(report, ensure_ascii=False, indent=1))
    return 0


def cmd_backup(args: argparse.Namespace) -> int:
    from hub.backup import backup

    st = _settings(args)
    try:
        res = backup(st.data_dir, st.resolved_database_url, Path(args.dir))
    except (OSError, ValueError) as exc:
        print(f"hata: yedek alınamadı: {exc}", file=sys.stderr)
        return 2
    print(json.dumps({"path": str(res.path), "database": res.database, "files": res.files, "bytes": res.bytes,
                      "integrity": res.integrity}, ensure_ascii=False))  # fmt: skip
    if res.integrity not in (None, "ok"):
        print(f"hata: yedeğin bütünlük denetimi başarısız: {res.integrity}", file=sys.stderr)
        return 1
    return 0


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="run_hub.py", description="Talep Hub: omnichannel intake and routing hub.")
    p.add_argument("--demo", action="store_true", help="seed about 500 demo requests and print demo logins")
    p.add_argument("--demo-count", type=int, default=500, help=argparse.SUPPRESS)
    p.add_argument("--host")
    p.add_argument("--port", type=int)
    sub = p.add_subparsers(dest="cmd")
    sub.add_parser("serve", help="start the hub (the default)").set_defaults(fn=cmd_serve, demo=False)
    sub.add_parser("migrate", help="create or upgrade the database schema").set_defaults(fn=cmd_migrate)
    sd = sub.add_parser("seed-demo", help="add demo requests and users")
    sd.add_argument("--count", type=int, default=500)
    sd.set_defaults(fn=cmd_seed_demo)
    rules = sub.add_parser("rules", help="check or backtest routing rules")
    rsub = rules.add_subparsers(dest="rules_cmd", required=True)
    rc = rsub.add_parser("check", help="validate a rules file: exit 0 with a summary, or 2 with the errors")
    rc.add_argument("file")
    rb = rsub.add_parser("backtest", help="re-run stored requests through candidate rules")
    rb.add_argument("file")
    rb.add_argument("--since", help="only requests received in this window, e.g. 30d")
    rb.add_argument("--json", action="store_true")
    rules.set_defaults(fn=cmd_rules)
    imp = sub.add_parser("import", help="import a CİMER, MBS or e-Devlet export file (CSV/XLSX)")
    imp.add_argument("kind", choices=["cimer", "mbs", "edevlet"])
    imp.add_argument("file")
    imp.set_defaults(fn=cmd_import)
    cli_users.add_parsers(sub)
    cli_privacy.add_parsers(sub)
    rep = sub.add_parser("report", help="quarterly muhtar figures")
    rep.add_argument("--quarter", required=True, help="e.g. 2026Q3")
    rep.add_argument("--xlsx", help="write an Excel file instead of JSON")
    rep.set_defaults(fn=cmd_report)
    bk = sub.add_parser("backup", help="consistent copy of the data directory (SQLite snapshot, attachments, keys)")
    bk.add_argument("dir", help="folder outside HUB_DATA_DIR; a dated subfolder is created in it")
    bk.set_defaults(fn=cmd_backup)
    cli_model.add_parsers(sub)  # train, model status|activate|rollback
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    fn = getattr(args, "fn", cmd_serve)
    try:
        return fn(args)
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # no traceback reaches a user; the log has it
        logging.getLogger("hub").debug("command failed", exc_info=True)
        print(f"hata: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
