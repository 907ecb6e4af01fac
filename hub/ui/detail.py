"""/ui/talep/{id}: everything about one request, and the forms that act on it.

Every write goes through hub.actions inside one transaction, the same way the JSON API
calls them; a refusal re-renders the page with a Turkish message and loses no input.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from typing import Any

from aiohttp import web
from sqlalchemy import bindparam, func, or_
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from hub.actions import requests as ra
from hub.actions.errors import ActionError, NotFound
from hub.api.errors import path_id
from hub.api.views import DETAIL_COLUMNS, detail_view, event_rows, outbox_rows, thread_rows
from hub.auth import Actor, PermissionDenied, require
from hub.models import PRIORITIES, REQUEST_TYPES, ApiKey, Contact, Department, Request, User, utcnow
from hub.queries.delivery import CITIZEN_KINDS, citizen_unreached, message_state, outbox_item
from hub.ui import claim_page, labels
from hub.ui.render import actor_of, render

FLASH = {
    "ustlen": "Talebi üstlendiniz.", "ata": "Talep atandı.", "ilet": "Talep birime iletildi.",
    "cevapla": "Cevap kaydedildi ve gönderim sırasına alındı.", "not": "İç not eklendi.",
    "kapat": "Talep kapatıldı.", "cevapla-kapat": "Cevap gönderim sırasına alındı ve talep kapatıldı.", "bekle": "Talep vatandaştan bilgi bekliyor; süre durduruldu.",
    "duzelt": "Düzeltme kaydedildi.", "birlestir": "Talep birleştirildi.",
    "ilk-temas": "Çağrı kaydedildi ve bilgi bankasıyla ilk temasta çözüldü olarak kapatıldı.",
    "hepsini-birlestir": "Benzer talepler bu talebe birleştirildi.",
    "kvkk-sil": "Başvuranın kişisel verileri silindi.",
    "yeni": "Talep kaydedildi ve kurallara göre yönlendirildi.",
    "eklendi": "Metin, içinde adı geçen mevcut talebe eklendi.",
    "tekrar": "Bu form zaten kaydedilmişti; aynı talep açıldı.",
    "geri-arama": "Görüşme kaydedildi.",
    "arama-eklendi": "Arama bu talebe mesaj olarak eklendi; yeni talep açılmadı.",
    "iade": "Talep iade edildi; iade notu CİMER/MBS cevap dosyasına yazılacak.",
    "mektup": "Yazılı cevap (PDF mektup) hazırlandı ve talebe eklendi.",
}  # fmt: skip

SYSTEM_NAMES = {
    "system:intake": "Sistem (karşılama)", "system:worker": "Sistem (gönderim)",
    "system:sla": "Sistem (süre takibi)", "system:cli": "Sistem (komut satırı)",
    "system:retention": "Sistem (saklama süresi)",
}  # fmt: skip


def mask_phone(phone: str | None) -> str | None:
    if not phone:
        return phone
    return phone[:4] + "*" * max(0, len(phone) - 6) + phone[-2:]


def mask_email(email: str | None) -> str | None:
    if not email or "@" not in email:
        return email
    name, domain = email.split("@", 1)
    return f"{name[:1]}***@{domain}"


def _request_id(request: web.Request) -> int:
    return path_id(request, "request not found")


@lru_cache(maxsize=1)
def _statements() -> dict[str, Any]:
    """The page's queries, built once with parameters: building a select with some sixty columns
    cost more CPU than PostgreSQL took to run it."""
    rid = bindparam("rid")
    parent = aliased(Request)
    claim_cols, claim_join = claim_page.claim_columns()
    return {
        # the request with its contact, parent, claim row and "citizen never reached" flag
        "request": claim_join(
            select(*DETAIL_COLUMNS, Contact, parent.id.label("parent_ref"), parent.tracking_code.label("parent_code"),
                   *claim_cols, citizen_unreached().label("unreached"))
            .select_from(Request)
            .outerjoin(Contact, Contact.id == Request.contact_id)
            .outerjoin(parent, parent.id == Request.parent_id)
        ).where(Request.id == rid),
        # the requests merged into it and its duplicate candidates, only the columns shown
        "related": select(Request.id, Request.tracking_code, Request.status, Request.department, Request.parent_id,
                          func.substr(Request.text, 1, 160).label("snippet"))
        .where(or_(Request.parent_id == rid, col(Request.id).in_(bindparam("ids", expanding=True))))
        .order_by(Request.id),
        # every account: the names of those deactivated since are still shown in the history
        "accounts": select(User.id, User.display_name, User.role, User.active).order_by(User.display_name),
        "keys": select(ApiKey.id, ApiKey.name).where(col(ApiKey.id).in_(bindparam("keys", expanding=True))),
        "departments": select(Department.code, Department.name)
        .where(Department.active.is_(True))
        .order_by(Department.name),
    }  # fmt: skip


def load(hub: Any, actor: Actor, rid: int) -> dict[str, Any]:
    """Everything the page shows, read in one session; then the claim banner writes only what is
    stale (hub/ui/claim_page.py ``settle``)."""
    from hub.actions.callbacks import for_request
    from hub.actions.claims import present
    from hub.queries.actor_names import key_ids, names_of
    from hub.queries.routing_choice import proposed_department, rules_department

    with hub.db.reader() as session:
        q = _statements()
        req = session.exec(q["request"], params={"rid": rid}).first()
        if req is None or not actor.can_see_department(req.department):
            raise NotFound(f"request {rid} not found")
        thread, events, outbox = thread_rows(session, rid), event_rows(session, rid), outbox_rows(session, rid)
        candidates = list((req.classification or {}).get("duplicates") or [])[:10]
        ids = [c.get("request_id") for c in candidates if isinstance(c.get("request_id"), int)]
        related = session.exec(q["related"], params={"rid": rid, "ids": ids}).all()
        cluster = [r for r in related if r.parent_id == rid]
        accounts = session.exec(q["accounts"]).all()
        keys = key_ids([m.author for m in thread] + [e.actor for e in events])
        api_keys = session.exec(q["keys"], params={"keys": list(keys)}).all() if keys else []
        depts = [(x.code, x.name) for x in session.exec(q["departments"])]
        calls = [{"id": c.id, "status": c.status, "attempt": c.attempt, "due_at": c.due_at, "reason": labels.reason_label(c.reason),
                  "outcome": labels.label(labels.CALLBACK_OUTCOME, c.outcome) if c.outcome else None, "note": c.note}
                 for c in for_request(session, rid)]  # fmt: skip
        open_now = present(session, rid, window=claim_page.presence_window(hub))
        claim = claim_page.holder(req)
        active = claim if claim and claim["until"] > utcnow() else None
        d = detail_view(
            session, req, contact=req.Contact, thread=thread, events=events, outbox=outbox, cluster=cluster,
            claim={**active, "since": active["since"].isoformat(), "until": active["until"].isoformat()} if active else None,
        )  # fmt: skip
    users = [(u.id, u.display_name, u.role) for u in accounts if u.active]
    by_id = {r.id: r for r in related}
    dups = []
    for cand in candidates:
        other = by_id.get(cand.get("request_id"))  # type: ignore[arg-type]
        if other is not None and other.id != rid and actor.can_see_department(other.department):
            dups.append({"id": other.id, "tracking_code": other.tracking_code, "status": other.status,
                         "score": cand.get("score"), "text": other.snippet, "merged": other.parent_id is not None})  # fmt: skip
    deliveries = [outbox_item(o) for o in outbox]
    if d["contact"] and not actor.can("contact.read"):
        d["contact"] = {**d["contact"], "phone": mask_phone(d["contact"]["phone"]),
                        "email": mask_email(d["contact"]["email"]), "telegram_id": None, "x_handle": None}  # fmt: skip
    attachments = [a for m in d["thread"] for a in (m.get("attachments") or [])]
    return {
        "r": d, "users": users, "names": {uid: name for uid, name, _ in users}, "departments": depts,
        "dept_names": dict(depts), "actor_names": names_of([(u.id, u.display_name) for u in accounts], api_keys),
        "duplicates": dups, "attachments": attachments,
        "parent": {"id": req.parent_ref, "tracking_code": req.parent_code} if req.parent_ref is not None else None,
        "callbacks": calls, "youtube": youtube_view(hub, req, deliveries),
        "proposed_department": proposed_department(d), "rules_department": rules_department(d["routing"]["trace"]),
        **_delivery_view(d["thread"], deliveries, bool(req.unreached)),
        **claim_page.banner(hub, actor, rid, claim, open_now),
    }  # fmt: skip


def youtube_view(hub: Any, req: Any, deliveries: list[dict]) -> dict[str, Any] | None:
    """A YouTube request's call to action: where the comment is, and whether the hub posts the
    answer itself (OAuth configured) or the agent must post it by hand."""
    if req.channel != "youtube":
        return None
    url = str((req.reply_to or {}).get("url") or "")
    posts = bool(hub.connectors and hub.connectors.sender_for("youtube") is not None)
    return {
        "url": url if url.startswith("https://www.youtube.com/") else None, "posts": posts,
        "manual": any(o["kind"] == "reply" and o["state"] == "skipped" for o in deliveries),
    }  # fmt: skip


def _delivery_view(thread: list[dict], deliveries: list[dict], unreached: bool) -> dict[str, Any]:
    """Each item's honest state; each outgoing message's state from its own item (a message's
    ``sent`` is also written for items the worker skipped); and, when the citizen was never
    reached, the latest item that missed them, for the warning at the top."""
    by_message = {o["message_id"]: o for o in deliveries if o["message_id"]}
    message_delivery = {}
    for m in thread:
        item = by_message.get(m["id"])
        state = item["state"] if item else message_state(m.get("delivery_status"))
        if state:
            message_delivery[m["id"]] = {"state": state, "skip_reason": item["skip_reason"] if item else None}
    missed = None
    if unreached:
        missed = next((o for o in reversed(deliveries)
                       if o["kind"] in CITIZEN_KINDS and o["state"] in ("skipped", "failed")), None)  # fmt: skip
    return {"deliveries": deliveries, "message_delivery": message_delivery, "unreached": missed,
            "delivery_label": labels.delivery_label, "unreached_label": labels.UNREACHED}  # fmt: skip


async def show(
    request: web.Request, *, status: int = 200, error: str | None = None, form: Any = None
) -> web.Response:
    actor = actor_of(request)
    require(actor, "request.read")
    hub = request.app["hub"]
    data = await hub.db.run(load, hub, actor, _request_id(request))  # with the claim banner
    flash = FLASH.get(request.query.get("tamam", "")) or claim_page.FLASH.get(request.query.get("tamam", ""))
    return render(
        request, "detail.html", status=status, page_title=data["r"]["tracking_code"] or "Talep",
        error=error, flash=None if error else flash, form=form or {}, request_types=REQUEST_TYPES,
        priorities=PRIORITIES, **data,
    )  # fmt: skip


def _text(form: Any, key: str, limit: int = 20_000) -> str:
    return str(form.get(key, "")).strip()[:limit]


def _masked_text(text: str) -> str:
    from classifier.text import mask_pii

    return mask_pii(text)


def _action(name: str, form: Any, hub: Any) -> Callable[[Session, Actor, Request], None]:
    """The action behind one form, already bound to its (validated) inputs."""
    if name in claim_page.ACTIONS:  # Üstlen / Devral / Bırak (hub/ui/claim_page.py)
        return claim_page.action(name, form, hub)
    if name == "ata":
        raw = _text(form, "kullanici", 20)
        try:
            uid = int(raw) if raw else None
        except ValueError:
            raise ActionError("user not found", field="assignee_id") from None
        return lambda se, a, r: ra.assign(se, a, r, uid)
    if name == "ilet":
        dept = _text(form, "birim", 60)
        co = [str(c) for c in form.getall("ortak", []) if c and c != dept]
        note = _text(form, "not", 2000) or None

        def forward(se: Session, a: Actor, r: Request) -> None:
            from hub.actions import notify

            ra.forward(se, a, r, dept, co_departments=co, note=note, base_url=hub.settings.base_url)
            notify.notify(se, r, "forwarded")

        return forward
    if name == "cevapla":
        text = _text(form, "metin")
        internal = form.get("ic_not") == "1"
        outcome = _text(form, "sonuc", 20) or None
        close = form.get("kapat") == "1" and not internal
        return lambda se, a, r: ra.reply(
            se, a, r, text, outcome=outcome, outcome_reason=_text(form, "gerekce", 2000) or None,
            close=close, internal=internal,
        )  # fmt: skip
    if name == "kapat":
        outcome = _text(form, "sonuc", 20) or None
        reason = _text(form, "gerekce", 2000) or None
        return lambda se, a, r: ra.close_request(se, a, r, outcome=outcome, reason=reason)
    if name == "bekle":
        question = _text(form, "soru", 2000) or None
        return lambda se, a, r: ra.wait_on_citizen(se, a, r, question)
    if name == "duzelt":
        changes: dict[str, Any] = {}
        for key, field in (("konu", "topic"), ("tur", "request_type"), ("mahalle", "mahalle"), ("ilce", "ilce"),
                           ("oncelik", "priority")):  # fmt: skip
            value = _text(form, key, 100)
            if value:
                changes[field] = value
        return lambda se, a, r: ra.update(
            se, a, r, _only_changed(r, changes), masked_text=_masked_text(r.text)
        )
    if name == "birlestir":
        code = _text(form, "hedef", 60)

        def merge(se: Session, a: Actor, r: Request) -> None:
            target = ra.by_code(se, code) if not code.isdigit() else se.get(Request, int(code))
            if target is None or not a.can_see_department(target.department):
                raise ActionError("target request not found", field="into")
            ra.merge(se, a, r, target)

        return merge
    if name == "hepsini-birlestir":
        ids = [int(x) for x in form.getall("aday", []) if str(x).isdigit()]

        def merge_all(se: Session, a: Actor, r: Request) -> None:
            if not ids:
                raise ActionError("no duplicate candidates selected", field="into")
            for cid in ids:
                other = ra.get(se, a, cid, for_update=True)
                if other.parent_id is None and other.id != r.id:
                    ra.merge(se, a, other, r)

        return merge_all
    if name == "kvkk-sil":
        reason = _text(form, "gerekce", 500)
        confirmed = form.get("onay") == "1"

        def erase(se: Session, a: Actor, r: Request) -> None:
            from hub.actions import privacy

            if not confirmed:
                raise ActionError("erasure not confirmed", field="onay")
            if r.contact_id is None:
                raise ActionError("this request has no contact to erase", field="contact_id")
            privacy.erase_contact(se, a, r.contact_id, reason=reason, delete_file=hub.attachments.delete)

        return erase
    raise NotFound("unknown action")


def _only_changed(req: Request, changes: dict[str, Any]) -> dict[str, Any]:
    out = {k: v for k, v in changes.items() if getattr(req, k) != v}
    if not out:
        raise ActionError("nothing to change", field="body")
    return out


async def act(request: web.Request) -> web.StreamResponse:
    actor = actor_of(request)
    hub = request.app["hub"]
    rid = _request_id(request)
    name = request.match_info["action"]
    form = await request.post()
    flash = name
    if name == "cevapla":
        flash = (
            "not" if form.get("ic_not") == "1" else ("cevapla-kapat" if form.get("kapat") == "1" else name)
        )

    def work() -> None:
        fn = _action(name, form, hub)
        with hub.db.session() as session:
            req = ra.get(session, actor, rid, for_update=True)
            fn(session, actor, req)

    try:
        await hub.db.run(work)
    except (ActionError, PermissionDenied) as exc:
        status = exc.status if isinstance(exc, ActionError) else 403
        if isinstance(exc, NotFound) and name not in ("birlestir",):
            raise
        return await show(request, status=status, error=labels.turkish_error(exc), form=dict(form))
    raise web.HTTPSeeOther(f"/ui/talep/{rid}?tamam={flash}#ust")


async def attachment(request: web.Request) -> web.StreamResponse:
    """Download one attachment of a request the user may see; always as a download, never
    rendered inline, so a file cannot run script in the hub's origin."""
    from urllib.parse import quote

    from hub.models import Message

    actor = actor_of(request)
    require(actor, "request.read")
    hub = request.app["hub"]
    rid, sha = _request_id(request), request.match_info["sha"]

    def find() -> dict | None:
        with hub.db.reader() as session:
            ra.get(session, actor, rid)
            for m in session.exec(select(Message).where(Message.request_id == rid)):
                for a in m.attachments or []:
                    if a.get("sha256") == sha:
                        return a
        return None

    meta = await hub.db.run(find)
    path = hub.attachments.path(sha) if meta else None
    if meta is None or path is None:
        raise NotFound("attachment not found")
    name = str(meta.get("filename") or "ek")
    return web.FileResponse(
        path,
        headers={
            "Content-Type": "application/octet-stream",
            "Content-Disposition": f"attachment; filename*=UTF-8''{quote(name)}",
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "no-store",
        },
    )
