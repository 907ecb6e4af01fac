"""The generic SMS gateway client against fake gateways (real aiohttp servers on loopback)."""

from __future__ import annotations

import logging
import xml.etree.ElementTree as ET
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from hub.delivery.backoff import DeliveryError, PermanentDeliveryError
from hub.delivery.sms import SmsGateway, SmsGatewaySettings

PHONE = "+905321234567"
PASSWORD = 'Gizli"Şifre&=1<>'
TEXT = 'Sayın vatandaşımız, "KAY-2026-000123" numaralı talebiniz alındı; ğüşıöç İĞÜŞÖÇ & <b> \\ yol\nKayseri'


@dataclass
class FakeGateway:
    """Several gateway dialects in one app; records what each request carried."""

    received: list[dict] = field(default_factory=list)
    status: int = 200

    async def json_api(self, request: web.Request) -> web.Response:
        data = await request.json()
        self.received.append({"data": data, "headers": dict(request.headers)})
        if self.status != 200:
            return web.Response(status=self.status, headers={"Retry-After": "30"}, text="busy")
        return web.json_response({"status": "OK", "messageId": "msg-778899"})

    async def form_api(self, request: web.Request) -> web.Response:
        form = await request.post()
        self.received.append({"data": dict(form), "headers": dict(request.headers)})
        return web.Response(text="00 1234567890123")  # NetGSM style: code + job id

    async def xml_api(self, request: web.Request) -> web.Response:
        root = ET.fromstring(await request.read())
        self.received.append(
            {"data": {el.tag: el.text for el in root.iter()}, "headers": dict(request.headers)}
        )
        return web.Response(
            text="<result><code>0</code><id>X-55</id></result>", content_type="application/xml"
        )

    async def get_api(self, request: web.Request) -> web.Response:
        self.received.append({"data": dict(request.query), "headers": dict(request.headers)})
        return web.Response(text="00 999")

    async def echo_error(self, request: web.Request) -> web.Response:
        # Some gateways answer 200 with an error code and echo the request, password included.
        body = (await request.read()).decode()
        self.received.append({"data": body, "headers": dict(request.headers)})
        return web.Response(text=f"30 Gecersiz kullanici: {body}")


@pytest.fixture
async def gateway() -> AsyncIterator[tuple[FakeGateway, str]]:
    fake = FakeGateway()
    app = web.Application()
    app.router.add_post("/json", fake.json_api)
    app.router.add_post("/form", fake.form_api)
    app.router.add_post("/xml", fake.xml_api)
    app.router.add_get("/get", fake.get_api)
    app.router.add_post("/echo", fake.echo_error)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    yield fake, str(server.make_url("")).rstrip("/")
    await server.close()


async def test_json_gateway_receives_exact_text_and_returns_message_id(gateway) -> None:
    fake, base = gateway
    settings = SmsGatewaySettings(
        url=f"{base}/json",
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
    assert message_id == "msg-778899"
    sent = fake.received[0]
    assert sent["data"] == {"user": "kbb", "pass": PASSWORD, "from": "KAYSERIBB", "to": PHONE, "msg": TEXT}
    assert sent["headers"]["Idempotency-Key"] == "sms-1"
    assert sent["headers"]["X-Api-Version"] == "2"


async def test_form_gateway_with_format_syntax_and_national_number(gateway) -> None:
    fake, base = gateway
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
    assert fake.received[0]["data"] == {
        "usercode": "kbb",
        "password": PASSWORD,
        "gsmno": "5321234567",
        "message": TEXT,
        "msgheader": "KAYSERI BB",
    }


async def test_xml_gateway_escapes_markup(gateway) -> None:
    fake, base = gateway
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
    data = fake.received[0]["data"]
    assert data["text"] == TEXT and data["pwd"] == PASSWORD and data["to"] == "05321234567"


async def test_get_gateway_with_url_template(gateway) -> None:
    fake, base = gateway
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
    assert fake.received[0]["data"] == {
        "usercode": "kbb",
        "password": PASSWORD,
        "gsmno": "905321234567",
        "message": TEXT,
    }


async def test_unconfirmed_send_is_an_error_and_leaks_nothing(gateway, caplog) -> None:
    fake, base = gateway
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
    assert len(fake.received) == 1
    from urllib.parse import quote_plus

    for secret in (PASSWORD, quote_plus(PASSWORD), "5321234567", quote_plus(PHONE)):
        assert secret not in caplog.text
        assert secret not in str(info.value)
    assert "+90532*****67" in caplog.text  # masked numbers are still traceable


async def test_retryable_gateway_code(gateway) -> None:
    fake, base = gateway
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


async def test_http_errors_map_to_retryable_and_permanent(gateway, caplog) -> None:
    fake, base = gateway
    caplog.set_level(logging.DEBUG)
    settings = SmsGatewaySettings(
        url=f"{base}/json", body_template='{"to": "{{ phone }}", "msg": "{{ text }}"}'
    )
    fake.status = 503
    with pytest.raises(DeliveryError) as info:
        await SmsGateway(settings).send(PHONE, "Deneme", idempotency_key="sms-7")
    assert info.value.retryable and info.value.status == 503 and info.value.retry_after == 30
    fake.status = 403
    with pytest.raises(PermanentDeliveryError):
        await SmsGateway(settings).send(PHONE, "Deneme", idempotency_key="sms-8")
    assert "5321234567" not in caplog.text


async def test_bad_input_is_rejected_before_sending(gateway) -> None:
    fake, base = gateway
    settings = SmsGatewaySettings(
        url=f"{base}/json", body_template='{"to": "{{ phone }}", "msg": "{{ text }}"}'
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
    assert fake.received == []


async def test_unreachable_gateway_is_retryable() -> None:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    settings = SmsGatewaySettings(url=f"http://127.0.0.1:{port}/json", body_template='{"msg": "{{ text }}"}')
    with pytest.raises(DeliveryError) as info:
        await SmsGateway(settings).send(PHONE, "Deneme", idempotency_key="sms-12")
    assert info.value.retryable


def test_settings_repr_hides_password() -> None:
    settings = SmsGatewaySettings(url="https://sms.example/api", body_template="{}", password=PASSWORD)
    assert PASSWORD not in repr(settings)
