"""The read-only record adapter conditions evaluate against."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any
from zoneinfo import ZoneInfo

from .fields import ISTANBUL
from .text import ascii_fold, name_key, tr_lower


class View:
    """Read-only accessor over a RoutingInput or a mapping, caching folded text and local time.

    The cache holds only values derived from the record itself, so one cache may be shared by the views
    of several rule sets over the same record (backtests). Values set by rules live in the overlay and
    are never cached.
    """

    __slots__ = ("rec", "is_map", "tz", "_cache", "_overlay")

    def __init__(self, rec: Any, tz: ZoneInfo = ISTANBUL, cache: dict | None = None) -> None:
        self.rec = rec
        self.is_map = isinstance(rec, Mapping)
        self.tz = tz
        self._cache: dict[Any, Any] = {} if cache is None else cache
        self._overlay: dict[str, Any] | None = None

    def set(self, name: str, value: Any) -> None:
        """Let later conditions see a value decided by an earlier rule (priority, department, tags)."""
        if self._overlay is None:
            self._overlay = {name: value}
        else:
            self._overlay[name] = value

    def _overlaid(self, name: str) -> bool:
        return self._overlay is not None and name in self._overlay

    def get(self, name: str) -> Any:
        if self._overlay is not None and name in self._overlay:
            return self._overlay[name]
        if self.is_map:
            if name in self.rec:
                return self.rec[name]
            if "." not in name:
                return None
            cur: Any = self.rec
        else:
            if "." not in name:
                return getattr(self.rec, name, None)
            cur = self.rec
        for part in name.split("."):
            if isinstance(cur, Mapping):
                cur = cur.get(part)
            else:
                cur = getattr(cur, part, None)
            if cur is None:
                return None
        return cur

    def full_text(self) -> str:
        c = self._cache
        if "text" not in c:
            subject = self.get("subject") or ""
            body = self.get("text") or ""
            c["text"] = f"{subject}\n{body}" if subject else str(body)
        return c["text"]

    def text_of(self, name: str) -> str:
        if name == "text":
            return self.full_text()
        value = self.get("text" if name == "body" else name)
        return "" if value is None else str(value)

    def folded(self, name: str) -> tuple[str, str]:
        """(Turkish lower-case, ascii-folded) views of a text field."""
        if self._overlaid(name):
            lower = tr_lower(self.text_of(name))
            return lower, ascii_fold(lower)
        key = ("f", name)
        c = self._cache
        if key not in c:
            lower = tr_lower(self.text_of(name))
            c[key] = (lower, ascii_fold(lower))
        return c[key]

    def ascii_text(self, name: str) -> str:
        """Only the ascii-folded view: what keyword conditions need."""
        if self._overlaid(name):
            return ascii_fold(self.text_of(name))
        key = ("a", name)
        c = self._cache
        if key not in c:
            f = c.get(("f", name))
            c[key] = f[1] if f is not None else ascii_fold(self.text_of(name))
        return c[key]

    def key_of(self, name: str) -> str | None:
        if self._overlay is not None and name in self._overlay:
            v = self._overlay[name]
            return None if v is None else name_key(str(v))
        key = ("k", name)
        c = self._cache
        if key not in c:
            v = self.get(name)
            c[key] = None if v is None else name_key(str(v))
        return c[key]

    def local(self) -> dt.datetime | None:
        c = self._cache
        key = ("local", self.tz)
        if key not in c:
            v = self.get("received_at")
            if isinstance(v, str):
                try:
                    v = dt.datetime.fromisoformat(v)
                except ValueError:
                    v = None
            if isinstance(v, dt.datetime):
                if v.tzinfo is None:  # naive timestamps are taken as UTC, the storage convention
                    v = v.replace(tzinfo=dt.UTC)
                v = v.astimezone(self.tz)
            else:
                v = None
            c[key] = v
        return c[key]
