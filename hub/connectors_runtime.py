"""Runs the configured connectors: polls sources with backoff, mounts webhook
routes, keeps checkpoints and health, and finds the sender for a channel.

Connectors know only their channel; this module is where the hub meets them.
"""

from __future__ import annotations

import asyncio
import logging
import random
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from aiohttp import web
from sqlalchemy.exc import SQLAlchemyError

from connectors.base import ConnectorError, FetchResult, Quarantined, RawMessage
from hub.actions import checkpoints
from hub.actions import quarantine as qa
from hub.auth import SYSTEM_INTAKE
from hub.intake.quarantine import raw_to_bytes
from hub.intake.sanitize import without_nul
from hub.models import Checkpoint
from hub.workers.leader import run_singleton
from hub.workers.outbox import cancel_requested

log = logging.getLogger(__name__)
MAX_BACKOFF = 300.0
DB_MAX_BACKOFF = 5.0


def connector_job(name: str) -> str:
    """The singleton job name of a polled connector (hub.workers.leader)."""
    return f"connector:{name}"


@dataclass
class PollHealth:
    """A polled connector's health as this process saw it. Kept in memory because the
    database may be the thing that failed; written to its Checkpoint row when it can be."""

    last_success_at: datetime | None = None
    last_error: str | None = None
    last_error_at: datetime | None = None
    failing_since: datetime | None = None
    consecutive_failures: int = 0
    backlog: int | None = None
    error_saved: bool = True  # the last error is in the Checkpoint row

    def ok(self, backlog: int | None) -> None:
        self.last_success_at, self.backlog = datetime.now(UTC), backlog
        self.consecutive_failures, self.failing_since = 0, None

    def failed(self, error: str) -> None:
        now = datetime.now(UTC)
        self.last_error, self.last_error_at, self.error_saved = error, now, False
        self.consecutive_failures += 1
        self.failing_since = self.failing_since or now


def _aware(value: datetime | None) -> datetime | None:
    # SQLite hands datetimes back without a zone; they are stored in UTC.
    return value.replace(tzinfo=UTC) if value is not None and value.tzinfo is None else value


def _latest(a: datetime | None, b: datetime | None) -> datetime | None:
    a, b = _aware(a), _aware(b)
    return max(a, b) if a and b else a or b


def _secret(value: Any) -> str | None:
    return value.get_secret_value() if value is not None and hasattr(value, "get_secret_value") else value


class ConnectorRuntime:
    def __init__(self, hub: Any) -> None:
        self.hub = hub
        self.polled: list[Any] = []
        self.webhooks: list[Any] = []
        self.senders: dict[str, Any] = {}
        self.disabled: dict[str, str] = {}
        self.poll_intervals: dict[str, float] = {}
        self._wake: dict[str, asyncio.Event] = {}
        self.poll_health: dict[str, PollHealth] = {}

    # -- building from settings ---------------------------------------------------------
    @classmethod
    def from_settings(cls, hub: Any) -> ConnectorRuntime:
        rt = cls(hub)
        st = hub.settings
        from hub import channels

        for build in channels.BUILDERS:
            try:
                build(rt, st)
            except Exception as exc:  # one broken channel config must not stop the hub
                name = getattr(build, "__name__", "connector").removeprefix("build_")
                rt.disabled[name] = f"configuration error: {exc}"
                log.error("connector %s not started: %s", name, exc)
        return rt

    def add_polled(self, source: Any, interval: float) -> None:
        self.polled.append(source)
        self.poll_intervals[source.name] = interval

    def add_sender(self, channel: str, sender: Any) -> None:
        self.senders[channel] = sender

    def sender_for(self, channel: str) -> Any | None:
        return self.senders.get(channel)

    # -- webhooks --------------------------------------------------------------------------
    def mount(self, app: web.Application) -> None:
        for source in self.webhooks:
            app.add_routes(source.routes(self.sink_for(source.name), self.quarantine_sink))

    def sink_for(self, name: str) -> Any:
        """A sink that records success under the webhook source's own name (e.g. "meta"),
        which is the name /api/v1/connectors reports, not the message's channel."""

        async def sink(raw: RawMessage) -> Any:
            result = await self.hub.db.run(self.hub.intake.ingest, raw)
            try:  # the message is stored: a failed health note must not fail the webhook
                await self.hub.db.run(self._received, name)
            except Exception as exc:
                log.warning("connector %s: health not saved: %s: %s", name, type(exc).__name__, exc)
            return result

        return sink

    async def sink(self, raw: RawMessage) -> Any:
        return await self.sink_for(raw.channel)(raw)

    async def quarantine_sink(self, q: Quarantined) -> Any:
        def work() -> None:
            with self.hub.db.session() as session:
                qa.add(session, SYSTEM_INTAKE, q)

        await self.hub.db.run(work)

    # -- polling -----------------------------------------------------------------------------
    def start(self) -> list[asyncio.Task]:
        """One poll loop per source, each run by one hub process at a time (a singleton job)."""
        return [
            asyncio.create_task(
                run_singleton(self.hub.leadership, connector_job(src.name), lambda src=src: self._poll_loop(src)),
                name=f"connector-{src.name}",
            )
            for src in self.polled
        ]

    def wake(self, name: str) -> None:
        ev = self._wake.get(name)
        if ev is not None:
            ev.set()

    async def poll_once(self, source: Any) -> FetchResult:
        checkpoint = await self.hub.db.run(self._checkpoint, source.name)
        result = await source.fetch(checkpoint)
        await self.hub.db.run(self._store, source.name, result, self._unsaved_error(source.name))
        confirm = getattr(source, "confirm", None)
        if confirm is not None:
            await asyncio.to_thread(confirm, result.checkpoint)
        return result

    async def _poll_loop(self, source: Any) -> None:
        """Poll until cancelled. Nothing may end this loop: a failure (the source's, the
        database's, or one while recording the failure) is kept in memory, and the loop
        backs off and tries again, so it resumes by itself when the cause goes away."""
        backoff = 1.0
        self._wake[source.name] = asyncio.Event()
        health = self.poll_health.setdefault(source.name, PollHealth())
        while True:
            if cancel_requested():  # a swallowed cancellation must still stop the loop
                raise asyncio.CancelledError
            try:
                result = await self.poll_once(source)
                if health.consecutive_failures:
                    log.warning("connector %s works again after %d failures", source.name, health.consecutive_failures)
                health.ok(result.backlog)
                health.error_saved = True  # _store wrote it with the checkpoint
                backoff = 1.0
                if result.messages:
                    continue  # there may be more right away
                await self._idle(source)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                delay = backoff
                try:
                    delay = await self._failed(source, health, exc, backoff)
                except asyncio.CancelledError:
                    raise
                except Exception:  # never let the error handling end the loop
                    log.exception("connector %s: recording a failure failed", source.name)
                # A database outage is usually over in seconds: retry it soon, whatever the source's cap.
                if isinstance(exc, SQLAlchemyError):
                    backoff, delay = min(backoff * 2, DB_MAX_BACKOFF), min(delay, DB_MAX_BACKOFF * 1.2)
                else:
                    backoff = min(backoff * 2, MAX_BACKOFF)
                await asyncio.sleep(delay)

    async def _failed(self, source: Any, health: PollHealth, exc: Exception, backoff: float) -> float:
        """Log and remember a failed poll; save it to the Checkpoint row if the database answers."""
        retry_after = exc.retry_after if isinstance(exc, ConnectorError) else None
        error = f"{type(exc).__name__}: {exc}"[:500]
        health.failed(error)
        if isinstance(exc, ConnectorError) or health.consecutive_failures > 1:
            log.warning("connector %s (%d failures in a row): %s", source.name, health.consecutive_failures, error)
        else:
            log.exception("connector %s failed", source.name)
        try:
            await self.hub.db.run(self._save_failure, source.name, error)
            health.error_saved = True
        except Exception as db_exc:  # the database may be what failed: health stays in memory
            log.warning("connector %s: health not saved (%s); kept in memory", source.name, type(db_exc).__name__)
        return max(retry_after or 0.0, backoff) * (1 + random.random() * 0.2)

    def _unsaved_error(self, name: str) -> tuple[str, datetime] | None:
        h = self.poll_health.get(name)
        if h is None or h.error_saved or h.last_error is None or h.last_error_at is None:
            return None
        return h.last_error, h.last_error_at

    async def _idle(self, source: Any) -> None:
        interval = self.poll_intervals.get(source.name, 30.0)
        wait_for_new = getattr(source, "wait_for_new", None)
        ev = self._wake[source.name]
        if wait_for_new is not None:
            await wait_for_new(interval)
            return
        try:
            await asyncio.wait_for(ev.wait(), timeout=interval)
        except TimeoutError:
            pass
        ev.clear()

    # -- checkpoints & health (DB, sync) ------------------------------------------------------
    def _checkpoint(self, name: str) -> str | None:
        with self.hub.db.reader() as session:
            row = session.get(Checkpoint, name)
            return row.value if row else None

    def _store(self, name: str, result: FetchResult, unsaved_error: tuple[str, datetime] | None = None) -> None:  # fmt: skip
        """Ingest a fetch and move the checkpoint in one transaction: all or nothing.
        The fetch goes in as one batch (one model call, multi-row writes); a message the
        pipeline chokes on is quarantined and the others are kept. An error seen while the
        database was away is written along with it."""
        intake = self.hub.intake
        raws = [without_nul(r) for r in result.messages]
        pre: dict[int, dict[str, Any]] = {}
        if len(raws) > 1:
            try:  # classified before the write transaction, as imports are
                pre = intake.prepare_batch(raws)
            except SQLAlchemyError:
                raise  # the database is away: the poll fails and is retried
            except Exception:
                log.warning("connector %s: batch classification failed; one by one instead", name, exc_info=True)

        with self.hub.db.session() as session:

            def quarantine(raw: RawMessage, exc: Exception) -> None:  # the pipeline choked: keep it, move on
                log.error("intake failed for a %s message; quarantined", raw.channel, exc_info=exc)
                qa.add(session, SYSTEM_INTAKE, Quarantined(
                    channel=raw.channel, raw=raw_to_bytes(raw), error=f"intake failed: {type(exc).__name__}: {exc}",
                    external_id=raw.external_id, metadata={"kind": "raw_message"},
                ))  # fmt: skip

            intake.ingest_batch_in(session, raws, pre, on_error=quarantine)
            for q in result.quarantined:
                qa.add(session, SYSTEM_INTAKE, q)
            # the same transaction as the batch: the position moves with what it covers
            checkpoints.advance(session, name, result.checkpoint, backlog=result.backlog, unsaved_error=unsaved_error)

    def _received(self, name: str) -> None:
        with self.hub.db.session() as session:
            checkpoints.record_success(session, name)

    def _save_failure(self, name: str, error: str) -> None:
        with self.hub.db.session() as session:
            checkpoints.record_poll_failure(session, name, error)

    def _rows(self, names: list[str]) -> tuple[dict[str, Checkpoint], str | None]:
        try:
            with self.hub.db.reader() as session:
                return {n: row for n in names if (row := session.get(Checkpoint, n)) is not None}, None
        except Exception as exc:  # the database is away: report what this process knows
            log.warning("connector health: database unavailable (%s); serving memory", type(exc).__name__)
            return {}, f"{type(exc).__name__}"

    def health(self) -> list[dict[str, Any]]:
        """Each connector's health: the Checkpoint row merged with this process's memory
        (newer wins). Works with the database away, from memory alone."""
        names = [s.name for s in self.polled] + [w.name for w in self.webhooks]
        rows, db_error = self._rows(names)
        leadership = getattr(self.hub, "leadership", None)
        leases = leadership.leases if leadership is not None else {}
        # The leadership check failing (the database is away) stops the polled jobs here, maybe
        # before their own poll failed: they are not running anywhere we can know of.
        lead_error = getattr(leadership, "check_error", None)
        lead_since = getattr(leadership, "check_failed_since", None)
        out = []
        # Senders that are also a listed source (Telegram, X, Meta) are reported once, with it.
        listed = {id(s) for s in [*self.polled, *self.webhooks]}
        for kind, items in (("polled", self.polled), ("webhook", self.webhooks)):
            for src in items:
                row = rows.get(src.name)
                mem = self.poll_health.get(src.name) or PollHealth()
                last_ok = _latest(row.last_success_at if row else None, mem.last_success_at)
                row_err_at = _aware(row.last_error_at) if row else None
                if mem.last_error_at is not None and (row_err_at is None or mem.last_error_at >= row_err_at):
                    last_error, last_err_at = mem.last_error, mem.last_error_at
                else:
                    last_error, last_err_at = (row.last_error if row else None), row_err_at
                healthy = mem.consecutive_failures == 0 and (
                    last_err_at is None or (last_ok is not None and last_ok > last_err_at)
                )
                can_reply = src.channel in self.senders or any(s is src for s in self.senders.values())
                item = {
                    "name": src.name, "channel": src.channel, "kind": kind, "enabled": True,
                    "can_reply": can_reply, "healthy": healthy,
                    "last_success_at": last_ok.isoformat() if last_ok else None,
                    "last_error": last_error,
                    "last_error_at": last_err_at.isoformat() if last_err_at else None,
                    "backlog": mem.backlog if mem.last_success_at and mem.last_success_at == last_ok
                    else (row.backlog if row else None),
                }  # fmt: skip
                if kind == "polled":
                    lease = leases.get(connector_job(src.name))
                    item.update({
                        "failing_since": mem.failing_since.isoformat() if mem.failing_since else None,
                        "consecutive_failures": mem.consecutive_failures,
                        "runs_here": bool(lease and lease.held),
                        "leader": lease.holder if lease else None,
                    })  # fmt: skip
                    if lead_error and not (lease and lease.held):
                        item.update({"healthy": False, "last_error": lead_error,
                                     "last_error_at": lead_since.isoformat() if lead_since else None,
                                     "failing_since": item["failing_since"] or (
                                         lead_since.isoformat() if lead_since else None)})  # fmt: skip
                if db_error:
                    item["database"] = f"unavailable ({db_error}); health from this process's memory"
                out.append(item)
        for channel, sender in self.senders.items():
            if id(sender) not in listed and not any(o["channel"] == channel for o in out):
                out.append({"name": getattr(sender, "name", channel), "channel": channel, "kind": "sender",
                            "enabled": True, "can_reply": True, "healthy": True})  # fmt: skip
        for name, reason in self.disabled.items():
            out.append(
                {"name": name, "channel": name, "kind": "disabled", "enabled": False, "reason": reason}
            )
        return out

    async def close(self) -> None:
        seen: set[int] = set()
        for obj in [*self.polled, *self.webhooks, *self.senders.values()]:
            if id(obj) in seen:
                continue
            seen.add(id(obj))
            closer = getattr(obj, "close", None)
            if closer is not None:
                try:
                    res = closer()
                    if asyncio.iscoroutine(res):
                        await res
                except Exception:
                    log.warning("closing %s failed", getattr(obj, "name", obj))
