"""Outbound delivery: transports and policy the outbox worker calls. No database access here.

* ``backoff``: ``RetryPolicy``, ``DeliveryError``, ``PermanentDeliveryError``
* ``webhook``: signed JSON webhooks to department systems
* ``forward_email``: the Turkish forward e-mail, SMTP sending, and ``smtp_config`` (settings → ``SmtpConfig``)
* ``sms``: a template-driven HTTP SMS gateway client
* ``texts``: Turkish citizen notification texts per stage
"""

from hub.delivery.backoff import DeliveryError, PermanentDeliveryError, RetryPolicy
from hub.delivery.forward_email import build_forward_email, send_email, smtp_config
from hub.delivery.sms import SmsGateway, SmsGatewaySettings
from hub.delivery.texts import notification_text, sms_length
from hub.delivery.webhook import build_forward_payload, deliver_webhook, verify_signature

__all__ = [
    "DeliveryError",
    "PermanentDeliveryError",
    "RetryPolicy",
    "SmsGateway",
    "SmsGatewaySettings",
    "build_forward_email",
    "build_forward_payload",
    "deliver_webhook",
    "notification_text",
    "send_email",
    "smtp_config",
    "sms_length",
    "verify_signature",
]
