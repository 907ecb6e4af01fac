"""Muhtar accounts: one account per mahalle of the gazetteer, created one by one or in bulk.

A muhtar is a ``User`` with role ``muhtar``, an ilçe + mahalle (validated against the shipped
NVİ gazetteer) and a phone for the stage SMS of his own requests. Bulk import reads a CSV of
muhtars (name, phone, ilçe, mahalle); a bad row is reported and skipped, never fatal.
"""

from __future__ import annotations

import csv
import io
import re
import secrets
from dataclasses import dataclass, field
from typing import Any

from argon2 import PasswordHasher
from sqlmodel import Session, select

from hub.actions import events
from hub.actions.errors import ActionError, Conflict
from hub.auth import Actor, require
from hub.models import User

MIN_PASSWORD = 10
_hasher = PasswordHasher()
_TR = str.maketrans("çğıöşüÇĞİÖŞÜâîû", "cgiosucgiosuaiu")


class PlaceError(ActionError):
    """An ilçe, mahalle or phone that the gazetteer / number rules refuse: the input is invalid (422)."""

    status = 422


def _locator() -> Any:
    from classifier.locator import Locator

    return Locator.default()


def gazetteer_place(ilce: str, mahalle: str) -> tuple[str, str]:
    """(ilce, mahalle) as the gazetteer spells them, or ActionError naming the field."""
    loc = _locator()
    ilce_norm = loc.normalize_ilce((ilce or "").strip())
    if ilce_norm is None:
        raise PlaceError(f"unknown ilçe {ilce!r}", field="ilce")
    want = (mahalle or "").strip()
    if not want:
        raise PlaceError("mahalle is required", field="mahalle")
    res = loc.resolve(want, ilce_norm)
    if not res.mahalle or res.ilce != ilce_norm or res.ambiguous or res.confidence < 0.8:
        raise PlaceError(f"unknown mahalle {mahalle!r} in {ilce_norm}", field="mahalle")
    return ilce_norm, res.mahalle


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.translate(_TR).lower()).strip("-")


def muhtar_username(ilce: str, mahalle: str) -> str:
    """muhtar.<ilçe>.<mahalle>: one account per mahalle, readable on a login screen."""
    return f"muhtar.{_slug(ilce)}.{_slug(mahalle)}"[:50].rstrip("-.")


def _phone(phone: str | None) -> str:
    from classifier.pii import normalize_phone_tr

    norm = normalize_phone_tr(phone or "") if phone else None
    if norm is None:
        raise PlaceError("phone is not a Turkish phone number", field="phone")
    return norm


def create_muhtar(
    session: Session, actor: Actor, *, name: str, phone: str, ilce: str, mahalle: str,
    username: str | None = None, password: str | None = None,
) -> User:  # fmt: skip
    require(actor, "user.manage")
    ilce, mahalle = gazetteer_place(ilce, mahalle)
    phone = _phone(phone)
    username = (username or muhtar_username(ilce, mahalle)).strip().lower()
    if session.exec(select(User).where(User.username == username)).first() is not None:
        raise Conflict(f"user {username!r} already exists", field="username")
    if password is not None and not (MIN_PASSWORD <= len(password) <= 500):
        raise ActionError(f"password must be {MIN_PASSWORD}-500 characters", field="password")
    user = User(
        username=username, display_name=(name or "").strip()[:200] or username, role="muhtar",
        ilce=ilce, mahalle=mahalle, phone=phone,
        password_hash=_hasher.hash(password) if password is not None else None,
    )  # fmt: skip
    session.add(user)
    session.flush()
    # the phone is personal data: the audit event names the mahalle, not the number
    events.record(session, actor, "user.created", None, user_id=user.id, username=username, role="muhtar",
                  ilce=ilce, mahalle=mahalle)  # fmt: skip
    return user


@dataclass
class ImportReport:
    created: list[dict[str, Any]] = field(default_factory=list)  # username, mahalle, (password)
    errors: list[dict[str, Any]] = field(default_factory=list)  # line, field, message


_HEADERS = {
    "name": ("ad soyad", "adsoyad", "ad", "isim", "name", "muhtar"),
    "phone": ("telefon", "tel", "gsm", "phone", "cep"),
    "ilce": ("ilçe", "ilce", "district"),
    "mahalle": ("mahalle", "neighbourhood", "neighborhood"),
}


def _columns(header: list[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for i, h in enumerate(header):
        key = h.strip().replace("İ", "i").replace("I", "ı").lower()
        for col, names in _HEADERS.items():
            if key in names and col not in found:
                found[col] = i
    missing = [c for c in _HEADERS if c not in found]
    if missing:
        raise ActionError(f"CSV header lacks column(s): {', '.join(missing)}", field="file")
    return found


def import_muhtars(
    session: Session, actor: Actor, text: str, *, with_passwords: bool = False
) -> ImportReport:
    """Create one muhtar account per good row; each row in its own savepoint, so a bad row
    (unknown mahalle, bad phone, an existing account) is reported and the rest go in.
    ``with_passwords`` gives each new account a random first password, returned once."""
    require(actor, "user.manage")
    sample = text[:4096]
    dialect = csv.Sniffer().sniff(sample, delimiters=",;\t") if sample.strip() else csv.excel
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff")), dialect))
    if not rows:
        raise ActionError("empty file", field="file")
    cols = _columns(rows[0])
    report = ImportReport()
    for line, row in enumerate(rows[1:], start=2):
        if not any(c.strip() for c in row):
            continue
        cell = {c: (row[i].strip() if i < len(row) else "") for c, i in cols.items()}
        password = secrets.token_urlsafe(9) if with_passwords else None
        try:
            with session.begin_nested():
                user = create_muhtar(session, actor, name=cell["name"], phone=cell["phone"], ilce=cell["ilce"],
                                     mahalle=cell["mahalle"], password=password)  # fmt: skip
        except ActionError as exc:
            report.errors.append({"line": line, "field": exc.field, "message": exc.message})
            continue
        done = {"username": user.username, "ilce": user.ilce, "mahalle": user.mahalle}
        if password is not None:
            done["password"] = password
        report.created.append(done)
    events.record(session, actor, "user.muhtars_imported", None, created=len(report.created),
                  errors=len(report.errors))  # fmt: skip
    return report
