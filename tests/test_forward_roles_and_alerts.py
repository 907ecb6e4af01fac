"""What a department's mailbox receives (real SMTP on loopback): a forward says whether it is
for action or a copy for information and carries the agent's note; a rule's escalate_to and a
passed deadline alert the department once, as does the 80 % reminder."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy
from pathlib import Path

from aiosmtpd.controller import Controller
from sqlmodel import select

from connectors.base import RawMessage, Sender
from hub.actions import requests as ra
from hub.auth import Actor
from hub.models import Outbox, Request, utcnow
from tests.test_forwarding_worker import Inbox, free_port

ROOT = Path(__file__).resolve().parent.parent
AGENT = Actor("user:1", "agent", user_id=1)


def _hub(settings_factory, tmp_path: Path, port: int):  # noqa: ANN001, ANN202
    from hub.context import Hub

    text = (ROOT / "routing_rules.yaml").read_text(encoding="utf-8")
    # without KASKİ's example webhook target (its comments are the file's own, whatever their wording)
    text = re.sub(r"^ *- webhook:\n *url: https://kaski\.example\.invalid/talep-hub.*\n *secret_env: KASKI_WEBHOOK_SECRET.*\n",
                  "", text, count=1, flags=re.M)  # fmt: skip
    text = text.replace(
        "      - queue_only: true\n", "      - email: nobetci@kayseri.example\n", 1
    )  # Beyaz Masa on call
    rules = tmp_path / "rules.yaml"
    rules.write_text(text, encoding="utf-8")
    return Hub(settings_factory(rules_file=rules, smtp_host="127.0.0.1", smtp_port=port,
                                smtp_from="talep@kayseri.example"))  # fmt: skip


async def _deliver(hub) -> None:  # noqa: ANN001
    from hub.workers.outbox import OutboxWorker

    worker = OutboxWorker(hub)
    for _ in range(10):
        if not await worker.run_once():
            break


def _mails(inbox: Inbox) -> dict[str, object]:
    out = {}
    for raw in inbox.messages:
        mail = message_from_bytes(raw, policy=policy.default)
        out[str(mail["To"])] = mail
    return out


async def test_forward_says_action_or_copy_and_carries_the_note(settings_factory, tmp_path) -> None:  # noqa: ANN001
    port = free_port()
    hub = _hub(settings_factory, tmp_path, port)
    inbox = Inbox()
    ctl = Controller(inbox, hostname="127.0.0.1", port=port)
    ctl.start()
    try:
        res = hub.intake.ingest(RawMessage(channel="phone", external_id="f1", sender=Sender(phone="05321234567"),
                                           text="Talas Mevlana Mahallesi ana boru patladı, su yok."))  # fmt: skip
        await _deliver(hub)
        inbox.messages.clear()
        with hub.db.session() as s:
            req = ra.get(s, AGENT, res.request_id, for_update=True)
            ra.forward(s, AGENT, req, "kaski", co_departments=["fen-isleri"],
                       note="Yol da çöktü, birlikte bakın <b>lütfen</b>", base_url="http://hub.example")  # fmt: skip
        await _deliver(hub)
    finally:
        ctl.stop()
    mails = _mails(inbox)
    kaski = next(m for to, m in mails.items() if "kaski-talep" in to)
    fen = next(m for to, m in mails.items() if "fen-isleri" in to)
    assert "Yönlendirilen talep" in kaski["Subject"] and "Bilgi için iletilen talep" in fen["Subject"]
    k_body, f_body = kaski.get_body(("plain",)).get_content(), fen.get_body(("plain",)).get_content()
    assert "gereği yapılmak üzere" in k_body and "bilginize sunulmuştur" in f_body
    assert "NOT: Yol da çöktü, birlikte bakın <b>lütfen</b>" in k_body and "Yol da çöktü" in f_body
    html = fen.get_body(("html",)).get_content()
    assert "<b>lütfen</b>" not in html and "&lt;b&gt;lütfen&lt;/b&gt;" in html


async def test_rule_escalation_and_passed_deadline_alert_once(settings_factory, tmp_path) -> None:  # noqa: ANN001
    from hub.workers import sla

    port = free_port()
    hub = _hub(settings_factory, tmp_path, port)
    inbox = Inbox()
    ctl = Controller(inbox, hostname="127.0.0.1", port=port)
    ctl.start()
    try:
        saturday_night = datetime(2026, 11, 21, 23, 40, tzinfo=UTC)
        res = hub.intake.ingest(RawMessage(
            channel="phone", external_id="u1", sender=Sender(phone="05321234567"), received_at=saturday_night,
            text="Talas Mevlana Mahallesi Gül sokakta yolda göçük var, araç içine düştü."))  # fmt: skip
        with hub.db.reader() as s:
            req = s.get(Request, res.request_id)
            assert req.priority == "urgent"
        await _deliver(hub)
        mails = _mails(inbox)
        alert = next(m for to, m in mails.items() if "nobetci" in to)
        assert "ACİL talep" in alert["Subject"] and res.tracking_code in alert["Subject"]
        body = alert.get_body(("plain",)).get_content()
        assert "ACİL:" in body and "mesai-disi-acil" in body and "göçük" in body

        inbox.messages.clear()
        with hub.db.session() as s:  # 80 % of the time gone: a reminder
            req = s.get(Request, res.request_id)
            req.received_at, req.due_at = utcnow() - timedelta(days=8), utcnow() + timedelta(days=1)
        assert sla.check_once(hub)["at_risk"] == 1
        await _deliver(hub)
        reminders = [m for m in _mails(inbox).values() if "Süresi dolmak üzere olan talep" in m["Subject"]]
        assert reminders and "Hatırlatma" in reminders[0].get_body(("plain",)).get_content()

        inbox.messages.clear()
        with hub.db.session() as s:
            s.get(Request, res.request_id).due_at = utcnow() - timedelta(minutes=1)
        assert sla.check_once(hub)["breached"] == 1
        assert sla.check_once(hub)["breached"] == 0
        await _deliver(hub)
    finally:
        ctl.stop()
    with hub.db.reader() as s:
        dept = s.get(Request, res.request_id).department
        alerts = s.exec(
            select(Outbox).where(
                Outbox.idempotency_key.startswith(f"alert:{res.request_id}:{dept}"),
                Outbox.idempotency_key.endswith("sure-asimi"),
            )
        ).all()
    assert len(alerts) >= 1 and all(a.payload["role"] == "süre aşıldı" for a in alerts)
    overdue = [m for m in _mails(inbox).values() if "Süresi dolan talep" in m["Subject"]]
    assert len(overdue) == len([a for a in alerts if "email" in a.payload["target"]]) >= 1, "told once"
    assert "cevap süresi dolmuştur" in overdue[0].get_body(("plain",)).get_content()
