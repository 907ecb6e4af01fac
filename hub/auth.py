"""Who is acting, and what they may do.

Every action takes an ``Actor``. The API resolves one from an API key or a
session; workers and the pipeline use system actors. The permission table is
the one place that says which role may do what.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

PERMISSIONS: dict[str, set[str]] = {
    "agent": {
        "request.read", "request.create", "request.update", "request.assign", "request.forward",
        "request.reply", "request.close", "request.merge", "contact.read", "quarantine.read",
        "quarantine.retry", "connector.read", "rules.read", "request.return",
    },
    "supervisor": {
        "request.read", "request.create", "request.update", "request.assign", "request.forward",
        "request.reply", "request.close", "request.merge", "contact.read", "contact.merge",
        "quarantine.read", "quarantine.retry", "connector.read", "rules.read", "rules.check", "rules.edit",
        "report.read", "model.read", "model.manage", "request.return", "kb.manage",
    },
    # Department users see and answer only their own department's work.
    "department": {"request.read", "request.reply", "request.close", "request.update", "rules.read"},
    # A muhtar reads only his own mahalle's requests, through the muhtar portal (hub/ui/muhtar.py).
    "muhtar": {"muhtar.portal"},
    "admin": {"*"},
    "system": {"*"},
}  # fmt: skip


@dataclass(frozen=True, slots=True)
class Actor:
    id: str  # "user:3", "apikey:2", "system:intake", "anonymous"
    role: str
    user_id: int | None = None
    department: str | None = None
    ilce: str | None = None  # a muhtar's mahalle
    mahalle: str | None = None

    def can(self, permission: str) -> bool:
        allowed = PERMISSIONS.get(self.role, set())
        return "*" in allowed or permission in allowed

    def can_see_department(self, department: str | None) -> bool:
        return self.role != "department" or (department is not None and department == self.department)


SYSTEM_INTAKE = Actor("system:intake", "system")
SYSTEM_WORKER = Actor("system:worker", "system")
SYSTEM_SLA = Actor("system:sla", "system")
SYSTEM_CLI = Actor("system:cli", "system")


class PermissionDenied(Exception):
    def __init__(self, permission: str) -> None:
        super().__init__(f"permission denied: {permission}")
        self.permission = permission


def require(actor: Actor, permission: str) -> None:
    if not actor.can(permission):
        raise PermissionDenied(permission)


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def new_api_key() -> str:
    return "th_" + secrets.token_urlsafe(32)
