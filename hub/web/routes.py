"""Route table of the citizen pages; the Hub mounts ``routes`` next to the API."""

from __future__ import annotations

import functools
import logging
from collections.abc import Awaitable, Callable

from aiohttp import web

from hub.db_errors import RETRY_AFTER_SECONDS, database_unavailable
from hub.web import open311, pages, status_page, webform

log = logging.getLogger(__name__)
routes = web.RouteTableDef()
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def citizen_page(handler: Handler) -> Handler:
    """Unexpected failures become a Turkish page; the traceback goes to the log only."""

    @functools.wraps(handler)
    async def wrapped(request: web.Request) -> web.StreamResponse:
        try:
            return await handler(request)
        except web.HTTPException:
            raise
        except Exception as exc:
            if database_unavailable(exc):
                log.warning("citizen page %s: database unavailable (%s)", request.path, type(exc).__name__)
                return pages.error_page(
                    request, 503, "Hizmet geçici olarak kullanılamıyor",
                    "Sistemimize şu anda ulaşılamıyor. Lütfen birkaç dakika sonra tekrar deneyin ya da Alo 153'ü arayın.",
                    headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
                )  # fmt: skip
            pages.log_failure(log, f"citizen page {request.path} failed", exc)
            return pages.error_page(
                request, 500, "Beklenmeyen bir hata oluştu",
                "İsteğiniz şu anda işlenemedi. Lütfen biraz sonra tekrar deneyin ya da Alo 153'ü arayın.",
            )  # fmt: skip

    return wrapped


@routes.get("/basvuru")
@citizen_page
async def basvuru_form(request: web.Request) -> web.StreamResponse:
    return await webform.show_form(request)


@routes.post("/basvuru")
@citizen_page
async def basvuru_submit(request: web.Request) -> web.StreamResponse:
    return await webform.submit(request)


@routes.get("/basvuru/mahalle")
async def basvuru_mahalle(request: web.Request) -> web.StreamResponse:
    try:
        return await webform.mahalle_suggestions(request)
    except Exception as exc:
        pages.log_failure(log, "mahalle autocomplete failed", exc)
        return web.json_response({"error": "Mahalle önerileri şu anda alınamıyor.", "items": []}, status=500)


@routes.get("/")
@citizen_page
async def front_door(request: web.Request) -> web.StreamResponse:
    from hub.web import landing

    return await landing.home(request)


@routes.get("/takip")
@citizen_page
async def takip_lookup(request: web.Request) -> web.StreamResponse:
    return await status_page.lookup(request)


@routes.get("/takip/{code}")
@citizen_page
async def takip_status(request: web.Request) -> web.StreamResponse:
    return await status_page.status(request)


routes.static(pages.STATIC_PREFIX, pages.STATIC / "web", append_version=False)
open311.add_routes(routes)  # Open311 GeoReport v2 at /open311/v2/ (hub/web/open311.py)
