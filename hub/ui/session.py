"""Signed session cookies and CSRF tokens of the staff UI (the login throttle is in
``hub.ui.login_throttle``).

The cookie carries only the user id, a random session id and the issue time, signed with
HMAC-SHA256. Role and department are read from the User row on every request, so a role
change or a deactivated user takes effect at once; so does logout, which ends every session
the user has (``User.sessions_valid_after``).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
import weakref
from dataclasses import dataclass
from typing import Any

from aiohttp import web
from sqlmodel import select

from hub.auth import Actor
from hub.models import User
from hub.web.tokens import load_key

COOKIE = "th_ui"
PRE_COOKIE = "th_ui_pre"  # lets the login form carry a CSRF token before there is a session
MAX_AGE = 12 * 3600  # one working day


@dataclass
class Session:
    user_id: int
    sid: str
    issued: float  # epoch seconds, millisecond precision (older cookies: whole seconds)


@dataclass
class UiState:
    key: bytes

    def _sig(self, body: str) -> str:
        return hmac.new(self.key, body.encode(), hashlib.sha256).hexdigest()

    def encode(self, sess: Session) -> str:
        raw = json.dumps({"u": sess.user_id, "s": sess.sid, "t": sess.issued}, separators=(",", ":"))
        body = base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")
        return f"{body}.{self._sig('session:' + body)}"

    def decode(self, value: str | None, now: float | None = None) -> Session | None:
        if not value or len(value) > 500 or "." not in value:
            return None
        body, sig = value.rsplit(".", 1)
        if not hmac.compare_digest(sig, self._sig("session:" + body)):
            return None
        try:
            data = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
            sess = Session(int(data["u"]), str(data["s"]), float(data["t"]))
        except (ValueError, KeyError, TypeError):
            return None
        age = (now if now is not None else time.time()) - sess.issued
        if age > MAX_AGE or age < -300:
            return None
        return sess

    def csrf_for(self, sid: str) -> str:
        return self._sig("csrf:" + sid)[:40]


_states: weakref.WeakKeyDictionary[Any, UiState] = weakref.WeakKeyDictionary()


def ui_state(hub: Any) -> UiState:
    st = _states.get(hub)
    if st is None:
        configured = getattr(hub.settings, "ui_secret", None)  # optional setting; else a file in data_dir
        if configured is not None and hasattr(configured, "get_secret_value"):
            configured = configured.get_secret_value()
        key = configured.encode() if isinstance(configured, str) and configured else None
        st = UiState(key=key or load_key(hub.settings.data_dir / "ui_secret"))
        _states[hub] = st
    return st


def new_session(user_id: int) -> Session:
    return Session(user_id, secrets.token_urlsafe(16), round(time.time(), 3))


def set_cookie(resp: web.StreamResponse, request: web.Request, name: str, value: str, max_age: int) -> None:
    resp.set_cookie(
        name, value, max_age=max_age, path="/ui", httponly=True, samesite="Lax", secure=request.secure
    )


def actor_for_user(user: User) -> Actor:
    return Actor(f"user:{user.id}", user.role, user_id=user.id, department=user.department_code,
                 ilce=user.ilce, mahalle=user.mahalle)  # fmt: skip


def ended(user: User, sess: Session) -> bool:
    """True when the session was issued before the user's last logout / password change."""
    cut = user.sessions_valid_after
    return cut is not None and sess.issued <= cut.timestamp()


def session_actor_hook(hub: Any) -> Any:
    """The coroutine the auth middleware calls: a valid session cookie on a /ui page
    becomes the user's Actor. Only /ui paths accept the cookie, so the JSON API cannot
    be driven cross-site by a browser that happens to hold a session."""

    async def web_session_actor(request: web.Request) -> Actor | None:
        if not request.path.startswith("/ui"):
            return None
        st = ui_state(hub)
        sess = st.decode(request.cookies.get(COOKIE))
        if sess is None:
            return None

        def lookup() -> tuple[Actor, str] | None:
            with hub.db.reader() as session:
                user = session.exec(select(User).where(User.id == sess.user_id)).first()
                if user is None or not user.active or ended(user, sess):
                    return None
                return actor_for_user(user), user.display_name

        found = await hub.db.run(lookup)
        if found is None:
            return None
        request["ui_session"] = sess
        request["ui_user"] = found[1]
        return found[0]

    return web_session_actor
