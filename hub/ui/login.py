"""/ui/giris and /ui/cikis: password login with argon2, per-address throttle, CSRF."""

from __future__ import annotations

import hmac
import logging
import secrets
from typing import Any

from aiohttp import web
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlmodel import select

from hub.models import User
from hub.ui import session as us
from hub.ui.render import actor_of, csrf_ok, csrf_refused, render, safe_next, see_other
from hub.web.pages import client_ip

log = logging.getLogger(__name__)
_hasher = PasswordHasher()
# Verifying against a dummy hash when the user is unknown keeps the timing the same.
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(12))
BAD_LOGIN = "Kullanıcı adı ya da parola hatalı."


def _login_page(
    request: web.Request, *, status: int = 200, error: str | None = None, username: str = ""
) -> web.Response:
    st = us.ui_state(request.app["hub"])
    pre = request.cookies.get(us.PRE_COOKIE) or secrets.token_urlsafe(16)
    resp = render(
        request, "login.html", status=status, page_title="Giriş", error=error, username=username,
        login_csrf=st.csrf_for("login:" + pre), sonra=safe_next(request.query.get("sonra")),
    )  # fmt: skip
    us.set_cookie(resp, request, us.PRE_COOKIE, pre, 3600)
    return resp


async def login_form(request: web.Request) -> web.StreamResponse:
    if request.get("ui_session") is not None:
        raise web.HTTPSeeOther("/ui/")
    return _login_page(request)


def _verify(hub: Any, username: str, password: str) -> int | None:
    with hub.db.reader() as session:
        user = session.exec(select(User).where(User.username == username)).first()
    stored = user.password_hash if user is not None and user.active and user.password_hash else _DUMMY_HASH
    try:
        ok = _hasher.verify(stored, password)
    except (VerificationError, InvalidHashError):
        ok = False
    return user.id if ok and user is not None and stored is not _DUMMY_HASH else None


async def login_submit(request: web.Request) -> web.StreamResponse:
    hub = request.app["hub"]
    st = us.ui_state(hub)
    form = await request.post()
    pre = request.cookies.get(us.PRE_COOKIE, "")
    if not pre or not hmac.compare_digest(str(form.get("csrf", "")), st.csrf_for("login:" + pre)):
        return _login_page(request, status=403, error="Form süresi doldu. Lütfen tekrar deneyin.")
    username = str(form.get("kullanici", "")).strip()[:100]
    password = str(form.get("parola", ""))[:500]
    ip = client_ip(request)
    wait = st.login_limiter.check(ip, us.LOGIN_ATTEMPTS_PER_WINDOW)
    if wait is not None:
        minutes = max(1, int(wait // 60) + 1)
        return _login_page(
            request, status=429, username=username,
            error=f"Çok fazla hatalı deneme. Lütfen {minutes} dakika sonra tekrar deneyin.",
        )  # fmt: skip
    user_id = await hub.db.run(_verify, hub, username, password) if username and password else None
    if user_id is None:
        st.login_limiter.hit(ip, us.LOGIN_ATTEMPTS_PER_WINDOW)
        log.info("staff UI login refused from %s", ip)
        return _login_page(request, status=401, error=BAD_LOGIN, username=username)
    sess = us.new_session(user_id)
    resp = see_other(safe_next(str(form.get("sonra", ""))))
    us.set_cookie(resp, request, us.COOKIE, st.encode(sess), us.MAX_AGE)
    resp.del_cookie(us.PRE_COOKIE, path="/ui")
    log.info("staff UI login: user %s", user_id)
    return resp


def _end_sessions(hub: Any, actor: Any) -> None:
    from hub.actions import users

    with hub.db.session() as session:
        users.end_sessions(session, actor, actor.user_id)


async def logout(request: web.Request) -> web.StreamResponse:
    sess = request.get("ui_session")
    if sess is not None:
        if not await csrf_ok(request):
            return csrf_refused(request)
        # ends the session on the server too: a copied cookie stops working
        await request.app["hub"].db.run(_end_sessions, request.app["hub"], actor_of(request))
    resp = see_other("/ui/giris")
    resp.del_cookie(us.COOKIE, path="/ui")
    return resp
