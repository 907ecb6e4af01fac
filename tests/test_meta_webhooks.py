"""Meta webhooks (WhatsApp, Messenger, Instagram) through a real aiohttp server and a fake Graph API."""

from __future__ import annotations

import json

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from connectors.base import ConnectorError, OutboundMessage, PermanentSendError
from connectors.meta import MetaWebhookSource
from tests.fakes.graph_api import FakeGraph, encode, messaging_payload, sign, whatsapp_payload

SECRET = "app-secret-for-tests"
VERIFY = "dogrulama-jetonu"
PATH = "/webhooks/meta"


class Recorder:
    def __init__(self) -> None:
        self.messages: list = []
        self.quarantined: list = []
        self.fail = False

    async def sink(self, msg) -> None:
        if self.fail:
            raise RuntimeError("database down")
        self.messages.append(msg)

    async def quarantine(self, item) -> None:
        self.quarantined.append(item)


@pytest.fixture
async def graph():
    async with FakeGraph() as server:
        yield server


@pytest.fixture
async def source(graph):
    src = MetaWebhookSource.from_settings(
        app_secret=SECRET,
        verify_token=VERIFY,
        graph_base=graph.base_url,
        whatsapp_phone_number_id="1098765",
        whatsapp_token="wa-token",
        page_token="page-token",
        instagram_token="ig-token",
    )
    yield src
    await src.close()


@pytest.fixture
async def hub(source):
    """The hub's side: an aiohttp app with the connector's routes mounted, on loopback."""
    rec = Recorder()
    app = web.Application()
    app.add_routes(source.routes(rec.sink, rec.quarantine))
    async with TestClient(TestServer(app, host="127.0.0.1")) as client:
        client.rec = rec
        yield client


async def _post(client, payload, *, secret: str | None = SECRET, raw: bytes | None = None):
    body = raw if raw is not None else encode(payload)
    headers = {"Content-Type": "application/json"}
    if secret is not None:
        headers["X-Hub-Signature-256"] = sign(body, secret)
    return await client.post(PATH, data=body, headers=headers)


async def test_verification_handshake(hub):
    ok = await hub.get(
        PATH, params={"hub.mode": "subscribe", "hub.verify_token": VERIFY, "hub.challenge": "1158201444"}
    )
    assert ok.status == 200
    assert await ok.text() == "1158201444"

    wrong = await hub.get(
        PATH, params={"hub.mode": "subscribe", "hub.verify_token": "yanlis", "hub.challenge": "x"}
    )
    assert wrong.status == 403
    missing = await hub.get(PATH)
    assert missing.status == 403


async def test_bad_or_missing_signature_is_refused_and_nothing_stored(hub):
    payload = whatsapp_payload([{"id": "wamid.A1", "type": "text", "text": {"body": "Su borusu patladı"}}])
    unsigned = await _post(hub, payload, secret=None)
    forged = await _post(hub, payload, secret="someone-elses-secret")
    tampered = await hub.post(
        PATH,
        data=encode(payload).replace(b"patlad", b"PATLAD"),
        headers={"X-Hub-Signature-256": sign(encode(payload), SECRET)},
    )
    assert [unsigned.status, forged.status, tampered.status] == [401, 401, 401]
    assert hub.rec.messages == [] and hub.rec.quarantined == []


async def test_whatsapp_text_image_and_location(hub, graph):
    photo = b"\xff\xd8\xff" + b"P" * 3000
    graph.add_media("MEDIA_77", photo, "image/jpeg")
    payload = whatsapp_payload(
        [
            {"id": "wamid.T1", "type": "text", "text": {"body": "Melikgazi'de su kesik, ne zaman gelecek?"}},
            {
                "id": "wamid.I1",
                "type": "image",
                "image": {
                    "id": "MEDIA_77",
                    "mime_type": "image/jpeg",
                    "sha256": "x",
                    "caption": "Yoldaki çukur",
                },
            },
            {
                "id": "wamid.L1",
                "type": "location",
                "location": {"latitude": 38.7312, "longitude": 35.4787, "name": "Cumhuriyet Meydanı"},
            },
        ],
        statuses=[{"id": "wamid.OUT1", "status": "delivered", "recipient_id": "905321234567"}],
    )
    resp = await _post(hub, payload)
    assert resp.status == 200
    msgs = hub.rec.messages
    assert [m.external_id for m in msgs] == ["wamid.T1", "wamid.I1", "wamid.L1"]
    assert all(m.channel == "whatsapp" for m in msgs)
    text, image, loc = msgs
    assert text.text == "Melikgazi'de su kesik, ne zaman gelecek?"
    assert text.sender.phone == "+905321234567"
    assert text.sender.external_id == "905321234567"
    assert text.sender.name == "Mehmet Demir"
    assert text.thread.conversation_id == "905321234567"
    assert text.reply_to["wa_id"] == "905321234567"
    assert image.text == "Yoldaki çukur"
    assert image.attachments[0].data == photo
    assert image.attachments[0].content_type == "image/jpeg"
    assert (loc.location.lat, loc.location.lon) == (38.7312, 35.4787)
    assert loc.location.address == "Cumhuriyet Meydanı"
    assert hub.rec.quarantined == []  # statuses are not messages and not errors


async def test_messenger_and_instagram_messages(hub, graph):
    url = graph.add_cdn_file("foto.png", b"\x89PNG-data", "image/png")
    fb = messaging_payload(
        "page",
        [
            {"sender": {"id": "PSID_1"}, "message": {"mid": "m_fb1", "text": "Park bankları kırık"}},
            {
                "sender": {"id": "PSID_1"},
                "message": {"mid": "m_fb2", "attachments": [{"type": "image", "payload": {"url": url}}]},
            },
            {"sender": {"id": "PAGE_1"}, "message": {"mid": "m_echo", "text": "cevap", "is_echo": True}},
            {"sender": {"id": "PSID_1"}, "delivery": {"mids": ["m_x"], "watermark": 1}},
        ],
    )
    ig = messaging_payload(
        "instagram",
        [{"sender": {"id": "IGSID_9"}, "message": {"mid": "aWdfZ", "text": "Otobüs 30 dakikadır gelmedi"}}],
    )
    assert (await _post(hub, fb)).status == 200
    assert (await _post(hub, ig)).status == 200

    got = {m.external_id: m for m in hub.rec.messages}
    assert set(got) == {"m_fb1", "m_fb2", "aWdfZ"}
    assert got["m_fb1"].channel == "facebook"
    assert got["m_fb1"].sender.external_id == "PSID_1"
    assert got["m_fb1"].thread.conversation_id == "PSID_1"
    assert got["m_fb1"].reply_to["recipient_id"] == "PSID_1"
    assert got["m_fb2"].attachments[0].data == b"\x89PNG-data"
    assert got["aWdfZ"].channel == "instagram"
    assert got["aWdfZ"].text == "Otobüs 30 dakikadır gelmedi"


async def test_unexpected_shapes_are_quarantined_and_acknowledged(hub):
    odd = {"object": "whatsapp_business_account", "entry": "not a list"}
    unknown = {"object": "permissions", "entry": []}
    resp1 = await _post(hub, odd)
    resp2 = await _post(hub, unknown)
    resp3 = await _post(hub, None, raw=b"{not json")
    assert [resp1.status, resp2.status, resp3.status] == [200, 200, 200]  # Meta must not retry these forever
    assert hub.rec.messages == []
    assert [q.raw for q in hub.rec.quarantined] == [encode(odd), encode(unknown), b"{not json"]
    assert all(q.error for q in hub.rec.quarantined)


async def test_one_bad_item_does_not_block_its_siblings(hub):
    payload = whatsapp_payload(
        [
            {"id": "wamid.V1", "type": "audio", "audio": {"id": "AUD", "mime_type": "audio/ogg"}},
            {"id": "wamid.B1", "type": "text"},  # no text body
            {"id": "wamid.OK", "type": "text", "text": {"body": "Kaldırım çökmüş"}},
            {"id": "wamid.R1", "type": "reaction", "reaction": {"message_id": "wamid.OUT1", "emoji": "👍"}},
        ]
    )
    assert (await _post(hub, payload)).status == 200
    assert [m.external_id for m in hub.rec.messages] == ["wamid.OK"]
    assert sorted(q.external_id for q in hub.rec.quarantined) == ["wamid.B1", "wamid.V1"]
    assert all(json.loads(q.raw)["id"] in ("wamid.V1", "wamid.B1") for q in hub.rec.quarantined)


async def test_sink_failure_makes_meta_retry(hub):
    hub.rec.fail = True
    payload = whatsapp_payload([{"id": "wamid.T9", "type": "text", "text": {"body": "Çöp alınmadı"}}])
    resp = await _post(hub, payload)
    assert resp.status == 503 and resp.headers["Retry-After"].isdigit()  # Meta retries 5xx
    hub.rec.fail = False
    assert (await _post(hub, payload)).status == 200
    assert [m.external_id for m in hub.rec.messages] == ["wamid.T9"]


async def test_media_server_error_makes_meta_retry_but_gone_media_keeps_the_message(hub, graph):
    graph.add_media("MEDIA_1", b"img")
    payload = whatsapp_payload(
        [
            {
                "id": "wamid.I9",
                "type": "image",
                "image": {"id": "MEDIA_1", "mime_type": "image/jpeg", "caption": "foto"},
            }
        ]
    )
    graph.media_status = 503
    assert (await _post(hub, payload)).status == 503
    assert hub.rec.messages == []
    graph.media_status = 404
    assert (await _post(hub, payload)).status == 200
    msg = hub.rec.messages[0]
    assert msg.text == "foto" and msg.attachments == []
    assert "404" in msg.metadata["attachment_skipped"]


async def test_whatsapp_reply_lands_on_graph(source, graph):
    msg = OutboundMessage(
        channel="whatsapp",
        text="Talebiniz alındı. Takip kodu: KAY-2026-000123",
        reply_to={"wa_id": "905321234567", "phone_number_id": "1098765", "message_id": "wamid.T1"},
        idempotency_key="k1",
    )
    result = await source.send(msg)
    assert len(graph.sent) == 1
    sent = graph.sent[0]
    assert sent["path"] == "/v21.0/1098765/messages"
    assert sent["token"] == "wa-token"
    assert sent["body"]["messaging_product"] == "whatsapp"
    assert sent["body"]["to"] == "905321234567"
    assert sent["body"]["type"] == "text"
    assert sent["body"]["text"]["body"] == "Talebiniz alındı. Takip kodu: KAY-2026-000123"
    assert result.external_id and result.external_id.startswith("wamid.")


async def test_messenger_and_instagram_replies_land_on_graph(source, graph):
    await source.send(
        OutboundMessage(
            channel="facebook", text="Merhaba", reply_to={"recipient_id": "PSID_1"}, idempotency_key="a"
        )
    )
    await source.send(
        OutboundMessage(
            channel="instagram", text="Merhaba", reply_to={"recipient_id": "IGSID_9"}, idempotency_key="b"
        )
    )
    fb, ig = graph.sent
    assert fb["path"] == ig["path"] == "/v21.0/me/messages"
    assert fb["token"] == "page-token" and ig["token"] == "ig-token"
    assert fb["body"] == {
        "recipient": {"id": "PSID_1"},
        "messaging_type": "RESPONSE",
        "message": {"text": "Merhaba"},
    }
    assert ig["body"]["recipient"] == {"id": "IGSID_9"}


async def test_send_errors_are_classified(source, graph):
    msg = OutboundMessage(
        channel="facebook", text="x", reply_to={"recipient_id": "PSID_1"}, idempotency_key="a"
    )
    graph.fail_next = (400, 100)  # e.g. no matching user
    with pytest.raises(PermanentSendError):
        await source.send(msg)
    graph.fail_next = (429, 4)
    with pytest.raises(ConnectorError) as info:
        await source.send(msg)
    assert not isinstance(info.value, PermanentSendError)
    graph.fail_next = (400, 613)  # throttling reported as 400
    with pytest.raises(ConnectorError) as info:
        await source.send(msg)
    assert not isinstance(info.value, PermanentSendError)
    graph.fail_next = (500, 2)
    with pytest.raises(ConnectorError) as info:
        await source.send(msg)
    assert not isinstance(info.value, PermanentSendError)
    with pytest.raises(PermanentSendError):
        await source.send(OutboundMessage(channel="facebook", text="x", reply_to={}, idempotency_key="a"))
    assert graph.sent == []


async def test_unreachable_graph_is_retryable():
    src = MetaWebhookSource(SECRET, VERIFY, graph_base="http://127.0.0.1:9", page_token="t")
    try:
        with pytest.raises(ConnectorError) as info:
            await src.send(
                OutboundMessage(
                    channel="facebook", text="x", reply_to={"recipient_id": "P"}, idempotency_key="a"
                )
            )
        assert not isinstance(info.value, PermanentSendError)
    finally:
        await src.close()


def test_from_settings_without_secrets_is_disabled():
    assert MetaWebhookSource.from_settings(app_secret="", verify_token="v") is None
    assert MetaWebhookSource.from_settings(app_secret="s") is None


async def test_missing_token_for_a_channel_is_permanent():
    src = MetaWebhookSource(SECRET, VERIFY)
    try:
        with pytest.raises(PermanentSendError):
            await src.send(
                OutboundMessage(channel="whatsapp", text="x", reply_to={"wa_id": "90"}, idempotency_key="a")
            )
    finally:
        await src.close()


async def test_large_body_is_not_a_traceback(source):
    app = web.Application(client_max_size=1024)
    rec = Recorder()
    app.add_routes(source.routes(rec.sink, rec.quarantine))
    async with TestClient(TestServer(app, host="127.0.0.1")) as client:
        body = b"{" + b" " * 4096 + b"}"
        resp = await client.post(PATH, data=body, headers={"X-Hub-Signature-256": sign(body, SECRET)})
        assert resp.status == 413
    assert rec.messages == []
