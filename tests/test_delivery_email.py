"""The forward e-mail, delivered to a real aiosmtpd server on loopback and read back."""

from __future__ import annotations

import email
import email.policy
import socket
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller

from connectors.email.smtp import SmtpConfig
from hub.delivery.backoff import DeliveryError, PermanentDeliveryError, RetryPolicy
from hub.delivery.forward_email import DEFAULT_FROM_NAME, build_forward_email, send_email
from tests.retry_support import run_with_retries

REQUEST = {
    "id": "8f14e45f-ceea-467f-a0f4-2c1d7a6b5e10",
    "tracking_code": "KAY-2026-000123",
    "subject": "Çukur ve kırık kaldırım taşları",
    "request_type": "sikayet",
    "topic": "Yol Bakım Onarım",
    "channel": "webform",
    "received_at": datetime(2026, 11, 20, 21, 30, tzinfo=UTC),  # 21.11.2026 00:30 in Istanbul
    "due_at": datetime(2026, 12, 3, 22, 30, tzinfo=UTC),  # 04.12.2026 in Istanbul
    "text": "Sayın yetkili,\nŞehit Ömer Halisdemir Cd. üzerindeki çukur tehlikeli. <script>alert('x')</script> & acil!",
    "location": {
        "il": "Kayseri",
        "ilce": "Kocasinan",
        "mahalle": "Yıldırım Beyazıt",
        "address": "Şehit Ömer Cd. 12",
    },
    "citizen": {"name": "Ömer Çelik"},
}
DEPARTMENT = {"id": 3, "name": "Yol Bakım ve Onarım Şube Müdürlüğü", "email": "yolbakim@kayseri.bel.tr"}
PHOTO = b"\xff\xd8\xff\xe0" + bytes(range(256)) * 20


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Mailbox:
    received: list[tuple[str, list[str], bytes]] = field(default_factory=list)
    rcpt_reply: str | None = None  # e.g. "550 ..." to refuse recipients
    data_reply: str | None = None

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802 (aiosmtpd hook)
        if self.rcpt_reply:
            return self.rcpt_reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd hook)
        if self.data_reply:
            return self.data_reply
        self.received.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.content))
        return "250 Message accepted"


def start_smtp(mailbox: Mailbox, port: int) -> Controller:
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    return controller


@pytest.fixture
def smtp() -> Iterator[tuple[Mailbox, SmtpConfig]]:
    mailbox = Mailbox()
    port = free_port()
    controller = start_smtp(mailbox, port)
    settings = SmtpConfig(
        host="127.0.0.1",
        port=port,
        from_address="talep@kayseri.bel.tr",
        our_domain="talep.kayseri.bel.tr",
        starttls=False,
        from_name=DEFAULT_FROM_NAME,
        reply_to="talep-yanit@kayseri.bel.tr",
    )
    yield mailbox, settings
    controller.stop()


def build(settings: SmtpConfig) -> EmailMessage:
    return build_forward_email(
        REQUEST,
        DEPARTMENT,
        settings=settings,
        base_url="https://talep.kayseri.bel.tr/",
        attachments=[("çukur_fotoğrafı.jpg", "image/jpeg", PHOTO)],
        message_id="<fwd.8f14e45f.1@talep.kayseri.bel.tr>",
    )


def parse(raw: bytes) -> EmailMessage:
    return email.message_from_bytes(raw, policy=email.policy.default)  # type: ignore[return-value]


async def test_forward_email_arrives_intact(smtp) -> None:
    mailbox, settings = smtp
    await send_email(build(settings), settings)

    assert len(mailbox.received) == 1
    mail_from, rcpt_tos, raw = mailbox.received[0]
    assert mail_from == "talep@kayseri.bel.tr"
    assert rcpt_tos == ["yolbakim@kayseri.bel.tr"]
    msg = parse(raw)
    assert msg["Subject"] == "[KAY-2026-000123] Yönlendirilen talep: Çukur ve kırık kaldırım taşları"
    assert msg["Reply-To"].addresses[0].addr_spec == "talep-yanit@kayseri.bel.tr"
    assert msg["From"].addresses[0].display_name == "Kayseri Büyükşehir Belediyesi Talep Merkezi"
    assert msg["Message-ID"] == "<fwd.8f14e45f.1@talep.kayseri.bel.tr>"
    assert msg["X-Talep-Hub"] == "1"
    assert msg["X-Talep-Hub-Request"] == REQUEST["id"]

    text = msg.get_body(("plain",)).get_content()
    html = msg.get_body(("html",)).get_content()
    for part in (text, html):
        assert "KAY-2026-000123" in part
        assert "Yol Bakım Onarım" in part
        assert "Web formu" in part
        assert "21.11.2026 00:30" in part  # received, shown in Istanbul time
        assert "04.12.2026" in part  # deadline, shown in Istanbul time
        assert "Kocasinan" in part and "Yıldırım Beyazıt" in part and "Şehit Ömer Cd. 12" in part
        assert f"https://talep.kayseri.bel.tr/requests/{REQUEST['id']}" in part
        assert "Şikâyet" in part
    # The citizen's words reach the department unchanged in text, and harmless in HTML.
    assert REQUEST["text"] in text
    assert "<script>" not in html
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; acil!" in html

    attachments = list(msg.iter_attachments())
    assert len(attachments) == 1
    assert attachments[0].get_filename() == "çukur_fotoğrafı.jpg"
    assert attachments[0].get_content_type() == "image/jpeg"
    assert attachments[0].get_content() == PHOTO


async def test_server_down_then_up_is_delivered_on_retry() -> None:
    port = free_port()
    mailbox = Mailbox()
    settings = SmtpConfig(host="127.0.0.1", port=port, from_address="talep@kayseri.bel.tr",
                          our_domain="talep.kayseri.bel.tr", starttls=False, timeout=5)  # fmt: skip
    msg = build(settings)
    errors: list[BaseException] = []
    controllers: list[Controller] = []

    async def bring_server_up(_: float) -> None:
        controllers.append(start_smtp(mailbox, port))

    def note(attempt: int, error: BaseException, delay: float | None) -> None:
        errors.append(error)

    policy = RetryPolicy(base_seconds=0.01, max_attempts=3)
    try:
        await run_with_retries(
            lambda: send_email(msg, settings), policy, sleep=bring_server_up, on_failure=note
        )
    finally:
        for controller in controllers:
            controller.stop()
    assert len(errors) == 1
    assert isinstance(errors[0], DeliveryError) and errors[0].retryable  # connection refused
    assert len(mailbox.received) == 1
    assert parse(mailbox.received[0][2])["Message-ID"] == "<fwd.8f14e45f.1@talep.kayseri.bel.tr>"


async def test_refused_recipient_is_permanent(smtp) -> None:
    mailbox, settings = smtp
    mailbox.rcpt_reply = "550 5.1.1 Mailbox unavailable"
    with pytest.raises(PermanentDeliveryError) as info:
        await send_email(build(settings), settings)
    assert info.value.status == 550 and not mailbox.received


async def test_temporary_smtp_failure_is_retryable(smtp) -> None:
    mailbox, settings = smtp
    mailbox.data_reply = "451 4.3.0 Try again later"
    with pytest.raises(DeliveryError) as info:
        await send_email(build(settings), settings)
    assert info.value.retryable and info.value.status == 451


def test_department_without_address_is_a_permanent_error() -> None:
    settings = SmtpConfig(
        host="127.0.0.1", port=25, from_address="talep@kayseri.bel.tr", our_domain="kayseri.bel.tr"
    )
    with pytest.raises(PermanentDeliveryError):
        build_forward_email(
            REQUEST, {"name": "Adressiz Birim"}, settings=settings, base_url="https://x", message_id="a@b"
        )


def test_oversized_attachments_are_listed_not_attached() -> None:
    settings = SmtpConfig(
        host="127.0.0.1",
        port=25,
        from_address="talep@kayseri.bel.tr",
        our_domain="kayseri.bel.tr",
        max_attachment_bytes=1000,
    )
    msg = build_forward_email(
        {**REQUEST, "subject": "Satır\r\nBcc: evil@example.com"},
        {**DEPARTMENT, "email": ["a@kayseri.bel.tr", "b@kayseri.bel.tr"]},
        settings=settings,
        base_url="https://talep.kayseri.bel.tr",
        attachments=[("küçük.txt", "text/plain", b"merhaba"), ("video.mp4", "video/mp4", b"0" * 5000)],
        message_id="fwd-2@talep.kayseri.bel.tr",
    )
    assert [a.get_filename() for a in msg.iter_attachments()] == ["küçük.txt"]
    assert "video.mp4" in msg.get_body(("plain",)).get_content()
    assert msg["Message-ID"] == "<fwd-2@talep.kayseri.bel.tr>"
    assert "Bcc" not in msg and "\n" not in msg["Subject"]  # no header injection from the citizen's subject
    assert len(msg["To"].addresses) == 2
