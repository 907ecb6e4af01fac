"""/ui/giris and /ui/cikis: password login with argon2, the login throttle, CSRF."""

from __future__ import annotations

import hmac
import logging
import math
import secrets
from typing import Any

from aiohttp import web
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlmodel import select

from hub.models import User
from hub.ui import session as us
from hub.ui.login_throttle import LoginThrottle
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


def _verify(hub: Any, username: str, password: str) -> tuple[int | None, int | None]:
    """(the user id if the password is right, the id of the account that was tried)."""
    with hub.db.reader() as session:
        user = session.exec(select(User).where(User.username == username)).first()
    stored = user.password_hash if user is not None and user.active and user.password_hash else _DUMMY_HASH
    try:
        ok = _hasher.verify(stored, password)
    except (VerificationError, InvalidHashError):
        ok = False
    tried = user.id if user is not None else None
    return (tried if ok and stored is not _DUMMY_HASH else None), tried


def _throttle(hub: Any) -> LoginThrottle:
    return LoginThrottle(hub.db, us.ui_state(hub).key)


def _after_failure(hub: Any, ip: str, username: str, user_id: int | None) -> None:
    """The failed login's audit event, and ``auth.throttled`` when it makes the account or the
    address wait."""
    from hub.actions import users

    now = _throttle(hub).outcome(ip, username)
    with hub.db.session() as session:
        users.record_login(session, ip, user_id, False)
        if now.account_wait is not None:
            users.record_throttled(session, ip, user_id, scope="account", failures=now.account_failures,
                                   wait_seconds=now.account_wait)  # fmt: skip
        if now.address_wait is not None:
            users.record_throttled(session, ip, user_id, scope="address", failures=now.address_accounts,
                                   wait_seconds=now.address_wait)  # fmt: skip


def _after_success(hub: Any, ip: str, username: str, user_id: int) -> None:
    from hub.actions import users

    with hub.db.session() as session:
        users.record_login(session, ip, user_id, True)
        _throttle(hub).succeeded(session, ip, username)


def _too_many(request: web.Request, username: str, wait: float) -> web.Response:
    """The same answer whatever password was typed: it tells nothing about the password."""
    seconds = max(1, math.ceil(wait))
    when = f"{seconds} saniye" if seconds < 60 else f"{math.ceil(seconds / 60)} dakika"
    resp = _login_page(
        request, status=429, username=username, error=f"Çok fazla hatalı deneme. Lütfen {when} sonra tekrar deneyin."
    )
    resp.headers["Retry-After"] = str(seconds)
    return resp


async def login_submit(request: web.Request) -> web.StreamResponse:
    hub = request.app["hub"]
    st = us.ui_state(hub)
    form = await request.post()
    pre = request.cookies.get(us.PRE_COOKIE, "")
    if not pre or not hmac.compare_digest(str(form.get("csrf", "")), st.csrf_for("login:" + pre)):
        return _login_page(request, status=403, error="Form süresi doldu. Lütfen tekrar deneyin.")
    username = str(form.get("kullanici", "")).strip()[:100]
    password = str(form.get("parola", ""))[:500]
    ip = client_ip(request)  # the client behind a trusted proxy (hub.forwarded)
    refused = await hub.db.run(_throttle(hub).begin, ip, username)
    if refused is not None:
        log.warning("staff UI login throttled (%s) from %s", refused.scope, ip)
        return _too_many(request, username, refused.wait)
    user_id, tried = await hub.db.run(_verify, hub, username, password) if username and password else (None, None)
    if user_id is None:
        await hub.db.run(_after_failure, hub, ip, username, tried)
        log.info("staff UI login refused from %s", ip)
        return _login_page(request, status=401, error=BAD_LOGIN, username=username)
    await hub.db.run(_after_success, hub, ip, username, user_id)
    sess = us.new_session(user_id)
    resp = see_other(safe_next(str(form.get("sonra", ""))))
    us.set_cookie(resp, request, us.COOKIE, st.encode(sess), us.MAX_AGE)
    resp.del_cookie(us.PRE_COOKIE, path="/ui")
    log.info("staff UI login: user %s", user_id)
    return resp


def _end_sessions(hub: Any, actor: Any, ui_session_id: str) -> None:
    from hub.actions import push, users

    with hub.db.session() as session:
        users.end_sessions(session, actor, actor.user_id)
        # This browser stops receiving the user's push notices (a shared phone): see push.end_session.
        push.end_session(session, actor, ui_session_id)


async def logout(request: web.Request) -> web.StreamResponse:
    sess = request.get("ui_session")
    if sess is not None:
        if not await csrf_ok(request):
            return csrf_refused(request)
        # ends the session on the server too: a copied cookie stops working
        await request.app["hub"].db.run(_end_sessions, request.app["hub"], actor_of(request), sess.sid)
    resp = see_other("/ui/giris")
    resp.del_cookie(us.COOKIE, path="/ui")
    return resp
