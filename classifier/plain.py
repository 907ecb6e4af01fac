"""A fast ``dataclasses.asdict`` for classifier results.

Intake converts a result per request; ``asdict``'s generic walk (a ``deepcopy`` call per leaf)
cost more than the locator itself. Results hold only dataclasses, dicts, lists, tuples and
scalars, which this copies the same way.
"""

from __future__ import annotations

import copy
import dataclasses
from typing import Any

_ATOMS = (str, int, float, bool, type(None))
_FIELDS: dict[type, tuple[str, ...]] = {}


def plain(value: Any) -> Any:
    """What ``asdict`` makes of ``value``: dataclasses as dicts, containers copied, scalars as they are."""
    t = type(value)
    if t in _ATOMS:
        return value
    if t is dict:
        return {plain(k): plain(v) for k, v in value.items()}
    if t is list:
        return [plain(v) for v in value]
    if t is tuple:
        return tuple(plain(v) for v in value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return as_dict(value)
    return copy.deepcopy(value)  # anything else, as asdict treats it


def as_dict(obj: Any) -> dict[str, Any]:
    names = _FIELDS.get(type(obj))
    if names is None:
        names = _FIELDS[type(obj)] = tuple(f.name for f in dataclasses.fields(obj))
    return {name: plain(getattr(obj, name)) for name in names}
