"""Runs the configured connectors: polls sources with backoff, mounts webhook
routes, keeps checkpoints and health, and finds the sender for a channel.

Connectors know only their channel; this module is where the hub meets them.
"""

from __future__ import annotations

import asyncio
import logging
import random
from datetime import UTC, datetime
from typing import Any

from aiohttp import web

from connectors.base import ConnectorError, FetchResult, Quarantined, RawMessage
from hub.actions import quarantine as qa
from hub.auth import SYSTEM_INTAKE
from hub.intake.quarantine import raw_to_bytes
from hub.models import Checkpoint, utcnow
from hub.workers.outbox import cancel_requested

log = logging.getLogger(__name__)
MAX_BACKOFF = 300.0


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
            await self.hub.db.run(self._touch, name, None, None)
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
        return [
            asyncio.create_task(self._poll_loop(src), name=f"connector-{src.name}") for src in self.polled
        ]

    def wake(self, name: str) -> None:
        ev = self._wake.get(name)
        if ev is not None:
            ev.set()

    async def poll_once(self, source: Any) -> FetchResult:
        checkpoint = await self.hub.db.run(self._checkpoint, source.name)
        result = await source.fetch(checkpoint)
        await self.hub.db.run(self._store, source.name, result)
        confirm = getattr(source, "confirm", None)
        if confirm is not None:
            await asyncio.to_thread(confirm, result.checkpoint)
        return result

    async def _poll_loop(self, source: Any) -> None:
        backoff = 1.0
        self._wake[source.name] = asyncio.Event()
        while True:
            if cancel_requested():  # a swallowed cancellation must still stop the loop
                raise asyncio.CancelledError
            try:
                result = await self.poll_once(source)
                backoff = 1.0
                if result.messages:
                    continue  # there may be more right away
                await self._idle(source)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                retry_after = exc.retry_after if isinstance(exc, ConnectorError) else None
                if not isinstance(exc, ConnectorError):
                    log.exception("connector %s failed", source.name)
                else:
                    log.warning("connector %s: %s", source.name, exc)
                await self.hub.db.run(self._touch, source.name, None, f"{type(exc).__name__}: {exc}"[:500])
                delay = max(retry_after or 0.0, backoff) * (1 + random.random() * 0.2)
                backoff = min(backoff * 2, MAX_BACKOFF)
                await asyncio.sleep(delay)

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

    def _store(self, name: str, result: FetchResult) -> None:
        """Ingest a fetch and move the checkpoint in one transaction: all or nothing."""
        with self.hub.db.session() as session:
            for raw in result.messages:
                try:
                    self.hub.intake.ingest_in(session, raw)
                except Exception as exc:  # the pipeline choked: keep the message, move on
                    log.exception("intake failed for a %s message; quarantined", raw.channel)
                    qa.add(session, SYSTEM_INTAKE, Quarantined(
                        channel=raw.channel, raw=raw_to_bytes(raw), error=f"intake failed: {type(exc).__name__}: {exc}",
                        external_id=raw.external_id, metadata={"kind": "raw_message"},
                    ))  # fmt: skip
            for q in result.quarantined:
                qa.add(session, SYSTEM_INTAKE, q)
            row = session.get(Checkpoint, name) or Checkpoint(connector=name)
            if result.checkpoint is not None:
                row.value = result.checkpoint
            row.last_success_at = utcnow()
            row.backlog = result.backlog
            row.updated_at = utcnow()
            session.add(row)

    def _touch(self, name: str, value: str | None, error: str | None) -> None:
        with self.hub.db.session() as session:
            row = session.get(Checkpoint, name) or Checkpoint(connector=name)
            now = datetime.now(UTC)
            if error:
                row.last_error, row.last_error_at = error, now
            else:
                row.last_success_at = now
            if value is not None:
                row.value = value
            row.updated_at = now
            session.add(row)

    def health(self) -> list[dict[str, Any]]:
        names = [s.name for s in self.polled] + [w.name for w in self.webhooks]
        with self.hub.db.reader() as session:
            rows = {n: session.get(Checkpoint, n) for n in names}
        out = []
        # Senders that are also a listed source (Telegram, X, Meta) are reported once, with it.
        listed = {id(s) for s in [*self.polled, *self.webhooks]}
        for kind, items in (("polled", self.polled), ("webhook", self.webhooks)):
            for src in items:
                row = rows.get(src.name)
                last_ok = row.last_success_at if row else None
                last_err_at = row.last_error_at if row else None
                healthy = last_err_at is None or (last_ok is not None and last_ok > last_err_at)
                can_reply = src.channel in self.senders or any(s is src for s in self.senders.values())
                out.append({
                    "name": src.name, "channel": src.channel, "kind": kind, "enabled": True,
                    "can_reply": can_reply, "healthy": healthy,
                    "last_success_at": last_ok.isoformat() if last_ok else None,
                    "last_error": row.last_error if row else None,
                    "last_error_at": last_err_at.isoformat() if last_err_at else None,
                    "backlog": row.backlog if row else None,
                })  # fmt: skip
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
