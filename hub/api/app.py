"""The aiohttp application: middlewares, system routes, and the API routers."""

from __future__ import annotations

import time
from typing import Any

from aiohttp import web
from sqlalchemy import text
from sqlmodel import select

from hub.api import callbacks_api, letters_api, metrics_access, openapi, requests_api, returns_api, users_api
from hub.api.auth import anonymous_actor, conflicting_keys, key_from
from hub.api.errors import Handler, error_middleware
from hub.api.inputs import input_middleware
from hub.api.key_cache import KeyCache
from hub.auth import Actor, hash_key
from hub.forwarded import ProxyTrust, forwarded_middleware
from hub.models import ApiKey, Outbox, User
from hub.observability import metrics, render

system = web.RouteTableDef()
_KEY_TTL = 30.0


@web.middleware
async def auth_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Attach the caller's Actor. API keys are looked up by hash and cached briefly."""
    hub = request.app["hub"]
    if request.path == "/metrics":  # its own check (metrics_access): a scraper's token is no API key
        return await handler(request)
    if conflicting_keys(request):
        from hub.api.errors import error_response

        return error_response(401, "unauthorized", "Authorization and X-API-Key carry different keys; send one")
    key = key_from(request)
    if key:
        from hub.web.pages import client_ip

        actor, wait = await authenticate_key(hub, key, client_ip(request))
        if wait is not None:
            from hub.api import key_throttle

            return key_throttle.too_many(wait)
        if actor is None:
            from hub.api.errors import error_response

            return error_response(401, "unauthorized", "API key is not valid")
        request["actor"] = actor
    else:
        session_actor = await hub.web_session_actor(request) if hasattr(hub, "web_session_actor") else None
        request["actor"] = session_actor or anonymous_actor(request, hub.settings.anonymous_role)
    if request.path.startswith("/api/") and request["actor"].role == "none" and not _public(request):
        from hub.api.errors import error_response

        return error_response(401, "unauthorized", "an API key is required (Authorization: Bearer … or X-API-Key)")
    return await handler(request)


def _public(request: web.Request) -> bool:
    return request.path in ("/api/v1/openapi.json",)


async def authenticate_key(hub: Any, key: str, ip: str) -> tuple[Actor | None, float | None]:
    """A key presented from ``ip``: (its actor, None); (None, None) for a wrong key, counted
    against the address; or (None, seconds to wait) when the address sent too many wrong keys.
    A waiting address's key is not looked up: a right key waits too, so the answer tells nothing
    about the key (hub/api/key_throttle.py)."""
    from hub.api import key_throttle

    wait = key_throttle.for_hub(hub).remembered(ip)
    if wait is not None:
        return None, wait
    found = await _actor_for_key(hub, key, ip)
    if isinstance(found, float):
        return None, found
    if found is None:
        await key_throttle.count_failure(hub, ip, key)
    return found, None


async def _actor_for_key(hub: Any, key: str, ip: str) -> Actor | float | None:
    """The key's actor, None for a wrong key, or the seconds ``ip`` must wait before a key that
    is not in the cache is looked up (read in the same visit to the database)."""
    from hub.api import key_throttle

    cache: KeyCache = hub.key_cache  # bounded, least recently used out first
    digest = hash_key(key)
    hit = cache.get(digest)
    if hit and hit[0] > time.monotonic():
        return hit[1]

    def lookup() -> Actor | float | None:
        with hub.db.reader() as session:
            wait = key_throttle.for_hub(hub).wait_in(session, ip)
            if wait is not None:
                return wait
            row = session.exec(select(ApiKey).where(ApiKey.key_hash == digest, ApiKey.revoked == False)).first()  # noqa: E712
            if row is None:
                return None
            if row.user_id is not None:  # a key issued to a person stops with that person's account
                owner = session.get(User, row.user_id)
                if owner is None or not owner.active:
                    return None
            return Actor(f"apikey:{row.id}", row.role, user_id=row.user_id, department=row.department_code)

    actor = await hub.db.run(lookup)
    if not isinstance(actor, float):
        cache[digest] = (time.monotonic() + _KEY_TTL, actor)
    return actor


@system.get("/healthz")
async def healthz(request: web.Request) -> web.Response:
    hub = request.app["hub"]

    def check() -> None:
        with hub.db.reader() as session:
            session.execute(text("SELECT 1"))

    # Which singleton jobs this process runs, and who runs the others (hub.workers.leader).
    leadership = getattr(hub, "leadership", None)
    lead = {"process": leadership.identity, "singletons": leadership.state()} if leadership else {}
    try:
        await hub.db.run(check)
    except Exception:
        return web.json_response({"status": "error", "database": "unreachable", **lead}, status=503)
    return web.json_response({"status": "ok", "database": "ok", "version": "0.1.0", **lead})


@system.get("/metrics")
async def metrics_endpoint(request: web.Request) -> web.Response:
    hub = request.app["hub"]
    refusal = metrics_access.refusal(request, hub.settings)
    if refusal is not None:
        return refusal

    def backlog() -> dict[str, int]:
        from sqlmodel import func

        with hub.db.reader() as session:
            rows = session.exec(
                select(Outbox.status, func.count()).where(Outbox.status != "done").group_by(Outbox.status)
            ).all()
        return {status: n for status, n in rows}

    counts = await hub.db.run(backlog)
    for status in ("pending", "sending", "dead"):
        metrics.outbox_backlog.labels(status).set(counts.get(status, 0))
    return web.Response(body=render(), content_type="text/plain", charset="utf-8", headers={"X-Format": "prometheus"})


@system.get("/api/v1/openapi.json")
async def openapi_doc(request: web.Request) -> web.Response:
    return web.json_response(request.app["openapi"])


def create_app(hub: Any) -> web.Application:
    from hub.web.landing import branded_not_found

    app = web.Application(
        middlewares=[
            # first: every later step sees the real client address and scheme
            forwarded_middleware(ProxyTrust(hub.settings.trusted_proxies), hub.settings.hsts_seconds),
            error_middleware,
            branded_not_found,  # unknown public addresses: a Turkish page (hub/web/landing.py)
            input_middleware,  # NUL in the path or query: refused before any lookup
            auth_middleware,
        ],
        client_max_size=hub.settings.max_body_bytes,
    )
    app["hub"] = hub
    app["settings"] = hub.settings
    app["openapi"] = openapi.build()
    app.add_routes(system)
    app.add_routes(requests_api.routes)
    app.add_routes(users_api.routes)
    app.add_routes(returns_api.routes)
    app.add_routes(letters_api.routes)
    app.add_routes(callbacks_api.routes)
    from hub.api import desk_api  # bizim değil (send back), a call added to an earlier request

    app.add_routes(desk_api.routes)
    from hub.api import knowledge_api  # knowledge base, canned replies, first contact

    app.add_routes(knowledge_api.routes)
    for extra in hub.extra_routes():
        app.add_routes(extra)
    return app
