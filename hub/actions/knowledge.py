"""Knowledge base entries, canned replies, and closing a call on first contact.

Supervisors write entries and canned replies (``kb.manage``); every write records an audit
Event. An agent closes a call answered on the spot with the entry used: the request is
closed olumlu, tagged ``ilk-temas``, remembers the entry, and the Event is what the
first-contact report counts.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from sqlmodel import Session, select

from hub.actions import events
from hub.actions.errors import ActionError, Conflict, NotFound
from hub.auth import Actor, require
from hub.models import Request, utcnow
from hub.models_kb import CannedReply, KbEntry
from hub.search_text import search_text

FCR_TAG = "ilk-temas"
FCR_EVENT = "request.first_contact"
_SHORTCUT = re.compile(r"^[a-z0-9][a-z0-9-]{0,39}$")
_TAG = re.compile(r"^[a-z0-9çğıöşü][a-z0-9çğıöşü-]{0,39}$")


def _text(values: dict[str, Any], key: str, label: str, limit: int, *, required: bool = True) -> str | None:
    value = str(values.get(key) or "").replace("\r\n", "\n").strip()
    if not value:
        if required:
            raise ActionError(f"{label} is required", field=key)
        return None
    if len(value) > limit:
        raise ActionError(f"{label} is longer than {limit} characters", field=key)
    return value


def _entry_fields(values: dict[str, Any]) -> dict[str, Any]:
    tags_raw = values.get("tags") or []
    if isinstance(tags_raw, str):
        tags_raw = re.split(r"[,\s]+", tags_raw)
    tags = sorted({str(t).strip().lower() for t in tags_raw if str(t).strip()})
    for t in tags:
        if not _TAG.match(t):
            raise ActionError(f"tag {t!r} is not valid (letters, digits and '-')", field="tags")
    valid_until = values.get("valid_until") or None
    if isinstance(valid_until, str):
        try:
            valid_until = date.fromisoformat(valid_until.strip())
        except ValueError:
            raise ActionError("valid_until must be a date (YYYY-MM-DD)", field="valid_until") from None
    return {
        "title": _text(values, "title", "title", 200), "body": _text(values, "body", "body", 5000),
        "topic": _text(values, "topic", "topic", 80, required=False), "tags": tags, "valid_until": valid_until,
        "active": values.get("active", True) not in (False, "0", "false", "hayir", ""),
    }  # fmt: skip


def _entry_search(e: KbEntry) -> str:
    return search_text(e.title, e.body, e.topic, " ".join(e.tags or []))


def save_entry(session: Session, actor: Actor, values: dict[str, Any], entry_id: int | None = None) -> KbEntry:
    """Create (``entry_id`` None) or change a knowledge base entry."""
    require(actor, "kb.manage")
    fields = _entry_fields(values)
    if entry_id is None:
        entry = KbEntry(**fields)
        kind = "kb.created"
    else:
        entry = session.get(KbEntry, entry_id)
        if entry is None:
            raise NotFound("knowledge base entry not found")
        for k, v in fields.items():
            setattr(entry, k, v)
        kind = "kb.updated"
    entry.search_text = _entry_search(entry)
    entry.updated_at = utcnow()
    entry.updated_by = actor.id
    session.add(entry)
    session.flush()
    events.record(session, actor, kind, None, entry_id=entry.id, title=entry.title, topic=entry.topic)
    return entry


def save_canned(session: Session, actor: Actor, values: dict[str, Any], reply_id: int | None = None) -> CannedReply:
    """Create or change a canned reply. Its placeholders are checked when it is saved."""
    from hub.delivery.canned import placeholder_errors

    require(actor, "kb.manage")
    shortcut = (_text(values, "shortcut", "shortcut", 40) or "").lower()
    if not _SHORTCUT.match(shortcut):
        raise ActionError("shortcut: lower-case letters, digits and '-' only", field="shortcut")
    body = _text(values, "body", "body", 2000) or ""
    problems = placeholder_errors(body)
    if problems:
        raise ActionError(problems[0], field="body")
    fields = {"shortcut": shortcut, "title": _text(values, "title", "title", 200), "body": body,
              "topic": _text(values, "topic", "topic", 80, required=False),
              "active": values.get("active", True) not in (False, "0", "false", "hayir", "")}  # fmt: skip
    clash = session.exec(select(CannedReply).where(CannedReply.shortcut == shortcut)).first()
    if clash is not None and clash.id != reply_id:
        raise Conflict(f"shortcut /{shortcut} is taken", field="shortcut")
    if reply_id is None:
        reply = CannedReply(**fields)
        kind = "canned.created"
    else:
        reply = session.get(CannedReply, reply_id)
        if reply is None:
            raise NotFound("canned reply not found")
        for k, v in fields.items():
            setattr(reply, k, v)
        kind = "canned.updated"
    reply.updated_at = utcnow()
    reply.updated_by = actor.id
    session.add(reply)
    session.flush()
    events.record(session, actor, kind, None, reply_id=reply.id, shortcut=reply.shortcut, topic=reply.topic)
    return reply


def resolve_first_contact(session: Session, actor: Actor, req: Request, entry_id: int) -> Request:
    """"İlk temasta çözüldü": the agent answered the caller on the spot from ``entry_id``."""
    from hub.actions import requests as req_actions

    require(actor, "request.close")
    entry = session.get(KbEntry, entry_id)
    if entry is None:
        raise NotFound("knowledge base entry not found", field="kb_entry_id")
    if not entry.valid_on(utcnow().date()):
        raise ActionError("knowledge base entry is no longer valid", field="kb_entry_id")
    now = utcnow()
    req.kb_entry_id = entry.id
    req.tags = sorted(set(req.tags or []) | {FCR_TAG})
    req.answered_at = req.answered_at or now
    req_actions.close_request(session, actor, req, outcome="olumlu", reason=f"İlk temasta çözüldü: {entry.title}")
    events.record(session, actor, FCR_EVENT, req.id, entry_id=entry.id, title=entry.title, topic=req.topic)
    return req
