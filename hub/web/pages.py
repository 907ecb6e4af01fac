"""What every citizen page shares: the Jinja2 environment (autoescape always on), security
headers, per-hub state (form signer, rate limiters), client address and Turkish dates."""

from __future__ import annotations

import logging
import traceback
import weakref
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from aiohttp import web
from jinja2 import Environment, FileSystemLoader, StrictUndefined

from hub.actions.ratelimit import client_network
from hub.web.ratelimit import SharedWindowLimiter, SlidingWindowLimiter
from hub.web.tokens import FormSigner, load_key

Limiter = SlidingWindowLimiter | SharedWindowLimiter
TEMPLATES = Path(__file__).resolve().parent.parent / "templates" / "web"
STATIC = Path(__file__).resolve().parent.parent / "static"
STATIC_PREFIX = "/static/web"

MONTHS = (
    "Ocak", "Şubat", "Mart", "Nisan", "Mayıs", "Haziran",
    "Temmuz", "Ağustos", "Eylül", "Ekim", "Kasım", "Aralık",
)  # fmt: skip

# Scripts and styles come only from our own origin; no inline code, no third parties.
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
}


@lru_cache(maxsize=1)
def env() -> Environment:
    return Environment(
        loader=FileSystemLoader(str(TEMPLATES)),
        autoescape=True,  # every value a citizen typed is escaped, in every template
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def turkish_datetime(value: datetime | None, tz: str = "Europe/Istanbul", *, with_time: bool = True) -> str:
    if value is None:
        return ""
    local = value.astimezone(ZoneInfo(tz))
    day = f"{local.day} {MONTHS[local.month - 1]} {local.year}"
    return f"{day} {local:%H:%M}" if with_time else day


@dataclass
class WebState:
    signer: FormSigner
    # Stored submissions count against webform_rate_per_hour; every POST (including ones
    # refused for a typo) against a looser cap, so fixing mistakes never locks a citizen out.
    form_limiter: Limiter = field(default_factory=SlidingWindowLimiter)
    attempt_limiter: Limiter = field(default_factory=SlidingWindowLimiter)
    status_limiter: Limiter = field(default_factory=SlidingWindowLimiter)


_states: weakref.WeakKeyDictionary[Any, WebState] = weakref.WeakKeyDictionary()


def state(hub: Any) -> WebState:
    st = _states.get(hub)
    if st is None:
        st = WebState(signer=FormSigner(load_key(hub.settings.data_dir / "webform.key")))
        if not hub.settings.is_sqlite:
            # Several processes serve the same citizens: count in the database, together.
            from hub.ui.session import ui_state

            secret = ui_state(hub).key
            st.form_limiter = SharedWindowLimiter(hub.db, "webform", secret)
            st.attempt_limiter = SharedWindowLimiter(hub.db, "webform-attempt", secret)
            st.status_limiter = SharedWindowLimiter(hub.db, "status", secret)
        _states[hub] = st
    return st


def private_status_path(hub: Any, code: str) -> str:
    """The status link that also shows the answers; given only to the citizen (success page,
    notifications to their own phone or e-mail)."""
    return f"/takip/{code}?anahtar={state(hub).signer.answer_key(code)}"


def client_ip(request: web.Request) -> str:
    """The caller's address: ``request.remote`` as ``hub.forwarded`` set it (the client named by
    a trusted proxy, else the peer itself), so clients cannot pick their own key."""
    return request.remote or "unknown"


def client_key(request: web.Request) -> str:
    """What the public pages' rate limits count the caller as: its address, an IPv6 one by its
    /64 (hub.actions.ratelimit.client_network), so rotating addresses inside it does not help."""
    return client_network(client_ip(request))


def render(
    request: web.Request,
    template: str,
    *,
    status: int = 200,
    headers: dict[str, str] | None = None,
    **context: Any,
) -> web.Response:
    hub = request.app["hub"]
    base = {
        "municipality": hub.settings.municipality_name,
        "static": STATIC_PREFIX,
        "page_title": "",
    }
    base.update(context)
    html = env().get_template(template).render(**base)
    resp = web.Response(text=html, status=status, content_type="text/html", charset="utf-8")
    resp.headers.update(SECURITY_HEADERS)
    resp.headers["Cache-Control"] = "no-store"
    if headers:
        resp.headers.update(headers)
    return resp


def error_page(request: web.Request, status: int, title: str, message: str, **extra: Any) -> web.Response:
    return render(
        request, "error.html", status=status, page_title=title, title=title, message=message, **extra
    )


def log_failure(logger: logging.Logger, what: str, exc: BaseException) -> None:
    """Log an unexpected error without personal data: database errors quote the row they
    tried to write (name, phone...), so the message is masked and the frames carry no values."""
    from hub.observability import mask_for_log

    frames = "".join(traceback.format_tb(exc.__traceback__))
    message = mask_for_log(str(exc))[:500]
    logger.error("%s: %s: %s\n%s", what, type(exc).__name__, message, frames)
