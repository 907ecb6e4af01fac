"""A department's ``sms`` target: the on-call phone gets a short SMS for urgent and overdue
requests (and forwards), through a real HTTP gateway on loopback, without the citizen's data."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlmodel import select

from connectors.base import RawMessage, Sender
from hub.actions import requests as ra
from hub.auth import Actor
from hub.delivery.texts import sms_parts
from hub.models import Outbox, Request, utcnow
from hub.rules import RulesError, RuleSet, check_file

ROOT = Path(__file__).resolve().parent.parent
AGENT = Actor("user:1", "agent", user_id=1)
ON_CALL = "+905551112233"
CITIZEN_PHONE = "05321234567"
CITIZEN_TEXT = "Talas Mevlana Mahallesi Gül sokakta yolda göçük var, araç içine düştü."


def _rules(tmp_path: Path) -> Path:
    text = (ROOT / "routing_rules.yaml").read_text(encoding="utf-8")
    # Beyaz Masa (first queue_only department) reaches its on-call phone by SMS only.
    text = text.replace("      - queue_only: true\n", '      - sms: "+90 555 111 22 33"\n', 1)
    path = tmp_path / "rules.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def _hub(settings_factory, tmp_path: Path, **kw):  # noqa: ANN001, ANN202
    from hub.context import Hub

    return Hub(
        settings_factory(rules_file=_rules(tmp_path), public_url="https://talep.kayseri.example", **kw)
    )


async def _deliver(hub) -> None:  # noqa: ANN001
    from hub.workers.outbox import OutboxWorker

    worker = OutboxWorker(hub)
    for _ in range(10):
        if not await worker.run_once():
            break


def _urgent(hub):  # noqa: ANN001, ANN202
    saturday_night = datetime(2026, 11, 21, 23, 40, tzinfo=UTC)
    return hub.intake.ingest(RawMessage(
        channel="phone", external_id="u1", sender=Sender(phone=CITIZEN_PHONE, name="Ayşe Yılmaz"),
        received_at=saturday_night, text=CITIZEN_TEXT))  # fmt: skip


def _assert_no_citizen_data(text: str) -> None:
    for secret in ("göçük", "Gül sokak", "araç", "Ayşe", "Yılmaz", "5321234567", "532 123"):
        assert secret not in text, secret


async def test_urgent_request_reaches_on_call_phone_once(
    settings_factory, tmp_path, sms_gateway, caplog
) -> None:  # noqa: ANN001
    from hub.workers import sla

    fake, url = sms_gateway, sms_gateway.url
    hub = _hub(settings_factory, tmp_path, sms_url=url, sms_success_regex='"status": ?"OK"')
    try:
        caplog.set_level(logging.INFO)
        res = _urgent(hub)
        with hub.db.reader() as s:
            req = s.get(Request, res.request_id)
            assert req.priority == "urgent" and req.department != "beyaz-masa"
        await _deliver(hub)
        await _deliver(hub)  # nothing left: the alert is not sent again
        sent = fake.to(ON_CALL)
        assert len(sent) == 1, [r["data"] for r in fake.received]
        text = sent[0]["data"]["text"]
        assert text.startswith("ACİL talep: ") and res.tracking_code in text
        assert f"https://talep.kayseri.example/ui/talep/{res.request_id}" in text
        assert "Mevlana Mah." in text and sms_parts(text) <= 2
        _assert_no_citizen_data(text)
        with hub.db.reader() as s:
            row = s.exec(select(Outbox).where(Outbox.idempotency_key.startswith(
                f"alert:{res.request_id}:beyaz-masa:"))).one()  # fmt: skip
        assert row.status == "done" and row.result["via"] == "sms" and ON_CALL not in str(row.result)
        assert sent[0]["headers"]["Idempotency-Key"] == row.idempotency_key

        # The passed deadline reaches the on-call phone once more (only if Beyaz Masa is alerted).
        with hub.db.session() as s:
            r = s.get(Request, res.request_id)
            r.department = "beyaz-masa"
            r.due_at = utcnow() - timedelta(minutes=1)
        assert sla.check_once(hub)["breached"] == 1
        await _deliver(hub)
        overdue = [r["data"]["text"] for r in fake.to(ON_CALL)[1:]]
        assert len(overdue) == 1 and overdue[0].startswith("Süresi dolan talep: ")
        _assert_no_citizen_data(overdue[0])

        # A plain forward to Beyaz Masa: the SMS-only department gets the short notice too.
        with hub.db.session() as s:
            req = ra.get(s, AGENT, res.request_id, for_update=True)
            ra.forward(s, AGENT, req, "beyaz-masa", note=f"Vatandaş {CITIZEN_PHONE} aradı",
                       base_url="https://talep.kayseri.example")  # fmt: skip
        await _deliver(hub)
        forwarded = [r["data"]["text"] for r in fake.to(ON_CALL)[2:]]
        assert len(forwarded) == 1 and forwarded[0].startswith("Yeni talep (gereği için): ")
        _assert_no_citizen_data(forwarded[0])
    finally:
        hub.db.dispose()
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "sms sent to +90555*****33" in logged and "5551112233" not in logged


async def test_no_gateway_records_skipped_with_reason(settings_factory, tmp_path) -> None:  # noqa: ANN001
    hub = _hub(settings_factory, tmp_path)  # no HUB_SMS_URL
    try:
        res = _urgent(hub)
        await _deliver(hub)
        with hub.db.reader() as s:
            row = s.exec(select(Outbox).where(Outbox.idempotency_key.startswith(
                f"alert:{res.request_id}:beyaz-masa:"))).one()  # fmt: skip
        assert row.status == "done" and row.attempts == 1
        assert row.result == {"skipped": "no SMS gateway configured (HUB_SMS_URL)"}
        assert row.payload["target"] == {"sms": ON_CALL} and row.payload["role"] == "acil bildirim"
    finally:
        hub.db.dispose()


def test_bad_sms_number_is_refused_with_line_and_column(tmp_path) -> None:  # noqa: ANN001
    text = (ROOT / "routing_rules.yaml").read_text(encoding="utf-8")
    bad = text.replace("      - queue_only: true\n", '      - sms: ["0555 111 22 33", "0532 12"]\n', 1)
    line = bad.splitlines().index('      - sms: ["0555 111 22 33", "0532 12"]') + 1
    column = '      - sms: ["0555 111 22 33", "0532 12"]'.index('"0532 12"') + 1  # 1-based, at the quote
    with pytest.raises(RulesError) as exc:
        RuleSet.from_yaml_text(bad, source="routing_rules.yaml")
    (err,) = exc.value.errors
    assert (err.line, err.column) == (
        line,
        column,
    ) and "sms için geçersiz telefon numarası '0532 12'" in err.message
    landline = text.replace("      - queue_only: true\n", '      - sms: "0352 222 33 44"\n', 1)
    with pytest.raises(RulesError) as exc:
        RuleSet.from_yaml_text(landline, source="routing_rules.yaml")
    assert "bir cep telefonu numarası değil" in exc.value.errors[0].message
    # One target (one outbox row, one idempotency key) per number, in E.164.
    good = text.replace(
        "      - queue_only: true\n", '      - sms: ["0555 111 22 33", "+90 (532) 000 11 22"]\n', 1
    )
    rs = RuleSet.from_yaml_text(good, source="routing_rules.yaml")
    assert [t.phone for t in rs.departments["beyaz-masa"].targets] == ["+905551112233", "+905320001122"]
    path = tmp_path / "bad.yaml"
    path.write_text(bad, encoding="utf-8")
    code, out = check_file(path)  # what `run_hub.py rules check` prints
    assert code == 2 and f"{path}:{line}:{column}: sms için geçersiz telefon numarası '0532 12'" in out
