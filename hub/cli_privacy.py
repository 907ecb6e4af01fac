"""``run_hub.py privacy …``: a citizen's KVKK requests and the retention purge.

- ``export``: everything held about one person, as JSON (KVKK art. 11).
- ``erase``: erase that person's personal data; refused while a request of theirs is open.
- ``purge``: erase finished requests older than the retention period now (the hub also
  does this by itself when HUB_RETENTION_DAYS is set).
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any


def _who(p: argparse.ArgumentParser) -> None:
    g = p.add_mutually_exclusive_group(required=True)
    g.add_argument("--contact", type=int, help="contact id")
    g.add_argument("--phone", help="a phone number in any common Turkish form")
    g.add_argument("--email")
    g.add_argument("--code", help="a tracking code of one of their requests, e.g. KAY-2026-000123")


def _find(session: Any, args: argparse.Namespace) -> Any:
    from hub.queries.contacts import find_contact

    contact = find_contact(session, contact_id=args.contact, phone=args.phone, email=args.email, tracking_code=args.code)
    if contact is None:
        raise SystemExit("hata: bu bilgiyle kayıtlı kişi bulunamadı")
    return contact


def cmd_privacy(args: argparse.Namespace) -> int:
    from hub.actions import privacy
    from hub.actions.errors import ActionError
    from hub.auth import SYSTEM_CLI
    from hub.cli import _settings
    from hub.context import Hub
    from hub.queries.privacy import contact_record

    st = _settings(args)
    hub = Hub(st)
    try:
        if args.privacy_cmd == "export":
            with hub.db.session() as session:
                contact = _find(session, args)
                privacy.record_export(session, SYSTEM_CLI, contact.id, via="cli")
                record = contact_record(session, contact)
            print(json.dumps(record, ensure_ascii=False, indent=1))
            return 0
        if args.privacy_cmd == "erase":
            with hub.db.session() as session:
                contact = _find(session, args)
                done = privacy.erase_contact(session, SYSTEM_CLI, contact.id, reason=args.reason,
                                             delete_file=hub.attachments.delete)  # fmt: skip
            print(json.dumps({"erased": done.as_dict(), "requests": done.request_codes}, ensure_ascii=False))
            return 0
        if args.privacy_cmd == "purge":
            from hub.workers.retention import purge_once

            days = args.older_than or st.retention_days
            if not days:
                print("hata: saklama süresi yok: --older-than GÜN verin ya da HUB_RETENTION_DAYS ayarlayın",
                      file=sys.stderr)  # fmt: skip
                return 2
            print(json.dumps({"retention_days": days, "erased": purge_once(hub, retention_days=days)}, ensure_ascii=False))
            return 0
    except ActionError as exc:
        print(f"hata: {exc.message}", file=sys.stderr)
        return 2
    return 2


def add_parsers(sub: Any) -> None:
    p = sub.add_parser("privacy", help="KVKK: export or erase a citizen's data; purge expired data")
    psub = p.add_subparsers(dest="privacy_cmd", required=True)
    ex = psub.add_parser("export", help="print everything held about one person as JSON")
    _who(ex)
    er = psub.add_parser("erase", help="erase one person's personal data (refused while a request is open)")
    _who(er)
    er.add_argument("--reason", required=True, help="why, e.g. the number of the citizen's KVKK application")
    pu = psub.add_parser("purge", help="erase requests finished longer ago than the retention period")
    pu.add_argument("--older-than", type=int, metavar="DAYS", help="default: HUB_RETENTION_DAYS")
    p.set_defaults(fn=cmd_privacy)
