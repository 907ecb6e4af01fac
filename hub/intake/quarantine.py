"""Quarantined input, from the intake's side: how a RawMessage the pipeline
choked on is kept, and how a quarantined item is parsed and ingested again.
The API and the staff UI both retry through ``retry``."""

from __future__ import annotations

import dataclasses
import json
from datetime import datetime
from typing import Any

from connectors.base import Location, RawMessage, Sender, ThreadHints
from hub.actions import quarantine as qa
from hub.actions.errors import ActionError, NotFound
from hub.auth import Actor
from hub.intake.pipeline import IntakeResult
from hub.models import Quarantine


def raw_to_bytes(raw: RawMessage) -> bytes:
    """A RawMessage as JSON (attachment bytes left out), for quarantining it."""

    def default(o: Any) -> Any:
        if isinstance(o, datetime):
            return o.isoformat()
        if isinstance(o, bytes):
            return f"<{len(o)} bytes>"
        return str(o)

    return json.dumps(dataclasses.asdict(raw), default=default, ensure_ascii=False).encode()


def reparse(channel: str, raw: bytes, meta: dict) -> RawMessage:
    """Parse a quarantined input again with its channel's parser."""
    if meta.get("kind") == "raw_message":
        d = json.loads(raw)
        d["received_at"] = datetime.fromisoformat(d["received_at"])
        d["sender"] = Sender(**d.get("sender") or {})
        d["thread"] = ThreadHints(**d.get("thread") or {})
        d["location"] = Location(**d["location"]) if d.get("location") else None
        d["attachments"] = []
        return RawMessage(**d)
    if channel == "email":
        from connectors.email import parse_message

        msg = parse_message(raw)
        if msg is None:
            raise ActionError("the message is an auto-reply or bounce; nothing to ingest")
        return msg
    raise ActionError(f"no parser can retry {channel} input; fix the source and send it again")


def retry(hub: Any, actor: Actor, qid: int) -> IntakeResult:
    """Parse a quarantined item again and ingest it; it stays quarantined, with the
    new error, when it still cannot be parsed."""
    with hub.db.reader() as session:
        q = session.get(Quarantine, qid)
        if q is None:
            raise NotFound("quarantined item not found")
        channel, raw, meta = q.channel, q.raw, q.meta or {}
    try:
        msg = reparse(channel, raw, meta)
    except ActionError:
        raise
    except Exception as exc:
        with hub.db.session() as session:
            qa.mark(session, actor, qid, status="new", error=f"retry failed: {type(exc).__name__}: {exc}")
        raise ActionError(f"still cannot parse: {exc}") from None
    result = hub.intake.ingest(msg)
    with hub.db.session() as session:
        qa.mark(session, actor, qid, status="resolved")
    return result
