"""The retention purge: erase personal data of requests finished longer ago than
``HUB_RETENTION_DAYS`` (KVKK requires a stated retention period and periodic erasure)."""

from __future__ import annotations

from collections import Counter
from typing import Any

from hub.actions import privacy
from hub.auth import Actor
from hub.workers.periodic import every

SYSTEM_RETENTION = Actor("system:retention", "system")


def purge_once(hub: Any, *, retention_days: int | None = None, limit: int = 200, max_rounds: int = 1000) -> dict[str, int]:
    """Purge in short transactions until nothing expired is left."""
    days = retention_days or hub.settings.retention_days
    total: Counter[str] = Counter()
    for _ in range(max_rounds):
        with hub.db.session() as session:
            got = privacy.purge_expired(
                session, SYSTEM_RETENTION, retention_days=days, limit=limit,
                delete_file=hub.attachments.delete,
            )  # fmt: skip
        total.update(got.as_dict())
        if got.requests < limit and got.quarantined < limit:
            break
    return dict(total)


async def run(hub: Any) -> None:
    await every(hub, purge_once, hub.settings.retention_check_seconds, "retention purge")
