"""Search that understands Turkish: one folded text per row, compared as plain ASCII.

Each request stores ``search_text``: its subject, text, tracking code and the caller's
name, e-mail and phone, folded the Turkish way (``I`` -> ``ı``, ``İ`` -> ``i``, then
diacritics dropped) by the same function that folds the query. The database then only
compares lower-case ASCII with LIKE, which behaves the same on SQLite and PostgreSQL
(where a pg_trgm GIN index makes the substring match fast; see docs/search.md).

The actions layer keeps the column current (hub.actions.create, update, contacts,
privacy); the knowledge base folds its entries with the same function.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from sqlalchemy import and_, true
from sqlalchemy.sql.elements import ColumnElement

from classifier.pii import normalize_phone_tr
from connectors.tracking import normalize_code
from hub.rules.text import name_key

MAX_QUERY = 200
# Indexes only PostgreSQL has (created in migration 0005b, not declared on the models, because SQLite
# has no trigram index; and 0006q's partial indexes of the queue at scale, docs/query-plans.md);
# the migrations-match-models check leaves them out.
POSTGRES_ONLY_INDEXES = frozenset({
    "ix_request_search_trgm", "ix_request_sla_open", "ix_request_open_due", "ix_request_open_dept_due",
    "ix_request_status_due", "ix_request_status_dept_due", "ix_request_mahalle_due",
})  # fmt: skip
# A query written like a phone number: digits with the usual separators, at least four digits.
_PHONE_LIKE = re.compile(r"^\+?[\d\s().\-/]+$")
_NON_DIGIT = re.compile(r"\D")


def fold(s: str | None) -> str:
    """'ÇÖP  Kutusu' -> 'cop kutusu'; 'İMAR' -> 'imar'; 'IŞIK' -> 'isik'."""
    return name_key(s) if s else ""


def phone_key(phone: str | None) -> str:
    """The 10-digit national number of a Turkish phone (what the search text holds), else ''."""
    e164 = normalize_phone_tr(phone or "")
    return e164[3:] if e164 else ""


def search_text(*parts: str | None, phone: str | None = None) -> str:
    """The folded text stored for a row: every part folded, joined by single spaces."""
    out = [fold(p) for p in parts if p]
    key = phone_key(phone)
    if key:
        out.append(key)
    elif phone:  # a foreign number: its digits
        out.append(_NON_DIGIT.sub("", phone))
    return " ".join(p for p in out if p)


def request_search_text(
    *, subject: str | None, text: str | None, tracking_code: str | None, contact: Any = None
) -> str:
    name = email = phone = None
    if contact is not None:
        name, email, phone = contact.name, contact.email, contact.phone
    return search_text(tracking_code, subject, text, name, email, phone=phone)


def query_terms(q: str) -> list[str]:
    """The folded terms a query must all contain. A phone number in any Turkish writing
    (``0532 123 45 67``, ``+90 532 123 4567``, ``5321234567``) becomes its national digits."""
    q = (q or "")[:MAX_QUERY].strip()
    if not q:
        return []
    if _PHONE_LIKE.match(q):
        digits = _NON_DIGIT.sub("", q)
        if len(digits) >= 4:
            key = phone_key(q)
            if key:
                return [key]
            # a partial number: drop the country code or trunk zero the search text never holds
            if q.startswith("+") and digits.startswith("90"):
                digits = digits[2:]
            elif digits.startswith("0090"):
                digits = digits[4:]
            elif digits.startswith("0"):
                digits = digits[1:]
            return [digits] if digits else []
    return fold(q).split()


def tracking_code_query(q: str) -> str | None:
    """A whole tracking code (``kay-2026-000123``) is looked up exactly, on its unique index:
    its trigrams are in nearly every row, so a substring search would read much of the index.
    (Exact also keeps ``KAY-2026-100000`` from matching ``KAY-2026-1000000``.)"""
    return normalize_code(q)


def _like_escape(term: str) -> str:
    return term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def matches_terms(column: Any, terms: Iterable[str]) -> ColumnElement[bool]:
    """SQL: ``column`` contains every term (folded, so LIKE compares plain ASCII)."""
    conds = [column.like(f"%{_like_escape(t)}%", escape="\\") for t in terms]
    return and_(*conds) if conds else true()


def search_condition(column: Any, q: str) -> ColumnElement[bool]:
    return matches_terms(column, query_terms(q))
