"""A failed intake transaction must not poison later intake (issue 10, finding 2).

Intake used to cache Department ORM rows across sessions; when the transaction that
loaded them rolled back, they were expired and detached, and every later new request
got 500 DetachedInstanceError until the rules changed."""

from __future__ import annotations

import asyncio

import pytest
from sqlmodel import func, select

from connectors.base import RawMessage, Sender
from hub.actions import create as create_mod
from hub.models import Message, Outbox, Request

TEXT = "Talas Mevlana Mahallesi Gül sokakta ana boru patladı, sabahtan beri su yok."
BODY = {"text": TEXT, "channel": "phone", "contact": {"name": "Ayşe Yılmaz", "phone": "0532 123 45 67"}}


def _count(hub, model=Request) -> int:  # noqa: ANN001
    with hub.db.reader() as s:
        return s.exec(select(func.count()).select_from(model)).one()


async def test_concurrent_same_external_id_then_new_requests_all_work(client, hub) -> None:  # noqa: ANN001
    """20 retries of one call at once (one wins, 19 lose the race), then 50 new requests."""
    body = {**BODY, "external_id": "crm-race-1"}
    first = await asyncio.gather(*(client.post("/api/v1/requests", json=body) for _ in range(20)))
    statuses = sorted(r.status for r in first)
    assert statuses == [200] * 19 + [201], statuses
    ids = {(await r.json())["id"] for r in first}
    assert len(ids) == 1

    later = []
    for i in range(50):
        r = await client.post("/api/v1/requests", json={**BODY, "external_id": f"crm-new-{i}"})
        later.append((r.status, await r.text()))
    bad = [(s, t[:200]) for s, t in later if s != 201]
    assert not bad, f"{len(bad)} of 50 new requests failed after the race: {bad[:3]}"
    assert _count(hub) == 51


async def test_same_new_citizen_writing_twice_at_once_gets_two_requests_one_contact(client, hub) -> None:  # noqa: ANN001
    """Both transactions create the sender's contact; the loser used to answer 500 (uq_identity)."""
    from hub.models import Contact

    bodies = [{**BODY, "contact": {"phone": "0555 000 11 22"}, "external_id": f"twice-{i}"} for i in range(10)]
    answers = await asyncio.gather(*(client.post("/api/v1/requests", json=b) for b in bodies))
    assert sorted(r.status for r in answers) == [201] * 10, [await r.text() for r in answers if r.status != 201][:2]
    with hub.db.reader() as s:
        contacts = {r.contact_id for r in s.exec(select(Request)).all()}
        assert len(contacts) == 1 and s.get(Contact, contacts.pop()).phone == "+905550001122"


async def test_refused_first_request_with_nul_then_new_requests_work(client, hub) -> None:  # noqa: ANN001
    """PostgreSQL refuses NUL in text; that first request used to poison intake."""
    r = await client.post("/api/v1/requests", json={**BODY, "text": "su yok\x00 hala", "external_id": "nul-1"})
    assert 400 <= r.status < 500, await r.text()
    assert (await r.json())["field"] == "text"
    for i in range(5):
        r = await client.post("/api/v1/requests", json={**BODY, "external_id": f"after-nul-{i}"})
        assert r.status == 201, await r.text()
    assert _count(hub) == 5


def test_rolled_back_intake_leaves_the_department_cache_usable(hub, monkeypatch) -> None:  # noqa: ANN001
    """Any failure after the departments were loaded (here: the insert) rolls the session back;
    the next message must still open and forward its request."""
    real = create_mod.create_requests
    calls = {"n": 0}

    def fail_once(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        calls["n"] += 1
        if calls["n"] == 1:
            kwargs["departments"]["kaski"].targets  # noqa: B018 - loaded in the failing session
            raise RuntimeError("simulated failure inside the intake transaction")
        return real(*args, **kwargs)

    monkeypatch.setattr("hub.intake.pipeline.create_requests", fail_once)

    def raw(ext: str) -> RawMessage:
        return RawMessage(channel="phone", external_id=ext, sender=Sender(phone="05321234567"), text=TEXT)

    with pytest.raises(RuntimeError):
        hub.intake.ingest(raw("first"))
    assert _count(hub) == 0
    result = hub.intake.ingest(raw("second"))
    assert result.created
    with hub.db.reader() as s:
        req = s.get(Request, result.request_id)
        assert req.department == "kaski"
        # the forward to KASKİ's targets was written from the cached department values
        assert s.exec(select(func.count()).select_from(Outbox).where(Outbox.request_id == req.id,
                                                                   Outbox.kind == "forward")).one() >= 1  # fmt: skip
        assert s.exec(select(func.count()).select_from(Message)).one() == 1


def test_cached_departments_are_plain_values(hub) -> None:  # noqa: ANN001
    from hub.queries.departments import DepartmentInfo

    with hub.db.session() as s:
        depts = hub.intake._departments(s)
    assert depts and all(type(d) is DepartmentInfo for d in depts.values())
