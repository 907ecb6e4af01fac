"""Tell the live queue that something happened: the one place that publishes.

Whatever writes audit events (``hub.actions.events.record`` and the intake's batch insert)
marks its session; when that session's transaction commits:

- on PostgreSQL, ``pg_notify`` runs inside the transaction, so every hub process LISTENing
  (``hub.live``) hears it exactly when the events are committed, never before;
- in this process, every live hub is woken after the commit (SQLite has no NOTIFY; this is
  also the fast path on PostgreSQL).

The notification carries nothing: listeners read the ``event`` table from their cursor, so a
lost or merged notification loses nothing.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.orm import Session as OrmSession

CHANNEL = "talep_hub_events"
_KEY = "talep_hub_publish"
_listeners: list[Callable[[], None]] = []
_lock = threading.Lock()


def mark(session: Any) -> None:
    """This session wrote events: publish when it commits."""
    session.info[_KEY] = True


def subscribe(callback: Callable[[], None]) -> Callable[[], None]:
    """``callback`` (thread-safe, non-blocking) runs after every commit that wrote events in
    this process. Returns the function that unsubscribes."""
    with _lock:
        _listeners.append(callback)

    def unsubscribe() -> None:
        with _lock:
            if callback in _listeners:
                _listeners.remove(callback)

    return unsubscribe


@event.listens_for(OrmSession, "before_commit")
def _notify_in_transaction(session: OrmSession) -> None:
    if not session.info.get(_KEY):
        return
    bind = session.get_bind()
    if bind.dialect.name == "postgresql":
        session.execute(text("SELECT pg_notify(:c, '')"), {"c": CHANNEL})


@event.listens_for(OrmSession, "after_commit")
def _wake_local(session: OrmSession) -> None:
    if not session.info.pop(_KEY, False):
        return
    with _lock:
        listeners = list(_listeners)
    for callback in listeners:
        try:
            callback()
        except Exception:  # a stopped loop must not break a commit that already happened
            pass


@event.listens_for(OrmSession, "after_rollback")
def _forget(session: OrmSession) -> None:
    session.info.pop(_KEY, None)
