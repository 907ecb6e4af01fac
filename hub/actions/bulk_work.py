"""Bulk actions on selected queue rows: assign, forward, close as a duplicate of, tag.

Each request goes through the same action as one-by-one work (``hub.actions.requests``), in a
transaction of its own, so each is audited like a single action and a request that refuses
(someone else holds it, a status that does not allow it) is skipped without undoing the rest.
"""

from __future__ import annotations

import re
from typing import Any

from hub.actions import requests as ra
from hub.actions.errors import ActionError
from hub.auth import Actor, PermissionDenied, require
from hub.models import Department, Request, User

_TAG = re.compile(r"^[0-9a-zçğıöşü][0-9a-zçğıöşü_-]{0,39}$")
PERMISSION = {"ata": "request.assign", "ilet": "request.forward", "kopya": "request.merge", "etiket": "request.update"}


class BulkError(Exception):
    """The bulk action cannot start (its parameter is missing or wrong): a Turkish message."""


def normal_tag(raw: str) -> str:
    """Tags are lower case in Turkish (I → ı, İ → i), words joined by '-'."""
    tag = raw.strip().replace("I", "ı").replace("İ", "i").lower()
    tag = re.sub(r"\s+", "-", tag)
    if not _TAG.match(tag):
        raise BulkError("Etiket 1-40 karakter olmalı: küçük harf, rakam, '-' ya da '_' (ör. geri-arama).")
    return tag


def apply(hub: Any, actor: Actor, op: str, ids: list[int], arg: str) -> tuple[list[int], list[int]]:
    """Run ``op`` on each request of ``ids``; returns (done ids, skipped ids)."""
    if op not in PERMISSION:
        raise BulkError("Bilinmeyen toplu işlem.")
    require(actor, PERMISSION[op])
    fn = _bound(hub, actor, op, arg)
    done: list[int] = []
    skipped: list[int] = []
    for rid in ids:
        try:
            with hub.db.session() as session:
                req = ra.get(session, actor, rid, for_update=True)
                fn(session, actor, req)
            done.append(rid)
        except (ActionError, PermissionDenied):
            skipped.append(rid)
    return done, skipped


def _bound(hub: Any, actor: Actor, op: str, arg: str) -> Any:
    if op == "ata":
        if not arg.isdigit():
            raise BulkError("Atanacak kişiyi seçin.")
        uid = int(arg)
        with hub.db.reader() as session:
            if session.get(User, uid) is None:
                raise BulkError("Atanacak kişi bulunamadı.")
        return lambda se, a, r: ra.assign(se, a, r, uid)
    if op == "ilet":
        with hub.db.reader() as session:
            dept = session.get(Department, arg) if arg else None
        if dept is None or not dept.active:
            raise BulkError("İletilecek birimi seçin.")

        def forward(se: Any, a: Actor, r: Request) -> None:
            from hub.actions import notify

            ra.forward(se, a, r, dept.code, base_url=hub.settings.base_url)
            notify.notify(se, r, "forwarded")

        return forward
    if op == "kopya":
        with hub.db.reader() as session:
            target = ra.by_code(session, arg) if arg and not arg.isdigit() else (session.get(Request, int(arg)) if arg else None)
            if target is None or not actor.can_see_department(target.department):
                raise BulkError("Asıl talep bulunamadı: takip numarasını yazın (ör. KAY-2026-000123).")
            target_id = target.id

        def merge(se: Any, a: Actor, r: Request) -> None:
            if r.id == target_id:
                raise ActionError("a request cannot be merged into itself", field="into")
            into = se.get(Request, target_id)
            ra.merge(se, a, r, into)

        return merge
    tag = normal_tag(arg)

    def add_tag(se: Any, a: Actor, r: Request) -> None:
        if tag in (r.tags or []):
            return
        ra.update(se, a, r, {"tags": [*(r.tags or []), tag]})

    return add_tag
