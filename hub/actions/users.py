"""Staff accounts and API keys: create, change password, (de)activate, end sessions.

Passwords are stored as argon2 hashes only; events never carry a password or a key.
Ending a user's sessions (logout, password change, deactivation) sets
``sessions_valid_after``: UI cookies issued before it stop working at once.
"""

from __future__ import annotations

import re

from argon2 import PasswordHasher
from sqlmodel import Session, func, select

from hub.actions import events, muhtars
from hub.actions.errors import ActionError, Conflict, NotFound
from hub.auth import PERMISSIONS, Actor, hash_key, new_api_key, require
from hub.models import ApiKey, Department, User, utcnow

STAFF_ROLES = ("agent", "supervisor", "department", "admin")
# accounts may also be muhtars (hub.actions.muhtars: bound to a mahalle, portal only, no API keys)
USER_ROLES = (*STAFF_ROLES, "muhtar")
MIN_PASSWORD = 10
_USERNAME_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{1,49}$")
_hasher = PasswordHasher()


def _check_role(session: Session, role: str, department: str | None) -> None:
    if role not in STAFF_ROLES or role not in PERMISSIONS:
        raise ActionError(f"unknown role {role!r}; one of {', '.join(STAFF_ROLES)}", field="role")
    if role == "department" and not department:
        raise ActionError("a department user needs a department", field="department")
    if department and session.get(Department, department) is None:
        raise ActionError(f"unknown department {department!r}", field="department")


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise ActionError(f"password must be at least {MIN_PASSWORD} characters", field="password")
    if len(password) > 500:
        raise ActionError("password is too long (at most 500 characters)", field="password")


def by_username(session: Session, username: str) -> User:
    user = session.exec(select(User).where(User.username == username)).first()
    if user is None:
        raise NotFound(f"no user {username!r}", field="username")
    return user


def create_user(
    session: Session, actor: Actor, *, username: str, display_name: str, role: str,
    department: str | None = None, password: str | None = None,
    ilce: str | None = None, mahalle: str | None = None, phone: str | None = None,
) -> User:  # fmt: skip
    """A staff account, or with role ``muhtar`` a muhtar bound to ilçe + mahalle (checked
    against the gazetteer by hub.actions.muhtars) with a phone for his stage SMS."""
    require(actor, "user.manage")
    username = username.strip().lower()
    if not _USERNAME_RE.match(username):
        raise ActionError(
            "username: 2-50 characters, lower-case letters, digits, '.', '_' or '-'", field="username"
        )
    if session.exec(select(User).where(User.username == username)).first() is not None:
        raise Conflict(f"user {username!r} already exists", field="username")
    if role == "muhtar":
        if department:
            raise muhtars.PlaceError("a muhtar has a mahalle, not a department", field="department")
        return muhtars.create_muhtar(session, actor, name=display_name, phone=phone or "", ilce=ilce or "",
                                     mahalle=mahalle or "", username=username, password=password)  # fmt: skip
    for name, value in (("ilce", ilce), ("mahalle", mahalle), ("phone", phone)):
        if value and value.strip():
            raise muhtars.PlaceError(f"{name} is only for muhtar accounts", field=name)
    display_name = display_name.strip() or username
    _check_role(session, role, department)
    if password is not None:
        _check_password(password)
    user = User(
        username=username, display_name=display_name[:200], role=role, department_code=department,
        password_hash=_hasher.hash(password) if password is not None else None,
    )  # fmt: skip
    session.add(user)
    session.flush()
    events.record(session, actor, "user.created", None, user_id=user.id, username=username, role=role,
                  department=department)  # fmt: skip
    return user


def set_password(session: Session, actor: Actor, user: User, password: str) -> None:
    if actor.user_id != user.id:
        require(actor, "user.manage")
    _check_password(password)
    user.password_hash = _hasher.hash(password)
    user.sessions_valid_after = utcnow()  # a changed password logs every other browser out
    session.add(user)
    events.record(session, actor, "user.password_changed", None, user_id=user.id)


def _keep_an_admin(session: Session, user: User) -> None:
    """Refuse to deactivate or demote the last active admin: nobody could manage accounts."""
    if user.role != "admin" or not user.active:
        return
    others = session.exec(
        select(func.count()).select_from(User).where(User.role == "admin", User.active == True, User.id != user.id)  # noqa: E712
    ).one()
    if others == 0:
        raise Conflict("the last active admin cannot be deactivated or lose the admin role", field="role")


def set_active(session: Session, actor: Actor, user: User, active: bool) -> None:
    require(actor, "user.manage")
    if user.active == active:
        return
    if not active:
        _keep_an_admin(session, user)
    user.active = active
    if not active:
        user.sessions_valid_after = utcnow()
    session.add(user)
    events.record(session, actor, "user.activated" if active else "user.deactivated", None, user_id=user.id)


def update_user(
    session: Session, actor: Actor, user: User, *, role: str | None = None,
    department: str | None = None, display_name: str | None = None,
) -> None:  # fmt: skip
    require(actor, "user.manage")
    before = {"role": user.role, "department": user.department_code, "display_name": user.display_name}
    new_role = role or user.role
    new_dept = user.department_code if department is None else (department or None)  # "" clears
    if "muhtar" in (user.role, new_role):
        # a muhtar stays a muhtar of his mahalle (staff roles would keep his mahalle-bound
        # portal session meaningless); a new muhtar is created with his mahalle
        if new_role != user.role:
            raise ActionError("a muhtar account is created as such and keeps its role", field="role")
        if new_dept:
            raise ActionError("a muhtar has a mahalle, not a department", field="department")
    else:
        _check_role(session, new_role, new_dept)
    if new_role != "admin":
        _keep_an_admin(session, user)
    user.role, user.department_code = new_role, new_dept
    if display_name is not None and display_name.strip():
        user.display_name = display_name.strip()[:200]
    after = {"role": user.role, "department": user.department_code, "display_name": user.display_name}
    changes = events.diff(before, after)
    if changes:
        session.add(user)
        events.record(session, actor, "user.updated", None, user_id=user.id, changes=changes)


def end_sessions(session: Session, actor: Actor, user_id: int) -> None:
    """Log the user out everywhere (the UI's "Çıkış" calls this)."""
    if actor.user_id != user_id:
        require(actor, "user.manage")
    user = session.get(User, user_id)
    if user is None:
        raise NotFound(f"no user {user_id}")
    user.sessions_valid_after = utcnow()
    session.add(user)
    events.record(session, actor, "user.sessions_ended", None, user_id=user_id)


def create_api_key(
    session: Session, actor: Actor, *, name: str, role: str, department: str | None = None,
    key: str | None = None, user_id: int | None = None,
) -> tuple[ApiKey, str]:  # fmt: skip
    """A new key (returned once, stored only as its hash). ``key`` is for keys chosen elsewhere
    (the bootstrap key from the settings, the demo keys)."""
    require(actor, "user.manage")
    _check_role(session, role, department)
    if user_id is not None and session.get(User, user_id) is None:
        raise NotFound(f"no user {user_id}", field="user_id")  # else a foreign-key failure (500) at flush
    key = key or new_api_key()
    row = ApiKey(name=name[:200], key_hash=hash_key(key), role=role, department_code=department, user_id=user_id)
    session.add(row)
    session.flush()
    events.record(session, actor, "apikey.created", None, key_id=row.id, name=row.name, role=role,
                  department=department)  # fmt: skip
    return row, key


def revoke_api_key(session: Session, actor: Actor, key_id: int) -> None:
    require(actor, "user.manage")
    row = session.get(ApiKey, key_id)
    if row is None:
        raise NotFound(f"no API key {key_id}")
    if not row.revoked:
        row.revoked = True
        session.add(row)
        events.record(session, actor, "apikey.revoked", None, key_id=key_id, name=row.name)


# -- logins ------------------------------------------------------------------------------------
# Logins are audit facts. The throttle's counters are in the ratehit table (hub.ui.login_throttle).


def _address_actor(ip: str) -> Actor:
    return Actor(f"ip:{ip}"[:100], "anonymous")


def record_login(session: Session, ip: str, user_id: int | None, ok: bool) -> None:
    """``auth.login`` / ``auth.login_failed`` by the client address. The typed username is not
    stored: people sometimes type their password into it."""
    events.record(session, _address_actor(ip), "auth.login" if ok else "auth.login_failed", None, user_id=user_id)


def record_throttled(
    session: Session, ip: str, user_id: int | None, *, scope: str, failures: int, wait_seconds: float
) -> None:
    """``auth.throttled``: a failed login made the account (or the address) wait before the next
    attempt, or wrong API keys made the address wait (scope ``api_key``, hub/api/key_throttle.py).
    Written once per failure that sets a wait, not per refused attempt, so hammering a
    throttled account cannot flood the audit log."""
    events.record(session, _address_actor(ip), "auth.throttled", None, user_id=user_id, scope=scope,
                  failures=failures, wait_seconds=round(wait_seconds))  # fmt: skip
