"""Downloads of the CİMER / MBS / e-Devlet answer files (hub/answer_files.py): who took which
file is kept in the audit log, since each file carries the answers given to citizens."""

from __future__ import annotations

from sqlmodel import Session

from hub.actions import events
from hub.auth import Actor, require

# The same permission as the upload page (/ui/ice-aktar): whoever brings the lists in from
# CİMER / MBS / e-Devlet is who uploads the answers back.
PERMISSION = "request.create"


def may_download(actor: Actor) -> bool:
    return actor.can(PERMISSION)


def record_download(
    session: Session, actor: Actor, *, kind: str, filename: str, size: int, sha256: str, answers: int | None
) -> None:
    """Check that ``actor`` may take answer files, and record that it took this one (the
    caller serves the bytes only after this transaction commits)."""
    require(actor, PERMISSION)
    events.record(session, actor, "export.downloaded", None, system=kind, filename=filename, size=size,
                  sha256=sha256, answers=answers)  # fmt: skip
