"""What the throttle tests (tests/test_login_throttle.py, tests/test_api_key_throttle.py) share: a
fake clock for a throttle module, and the audit events of a kind."""

from __future__ import annotations

from datetime import datetime, timedelta
from types import ModuleType

import pytest
from sqlmodel import select

from hub.models import Event, utcnow


class Clock:
    """Stands in for a throttle module's ``utcnow``: time moves only when a test says so."""

    def __init__(self) -> None:
        self.now = utcnow()

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


def fake_clock(monkeypatch: pytest.MonkeyPatch, throttle: ModuleType) -> Clock:
    clock = Clock()
    monkeypatch.setattr(throttle, "utcnow", clock)
    return clock


def events(hub, kind: str) -> list[Event]:  # noqa: ANN001
    with hub.db.reader() as s:
        return list(s.exec(select(Event).where(Event.kind == kind).order_by(Event.id)))
