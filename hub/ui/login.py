"""/ui/giris and /ui/cikis: password login with argon2, per-address throttle, CSRF."""

from __future__ import annotations

import hmac
import logging
import secrets
from datetime import timedelta
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


def _wait_seconds(hub: Any, ip: str) -> float | None:
    """Seconds until this address may try again, from the failed logins every hub process
    recorded in the audit log; None if it may try now."""
    from hub.actions import users
    from hub.models import utcnow

    now = utcnow()
    window = timedelta(seconds=us.LOGIN_WINDOW_SECONDS)
    with hub.db.reader() as session:
        failed = users.failed_logins_since(session, ip, now - window)
    if len(failed) < us.LOGIN_ATTEMPTS_PER_WINDOW:
        return None
    oldest_counted = failed[len(failed) - us.LOGIN_ATTEMPTS_PER_WINDOW]
    return max(1.0, (oldest_counted + window - now).total_seconds())


def _record(hub: Any, ip: str, user_id: int | None, ok: bool) -> None:
    from hub.actions import users

    with hub.db.session() as session:
        users.record_login(session, ip, user_id, ok)


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
    wait = await hub.db.run(_wait_seconds, hub, ip)
    if wait is not None:
        minutes = max(1, int(wait // 60) + 1)
        return _login_page(
            request, status=429, username=username,
            error=f"Çok fazla hatalı deneme. Lütfen {minutes} dakika sonra tekrar deneyin.",
        )  # fmt: skip
    user_id, tried = await hub.db.run(_verify, hub, username, password) if username and password else (None, None)
    await hub.db.run(_record, hub, ip, user_id or tried, user_id is not None)
    if user_id is None:
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
