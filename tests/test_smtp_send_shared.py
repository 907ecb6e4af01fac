"""The hub's forward/notice e-mail and the connector's replies share one SMTP sender
(connectors.email.smtp.send_email); each keeps its own failure policy."""

from __future__ import annotations

import pytest

from connectors.base import ConnectorError, PermanentSendError
from connectors.email.smtp import SmtpConfig, SmtpRejectedError, SmtpSendError
from connectors.email.smtp import send_email as connector_send_email
from hub.delivery.backoff import DeliveryError, PermanentDeliveryError
from hub.delivery.forward_email import SmtpSettings, _delivery_error, send_email
from tests.test_delivery_email import Mailbox, build, free_port, start_smtp


@pytest.mark.parametrize(
    ("error", "retryable", "status"),
    [
        (SmtpSendError("x", kind="unreachable"), True, None),
        (SmtpSendError("x", kind="network"), True, None),
        (SmtpSendError("x", kind="protocol"), False, None),
        (SmtpSendError("x", kind="auth", code=535), False, 535),
        (SmtpSendError("x", kind="auth", code=454), True, 454),
        (SmtpSendError("x", kind="sender", code=553), False, 553),
        (SmtpSendError("x", kind="response", code=451), True, 451),
        (SmtpRejectedError("x", kind="response", code=554), False, 554),
        (SmtpRejectedError("x", kind="recipients", code=550), False, 550),
        (SmtpSendError("x", kind="recipients", code=550), True, None),  # mixed 4xx/5xx refusals
    ],
)
def test_outbox_policy_for_smtp_failures(error: SmtpSendError, retryable: bool, status: int | None) -> None:
    mapped = _delivery_error(error)
    assert isinstance(mapped, DeliveryError)
    assert mapped.retryable is retryable
    assert isinstance(mapped, PermanentDeliveryError) is (not retryable)
    assert mapped.status == status


async def test_starttls_not_offered_is_permanent_for_the_hub_and_retried_by_the_connector() -> None:
    mailbox = Mailbox()
    port = free_port()
    controller = start_smtp(mailbox, port)  # plain aiosmtpd: no STARTTLS offered
    try:
        settings = SmtpSettings(
            host="127.0.0.1", port=port, from_address="talep@kayseri.bel.tr", starttls=True
        )
        with pytest.raises(PermanentDeliveryError):
            await send_email(build(settings), settings)
        cfg = SmtpConfig(host="127.0.0.1", port=port, from_address="talep@kayseri.bel.tr",
                         our_domain="kayseri.bel.tr", starttls=True)  # fmt: skip
        with pytest.raises(ConnectorError) as caught:
            await connector_send_email(build(settings), cfg)
        assert not isinstance(caught.value, PermanentSendError)
        assert isinstance(caught.value, SmtpSendError) and caught.value.kind == "protocol"
        assert mailbox.received == []
        # Without STARTTLS the same message goes through, envelope from the configured sender.
        plain = SmtpSettings(host="127.0.0.1", port=port, from_address="talep@kayseri.bel.tr")
        await send_email(build(plain), plain)
        assert [(m[0], m[1]) for m in mailbox.received] == [
            ("talep@kayseri.bel.tr", ["yolbakim@kayseri.bel.tr"])
        ]
    finally:
        controller.stop()
