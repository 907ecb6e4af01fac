"""The generic SMS gateway client against the fake gateway's dialects (a real aiohttp server on
loopback, tests/fakes/sms_gateway.py)."""

from __future__ import annotations

import logging

import pytest

from hub.delivery.backoff import DeliveryError, PermanentDeliveryError
from hub.delivery.sms import SmsGateway, SmsGatewaySettings

PHONE = "+905321234567"
PASSWORD = 'Gizli"Şifre&=1<>'
TEXT = 'Sayın vatandaşımız, "KAY-2026-000123" numaralı talebiniz alındı; ğüşıöç İĞÜŞÖÇ & <b> \\ yol\nKayseri'


async def test_json_gateway_receives_exact_text_and_returns_message_id(sms_gateway) -> None:
    base = sms_gateway.base_url
    settings = SmsGatewaySettings(
        url=f"{base}/sms",
        body_template='{"user": "{{ username }}", "pass": "{{ password }}", "from": "{{ sender_id }}",'
        ' "to": "{{ phone }}", "msg": "{{ text }}"}',
        username="kbb",
        password=PASSWORD,
        sender_id="KAYSERIBB",
        success_regex=r'"status":\s*"OK"',
        message_id_regex=r'"messageId":\s*"(?P<id>[^"]+)"',
        headers={"X-Api-Version": "2"},
    )
    message_id = await SmsGateway(settings).send(PHONE, TEXT, idempotency_key="sms-1")
    assert message_id == "msg-1"
    sent = sms_gateway.received[0]
    assert sent["data"] == {"user": "kbb", "pass": PASSWORD, "from": "KAYSERIBB", "to": PHONE, "msg": TEXT}
    assert sent["headers"]["Idempotency-Key"] == "sms-1"
    assert sent["headers"]["X-Api-Version"] == "2"


async def test_form_gateway_with_format_syntax_and_national_number(sms_gateway) -> None:
    base = sms_gateway.base_url
    settings = SmsGatewaySettings(
        url=f"{base}/form",
        body_template="usercode={username}&password={password}&gsmno={phone_national}&message={text}&msgheader={sender_id}",
        content_type="application/x-www-form-urlencoded",
        template_syntax="format",
        username="kbb",
        password=PASSWORD,
        sender_id="KAYSERI BB",
        success_regex=r"^00 \d+",
        message_id_regex=r"^00 (\d+)",
    )
    assert await SmsGateway(settings).send(PHONE, TEXT, idempotency_key="sms-2") == "1234567890123"
    assert sms_gateway.received[0]["data"] == {
        "usercode": "kbb",
        "password": PASSWORD,
        "gsmno": "5321234567",
        "message": TEXT,
        "msgheader": "KAYSERI BB",
    }


async def test_xml_gateway_escapes_markup(sms_gateway) -> None:
    base = sms_gateway.base_url
    settings = SmsGatewaySettings(
        url=f"{base}/xml",
        body_template="<request><user>{{ username }}</user><pwd>{{ password }}</pwd>"
        "<to>{{ phone_national0 }}</to><text>{{ text }}</text></request>",
        content_type="application/xml; charset=utf-8",
        username="kbb",
        password=PASSWORD,
        success_regex=r"<code>0</code>",
        message_id_regex=r"<id>([^<]+)</id>",
    )
    assert await SmsGateway(settings).send(PHONE, TEXT, idempotency_key="sms-3") == "X-55"
    data = sms_gateway.received[0]["data"]
    assert data["text"] == TEXT and data["pwd"] == PASSWORD and data["to"] == "05321234567"


async def test_get_gateway_with_url_template(sms_gateway) -> None:
    base = sms_gateway.base_url
    settings = SmsGatewaySettings(
        url=f"{base}/get?usercode={{{{ username }}}}&password={{{{ password }}}}&gsmno={{{{ phone_digits }}}}&message={{{{ text }}}}",
        method="GET",
        body_template="",
        content_type="text/plain",
        username="kbb",
        password=PASSWORD,
        success_regex=r"^00",
    )
    assert await SmsGateway(settings).send(PHONE, TEXT, idempotency_key="sms-4") == "00 999"
    assert sms_gateway.received[0]["data"] == {
        "usercode": "kbb",
        "password": PASSWORD,
        "gsmno": "905321234567",
        "message": TEXT,
    }


async def test_unconfirmed_send_is_an_error_and_leaks_nothing(sms_gateway, caplog) -> None:
    base = sms_gateway.base_url
    caplog.set_level(logging.DEBUG)
    settings = SmsGatewaySettings(
        url=f"{base}/echo",
        body_template="user={username}&pass={password}&to={phone}&text={text}",
        content_type="application/x-www-form-urlencoded",
        template_syntax="format",
        username="kbb",
        password=PASSWORD,
        success_regex=r"^00 ",
    )
    with pytest.raises(PermanentDeliveryError) as info:
        await SmsGateway(settings).send(PHONE, TEXT, idempotency_key="sms-5")
    assert "did not confirm" in str(info.value) and "30 Gecersiz" in str(info.value)
    assert len(sms_gateway.received) == 1
    from urllib.parse import quote_plus

    for secret in (PASSWORD, quote_plus(PASSWORD), "5321234567", quote_plus(PHONE)):
        assert secret not in caplog.text
        assert secret not in str(info.value)
    assert "+90532*****67" in caplog.text  # masked numbers are still traceable


async def test_retryable_gateway_code(sms_gateway) -> None:
    base = sms_gateway.base_url
    settings = SmsGatewaySettings(
        url=f"{base}/echo",
        body_template="{text}",
        content_type="text/plain",
        template_syntax="format",
        success_regex=r"^00 ",
        retryable_regex=r"^30 ",
    )
    with pytest.raises(DeliveryError) as info:
        await SmsGateway(settings).send(PHONE, "Deneme", idempotency_key="sms-6")
    assert info.value.retryable


async def test_http_errors_map_to_retryable_and_permanent(sms_gateway, caplog) -> None:
    base = sms_gateway.base_url
    caplog.set_level(logging.DEBUG)
    settings = SmsGatewaySettings(
        url=f"{base}/sms", body_template='{"to": "{{ phone }}", "msg": "{{ text }}"}'
    )
    sms_gateway.status = 503
    with pytest.raises(DeliveryError) as info:
        await SmsGateway(settings).send(PHONE, "Deneme", idempotency_key="sms-7")
    assert info.value.retryable and info.value.status == 503 and info.value.retry_after == 30
    sms_gateway.status = 403
    with pytest.raises(PermanentDeliveryError):
        await SmsGateway(settings).send(PHONE, "Deneme", idempotency_key="sms-8")
    assert "5321234567" not in caplog.text


async def test_bad_input_is_rejected_before_sending(sms_gateway) -> None:
    base = sms_gateway.base_url
    settings = SmsGatewaySettings(
        url=f"{base}/sms", body_template='{"to": "{{ phone }}", "msg": "{{ text }}"}'
    )
    gateway_client = SmsGateway(settings)
    with pytest.raises(PermanentDeliveryError) as info:
        await gateway_client.send("0532 123 45 67", "Deneme", idempotency_key="sms-9")
    assert "123 45 67" not in str(info.value)
    with pytest.raises(PermanentDeliveryError):
        await gateway_client.send(PHONE, "   ", idempotency_key="sms-10")
    broken = SmsGateway(
        SmsGatewaySettings(
            url=f"{base}/form", body_template="to={phone}&x={missing}", template_syntax="format"
        )
    )
    with pytest.raises(PermanentDeliveryError):
        await broken.send(PHONE, "Deneme", idempotency_key="sms-11")
    assert sms_gateway.received == []


async def test_unreachable_gateway_is_retryable() -> None:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    settings = SmsGatewaySettings(url=f"http://127.0.0.1:{port}/sms", body_template='{"msg": "{{ text }}"}')
    with pytest.raises(DeliveryError) as info:
        await SmsGateway(settings).send(PHONE, "Deneme", idempotency_key="sms-12")
    assert info.value.retryable


def test_settings_repr_hides_password() -> None:
    settings = SmsGatewaySettings(url="https://sms.example/api", body_template="{}", password=PASSWORD)
    assert PASSWORD not in repr(settings)
