"""Staff accounts and API keys over the API (admin only: permission ``user.manage``).

Every write goes through hub.actions.users, which writes the ``user.*`` / ``apikey.*`` event.
Password hashes and key hashes never leave the hub; a new key is returned once, at creation.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from aiohttp import web
from pydantic import StringConstraints
from sqlmodel import select

from hub.actions import users
from hub.actions.errors import NotFound
from hub.api.auth import actor_of
from hub.api.errors import path_id, read_json
from hub.api.inputs import DbId
from hub.api.schemas import Strict
from hub.api.views import iso
from hub.auth import require
from hub.delivery.redact import mask_phone
from hub.models import ApiKey, User

routes = web.RouteTableDef()

Role = Literal["agent", "supervisor", "department", "admin", "muhtar"]  # hub.actions.users.USER_ROLES
KeyRole = Literal["agent", "supervisor", "department", "admin"]  # STAFF_ROLES: a muhtar has no API access
Place = Annotated[str, StringConstraints(max_length=100)]
Phone = Annotated[str, StringConstraints(max_length=40)]
Name = Annotated[str, StringConstraints(max_length=200)]
Code = Annotated[str, StringConstraints(max_length=100)]
Password = Annotated[str, StringConstraints(min_length=users.MIN_PASSWORD, max_length=500)]  # as the action checks


class UserCreateIn(Strict):
    # the action's rule (lower-cased and trimmed first), stated here so the OpenAPI document says it
    username: Annotated[str, StringConstraints(pattern=r"^\s*[A-Za-z0-9][A-Za-z0-9._-]{1,49}\s*$")]
    display_name: Name | None = None
    role: Role = "agent"
    department: Code | None = None
    password: Password
    # role muhtar only: his mahalle in the gazetteer (as the web form resolves names) and mobile number
    ilce: Place | None = None
    mahalle: Place | None = None
    phone: Phone | None = None


class UserUpdateIn(Strict):
    """Only the fields given change; ``department: null`` (or "") clears the department."""

    role: Role | None = None
    department: Code | None = None
    display_name: Name | None = None
    active: bool | None = None


class PasswordIn(Strict):
    password: Password


class ApiKeyCreateIn(Strict):
    name: Annotated[str, StringConstraints(min_length=1, max_length=200)]
    role: KeyRole = "agent"
    department: Code | None = None
    user_id: DbId | None = None


def user_view(u: User) -> dict[str, Any]:
    return {"id": u.id, "username": u.username, "display_name": u.display_name, "role": u.role,
            "department": u.department_code, "ilce": u.ilce, "mahalle": u.mahalle,
            "phone": mask_phone(u.phone) if u.phone else None,  # KVKK: masked; the hub keeps the number
            "active": u.active, "has_password": u.password_hash is not None, "created_at": iso(u.created_at)}  # fmt: skip


def key_view(k: ApiKey) -> dict[str, Any]:
    return {"id": k.id, "name": k.name, "role": k.role, "department": k.department_code, "user_id": k.user_id,
            "revoked": k.revoked, "created_at": iso(k.created_at)}  # fmt: skip


def _id(request: web.Request, what: str) -> int:
    return path_id(request, f"no {what} {request.match_info['id'][:40]!r}")


def _user(session: Any, uid: int) -> User:
    user = session.get(User, uid)
    if user is None:
        raise NotFound(f"no user {uid}")
    return user


@routes.get("/api/v1/users")
async def list_users(request: web.Request) -> web.Response:
    require(actor_of(request), "user.manage")
    hub = request.app["hub"]

    def work() -> list[dict]:
        with hub.db.reader() as session:
            return [user_view(u) for u in session.exec(select(User).order_by(User.username))]

    return web.json_response({"items": await hub.db.run(work)})


@routes.post("/api/v1/users")
async def create_user(request: web.Request) -> web.Response:
    actor = actor_of(request)
    require(actor, "user.manage")
    data = UserCreateIn.model_validate(await read_json(request))
    hub = request.app["hub"]

    def work() -> dict:
        with hub.db.session() as session:
            user = users.create_user(
                session, actor, username=data.username, display_name=data.display_name or "", role=data.role,
                department=data.department or None, password=data.password,
                ilce=data.ilce, mahalle=data.mahalle, phone=data.phone,
            )  # fmt: skip
            return user_view(user)

    return web.json_response(await hub.db.run(work), status=201)


@routes.patch("/api/v1/users/{id}")
async def update_user(request: web.Request) -> web.Response:
    actor = actor_of(request)
    require(actor, "user.manage")
    uid = _id(request, "user")
    data = UserUpdateIn.model_validate(await read_json(request))
    given = data.model_fields_set
    hub = request.app["hub"]

    def work() -> dict:
        with hub.db.session() as session:
            user = _user(session, uid)
            if given & {"role", "department", "display_name"}:
                department = (data.department or "") if "department" in given else None  # "" clears
                users.update_user(session, actor, user, role=data.role, department=department,
                                  display_name=data.display_name)  # fmt: skip
            if data.active is not None:
                users.set_active(session, actor, user, data.active)
            return user_view(user)

    out = await hub.db.run(work)
    if data.active is False:
        hub.key_cache.clear()  # the user's API keys stop at once in this process (others: cache TTL)
    return web.json_response(out)


@routes.post("/api/v1/users/{id}/password")
async def set_password(request: web.Request) -> web.Response:
    actor = actor_of(request)
    require(actor, "user.manage")
    uid = _id(request, "user")
    data = PasswordIn.model_validate(await read_json(request))
    hub = request.app["hub"]

    def work() -> dict:
        with hub.db.session() as session:
            user = _user(session, uid)
            users.set_password(session, actor, user, data.password)
            return {"id": uid, "password_changed": True, "sessions_ended": True}

    return web.json_response(await hub.db.run(work))


@routes.post("/api/v1/users/{id}/logout")
async def logout(request: web.Request) -> web.Response:
    actor = actor_of(request)
    require(actor, "user.manage")
    uid = _id(request, "user")
    hub = request.app["hub"]

    def work() -> dict:
        with hub.db.session() as session:
            users.end_sessions(session, actor, uid)
            return {"id": uid, "sessions_ended": True}

    return web.json_response(await hub.db.run(work))


@routes.get("/api/v1/api-keys")
async def list_keys(request: web.Request) -> web.Response:
    require(actor_of(request), "user.manage")
    hub = request.app["hub"]

    def work() -> list[dict]:
        with hub.db.reader() as session:
            return [key_view(k) for k in session.exec(select(ApiKey).order_by(ApiKey.id))]

    return web.json_response({"items": await hub.db.run(work)})


@routes.post("/api/v1/api-keys")
async def create_key(request: web.Request) -> web.Response:
    actor = actor_of(request)
    require(actor, "user.manage")
    data = ApiKeyCreateIn.model_validate(await read_json(request))
    hub = request.app["hub"]

    def work() -> dict:
        with hub.db.session() as session:
            row, key = users.create_api_key(session, actor, name=data.name, role=data.role,
                                            department=data.department or None, user_id=data.user_id)  # fmt: skip
            return {**key_view(row), "key": key}

    return web.json_response(await hub.db.run(work), status=201)


@routes.delete("/api/v1/api-keys/{id}")
async def revoke_key(request: web.Request) -> web.Response:
    actor = actor_of(request)
    require(actor, "user.manage")
    kid = _id(request, "API key")
    hub = request.app["hub"]

    def work() -> dict:
        with hub.db.session() as session:
            users.revoke_api_key(session, actor, kid)
            row = session.get(ApiKey, kid)
            return {**key_view(row), "key_hash": row.key_hash}

    out = await hub.db.run(work)
    # This process stops accepting the key at once; other hub processes within their cache TTL.
    hub.key_cache.pop(out.pop("key_hash"), None)
    return web.json_response(out)
