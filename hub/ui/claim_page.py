"""The request page's claim banner: who holds the request (Üstlen / Devral / Bırak), who else
has it open, and the page's heartbeat that renews the claim and says the page is open."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

from aiohttp import web
from sqlalchemy import bindparam
from sqlalchemy.orm import aliased
from sqlmodel import Session, select

from hub.actions import claims
from hub.actions import requests as ra
from hub.actions.errors import NotFound
from hub.api.errors import path_id
from hub.auth import Actor, require
from hub.models import Request, User, utcnow
from hub.models_workspace import RequestClaim
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


def refresh_after(hub: Any) -> float:
    """A view or heartbeat rewrites the viewer's presence row (and renews their own claim) only
    when the stored one is older than this. Half a heartbeat: the next heartbeat always writes,
    and a row skipped this way is still inside ``presence_window`` (at least 2.5 heartbeats)
    when that heartbeat comes, so "şu an … tarafından açık" stays true; a GET within seconds of
    the last write writes nothing."""
    return hub.settings.claim_heartbeat_seconds / 2


def holder(row: Any) -> dict[str, Any] | None:
    """The claim row (also one whose lease ran out) from a row with the ``claim_columns``, or
    None when the request has none."""
    if row.claim_user is None:
        return None
    return {"user_id": row.claim_user, "name": row.claim_name, "since": row.claim_since, "until": row.claim_until}


@lru_cache(maxsize=1)
def claim_columns() -> tuple[Any, Any]:
    """Columns and joins that read a request's claim row and its holder's name with the request
    itself: ``stmt = join(select(Request.x, *cols))`` (one query instead of two)."""
    person = aliased(User)
    cols = (RequestClaim.user_id.label("claim_user"), RequestClaim.since.label("claim_since"),
            RequestClaim.until.label("claim_until"), person.display_name.label("claim_name"))  # fmt: skip

    def join(stmt: Any) -> Any:
        return stmt.outerjoin(RequestClaim, RequestClaim.request_id == Request.id).outerjoin(
            person, person.id == RequestClaim.user_id
        )

    return cols, join


def settle(
    hub: Any, actor: Actor, rid: int, claim: dict[str, Any] | None, present: list[tuple[int, str, datetime]]
) -> dict[str, Any]:
    """The banner's state from what was read (the claim row, who has the page open), after
    writing what is stale: the actor's presence row, and their own claim's lease (renewed as
    before, also when it ran out and nobody took it)."""
    now = utcnow()
    fresh = timedelta(seconds=refresh_after(hub))
    lease = hub.settings.claim_lease_seconds
    uid = actor.user_id
    own = claim is not None and uid is not None and claim["user_id"] == uid
    until = claim["until"] if claim else None
    seen_at = next((at for who, _, at in present if who == uid), None)
    write_seen = uid is not None and (seen_at is None or now - seen_at >= fresh)
    write_lease = own and until is not None and until - now < timedelta(seconds=lease) - fresh
    if write_seen or write_lease:
        with hub.db.session() as session:
            if write_lease:
                until = claims.renew(session, actor, rid, lease=lease) or until
            if write_seen:
                claims.seen(session, actor, rid)
    held = claim is not None and until is not None and until > now
    return {
        "held": held, "mine": held and own, "holder": claim["name"] if held and claim else None,
        "since": since_clock(claim["since"]) if held and claim else None,
        "until": until.isoformat() if held and until else None,
        "viewers": [name for who, name, _ in present if who != uid],
    }  # fmt: skip


def state(hub: Any, actor: Actor, rid: int) -> dict[str, Any]:
    """The heartbeat's state: reads the claim and who has the page open (two statements), then
    writes only what is stale (``settle``)."""
    with hub.db.reader() as session:
        row = session.exec(_state_stmt(), params={"rid": rid}).first()
        if row is None or not actor.can_see_department(row.department):
            raise NotFound(f"request {rid} not found")
        present = claims.present(session, rid, window=presence_window(hub))
    return settle(hub, actor, rid, holder(row), present)


@lru_cache(maxsize=1)
def _state_stmt() -> Any:
    cols, join = claim_columns()
    return join(select(Request.department, *cols)).where(Request.id == bindparam("rid"))


def banner(hub: Any, actor: Actor, rid: int, claim: dict[str, Any] | None,
           present: list[tuple[int, str, datetime]]) -> dict[str, Any]:  # fmt: skip
    """Template context of the banner (hub/templates/ui/claim_banner.html), from what the request
    page read with the request (hub/ui/detail.py ``load``)."""
    return {"claim": settle(hub, actor, rid, claim, present), "heartbeat": hub.settings.claim_heartbeat_seconds}


async def heartbeat(request: web.Request) -> web.StreamResponse:
    """POST /ui/talep/{id}/nabiz (the open page, every claim_heartbeat_seconds): renew the
    actor's claim, say the page is open, answer the banner's state as JSON."""
    actor = actor_of(request)
    require(actor, "request.read")
    hub = request.app["hub"]
    data = await hub.db.run(state, hub, actor, path_id(request, "request not found"))
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
