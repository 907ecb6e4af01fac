"""The hub's front door and its answer to unknown addresses: Turkish pages in the citizen
site's frame, never aiohttp's plain "404: Not Found"."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from aiohttp import web

from hub.web import pages

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


async def home(request: web.Request) -> web.StreamResponse:
    """/: the way to the citizen form, the status lookup, and the staff login."""
    return pages.render(request, "home.html", page_title="Talep Merkezi")


def not_found(request: web.Request) -> web.Response:
    return pages.error_page(request, 404, "Sayfa bulunamadı",
                            "Aradığınız sayfa yok ya da taşınmış. Başvuru yapabilir ya da başvurunuzu sorgulayabilirsiniz.")  # fmt: skip


@web.middleware
async def branded_not_found(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Unknown public addresses get the branded Turkish page; the API keeps its JSON errors and
    the staff UI its own page."""
    try:
        return await handler(request)
    except web.HTTPNotFound:
        if request.method not in ("GET", "HEAD") or request.path.startswith(("/api/", "/ui/", "/ui")):
            raise
        return not_found(request)
