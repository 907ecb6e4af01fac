from __future__ import annotations


class ActionError(Exception):
    """A refused action; ``field`` names the input at fault when there is one."""

    status = 400

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class NotFound(ActionError):
    status = 404


class Conflict(ActionError):
    status = 409


class TooLarge(ActionError):
    status = 413
