"""Honest delivery states (finding 14 of issue 10). With no SMS gateway and no SMTP server the
worker sends nothing and records the item as done with ``skipped``; the request page and the
audit trail used to say "Teslim edildi". Now skipped, failed, pending and delivered are shown
as what they are, and the queue marks (and can list) requests whose citizen was never reached."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlmodel import select

from hub.models import Outbox, utcnow
from hub.queries.delivery import delivery_state
from hub.ui import labels
from tests.test_ui import API, PARK, SU, create, login


async def settled(hub, request_id: int) -> list[Outbox]:  # noqa: ANN001
    """The request's outbox items once the worker has handled all of them."""
    for _ in range(200):
        with hub.db.reader() as s:
            rows = list(s.exec(select(Outbox).where(Outbox.request_id == request_id).order_by(Outbox.id)))
        if rows and all(o.status in ("done", "dead") for o in rows):
            return rows
        await asyncio.sleep(0.05)
    raise AssertionError(f"outbox of request {request_id} not settled: {[(o.kind, o.status) for o in rows]}")


def set_row(hub, row_id: int, **values) -> None:  # noqa: ANN001, ANN003
    with hub.db.session() as s:
        row = s.get(Outbox, row_id)
        for k, v in values.items():
            setattr(row, k, v)


@pytest.mark.parametrize(
    ("status", "result", "attempts", "state"),
    [
        ("done", {"via": "sms", "external_id": "x1"}, 1, "delivered"),
        ("done", {"skipped": "no SMS gateway configured (HUB_SMS_URL)"}, 1, "skipped"),
        ("done", {"skipped": "automatic acknowledgement not sent on phone"}, 1, "not_needed"),
        ("dead", {}, 8, "failed"),
        ("pending", {}, 0, "pending"),
        ("pending", {}, 2, "retrying"),
        ("sending", {}, 1, "sending"),
    ],
)
def test_one_mapping_from_outbox_row_to_state_and_label(status: str, result: dict, attempts: int, state: str) -> None:
    assert delivery_state(status, result, attempts) == state
    assert labels.delivery_label(state) != "Teslim edildi"
    assert state in labels.OUTBOX_STATUS


def test_skip_reasons_are_said_in_turkish() -> None:
    assert labels.delivery_label("skipped", "no SMS gateway configured (HUB_SMS_URL)") == (
        "Gönderilmedi: SMS ağ geçidi tanımlı değil"
    )
    assert labels.delivery_label("skipped", "no connector can answer on telegram") == (
        "Gönderilmedi: Telegram kanalı bağlı değil"
    )
    assert labels.event_label("outbox.notify.delivered", {"result": {"skipped": "SMTP is not configured (HUB_SMTP_HOST)"}}) == (
        "Bilgilendirme: gönderilmedi: e-posta sunucusu (SMTP) tanımlı değil"
    )
    assert labels.event_label("outbox.notify.delivered", {"result": {"via": "sms"}}) == "Bilgilendirme: gönderildi"


async def test_request_page_says_nothing_was_sent_when_no_channel_is_set_up(ui, hub) -> None:  # noqa: ANN001
    su = await create(ui, SU)  # by phone: the notices go by SMS, and there is no SMS gateway
    rows = await settled(hub, su["id"])
    assert any(o.kind == "notify" and (o.result or {}).get("skipped") for o in rows)
    await login(ui, "agent")
    html = await (await ui.get(f"/ui/talep/{su['id']}")).text()
    assert "Teslim edildi" not in html and "teslim edildi" not in html
    assert "Gönderilmedi: SMS ağ geçidi tanımlı değil" in html
    table = html.split('id="gonderimler"')[1].split("</table>")[0]
    assert "ob-skipped" in table and "ob-delivered" not in table
    # the audit trail on the page
    timeline = html.split('class="timeline"')[1].split("</ol>")[0]
    assert "Bilgilendirme: gönderilmedi: SMS ağ geçidi tanımlı değil" in timeline
    # and the warning at the top
    assert 'id="ulasilamadi"' in html and "Vatandaşa ulaşılamadı" in html


async def test_failed_pending_and_delivered_are_shown_as_such(ui, hub) -> None:  # noqa: ANN001
    su = await create(ui, SU)
    rows = [o for o in await settled(hub, su["id"]) if o.kind == "notify"]
    await login(ui, "agent")
    set_row(hub, rows[0].id, status="dead", last_error="gateway said 500", result={})
    html = await (await ui.get(f"/ui/talep/{su['id']}")).text()
    assert "Gönderilemedi" in html and "gateway said 500" in html and 'id="ulasilamadi"' in html
    # pending, not yet due (else the running worker would take it at once)
    set_row(hub, rows[0].id, status="pending", attempts=0, last_error=None, next_attempt_at=utcnow() + timedelta(days=1))
    html = await (await ui.get(f"/ui/talep/{su['id']}")).text()
    table = html.split('id="gonderimler"')[1].split("</table>")[0]
    assert "Sırada" in table
    for o in rows:
        set_row(hub, o.id, status="done", result={"via": "sms", "external_id": "gw-1"})
    html = await (await ui.get(f"/ui/talep/{su['id']}")).text()
    assert "Gönderildi" in html and 'id="ulasilamadi"' not in html


async def test_queue_marks_and_lists_requests_whose_citizen_was_never_reached(ui, hub) -> None:  # noqa: ANN001
    unreached, reached = await create(ui, SU), await create(ui, PARK)
    await settled(hub, unreached["id"])
    for o in await settled(hub, reached["id"]):  # as if SMTP had delivered the park request's notices
        set_row(hub, o.id, result={"via": "email"})
    await login(ui, "agent")
    html = await (await ui.get("/ui/")).text()
    rows = {code: html.split(f">{code}</a>")[1].split("</tr>")[0] for code in (unreached["tracking_code"], reached["tracking_code"])}
    assert "Vatandaşa ulaşılamadı" in rows[unreached["tracking_code"]]
    assert "Vatandaşa ulaşılamadı" not in rows[reached["tracking_code"]]
    listed = await (await ui.get("/ui/", params={"ulasilamayan": "1"})).text()
    assert unreached["tracking_code"] in listed and reached["tracking_code"] not in listed
    api = await (await ui.get("/api/v1/requests", params={"unreached": "1"}, headers=API)).json()
    assert [i["id"] for i in api["items"]] == [unreached["id"]]
    # A later notice that got through: reached after all.
    later = max(o.id for o in await settled(hub, unreached["id"]))
    set_row(hub, later, result={"via": "sms"})
    listed = await (await ui.get("/ui/", params={"ulasilamayan": "1"})).text()
    assert unreached["tracking_code"] not in listed
