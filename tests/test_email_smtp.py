"""SMTP replies against a real aiosmtpd server on loopback."""

from __future__ import annotations

from pathlib import Path

import pytest

from connectors.base import Attachment, ConnectorError, OutboundMessage, PermanentSendError, ReplySink
from connectors.email import SmtpConfig, SmtpSender, build_email, parse_message, send_email
from tests import email_fixtures
from tests.email_fixtures import SmtpTestServer

smtp_server = email_fixtures.smtp_server
smtp_server_down = email_fixtures.smtp_server_down
smtp_server_tls = email_fixtures.smtp_server_tls

DATA = Path(__file__).parent / "data" / "email"
TURKISH = "Sayın Ayşe Hanım, şikâyetiniz Fen İşleri'ne iletildi. Çöp, ğ, ı, İ, ö, ü, ş, â: hepsi yerinde."


def config(server: SmtpTestServer, **overrides: object) -> SmtpConfig:
    values: dict[str, object] = {
        "host": server.host,
        "port": server.port,
        "starttls": False,
        "from_address": "bilgi@kayseri.bel.tr",
        "from_name": "Kayseri Büyükşehir Belediyesi",
        "reply_to": "cevap@kayseri.bel.tr",
        "our_domain": "kayseri.bel.tr",
        "timeout": 5.0,
    }
    values.update(overrides)
    return SmtpConfig(**values)  # type: ignore[arg-type]


def reply_to_citizen(**overrides: object) -> OutboundMessage:
    incoming = parse_message((DATA / "reply_with_code.eml").read_bytes(), own_domains={"kayseri.bel.tr"})
    assert incoming is not None
    values: dict[str, object] = {
        "channel": "email",
        "text": TURKISH,
        "reply_to": incoming.reply_to,
        "idempotency_key": "reply-1",
        "tracking_code": "KAY-2026-000123",
        "in_reply_to": incoming.external_id,
        "references": [*incoming.thread.references, incoming.external_id],
        "message_id": "<hub-reply-1@kayseri.bel.tr>",
    }
    values.update(overrides)
    return OutboundMessage(**values)  # type: ignore[arg-type]


async def test_reply_threads_into_the_citizens_conversation(smtp_server: SmtpTestServer) -> None:
    sender = SmtpSender(config(smtp_server))
    assert isinstance(sender, ReplySink)
    result = await sender.send(reply_to_citizen())
    assert result.external_id == "<hub-reply-1@kayseri.bel.tr>"

    [received] = smtp_server.received
    assert received.rcpt_tos == ["ayse@example.com"]
    assert received.mail_from == "bilgi@kayseri.bel.tr"
    msg = received.message
    assert msg["Message-ID"] == "<hub-reply-1@kayseri.bel.tr>"
    assert msg["In-Reply-To"] == "<reply-1@example.com>"
    assert msg["References"].split() == [
        "<first-1@example.com>",
        "<hub-out-1@kayseri.bel.tr>",
        "<reply-1@example.com>",
    ]
    assert msg["Subject"] == "Re: Başvurunuz alındı [KAY-2026-000123]"
    assert msg["From"].addresses[0].display_name == "Kayseri Büyükşehir Belediyesi"
    assert msg["Reply-To"] == "cevap@kayseri.bel.tr"
    assert msg["X-Talep-Hub"] == "1"
    assert msg["Auto-Submitted"] == "auto-replied"
    assert msg.get_content_charset() == "utf-8"
    assert msg.get_content().strip() == TURKISH


async def test_our_reply_coming_back_into_the_inbox_is_ignored(smtp_server: SmtpTestServer) -> None:
    await SmtpSender(config(smtp_server)).send(reply_to_citizen())
    echoed = smtp_server.received[0].content
    assert parse_message(echoed, own_domains={"kayseri.bel.tr"}) is None
    assert parse_message(echoed) is None  # the X-Talep-Hub header alone is enough


async def test_subject_gets_code_once_and_no_stacked_re(smtp_server: SmtpTestServer) -> None:
    sender = SmtpSender(config(smtp_server))
    await sender.send(
        reply_to_citizen(
            reply_to={"email": "ali@example.com", "subject": "RE: Ynt: Kaldırım bozuk", "message_id": None},
            tracking_code="KAY-2026-000999",
            in_reply_to=None,
            references=[],
            message_id=None,
        )
    )
    msg = smtp_server.received[0].message
    assert msg["Subject"] == "Re: Kaldırım bozuk [KAY-2026-000999]"
    assert msg["In-Reply-To"] is None
    # No id from the hub: one is made on our own domain, and reported back.
    assert msg["Message-ID"].endswith("@kayseri.bel.tr>")


async def test_smtp_down_is_retryable_and_succeeds_once_the_server_is_up(
    smtp_server_down: SmtpTestServer,
) -> None:
    sender = SmtpSender(config(smtp_server_down))
    with pytest.raises(ConnectorError) as caught:
        await sender.send(reply_to_citizen())
    assert not isinstance(caught.value, PermanentSendError)

    smtp_server_down.start()
    result = await sender.send(reply_to_citizen())
    assert result.external_id == "<hub-reply-1@kayseri.bel.tr>"
    assert len(smtp_server_down.received) == 1


async def test_refused_recipient_is_permanent(smtp_server: SmtpTestServer) -> None:
    smtp_server.handler.refuse.add("ayse@example.com")
    with pytest.raises(PermanentSendError) as caught:
        await SmtpSender(config(smtp_server)).send(reply_to_citizen())
    assert "ayse@example.com" not in str(caught.value)  # addresses are masked in errors
    assert smtp_server.received == []


async def test_temporarily_refused_recipient_is_retryable(smtp_server: SmtpTestServer) -> None:
    smtp_server.handler.defer.add("ayse@example.com")
    with pytest.raises(ConnectorError) as caught:
        await SmtpSender(config(smtp_server)).send(reply_to_citizen())
    assert not isinstance(caught.value, PermanentSendError)


@pytest.mark.parametrize(
    "reply_to",
    [{}, {"email": "not-an-address"}, {"email": "x@example.com\r\nBcc: victim@example.org"}],
)
async def test_unusable_recipient_fails_permanently_without_sending(
    smtp_server: SmtpTestServer, reply_to: dict[str, str]
) -> None:
    with pytest.raises(PermanentSendError):
        await SmtpSender(config(smtp_server)).send(reply_to_citizen(reply_to=reply_to))
    assert smtp_server.received == []


async def test_build_and_send_email_for_department_forwarding(smtp_server: SmtpTestServer) -> None:
    msg = build_email(
        to=["fen.isleri@kayseri.bel.tr"],
        subject="Yeni başvuru: Çukur [KAY-2026-000321]",
        text="Talas'ta yol çökmesi bildirildi.\nEkteki fotoğrafa bakınız.",
        from_address="talep@kayseri.bel.tr",
        from_name="Talep Merkezi",
        our_domain="kayseri.bel.tr",
        tracking_code="KAY-2026-000321",
        attachments=[
            Attachment(filename="çukur fotoğrafı.jpg", content_type="image/jpeg", data=b"\xff\xd8\xff")
        ],
        auto_submitted="auto-generated",
    )
    message_id = await send_email(msg, config(smtp_server))
    received = smtp_server.received[0].message
    assert received["Message-ID"] == message_id
    assert received["Auto-Submitted"] == "auto-generated"
    assert received["Subject"] == "Yeni başvuru: Çukur [KAY-2026-000321]"
    body = received.get_body(("plain",))
    assert body is not None and "yol çökmesi" in body.get_content()
    [attachment] = list(received.iter_attachments())
    assert attachment.get_filename() == "çukur fotoğrafı.jpg"
    assert attachment.get_content() == b"\xff\xd8\xff"


def test_config_repr_hides_the_password() -> None:
    cfg = SmtpConfig(host="h", from_address="a@b.c", our_domain="b.c", password="Sifre-123")
    assert "Sifre-123" not in repr(cfg)


async def test_starttls_with_private_ca_and_refusal_without_it(smtp_server_tls: SmtpTestServer) -> None:
    cert = str(smtp_server_tls.cert)  # type: ignore[attr-defined]
    trusted = SmtpSender(config(smtp_server_tls, starttls=True, ca_file=cert))
    await trusted.send(reply_to_citizen())
    assert smtp_server_tls.received[0].message["Subject"] == "Re: Başvurunuz alındı [KAY-2026-000123]"

    untrusted = SmtpSender(config(smtp_server_tls, starttls=True))
    with pytest.raises(ConnectorError) as caught:
        await untrusted.send(reply_to_citizen())
    assert not isinstance(caught.value, PermanentSendError)  # fixable by configuration, so retried
    assert len(smtp_server_tls.received) == 1
