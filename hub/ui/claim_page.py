"""The request page's claim banner: who holds the request (Üstlen / Devral / Bırak), who else
has it open, and the page's heartbeat that renews the claim and says the page is open."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aiohttp import web
from sqlmodel import Session

from hub.actions import claims
from hub.actions import requests as ra
from hub.api.errors import path_id
from hub.auth import Actor, require
from hub.models import Request
from hub.ui.render import actor_of
from hub.ui.workspace_text import since_clock

ACTIONS = ("ustlen", "devral", "birak")
FLASH = {
    "ustlen": "Talebi üstlendiniz.",
    "devral": "Talebi devraldınız; önceki üstlenen denetim kaydına yazıldı.",
    "birak": "Talebi bıraktınız.",
}


def presence_window(hub: Any) -> float:
    """A page counts as open this long after its last heartbeat."""
    return max(10.0, hub.settings.claim_heartbeat_seconds * 2.5)


def action(name: str, form: Any, hub: Any) -> Callable[[Session, Actor, Request], None]:
    lease = hub.settings.claim_lease_seconds
    if name == "ustlen":
        return lambda se, a, r: ra.claim(se, a, r, lease=lease) and None
    if name == "devral":
        reason = str(form.get("gerekce", "")).strip()[:500] or None
        return lambda se, a, r: claims.take_over(se, a, r, lease=lease, reason=reason) and None
    return lambda se, a, r: claims.release(se, a, r)


def state(hub: Any, actor: Actor, rid: int, *, renew: bool) -> dict[str, Any]:
    """The banner's state; records that the actor has the page open (and, with ``renew``,
    extends their own claim)."""
    with hub.db.session() as session:
        req = ra.get(session, actor, rid)
        if renew:
            claims.renew(session, actor, req, lease=hub.settings.claim_lease_seconds)
        claims.seen(session, actor, rid)
    with hub.db.reader() as session:
        held = claims.claims_for(session, [rid]).get(rid)
        others = claims.viewers(session, rid, exclude_user=actor.user_id, window=presence_window(hub))
    mine = bool(held and held["user_id"] == actor.user_id)
    return {
        "held": bool(held), "mine": mine, "holder": held["name"] if held else None,
        "since": since_clock(held["since"]) if held else None,
        "until": held["until"].isoformat() if held else None, "viewers": others,
    }  # fmt: skip


def banner(hub: Any, actor: Actor, rid: int) -> dict[str, Any]:
    """Template context of the banner (hub/templates/ui/claim_banner.html)."""
    return {"claim": state(hub, actor, rid, renew=True), "heartbeat": hub.settings.claim_heartbeat_seconds}


async def heartbeat(request: web.Request) -> web.StreamResponse:
    """POST /ui/talep/{id}/nabiz (the open page, every claim_heartbeat_seconds): renew the
    actor's claim, say the page is open, answer the banner's state as JSON."""
    actor = actor_of(request)
    require(actor, "request.read")
    hub = request.app["hub"]
    data = await hub.db.run(state, hub, actor, path_id(request, "request not found"), renew=True)
    return web.json_response(data, headers={"Cache-Control": "no-store"})


async def leave(request: web.Request) -> web.StreamResponse:
    """POST /ui/talep/{id}/ayril (the page is closed): no longer open for this person.
    The claim stays until its lease runs out or it is released."""
    actor = actor_of(request)
    require(actor, "request.read")
    hub = request.app["hub"]
    rid = path_id(request, "request not found")

    def work() -> None:
        with hub.db.session() as session:
            claims.left(session, actor, rid)

    await hub.db.run(work)
    return web.Response(status=204)
