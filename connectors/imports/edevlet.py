"""e-Devlet (e-Belediye) application rows -> RawMessage (channel ``edevlet``).

Applications made through the municipality's e-Belediye services on e-Devlet reach us only as
a list exported from the municipality's own e-Belediye software; no API exists. A row is a
citizen's application exactly as a CİMER row is, so the same builder makes the message.
"""

from __future__ import annotations

from typing import Any

from connectors.base import RawMessage
from connectors.imports.cimer import citizen_message

CHANNEL = "edevlet"


def build_message(rec: dict[str, Any], meta: dict[str, Any]) -> RawMessage:
    return citizen_message(rec, meta, channel=CHANNEL)
