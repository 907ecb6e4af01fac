"""Resolve the caller of an HTTP request to an Actor."""

from __future__ import annotations

import ipaddress

from aiohttp import web

from hub.auth import Actor

ANONYMOUS = Actor("anonymous", "none")


def _is_loopback(request: web.Request) -> bool:
    try:
        return ipaddress.ip_address(request.remote or "").is_loopback
    except ValueError:
        return False


def actor_of(request: web.Request) -> Actor:
    """The actor set by the auth middleware; anonymous callers may read nothing
    unless the hub was started with an anonymous role (the demo, loopback only)."""
    return request.get("actor", ANONYMOUS)


def conflicting_keys(request: web.Request) -> bool:
    """Two different keys (Authorization and X-API-Key): refused, rather than one silently winning."""
    auth = request.headers.get("Authorization", "")
    bearer = auth[7:].strip() if auth.lower().startswith("bearer ") else ""
    header = (request.headers.get("X-API-Key") or "").strip()
    return bool(bearer and header and bearer != header)


def key_from(request: web.Request) -> str | None:
    auth = request.headers.get("Authorization", "")
    if auth.lower().startswith("bearer "):
        return auth[7:].strip() or None
    return request.headers.get("X-API-Key") or None


def anonymous_actor(request: web.Request, role: str | None) -> Actor:
    if role and _is_loopback(request):
        return Actor("anonymous", role)
    return ANONYMOUS
