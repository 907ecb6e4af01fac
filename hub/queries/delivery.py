"""What became of each outbox item, said honestly, and which requests' citizens were never
reached.

The worker marks an item it did not send (no SMTP server, no SMS gateway, no connector for the
channel) as ``done`` with ``result.skipped``, the same row status as a real delivery. Staff
must not read that as "delivered": ``delivery_state`` tells the cases apart, and
``citizen_unreached`` finds the requests whose latest notice or answer to the citizen went
nowhere (skipped or failed), so an agent can call them.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from sqlalchemy import and_, bindparam, exists, not_, or_
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from hub.models import Outbox, Request
from hub.models_callbacks import Callback

CITIZEN_KINDS = ("reply", "notify")  # forwards go to departments
# Skips that are the design, not a missed citizen: the rules' automatic "alındı" text is not
# sent on phone / CİMER / MBS (the "received" notice covers it), and a department whose target
# is the hub's own queue reads its work there.
_BY_DESIGN = ("automatic acknowledgement not sent", "queue-only target")


def _skip_reason(result: dict[str, Any] | None) -> str | None:
    skipped = (result or {}).get("skipped")
    return str(skipped) if skipped else None


def delivery_state(status: str, result: dict[str, Any] | None, attempts: int = 0) -> str:
    """``delivered`` | ``skipped`` (nothing sent: the channel is not set up) | ``not_needed`` |
    ``failed`` | ``pending`` | ``retrying`` | ``sending``."""
    if status == "done":
        reason = _skip_reason(result)
        if reason is None:
            return "delivered"
        return "not_needed" if reason.startswith(_BY_DESIGN) else "skipped"
    if status == "dead":
        return "failed"
    if status == "sending":
        return "sending"
    return "retrying" if attempts > 0 else "pending"


def message_state(delivery_status: str | None) -> str | None:
    """A message's own field, for messages without an outbox item (e.g. forward copies)."""
    return {"queued": "pending", "sent": "delivered", "skipped": "skipped", "failed": "failed"}.get(delivery_status or "")


def outbox_item(o: Any) -> dict[str, Any]:
    """One item as the request page shows it; ``o`` is an Outbox or a row with its columns."""
    return {
        "id": o.id, "kind": o.kind, "message_id": o.message_id, "attempts": o.attempts,
        "state": delivery_state(o.status, o.result, o.attempts), "skip_reason": _skip_reason(o.result),
        "via": (o.result or {}).get("via"), "last_error": o.last_error, "next_attempt_at": o.next_attempt_at,
    }  # fmt: skip


def outbox_items(session: Session, request_id: int) -> list[dict[str, Any]]:
    rows = session.exec(select(Outbox).where(Outbox.request_id == request_id).order_by(col(Outbox.id)))
    return [outbox_item(o) for o in rows]


def _not_delivered(o: Any) -> Any:
    skipped = o.result["skipped"].as_string()
    by_design = or_(*(skipped.startswith(prefix, autoescape=True) for prefix in _BY_DESIGN))
    return or_(o.status == "dead", and_(o.status == "done", skipped.is_not(None), not_(by_design)))


def _delivered(o: Any) -> Any:
    return and_(o.status == "done", o.result["skipped"].as_string().is_(None))


@lru_cache(maxsize=1)
def citizen_unreached() -> Any:
    """SQL condition over ``Request``: a notice or answer to the citizen was skipped or failed,
    and nothing sent to them after it got through. Built once: it has no parameters, and
    building it took more time than running it (the queue and the request page ask per view)."""
    missed, later = aliased(Outbox), aliased(Outbox)
    delivered_later = exists().where(
        later.request_id == missed.request_id, later.id > missed.id, later.kind.in_(CITIZEN_KINDS), _delivered(later)
    )
    # an agent's call-back that reached the citizen after the miss counts as getting through
    reached_later = exists().where(
        Callback.request_id == missed.request_id, Callback.outcome == "reached", Callback.done_at > missed.created_at
    )
    return exists().where(
        missed.request_id == Request.id, missed.kind.in_(CITIZEN_KINDS), _not_delivered(missed), ~delivered_later,
        ~reached_later,
    )


def unreached_ids(session: Session, request_ids: list[int]) -> set[int]:
    """Which of these requests' citizens were never reached (for the queue's badge)."""
    if not request_ids:
        return set()
    return set(session.exec(_unreached_stmt(), params={"ids": list(request_ids)}))


@lru_cache(maxsize=1)
def _unreached_stmt() -> Any:
    ids = col(Request.id).in_(bindparam("ids", expanding=True))
    return select(Request.id).where(ids, citizen_unreached())
