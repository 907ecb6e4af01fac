"""POST /api/v1/requests/{id}/return: return (iade) a CİMER / MBS request to the
institution it belongs to (hub.actions.returns)."""

from __future__ import annotations

from typing import Annotated

from aiohttp import web
from pydantic import StringConstraints

from hub.api.requests_api import _act
from hub.api.schemas import Strict

routes = web.RouteTableDef()


class ReturnIn(Strict):
    institution: Annotated[str, StringConstraints(min_length=1, max_length=200)]
    note: Annotated[str, StringConstraints(max_length=2000)] | None = None


@routes.post("/api/v1/requests/{id}/return")
async def return_request(request: web.Request) -> web.Response:
    from hub.actions import returns

    return await _act(
        request,
        lambda se, a, r, d, c: returns.return_request(se, a, r, institution=d.institution, note=d.note),
        ReturnIn,
    )
