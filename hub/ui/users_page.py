"""Admin page for staff accounts (/ui/kullanicilar): list, add, new password, (de)activate,
end sessions. Every change goes through hub.actions.users (permission ``user.manage``)."""

from __future__ import annotations

from typing import Any

from aiohttp import web
from sqlmodel import select

from hub.actions import users
from hub.actions.errors import ActionError, NotFound
from hub.api.errors import path_id
from hub.auth import require
from hub.models import Department, User
from hub.ui import labels
from hub.ui.render import actor_of, render

MAX_FIELD = 600  # form fields are cut here before they reach the actions (which bound them further)


def _listing(hub: Any) -> tuple[list[dict], list[dict]]:
    with hub.db.reader() as session:
        accounts = [
            {"id": u.id, "username": u.username, "display_name": u.display_name, "role": u.role,
             "department": u.department_code, "active": u.active, "has_password": u.password_hash is not None,
             "created_at": u.created_at, "ilce": u.ilce, "mahalle": u.mahalle}
            for u in session.exec(select(User).order_by(User.username))
        ]  # fmt: skip
        departments = [
            {"code": d.code, "name": d.name}
            for d in session.exec(select(Department).where(Department.active == True).order_by(Department.name))  # noqa: E712
        ]
    return accounts, departments


async def users_page(
    request: web.Request, *, status: int = 200, form_error: dict | None = None, form: dict | None = None
) -> web.Response:
    """``form_error`` = {"form": "ekle" | <user id>, "message": Turkish text}, shown beside that form."""
    require(actor_of(request), "user.manage")
    hub = request.app["hub"]
    accounts, departments = await hub.db.run(_listing, hub)
    return render(
        request, "users.html", status=status, page_title="Kullanıcılar", accounts=accounts,
        departments=departments, dept_names={d["code"]: d["name"] for d in departments},
        roles=list(users.STAFF_ROLES), new_roles=list(users.USER_ROLES), form_error=form_error or {}, form=form or {},
        min_password=users.MIN_PASSWORD, state_label=labels.USER_STATE,
        flash=None if form_error else labels.USER_DONE.get(request.query.get("tamam", "")),
    )  # fmt: skip


def _field(form: Any, name: str) -> str:
    return str(form.get(name, ""))[:MAX_FIELD]


def _same_passwords(form: Any) -> str:
    password = _field(form, "parola")
    if password != _field(form, "parola2"):
        raise ActionError("passwords differ", field="password")
    return password


_MUHTAR_ERRORS = {  # hub.actions.muhtars / users refusals of a muhtar account, by field
    "ilce": "İlçe bulunamadı. İlin ilçelerinden birini yazın.",
    "mahalle": "Mahalle bu ilçede bulunamadı. Adres kayıt sistemindeki adıyla yazın.",
    "phone": "Cep telefonu geçerli bir Türkiye numarası değil.",
    "department": "Muhtar hesabına birim verilmez; mahallesi yeterlidir.",
}


def _message(exc: ActionError) -> str:
    if exc.message == "passwords differ":
        return "Parolalar aynı değil."
    if exc.field in ("ilce", "mahalle", "phone") and "only for muhtar" in exc.message:
        return "İlçe, mahalle ve telefon yalnızca muhtar hesapları içindir."
    if exc.field in _MUHTAR_ERRORS and (exc.field != "department" or "muhtar" in exc.message):
        return _MUHTAR_ERRORS[exc.field]
    return labels.turkish_error(exc)


async def add_user(request: web.Request) -> web.StreamResponse:
    actor = actor_of(request)
    require(actor, "user.manage")
    hub = request.app["hub"]
    form = await request.post()
    kept = {k: _field(form, k) for k in ("kullanici", "ad", "rol", "birim", "ilce", "mahalle", "telefon")}  # never the passwords

    def work() -> None:
        with hub.db.session() as session:
            users.create_user(
                session, actor, username=kept["kullanici"], display_name=kept["ad"], role=kept["rol"],
                department=kept["birim"] or None, password=_same_passwords(form),
                ilce=kept["ilce"] or None, mahalle=kept["mahalle"] or None, phone=kept["telefon"] or None,
            )  # fmt: skip

    try:
        await hub.db.run(work)
    except ActionError as exc:
        return await users_page(request, status=exc.status, form_error={"form": "ekle", "message": _message(exc)},
                                form=kept)  # fmt: skip
    raise web.HTTPSeeOther("/ui/kullanicilar?tamam=eklendi")


def _user_id(request: web.Request) -> int:
    return path_id(request, "no user")


async def change_user(request: web.Request) -> web.StreamResponse:
    """POST /ui/kullanicilar/{id}/{islem}: parola, rol, etkinlestir, devre-disi, oturumlari-kapat."""
    actor = actor_of(request)
    require(actor, "user.manage")
    hub = request.app["hub"]
    uid = _user_id(request)
    op = request.match_info["islem"]
    if op not in ("parola", "rol", "etkinlestir", "devre-disi", "oturumlari-kapat"):
        raise NotFound("no such action")
    form = await request.post()

    def work() -> str:
        with hub.db.session() as session:
            user = session.get(User, uid)
            if user is None:
                raise NotFound(f"no user {uid}")
            if op == "parola":
                users.set_password(session, actor, user, _same_passwords(form))
                return "parola"
            if op == "rol":
                # "" clears the department (e.g. a department user who becomes an agent)
                users.update_user(session, actor, user, role=_field(form, "rol") or None,
                                  department=_field(form, "birim"))  # fmt: skip
                return "rol"
            if op in ("etkinlestir", "devre-disi"):
                users.set_active(session, actor, user, op == "etkinlestir")
                return "etkin" if op == "etkinlestir" else "pasif"
            users.end_sessions(session, actor, uid)
            return "oturum"

    try:
        done = await hub.db.run(work)
    except ActionError as exc:
        if isinstance(exc, NotFound):
            raise
        return await users_page(request, status=exc.status, form_error={"form": uid, "message": _message(exc)})
    if done == "pasif":
        hub.key_cache.clear()  # the user's API keys stop at once in this process (others: cache TTL)
    raise web.HTTPSeeOther(f"/ui/kullanicilar?tamam={done}#u{uid}")
