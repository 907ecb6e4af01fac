"""Telling "the database is away" apart from a bug.

Connection refused, a server that closed the connection, a pool that timed out, a
locked SQLite file: the request was fine and will work again shortly, so HTTP callers
get 503 with Retry-After (web clients, Meta's webhooks and our own API clients retry
on it) instead of a 500 that says the hub is broken.
"""

from __future__ import annotations

from sqlalchemy import exc as sa_exc

RETRY_AFTER_SECONDS = 5
# SQLite reports programming errors as OperationalError too; these are not outages.
_SQLITE_BUGS = ("no such table", "no such column", "syntax error", "has no column", "already exists")


def database_unavailable(exc: BaseException) -> bool:
    """True when ``exc`` (or what caused it) says the database cannot be reached right now."""
    seen: set[int] = set()
    e: BaseException | None = exc
    while e is not None and id(e) not in seen:
        seen.add(id(e))
        if isinstance(e, sa_exc.DisconnectionError | sa_exc.TimeoutError):  # TimeoutError: pool exhausted
            return True
        if isinstance(e, sa_exc.DBAPIError) and e.connection_invalidated:
            return True
        if isinstance(e, sa_exc.OperationalError | sa_exc.InterfaceError):
            message = str(e.orig if e.orig is not None else e).lower()
            return not any(b in message for b in _SQLITE_BUGS)
        if _driver_connection_error(e):
            return True
        e = e.__cause__ or e.__context__
    return False


def _driver_connection_error(e: BaseException) -> bool:
    """A raw psycopg connection error (raised outside SQLAlchemy, e.g. by a pool check)."""
    try:
        import psycopg
    except ImportError:  # SQLite-only installs
        return False
    return isinstance(e, psycopg.OperationalError | psycopg.InterfaceError)
