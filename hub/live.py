"""The live queue: server-sent events to the open queue pages of this process.

One ``Live`` per hub process, started by the first browser that opens ``/ui/canli``:

- **What happened** is read from the audit ``event`` table, whose ids are the cursor: the
  fan-out keeps the last id it has read and reads what follows. Each SSE message carries that id,
  so a browser that reconnects (``Last-Event-ID``, or ``?son=`` when the page reconnects by
  itself) is sent what happened after it and loses nothing.
- **When to look** is told by ``hub.actions.publish``: after every commit that wrote events in
  this process, and, on PostgreSQL, through ``LISTEN talep_hub_events`` on one dedicated
  psycopg connection per process (reconnected after an outage, then caught up from the
  cursor), so a request taken in by another process shows here too. A slow poll
  (``live_poll_seconds``) backs both up.
- **Who gets what**: browsers are grouped by what they look at (department scope, filters);
  each group's rows are listed once per batch with the queue's own query
  (``hub.queries.requests.list_requests`` narrowed to the changed ids), so a department user
  only ever hears of their own department's requests (``hub.queries.scope``), and each row is
  rendered once with the page's own row template.

On PostgreSQL ids are taken from a sequence, so a transaction may commit a smaller id after a
larger one was read: the ids skipped over are looked for again for ``GAP_SECONDS``.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from sqlalchemy import func, or_
from sqlmodel import select

from hub.actions import publish
from hub.auth import Actor
from hub.models import Event
from hub.queries.scope import department_scoped

log = logging.getLogger(__name__)

GAP_SECONDS = 30.0  # how long an id skipped over is looked for again (PostgreSQL commit order)
MAX_GAPS = 2000
BATCH = 2000  # events read at once
CATCH_UP_EVENTS = 20_000  # a browser further behind than this reloads the page instead
CATCH_UP_REQUESTS = 500
QUEUE_MAX = 100  # messages waiting for one slow browser; past that it is dropped and reconnects
PING_SECONDS = 15.0
LIVE_LIMIT = 200
COUNTS_EVERY = 1.0  # counters (a Python scan for saved filters) at most this often per scope


def scope_key(actor: Actor) -> tuple[str, ...]:
    return ("dept", actor.department or "") if department_scoped(actor) else ("all",)


@dataclass(eq=False)
class Client:
    """One open queue page."""

    actor: Actor
    params: dict[str, str]  # list_requests parameters of the page (without cursor)
    shown: set[int]  # the rows the page shows: only these may be removed from it
    queue: asyncio.Queue = field(default_factory=lambda: asyncio.Queue(QUEUE_MAX))
    last_counts: Any = None
    last_total: Any = None
    dropped: bool = False

    @property
    def scope(self) -> tuple[str, ...]:
        return scope_key(self.actor)

    @property
    def group(self) -> tuple[Any, ...]:
        mine = self.actor.user_id if self.params.get("assignee") == "me" else None
        return (self.scope, mine, tuple(sorted(self.params.items())))

    def push(self, message: bytes | None) -> None:
        if self.dropped:
            return
        try:
            self.queue.put_nowait(message)
        except asyncio.QueueFull:  # a browser that does not read: close it; it resumes by its id
            self.dropped = True
            with contextlib.suppress(asyncio.QueueEmpty):
                self.queue.get_nowait()
            self.queue.put_nowait(None)


def sse(event: str, data: Any, event_id: int | None = None) -> bytes:
    head = f"id: {event_id}\n" if event_id is not None else ""
    body = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return f"{head}event: {event}\ndata: {body}\n\n".encode()


def _conninfo(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


class Live:
    def __init__(self, hub: Any) -> None:
        self.hub = hub
        self.clients: set[Client] = set()
        self.cursor = 0
        self.gaps: dict[int, float] = {}
        self.listening = False  # PostgreSQL: the LISTEN connection is up
        self.batches = 0
        self._wake: asyncio.Event | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._tasks: list[asyncio.Task] = []
        self._unsubscribe: Any = None
        self._start_lock: asyncio.Lock | None = None
        self._counts: dict[Any, tuple[float, dict[str, Any]]] = {}  # scope → (monotonic, counters)
        self._counts_stale = False  # a batch reused counters: refresh them shortly

    # -- lifecycle -------------------------------------------------------------------------
    async def ensure_started(self) -> None:
        if self._tasks:
            return
        if self._start_lock is None:
            self._start_lock = asyncio.Lock()
        async with self._start_lock:
            if self._tasks:
                return
            self._loop = asyncio.get_running_loop()
            self._wake = asyncio.Event()
            self.cursor = await self.hub.db.run(self._max_id)
            self._unsubscribe = publish.subscribe(self._wake_threadsafe)
            from hub.workers.periodic import keep_running

            self._tasks.append(asyncio.create_task(keep_running("live queue", self._fanout), name="live-fanout"))
            if not self.hub.db.is_sqlite:
                self._tasks.append(asyncio.create_task(self._listen(), name="live-listen"))
            # the hub stops these with its other tasks (Hub._on_cleanup)
            getattr(self.hub, "_tasks", []).extend(self._tasks)

    async def close(self) -> None:
        """Close every stream (before the server waits for its handlers) and stop."""
        for client in list(self.clients):
            client.dropped = False
            client.push(None)
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        for task in self._tasks:
            task.cancel()
        self._tasks = []

    def _wake_threadsafe(self) -> None:
        loop, wake = self._loop, self._wake
        if loop is None or wake is None or loop.is_closed():
            return
        loop.call_soon_threadsafe(wake.set)

    def _max_id(self) -> int:
        with self.hub.db.reader() as session:
            return session.exec(select(func.max(Event.id))).one() or 0

    # -- PostgreSQL: LISTEN ----------------------------------------------------------------
    async def _listen(self) -> None:
        import psycopg

        backoff = 0.5
        conninfo = _conninfo(self.hub.db.url)
        check = max(5.0, self.hub.settings.live_poll_seconds * 2)
        while True:
            conn = None
            try:
                conn = await psycopg.AsyncConnection.connect(
                    conninfo, autocommit=True, connect_timeout=5, application_name="talep-hub live"
                )
                await conn.execute(f"LISTEN {publish.CHANNEL}")
                if not self.listening and backoff > 0.5:
                    log.info("live queue: listening again")
                self.listening, backoff = True, 0.5
                assert self._wake is not None
                self._wake.set()  # catch up on what happened while nobody listened
                while True:
                    async for _ in conn.notifies(timeout=check):
                        self._wake.set()
                    await conn.execute("SELECT 1")  # a dead connection says so here
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                self.listening = False
                log.warning("live queue: listening connection lost (%s); retrying in %.1fs", type(exc).__name__, backoff)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 10.0)
            finally:
                self.listening = False
                if conn is not None:
                    with contextlib.suppress(Exception):
                        await conn.close()

    # -- fan-out -----------------------------------------------------------------------------
    async def _fanout(self) -> None:
        assert self._wake is not None
        poll = self.hub.settings.live_poll_seconds
        while True:
            woken = False
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), COUNTS_EVERY if self._counts_stale else poll)
                woken = True
            self._wake.clear()
            if not woken and self._counts_stale:
                await self._refresh_counts()
            await asyncio.sleep(0.02)  # let a burst of commits arrive as one batch
            while True:
                events, more = await self.hub.db.run(self._read)
                if events:
                    await self._dispatch(events)
                if not more:
                    break

    def _read(self) -> tuple[list[tuple[int, int | None, str]], bool]:
        """Events after the cursor, and those skipped over lately; moves the cursor."""
        now = time.monotonic()
        self.gaps = {i: t for i, t in self.gaps.items() if now - t < GAP_SECONDS}
        cond = Event.id > self.cursor
        if self.gaps:
            cond = or_(cond, Event.id.in_(sorted(self.gaps)))  # type: ignore[attr-defined]
        stmt = select(Event.id, Event.request_id, Event.kind).where(cond).order_by(Event.id).limit(BATCH)
        with self.hub.db.reader() as session:
            rows = [(int(i), r, str(k)) for i, r, k in session.exec(stmt)]
        last = self.cursor
        for event_id, _, _ in rows:
            if event_id in self.gaps:
                del self.gaps[event_id]
                continue
            if event_id > last + 1 and len(self.gaps) < MAX_GAPS and not self.hub.db.is_sqlite:
                for missing in range(last + 1, min(event_id, last + 1 + MAX_GAPS)):
                    self.gaps[missing] = now
            last = max(last, event_id)
        self.cursor = last
        return rows, len(rows) == BATCH

    async def _dispatch(self, events: list[tuple[int, int | None, str]]) -> None:
        self.batches += 1
        changed = list(dict.fromkeys(r for _, r, _ in events if r is not None))
        clients = [c for c in self.clients if not c.dropped]
        if not changed or not clients:
            return
        created = {r for _, r, k in events if k == "request.created" and r is not None}
        event_id = self.cursor
        try:
            result = await self.hub.db.run(self._compute, changed, clients)
        except Exception:
            log.exception("live queue: could not compute an update; pages catch up on reconnect")
            for client in clients:  # they resume from their last id
                client.push(None)
            return
        for client in clients:
            client.push(self._message(client, result, changed, created, event_id))

    def _compute(self, changed: list[int], clients: list[Client]) -> dict[str, Any]:
        """Per group of pages: the matching changed rows and the total; per scope: the counters;
        each row rendered once per sort order."""
        from hub.queries.requests import list_requests
        from hub.ui.queue import COUNT_CAP, queue_counts, render_rows, row_view, shown_total

        groups: dict[Any, Client] = {}
        scopes: dict[Any, Client] = {}
        for c in clients:
            groups.setdefault(c.group, c)
            scopes.setdefault(c.scope, c)
        listed: dict[Any, tuple[list[dict], int | None]] = {}
        for key, c in groups.items():
            data = list_requests(self.hub, c.actor, {**c.params, "limit": str(LIVE_LIMIT), "count": "1"},
                                 only_ids=changed, count_cap=COUNT_CAP)  # fmt: skip
            listed[key] = (data["items"], shown_total(data))
        counts = {key: self._scope_counts(key, c.actor, queue_counts) for key, c in scopes.items()}
        html: dict[str, dict[int, str]] = {}
        for sort in {c.params.get("sort", "newest") for c in groups.values()}:
            items = {i["id"]: i for key, (its, _) in listed.items() if groups[key].params.get("sort", "newest") == sort
                     for i in its}  # fmt: skip
            html[sort] = render_rows(list(items.values()), row_view(self.hub, list(items.values()), sort)) if items else {}
        return {"listed": listed, "counts": counts, "html": html}

    def _scope_counts(self, key: Any, actor: Actor, compute: Any, *, fresh: bool = False) -> dict[str, Any]:
        now = time.monotonic()
        cached = self._counts.get(key)
        if cached is not None and not fresh and now - cached[0] < COUNTS_EVERY:
            self._counts_stale = True  # reused: the fan-out refreshes them within COUNTS_EVERY
            return cached[1]
        counts = compute(self.hub, actor)
        self._counts[key] = (now, counts)
        return counts

    async def _refresh_counts(self) -> None:
        """After a burst: recompute the counters that a batch reused, send those that changed."""
        from hub.ui.queue import queue_counts

        self._counts_stale = False
        clients = [c for c in self.clients if not c.dropped]
        scopes = {c.scope: c.actor for c in clients}

        def work() -> dict[Any, dict[str, Any]]:
            return {k: self._scope_counts(k, a, queue_counts, fresh=True) for k, a in scopes.items()}

        counts = await self.hub.db.run(work)
        for c in clients:
            if counts.get(c.scope) is not None and counts[c.scope] != c.last_counts:
                c.last_counts = counts[c.scope]
                c.push(sse("degisiklik", {"rows": [], "remove": [], "total": c.last_total,
                                          "counts": c.last_counts}, self.cursor))  # fmt: skip

    def _message(
        self, client: Client, result: dict[str, Any], changed: list[int], created: set[int], event_id: int
    ) -> bytes:
        items, total = result["listed"][client.group]
        counts = result["counts"][client.scope]
        html = result["html"].get(client.params.get("sort", "newest"), {})
        rows = [{"id": i["id"], "html": html[i["id"]], "new": i["id"] in created} for i in items if i["id"] in html]
        matched = {r["id"] for r in rows}
        remove = [rid for rid in changed if rid in client.shown and rid not in matched]
        client.shown |= matched
        client.shown -= set(remove)
        if not rows and not remove and counts == client.last_counts and total == client.last_total:
            return sse("imlec", {}, event_id)  # nothing for this page: only the cursor moves
        client.last_counts, client.last_total = counts, total
        return sse("degisiklik", {"rows": rows, "remove": remove, "total": total, "counts": counts}, event_id)

    # -- one browser -------------------------------------------------------------------------
    def _catch_up(self, client: Client, after: int, upto: int) -> bytes:
        """What a page that saw events up to ``after`` missed, up to ``upto``."""
        with self.hub.db.reader() as session:
            n = session.exec(select(func.count()).where(Event.id > after, Event.id <= upto)).one()
            if n > CATCH_UP_EVENTS:
                return sse("yenile", {}, upto)
            rows = session.exec(
                select(Event.request_id, Event.kind).where(Event.id > after, Event.id <= upto).order_by(Event.id)
            ).all()
        changed = list(dict.fromkeys(r for r, _ in rows if r is not None))
        if len(changed) > CATCH_UP_REQUESTS:
            return sse("yenile", {}, upto)
        created = {r for r, k in rows if k == "request.created" and r is not None}
        if not changed:
            return sse("imlec", {}, upto)
        result = self._compute(changed, [client])
        return self._message(client, result, changed, created, upto)

    def _visible(self, actor: Actor, ids: set[int]) -> set[int]:
        from hub.models import Request
        from hub.queries.scope import visible_requests

        if not ids:
            return set()
        with self.hub.db.reader() as session:
            stmt = visible_requests(select(Request.id).where(Request.id.in_(sorted(ids))), actor)  # type: ignore[attr-defined]
            return {int(i) for i in session.exec(stmt)}

    async def serve(self, request: web.Request, actor: Actor) -> web.StreamResponse:
        """GET /ui/canli?<the queue's filters>&goster=<ids on the page>[&son=<last id>]."""
        from hub.queries.requests import list_requests
        from hub.ui.queue import list_params

        _, params, _ = list_params(request.query)
        params.pop("cursor", None)
        hub = self.hub
        await hub.db.run(list_requests, hub, actor, {**params, "limit": "1"})  # bad filters: 400 now, not later
        asked = {int(x) for x in request.query.get("goster", "").split(",")[:500] if x.isdigit() and len(x) < 12}
        shown = await hub.db.run(self._visible, actor, asked)  # only rows this person may see can leave the page
        raw_last = request.headers.get("Last-Event-ID") or request.query.get("son", "")
        last = int(raw_last) if raw_last.strip().isdigit() else None
        await self.ensure_started()

        resp = web.StreamResponse(headers={
            "Content-Type": "text/event-stream; charset=utf-8", "Cache-Control": "no-store",
            "X-Accel-Buffering": "no", "X-Content-Type-Options": "nosniff",
        })  # fmt: skip
        await resp.prepare(request)
        client = Client(actor=actor, params=params, shown=shown)
        self.clients.add(client)  # from now on the fan-out queues what follows
        try:
            upto = self.cursor
            await resp.write(b"retry: 1000\n\n")
            if last is not None and last < upto:
                await resp.write(await hub.db.run(self._catch_up, client, last, upto))
            else:
                await resp.write(sse("imlec", {}, max(upto, last or 0)))
            while True:
                try:
                    message = await asyncio.wait_for(client.queue.get(), PING_SECONDS)
                except TimeoutError:
                    await resp.write(b": ping\n\n")
                    continue
                if message is None:
                    break
                await resp.write(message)
        except (ConnectionResetError, ConnectionError):
            pass
        finally:
            self.clients.discard(client)
        return resp


def live_for(hub: Any) -> Live:
    live = getattr(hub, "live", None)
    if live is None:
        live = Live(hub)
        hub.live = live
    return live


async def close_live(app: web.Application) -> None:
    """on_shutdown: end the open streams so that the server does not wait for them."""
    live = getattr(app["hub"], "live", None)
    if live is not None:
        await live.close()
