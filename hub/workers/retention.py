"""The retention purge: erase personal data of requests finished longer ago than
``HUB_RETENTION_DAYS`` (KVKK requires a stated retention period and periodic erasure)."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from hub.actions import privacy
from hub.auth import Actor

log = logging.getLogger(__name__)

SYSTEM_RETENTION = Actor("system:retention", "system")


def purge_once(hub: Any, *, retention_days: int | None = None, limit: int = 200, max_rounds: int = 1000) -> dict[str, int]:
    """Purge in short transactions until nothing expired is left."""
    days = retention_days or hub.settings.retention_days
    total = privacy.Erasure()
    for _ in range(max_rounds):
        with hub.db.session() as session:
            got = privacy.purge_expired(
                session, SYSTEM_RETENTION, retention_days=days, limit=limit,
                delete_file=hub.attachments.delete,
            )  # fmt: skip
        for k, v in got.as_dict().items():
            setattr(total, k, getattr(total, k) + v)
        if got.requests < limit and got.quarantined < limit:
            break
    return total.as_dict()


async def run(hub: Any) -> None:
    while True:
        try:
            counts = await hub.db.run(purge_once, hub)
            if any(counts.values()):
                log.info("retention purge: %s", counts)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("retention purge failed; will retry")
        await asyncio.sleep(hub.settings.retention_check_seconds)
