"""The hub's forward/notice e-mail and the connector's replies share one SMTP sender
(connectors.email.smtp.send_email); each keeps its own failure policy."""

from __future__ import annotations

import pytest

from connectors.base import ConnectorError, PermanentSendError
from connectors.email.smtp import SmtpConfig, SmtpRejectedError, SmtpSendError
from connectors.email.smtp import send_email as connector_send_email
from hub.delivery.backoff import DeliveryError, PermanentDeliveryError
from hub.delivery.forward_email import _delivery_error, send_email
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
        # One config, two failure policies: the hub's send_email and the connector's.
        cfg = SmtpConfig(host="127.0.0.1", port=port, from_address="talep@kayseri.bel.tr",
                         our_domain="kayseri.bel.tr", starttls=True)  # fmt: skip
        with pytest.raises(PermanentDeliveryError):
            await send_email(build(cfg), cfg)
        with pytest.raises(ConnectorError) as caught:
            await connector_send_email(build(cfg), cfg)
        assert not isinstance(caught.value, PermanentSendError)
        assert isinstance(caught.value, SmtpSendError) and caught.value.kind == "protocol"
        assert mailbox.received == []
        # Without STARTTLS the same message goes through, envelope from the configured sender.
        plain = SmtpConfig(host="127.0.0.1", port=port, from_address="talep@kayseri.bel.tr",
                           our_domain="kayseri.bel.tr", starttls=False)  # fmt: skip
        await send_email(build(plain), plain)
        assert [(m[0], m[1]) for m in mailbox.received] == [
            ("talep@kayseri.bel.tr", ["yolbakim@kayseri.bel.tr"])
        ]
    finally:
        controller.stop()


def test_channel_answers_and_forwards_read_one_smtp_config(settings_factory) -> None:  # noqa: ANN001
    """HUB_SMTP_* is mapped once (hub.delivery.smtp_config): the e-mail channel's sender and the
    outbox's forwards/notices get the same SmtpConfig, and STARTTLS off means off for both."""
    from hub.channels import build_email
    from hub.connectors_runtime import ConnectorRuntime
    from hub.context import Hub
    from hub.delivery import smtp_config
    from hub.workers.transports import Skip, Transports

    st = settings_factory(
        smtp_host="127.0.0.1", smtp_port=2525, smtp_from="talep@kayseri.bel.tr", smtp_username="talep",
        smtp_password="Sifre-123", smtp_reply_to="talep-yanit@kayseri.bel.tr",
        mail_domain="talep.kayseri.bel.tr", municipality_name="Talas Belediyesi",
    )  # fmt: skip
    hub = Hub(st)
    try:
        rt = ConnectorRuntime(hub)
        build_email(rt, st)
        forward_cfg = Transports(hub).smtp_settings()
        assert rt.senders["email"].config == forward_cfg == smtp_config(st)
        assert (forward_cfg.host, forward_cfg.port, forward_cfg.from_address, forward_cfg.our_domain) == (
            "127.0.0.1", 2525, "talep@kayseri.bel.tr", "talep.kayseri.bel.tr",
        )  # fmt: skip
        assert (forward_cfg.username, forward_cfg.password) == ("talep", "Sifre-123")
        assert "Sifre-123" not in repr(forward_cfg)
        assert forward_cfg.starttls is None and forward_cfg.ssl is False and forward_cfg.verify_tls, \
            "by default both upgrade to STARTTLS when offered"
        assert forward_cfg.from_name == "Talas Belediyesi"
        assert forward_cfg.reply_to == "talep-yanit@kayseri.bel.tr"
        tls = smtp_config(settings_factory(smtp_host="h", smtp_tls=True, smtp_port=465))
        starttls = smtp_config(settings_factory(smtp_host="h", smtp_starttls=True, smtp_port=587))
        assert tls is not None and (tls.ssl, tls.starttls) == (True, False)
        assert starttls is not None and (starttls.ssl, starttls.starttls) == (False, True)
        never = smtp_config(settings_factory(smtp_host="h", smtp_starttls=False))
        assert never is not None and never.starttls is False
    finally:
        hub.db.dispose()
    unset = settings_factory(smtp_host=None)
    assert smtp_config(unset) is None
    hub = Hub(unset)
    try:
        rt = ConnectorRuntime(hub)
        build_email(rt, unset)
        assert "email" not in rt.senders
        with pytest.raises(Skip):
            Transports(hub).smtp_settings()
    finally:
        hub.db.dispose()
