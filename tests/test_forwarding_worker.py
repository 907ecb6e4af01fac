"""The outbox worker forwarding to a department's mailbox over real SMTP
(aiosmtpd), with the server down at first, and the SLA watcher."""

from __future__ import annotations

import re
import socket
from datetime import timedelta
from email import message_from_bytes, policy
from pathlib import Path

from aiosmtpd.controller import Controller
from sqlmodel import select

from connectors.base import RawMessage, Sender
from hub.models import Event, Outbox, Request, utcnow

ROOT = Path(__file__).resolve().parent.parent


class Inbox:
    def __init__(self) -> None:
        self.messages: list[bytes] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: ANN001, ANN201, N802
        self.messages.append(envelope.content)
        return "250 OK"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def test_forward_email_retries_until_smtp_is_up(settings_factory, tmp_path) -> None:  # noqa: ANN001
    from hub.context import Hub
    from hub.workers.outbox import OutboxWorker

    port = free_port()
    text = (ROOT / "routing_rules.yaml").read_text(encoding="utf-8")
    # without KASKİ's example webhook target (its comments are the file's own, whatever their wording)
    text = re.sub(r"^ *- webhook:\n *url: https://kaski\.example\.invalid/talep-hub.*\n *secret_env: KASKI_WEBHOOK_SECRET.*\n",
                  "", text, count=1, flags=re.M)  # fmt: skip
    rules = tmp_path / "rules.yaml"
    rules.write_text(text, encoding="utf-8")
    hub = Hub(settings_factory(rules_file=rules, smtp_host="127.0.0.1", smtp_port=port,
                               smtp_from="talep@kayseri.example", smtp_reply_to="talep@kayseri.example"))  # fmt: skip
    res = hub.intake.ingest(RawMessage(channel="phone", external_id="c1", sender=Sender(phone="05321234567"),
                                       text="Talas Mevlana Mahallesi <b>ana boru</b> patladı, su yok."))  # fmt: skip
    worker = OutboxWorker(hub)
    with hub.db.reader() as s:
        fwd = s.exec(select(Outbox).where(Outbox.kind == "forward")).one()
    assert fwd.payload["target"] == {"email": "kaski-talep@example.invalid"}
    await worker.run_once()  # SMTP is down: a retry is scheduled, nothing lost
    with hub.db.reader() as s:
        row = s.get(Outbox, fwd.id)
    assert row.status == "pending" and row.attempts == 1 and row.last_error
    inbox = Inbox()
    ctl = Controller(inbox, hostname="127.0.0.1", port=port)
    ctl.start()
    try:
        with hub.db.session() as s:  # test shortcut: make the retry due now
            s.get(Outbox, fwd.id).next_attempt_at = utcnow()
        await worker.run_once()
    finally:
        ctl.stop()
    assert len(inbox.messages) == 1
    mail = message_from_bytes(inbox.messages[0], policy=policy.default)
    assert res.tracking_code in mail["Subject"]
    assert "talep@kayseri.example" in mail["Reply-To"]
    body = mail.get_body(("plain",)).get_content()
    assert "Mevlana" in body and "ana boru" in body
    html = mail.get_body(("html",)).get_content()
    assert "<b>ana boru</b>" not in html and "&lt;b&gt;" in html
    with hub.db.reader() as s:
        assert s.get(Outbox, fwd.id).status == "done"
        # the department's answer threads back through this Message-ID
        from hub.models import Message

        out = s.exec(select(Message).where(Message.email_message_id == mail["Message-ID"])).first()
        assert out is not None and out.request_id == res.request_id


def test_sla_watcher_warns_then_escalates(hub) -> None:  # noqa: ANN001
    from hub.workers import sla

    res = hub.intake.ingest(RawMessage(channel="mbs", external_id="m1", text="Yol bozuk, Melikgazi Esentepe mahallesi",
                                       sender=Sender(name="Muhtar", kind="muhtar")))  # fmt: skip
    with hub.db.session() as s:
        req = s.get(Request, res.request_id)
        assert (req.due_at - req.received_at) >= timedelta(days=15)
        req.received_at = utcnow() - timedelta(days=13)
        req.due_at = utcnow() + timedelta(days=2)
    assert sla.check_once(hub) == {"at_risk": 1, "breached": 0}
    assert sla.check_once(hub) == {"at_risk": 0, "breached": 0}
    with hub.db.session() as s:
        s.get(Request, res.request_id).due_at = utcnow() - timedelta(minutes=1)
    assert sla.check_once(hub) == {"at_risk": 0, "breached": 1}
    with hub.db.reader() as s:
        req = s.get(Request, res.request_id)
        kinds = [e.kind for e in s.exec(select(Event).where(Event.request_id == req.id))]
    assert {"sla.at_risk", "sla.breached", "request.escalated"} <= set(kinds)
    assert req.priority in ("high", "urgent")


async def test_sla_clock_pauses_while_waiting_on_the_citizen(client, hub) -> None:  # noqa: ANN001
    created = await (await client.post("/api/v1/requests", json={
        "text": "Talas Mevlana Mahallesi sokak lambası yanmıyor", "channel": "phone",
        "contact": {"phone": "0532 765 43 21"}})).json()  # fmt: skip
    due_before = created["due_at"]
    r = await client.post(f"/api/v1/requests/{created['id']}/wait", json={"question": "Hangi sokak?"})
    waiting = await r.json()
    assert waiting["status"] == "waiting_citizen" and waiting["sla"]["state"] == "paused"
    with hub.db.session() as s:  # pretend the citizen took two days to answer
        req = s.get(Request, created["id"])
        req.sla_paused_since = utcnow() - timedelta(days=2)
    await client.post("/api/v1/requests", json={"text": f"{created['tracking_code']} Gül sokak", "channel": "phone",
                                                "contact": {"phone": "0532 765 43 21"}})  # fmt: skip
    after = await (await client.get(f"/api/v1/requests/{created['id']}")).json()
    assert after["status"] == "in_progress" and after["sla"]["state"] == "on_time"
    from datetime import datetime

    shift = datetime.fromisoformat(after["due_at"]) - datetime.fromisoformat(due_before)
    assert timedelta(days=2) - timedelta(minutes=1) <= shift <= timedelta(days=2, minutes=1)
    assert {"sla.paused", "sla.resumed"} <= {e["kind"] for e in after["events"]}


async def test_webhook_failing_twice_is_retried_until_one_delivery_then_gives_up_when_dead(
    settings_factory, tmp_path
) -> None:  # noqa: ANN001, E501
    """Through the real outbox worker: 500, 500, then 200 → one work item at the
    department; a receiver that never recovers → row dead, request flagged, supervisor alerted."""
    from aiohttp import web

    from hub.context import Hub
    from hub.delivery import verify_signature
    from hub.workers.outbox import OutboxWorker

    calls: list[str] = []
    accepted: dict[str, dict] = {}
    mode = {"fail_first": 2, "always_fail": False}

    async def receive(request: web.Request) -> web.Response:
        body = await request.read()
        assert verify_signature("s3cret", body, request.headers["X-Talep-Hub-Signature"])
        key = request.headers["Idempotency-Key"]
        calls.append(key)
        if mode["always_fail"] or len(calls) <= mode["fail_first"]:
            return web.Response(status=500)
        accepted.setdefault(key, await request.json())
        return web.json_response({"ok": True})

    app = web.Application()
    app.router.add_post("/hook", receive)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    url = f"http://127.0.0.1:{site._server.sockets[0].getsockname()[1]}/hook"  # type: ignore[union-attr]
    import os

    os.environ["KASKI_WEBHOOK_SECRET"] = "s3cret"
    try:
        text = (ROOT / "routing_rules.yaml").read_text(encoding="utf-8")
        text = re.sub(r"^ *- email: kaski-talep@example\.invalid.*\n", "", text, count=1, flags=re.M)
        text = text.replace("https://kaski.example.invalid/talep-hub", url)
        rules = tmp_path / "rules.yaml"
        rules.write_text(text, encoding="utf-8")
        hub = Hub(settings_factory(rules_file=rules, outbox_base_delay_seconds=0.01, outbox_max_attempts=4))
        worker = OutboxWorker(hub)
        res = hub.intake.ingest(RawMessage(channel="phone", external_id="w1", sender=Sender(phone="05321234567"),
                                           text="Talas Mevlana Mahallesi ana boru patladı, su yok."))  # fmt: skip

        async def drain(kind_id: int) -> Outbox:
            import asyncio

            for _ in range(60):
                await worker.run_once()
                with hub.db.reader() as s:
                    row = s.get(Outbox, kind_id)
                if row.status in ("done", "dead"):
                    return row
                await asyncio.sleep(0.05)
            raise AssertionError("outbox row never settled")

        with hub.db.reader() as s:
            fwd = s.exec(
                select(Outbox).where(Outbox.kind == "forward", Outbox.request_id == res.request_id)
            ).one()
        row = await drain(fwd.id)
        assert row.status == "done" and row.attempts == 3
        assert len(calls) == 3 and len(set(calls)) == 1 and len(accepted) == 1
        payload = next(iter(accepted.values()))
        assert res.tracking_code in str(payload)

        mode["always_fail"] = True
        res2 = hub.intake.ingest(RawMessage(channel="phone", external_id="w2", sender=Sender(phone="05321234568"),
                                            text="Melikgazi Esentepe mahallesinde kanalizasyon taştı."))  # fmt: skip
        with hub.db.reader() as s:
            fwd2 = s.exec(
                select(Outbox).where(Outbox.kind == "forward", Outbox.request_id == res2.request_id)
            ).one()
        row2 = await drain(fwd2.id)
        assert row2.status == "dead" and row2.attempts == 4 and "500" in (row2.last_error or "")
        with hub.db.reader() as s:
            req = s.get(Request, res2.request_id)
            kinds = [e.kind for e in s.exec(select(Event).where(Event.request_id == req.id))]
        assert "teslim-edilemedi" in req.tags
        assert {"outbox.gave_up", "request.escalated"} <= set(kinds)
    finally:
        os.environ.pop("KASKI_WEBHOOK_SECRET", None)
        await runner.cleanup()


async def test_placeholder_webhook_is_recorded_not_retried(hub) -> None:  # noqa: ANN001
    """The shipped rules name example.invalid endpoints until real ones are set."""
    from hub.workers.outbox import OutboxWorker

    res = hub.intake.ingest(RawMessage(channel="phone", external_id="ph1", sender=Sender(phone="05321230000"),
                                       text="Talas Mevlana Mahallesi ana boru patladı, su yok."))  # fmt: skip
    with hub.db.reader() as s:
        hooks = [r for r in s.exec(select(Outbox).where(Outbox.request_id == res.request_id, Outbox.kind == "forward"))
                 if "webhook" in r.payload["target"]]  # fmt: skip
    assert hooks
    await OutboxWorker(hub).run_once()
    with hub.db.reader() as s:
        row = s.get(Outbox, hooks[0].id)
        req = s.get(Request, res.request_id)
    assert row.status == "done" and row.attempts == 1 and "placeholder" in row.result["skipped"]
    assert "teslim-edilemedi" not in req.tags
