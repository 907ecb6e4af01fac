"""The outbox worker: claim due rows, deliver each through its transport
(``hub.workers.transports``), record success or schedule a retry. At least once,
keyed for idempotency."""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import time
import uuid
from typing import Any

from connectors.base import ConnectorError, PermanentSendError
from hub.actions import callbacks, events
from hub.actions import outbox as ob
from hub.auth import SYSTEM_WORKER
from hub.delivery import DeliveryError, PermanentDeliveryError, RetryPolicy
from hub.models import Message, Outbox, Request
from hub.workers.transports import Skip, Transports

log = logging.getLogger(__name__)
def cancel_requested() -> bool:
    """True once the running task was asked to stop. On Python 3.11 ``asyncio.wait_for``
    (used inside aiosmtplib and others) can swallow a cancellation that races with its
    result; without this check the loop would run on and the hub's shutdown would hang."""
    task = asyncio.current_task()
    return task is not None and task.cancelling() > 0


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


class OutboxWorker:
    def __init__(self, hub: Any, *, name: str | None = None) -> None:
        self.hub = hub
        self.name = name or worker_name()
        st = hub.settings
        self.policy = RetryPolicy(
            base_seconds=st.outbox_base_delay_seconds, max_attempts=st.outbox_max_attempts
        )
        self.transports = Transports(hub)

    # -- loop ----------------------------------------------------------------------
    async def run(self) -> None:
        st = self.hub.settings
        failures = 0
        while True:
            if cancel_requested():
                raise asyncio.CancelledError
            try:
                n = await self.run_once()
                failures = 0
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # e.g. the database is away: back off, keep going
                failures += 1
                log.error("outbox worker %s failed (%d in a row): %s: %s; retrying", self.name, failures,
                          type(exc).__name__, exc, exc_info=failures == 1)  # fmt: skip
                n = 0
            if n == 0:
                await asyncio.sleep(max(st.worker_poll_seconds, min(0.5 * 2**failures, 10.0) if failures else 0))

    async def run_once(self) -> int:
        st = self.hub.settings

        def claim() -> list[Outbox]:
            with self.hub.db.session() as session:
                return ob.claim(session, self.name, n=st.worker_batch, lease_seconds=st.worker_lease_seconds)

        def renew(ids: list[int]) -> set[int]:
            with self.hub.db.session() as session:
                return ob.renew(session, self.name, ids, lease_seconds=st.worker_lease_seconds)

        renewed = time.monotonic()  # before the claim: its lease counts from then
        rows = await self.hub.db.run(claim)
        # The lease covers the whole batch, but its rows go one after the other: with a slow
        # endpoint the last ones would wait past the lease, and another process would claim
        # and send them too. Renew the rows still waiting once half the lease has gone, and
        # leave any that were taken over meanwhile.
        mine = {row.id for row in rows}
        for i, row in enumerate(rows):
            if time.monotonic() - renewed > st.worker_lease_seconds / 2:
                renewed = time.monotonic()
                mine = await self.hub.db.run(renew, [r.id for r in rows[i:] if r.id in mine])
            if row.id in mine:
                await self.deliver(row)
        return len(rows)

    async def deliver(self, row: Outbox) -> None:
        from hub.observability import metrics

        try:
            result = await self.dispatch(row)
        except Skip as note:
            await self.hub.db.run(self._done, row, {"skipped": str(note)}, None)
        except (PermanentDeliveryError, PermanentSendError) as exc:
            metrics.outbox_failures.inc(row.kind)
            await self.hub.db.run(self._dead, row, f"permanent: {exc}")
        except (DeliveryError, ConnectorError) as exc:
            metrics.outbox_failures.inc(row.kind)
            retryable = getattr(exc, "retryable", True)
            if not retryable or self.policy.should_give_up(row.attempts):
                await self.hub.db.run(self._dead, row, f"gave up after {row.attempts} attempts: {exc}")
            else:
                delay = (
                    exc.retry_after if exc.retry_after is not None else self.policy.next_delay(row.attempts)
                )
                await self.hub.db.run(self._retry, row, str(exc), delay)
        except Exception as exc:  # a bug in a transport must not stop the worker
            log.exception("outbox row %s (%s) failed unexpectedly", row.id, row.kind)
            metrics.outbox_failures.inc(row.kind)
            if self.policy.should_give_up(row.attempts):
                await self.hub.db.run(self._dead, row, f"internal error: {type(exc).__name__}")
            else:
                await self.hub.db.run(
                    self._retry,
                    row,
                    f"internal error: {type(exc).__name__}",
                    self.policy.next_delay(row.attempts),
                )
        else:
            metrics.outbox_delivered.inc(row.kind)
            await self.hub.db.run(self._done, row, result or {}, (result or {}).get("external_id"))

    # -- bookkeeping (each in its own transaction) -----------------------------------
    def _done(self, row: Outbox, result: dict, external_id: str | None) -> None:
        with self.hub.db.session() as session:
            if not ob.mark_done(session, row.id, self.name, external_id=external_id, result=result):
                return
            # An item the worker did not send (``result.skipped``) is stored as skipped, never as sent.
            skipped = (result or {}).get("skipped")
            if row.message_id:
                msg = session.get(Message, row.message_id)
                if msg is not None:
                    msg.delivery_status = "skipped" if skipped else "sent"
                    if external_id:
                        msg.meta = {**(msg.meta or {}), "sent_external_id": external_id}
                    if msg.channel == "email" and (external_id or "").startswith("<"):
                        # A citizen's client may quote only our answer's Message-ID: keep it for threading.
                        msg.email_message_id = external_id
            events.record(
                session,
                SYSTEM_WORKER,
                f"outbox.{row.kind}.{'skipped' if skipped else 'delivered'}",
                row.request_id,
                outbox_id=row.id,
                result=result,
            )
            if skipped:
                callbacks.open_if_answer_missed(session, row, str(skipped))

    def _retry(self, row: Outbox, error: str, delay: float) -> None:
        with self.hub.db.session() as session:
            ob.mark_retry(session, row.id, error, delay)

    def _dead(self, row: Outbox, error: str) -> None:
        with self.hub.db.session() as session:
            ob.mark_dead(session, row.id, error)
            if row.kind == "push":  # a staff phone missed a notice; the request itself was delivered
                return
            if row.message_id:
                msg = session.get(Message, row.message_id)
                if msg is not None:
                    msg.delivery_status = "failed"
            callbacks.open_if_answer_missed(session, row, f"the answer SMS failed: {error[:200]}")
            req = session.get(Request, row.request_id) if row.request_id else None
            if req is not None:
                req.tags = sorted(set(req.tags or []) | {"teslim-edilemedi"})
                events.record(
                    session,
                    SYSTEM_WORKER,
                    "request.escalated",
                    req.id,
                    to="supervisor",
                    reason=f"{row.kind} delivery failed",
                )

    async def dispatch(self, row: Outbox) -> dict[str, Any]:
        return await self.transports.dispatch(row)
