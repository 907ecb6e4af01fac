"""A channel's checkpoint: how far a polled source has read, and when it last worked or failed.

One ``Checkpoint`` row per connector (its name, e.g. "email", "cimer-import", "meta"). The
connector runtime (hub/connectors_runtime.py) is the only caller: ``advance`` after a poll's
fetch is stored, ``record_success`` after a webhook delivery is stored, ``record_poll_failure``
after a poll failed. /api/v1/connectors reads the rows back, merged with the runtime's memory.

No audit event: a checkpoint moves on every poll that finds something and its health is touched
on every webhook delivery; that is the runtime's bookkeeping, not a record anyone answers for
(the same choice as the throttling counters of hub.actions.ratelimit). What came in through a
checkpoint is audited where it is stored (the intake's request and quarantine events), and a
failed poll is logged by the runtime, which also keeps it in memory when the database is away.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from hub.models import Checkpoint, utcnow


def _row(session: Session, channel: str) -> Checkpoint:
    return session.get(Checkpoint, channel) or Checkpoint(connector=channel)


def advance(
    session: Session, channel: str, value: str | None, *, backlog: int | None,
    unsaved_error: tuple[str, datetime] | None = None,
) -> Checkpoint:  # fmt: skip
    """A poll's fetch is stored: move the position to ``value`` (None keeps it), note the success
    and the source's backlog, and an error seen while the database was away (``unsaved_error``,
    message and time) that could not be written then.

    Call it in the transaction that stores the fetch, so the position moves with the messages it
    covers or not at all. For IMAP the position is the acknowledgement: a chunk lost before the
    commit is read again, and the intake's (channel, external_id) key keeps it single."""
    row = _row(session, channel)
    if value is not None:
        row.value = value
    if unsaved_error is not None:
        row.last_error, row.last_error_at = unsaved_error
    now = utcnow()
    row.last_success_at, row.backlog, row.updated_at = now, backlog, now
    session.add(row)
    return row


def record_success(session: Session, channel: str) -> Checkpoint:
    """Something received through ``channel`` (a webhook) was stored; the position is untouched."""
    row = _row(session, channel)
    row.last_success_at = row.updated_at = utcnow()
    session.add(row)
    return row


def record_poll_failure(session: Session, channel: str, error: str) -> Checkpoint:
    """A poll failed with ``error``; the position stays where the last stored fetch left it."""
    row = _row(session, channel)
    now = utcnow()
    row.last_error, row.last_error_at, row.updated_at = error, now, now
    session.add(row)
    return row
