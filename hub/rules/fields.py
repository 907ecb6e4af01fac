"""The field and operator vocabulary of the condition language."""

from __future__ import annotations

import re
from zoneinfo import ZoneInfo

ISTANBUL = ZoneInfo("Europe/Istanbul")

# Fields of RoutingInput plus pseudo-fields computed from received_at.
ROUTING_FIELDS = {
    "text": "text",  # subject and body together
    "body": "text",
    "subject": "text",
    "channel": "enum",
    "request_type": "enum",
    "topic": "enum",
    "topic_confidence": "number",
    "out_of_scope": "bool",
    "ilce": "place",
    "mahalle": "place",
    "contact_kind": "enum",
    "has_attachments": "bool",
    "received_at": "datetime",
    "is_duplicate": "bool",
    "tags": "list",
    "priority": "enum",
    "status": "string",
    "department": "string",
    "hour": "number",
    "weekday": "weekday",
    "local_time": "clock",
}
FIELD_NAME = re.compile(r"^[a-z_][a-z0-9_]*(\.[A-Za-z0-9_]+)*$")
OPERATORS = {
    "eq",
    "ne",
    "in",
    "not_in",
    "gt",
    "gte",
    "lt",
    "lte",
    "between",
    "contains",
    "contains_any",
    "contains_all",
    "regex",
    "exists",
}
SPECIAL_CONDITIONS = {
    "all",
    "any",
    "not",
    "always",
    "text_contains_any",
    "text_contains_all",
    "text_regex",
    "mahalle_in",
    "low_confidence",
    "holiday",
}


def field_kind(fld: str, ctx: object | None = None) -> str:
    """How a field's values compare: text, enum, place, number, ...; 'generic' for unknown fields."""
    kind = ROUTING_FIELDS.get(fld)
    if kind is None:
        return "generic"
    return kind
