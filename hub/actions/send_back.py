"""A department sends a misrouted request back to Beyaz Masa ("bizim değil"): it leaves the
department's list, returns to the agents' queue for review with the department's reason, and
keeps its routing trace, so the agents see both why the rules chose that department and why
the department refused it."""

from __future__ import annotations

from sqlmodel import Session

from hub.actions import claims, events
from hub.actions.errors import ActionError, Conflict
from hub.auth import Actor, require
from hub.models import FINAL_STATUSES, Request, Status, utcnow

TAG = "birim-iadesi"


def send_back(session: Session, actor: Actor, req: Request, reason: str) -> Request:
    require(actor, "request.update")
    claims.ensure_free(session, actor, req)
    if actor.role not in ("department", "admin", "supervisor"):
        raise ActionError("only a department can send a request back", field="role")
    reason = (reason or "").strip()
    if not reason:
        raise ActionError("sending back needs a reason", field="reason")
    if req.status in FINAL_STATUSES:
        raise Conflict(f"a {req.status} request cannot be sent back", field="status")
    from hub.actions.requests import _set_status

    before = {"department": req.department, "co_departments": list(req.co_departments or []),
              "status": req.status, "assignee_id": req.assignee_id}  # fmt: skip
    if req.status != Status.triaged:
        _set_status(session, actor, req, Status.triaged, reason="sent back by the department")
    req.department = None  # the agents choose again; the routing trace stays as it was
    req.co_departments = []
    req.assignee_id = None
    req.needs_review = True
    req.return_reason = reason[:1000]
    req.tags = sorted(set(req.tags or []) | {TAG})
    req.updated_at = utcnow()
    events.record(session, actor, "request.sent_back", req.id, before=before, reason=req.return_reason,
                  department=before["department"])  # fmt: skip
    return req
