"""The one layer that writes the hub's tables.

Each action takes an open Session (inside a transaction owned by the caller),
an ``Actor`` and plain arguments, changes rows, and writes the audit ``Event``
in the same transaction. The API, the UI, the CLI, the pipeline and the
workers call these; nothing else writes.
"""

from hub.actions.errors import ActionError, Conflict, NotFound

__all__ = ["ActionError", "Conflict", "NotFound"]
