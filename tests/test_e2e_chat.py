"""End to end through the running hub: Telegram, X, WhatsApp and Facebook.

A citizen writes on a chat channel (the external service is faked at the HTTP
level), the hub's own connector runtime takes the message in, routes it, and
the hub's own outbox worker answers on the same channel.
"""

from __future__ import annotations

import json

import pytest
import pytest_asyncio

from tests.e2e_support import (
    BrokenService,
    answer,
    api,
    connector_health,
    detail,
    hub_log_text,
    quarantine_count,
    request_count,
    wait_for,
    wait_outbox_settled,
    wait_requests,
)
from tests.fakes.graph_api import FakeGraph, encode, messaging_payload, sign, whatsapp_payload
from tests.fakes.telegram_api import FakeTelegram
from tests.fakes.x_api import FakeX

TG_TOKEN = "123456:TEST-token"
APP_SECRET = "meta-app-secret"
CHAT_ID = 424242


@pytest_asyncio.fixture
async def telegram():
    async with FakeTelegram(TG_TOKEN, max_wait=0.3) as fake:
        yield fake


@pytest_asyncio.fixture
async def x_api():
    async with FakeX("fake-bearer", account_id="100", handle="kayseribld") as fake:
        fake.add_user("777", "vatandas_ali", "Ali Kaya")
        yield fake


@pytest_asyncio.fixture
async def graph():
    async with FakeGraph(tokens=("wa-token", "page-token")) as fake:
        yield fake


@pytest_asyncio.fixture
async def broken():
    async with BrokenService() as server:
        yield server


@pytest.fixture
def settings(request, settings_factory, telegram, x_api, graph, broken):  # noqa: ANN001, ANN201
    # ``telegram-down`` points the bot at a server answering 500 to everything.
    tg_base = broken.base_url if getattr(request, "param", None) == "telegram-down" else telegram.base_url
    return settings_factory(
        telegram_token=TG_TOKEN, telegram_api_base=tg_base,
        x_bearer_token="fake-bearer", x_user_id="100", x_api_base=x_api.base_url, x_poll_seconds=0.3,
        x_consumer_key="ck", x_consumer_secret="cs", x_access_token="at", x_access_token_secret="ats",
        meta_app_secret=APP_SECRET, meta_verify_token="verify-me", meta_graph_base=graph.base_url,
        whatsapp_phone_number_id="1098765", whatsapp_token="wa-token", facebook_page_token="page-token",
        file_poll_seconds=5.0,
    )  # fmt: skip


def sent_to_chat(telegram: FakeTelegram, chat_id: int) -> list[str]:
    return [m["text"] for m in telegram.sent if m["chat_id"] == chat_id]


async def test_telegram_message_is_routed_acknowledged_and_answered_in_the_same_chat(
    client, hub, telegram
) -> None:  # noqa: ANN001
    telegram.push_text(CHAT_ID, "/start")  # opens the chat; not a request
    msg = telegram.push_text(
        CHAT_ID, "Kocasinan Mimarsinan Mahallesi'ndeki parkta çocuk salıncağı kırık, çocuklar yaralanabilir."
    )

    [req] = await wait_requests(client, "telegram")
    assert req["department"] == "park-bahceler" and req["topic"] == "park-bahce"
    assert req["location"]["mahalle"] == "Mimarsinan"
    code = req["tracking_code"]
    assert code.startswith("KAY-")

    # The "received" acknowledgement goes back to the same chat and names the tracking code.
    acks = await wait_for(
        lambda: [t for t in sent_to_chat(telegram, CHAT_ID) if code in t], "acknowledgement in the chat"
    )
    assert acks

    # A follow-up in the same chat while the request is open joins it instead of opening another.
    telegram.push_text(CHAT_ID, "Bir de kaydırağın merdiveni sallanıyor.")
    await wait_for(lambda: _incoming(client, req["id"], 2), "the follow-up in the same request's thread")
    assert request_count(hub, "telegram") == 1

    text = "Salıncak bugün ekiplerimizce onarıldı. İlginiz için teşekkür ederiz."
    await answer(client, req["id"], text, outcome="olumlu")
    # The rules' automatic "alındı" answer is a reply row too; the agent's one has a message.
    rows = await wait_outbox_settled(hub, req["id"], "reply", n=2)
    assert [r.status for r in rows if r.message_id] == ["done"]
    [sent] = [m for m in telegram.sent if m["text"] == text]
    assert sent["chat_id"] == CHAT_ID
    # The answer quotes the citizen's own message.
    assert sent["reply_parameters"]["message_id"] == msg["message_id"]
    # Every message the citizen got names the real code; no template placeholder leaks through.
    assert not any("ayrıca bildirilecektir" in t or "{" in t for t in sent_to_chat(telegram, CHAT_ID))


async def _incoming(client, request_id: int, n: int) -> bool:  # noqa: ANN001
    d = await detail(client, request_id)
    return len([m for m in d["thread"] if m["direction"] == "in"]) >= n


async def test_x_mention_is_answered_with_a_reply_tweet(client, x_api) -> None:  # noqa: ANN001
    tweet = x_api.add_tweet(
        "777", "@kayseribld 30 numaralı otobüs seferleri çok seyrek, duraklarda yarım saat bekliyoruz."
    )

    [req] = await wait_requests(client, "x")
    assert req["department"] == "ulasim-as" and req["topic"] == "ulasim"
    assert req["text"].startswith("30 numaralı otobüs")  # the addressing handle is not content
    code = req["tracking_code"]

    text = "Hat 30 sefer sıklığı hafta içi 15 dakikaya çıkarıldı."
    await answer(client, req["id"], text)
    await wait_outbox_settled(client.server.app["hub"], req["id"], "reply")
    replies = [p for p in x_api.posted if p["text"].startswith(text)]
    assert len(replies) == 1
    assert replies[0]["reply"]["in_reply_to_tweet_id"] == tweet["id"]
    # The acknowledgement is a reply to the same tweet too.
    assert any(code in p["text"] and p["reply"]["in_reply_to_tweet_id"] == tweet["id"] for p in x_api.posted)


async def _post_meta(client, payload: dict, secret: str = APP_SECRET):  # noqa: ANN001, ANN202
    body = encode(payload)
    return await client.post(
        "/webhooks/meta",
        data=body,
        headers={"X-Hub-Signature-256": sign(body, secret), "Content-Type": "application/json"},
    )


async def test_whatsapp_signed_webhook_becomes_a_request_answered_on_whatsapp(client, graph, caplog) -> None:  # noqa: ANN001
    caplog.set_level("DEBUG")
    hub = client.server.app["hub"]
    payload = whatsapp_payload(
        [{"id": "wamid.IN1", "type": "text",
          "text": {"body": "Melikgazi Gesi Fatih Mahallesinde yaralı bir sokak köpeği var, yardım edin."}}],
        wa_id="905321112233", name="Zeynep Ak",
    )  # fmt: skip

    # A forged signature is refused and stores nothing.
    forged = await _post_meta(client, payload, secret="not-the-secret")
    assert forged.status == 401
    assert request_count(hub) == 0 and quarantine_count(hub) == 0

    resp = await _post_meta(client, payload)
    assert resp.status == 200
    [req] = await wait_requests(client, "whatsapp")
    assert req["department"] == "veteriner" and req["topic"] == "veteriner"
    d = await detail(client, req["id"])
    assert d["contact"]["phone"] == "+905321112233"

    # Meta delivers the same event again: still one request.
    assert (await _post_meta(client, payload)).status == 200
    assert request_count(hub, "whatsapp") == 1

    text = "Ekibimiz köpeği barınağa götürdü, tedavisi başladı."
    await answer(client, req["id"], text, outcome="olumlu")
    await wait_outbox_settled(hub, req["id"], "reply")
    bodies = [s["body"] for s in graph.sent if s["path"].endswith("/1098765/messages")]
    answers = [b for b in bodies if b["text"]["body"] == text]
    assert len(answers) == 1 and answers[0]["to"] == "905321112233"
    assert any(req["tracking_code"] in b["text"]["body"] for b in bodies), (
        "the acknowledgement names the code"
    )
    assert "1112233" not in hub_log_text(caplog), "the WhatsApp number is never logged"


async def test_facebook_message_is_answered_through_the_send_api(client, graph) -> None:  # noqa: ANN001
    hub = client.server.app["hub"]
    payload = messaging_payload(
        "page",
        [{"sender": {"id": "PSID-55"},
          "message": {"mid": "m_IN1", "text": "Sokağımızdaki işyeri gece yarısına kadar yüksek sesle müzik çalıyor, zabıta gelsin."}}],
    )  # fmt: skip
    bad = await client.post(
        "/webhooks/meta", data=encode(payload), headers={"Content-Type": "application/json"}
    )
    assert bad.status == 401, "an unsigned POST is refused"
    assert request_count(hub) == 0

    assert (await _post_meta(client, payload)).status == 200
    [req] = await wait_requests(client, "facebook")
    assert req["department"] == "zabita"

    text = "Zabıta ekibimiz işyerini denetledi ve tutanak tuttu."
    await answer(client, req["id"], text)
    await wait_outbox_settled(hub, req["id"], "reply")
    answers = [
        s for s in graph.sent if s["path"].endswith("/me/messages") and s["body"]["message"]["text"] == text
    ]
    assert len(answers) == 1
    assert answers[0]["body"]["recipient"] == {"id": "PSID-55"} and answers[0]["token"] == "page-token"

    health = await connector_health(client)
    assert health["meta"]["last_success_at"] is not None, "a webhook delivery counts as the connector working"


async def test_connectors_endpoint_lists_every_configured_channel(client) -> None:  # noqa: ANN001
    health = await connector_health(client)
    for name in ("telegram", "x", "meta", "cimer-import", "mbs-import", "alo153-calllog"):
        assert health[name]["enabled"] is True, name
    assert health["telegram"]["can_reply"] and health["x"]["can_reply"]
    assert health["email"]["enabled"] is False and "HUB_IMAP_HOST" in health["email"]["reason"]
    await wait_for(lambda: _healthy(client, "telegram"), "the Telegram poll loop to report a success")
    body = await api(client, "GET", "/api/v1/connectors")
    assert json.dumps(body)  # plain JSON, no secrets
    assert TG_TOKEN not in json.dumps(body) and APP_SECRET not in json.dumps(body)


async def _healthy(client, name: str) -> bool:  # noqa: ANN001
    h = (await connector_health(client))[name]
    return bool(h.get("last_success_at")) and h["healthy"]


@pytest.mark.parametrize("settings", ["telegram-down"], indirect=True)
async def test_telegram_down_shows_in_health_while_x_keeps_working(client, hub, x_api, broken) -> None:  # noqa: ANN001
    async def tg_error() -> dict | None:
        h = (await connector_health(client))["telegram"]
        return h if h.get("last_error") else None

    h = await wait_for(tg_error, "the Telegram connector's error in /api/v1/connectors")
    assert h["healthy"] is False and "Telegram getUpdates failed" in h["last_error"]
    assert TG_TOKEN.split(":")[1] not in h["last_error"], "the bot token never reaches the API"

    x_api.add_tweet("777", "@kayseribld Sokağımızdaki işyeri gece yarısına kadar yüksek sesle müzik çalıyor.")
    [req] = await wait_requests(client, "x")
    assert req["department"] == "zabita"
    await answer(client, req["id"], "Zabıta ekibimiz işyerini denetledi.")
    await wait_outbox_settled(hub, req["id"], "reply", n=2)
    assert any(p["text"].startswith("Zabıta ekibimiz") for p in x_api.posted)
    health = await connector_health(client)
    assert health["x"]["healthy"] and health["x"]["last_success_at"]
    assert health["telegram"]["healthy"] is False


async def test_answer_to_a_chat_that_blocked_the_bot_is_marked_undeliverable(client, hub, telegram) -> None:  # noqa: ANN001
    telegram.push_text(7001, "Mahallemizde çöpler üç gündür toplanmıyor, koku dayanılmaz.")
    [req] = await wait_requests(client, "telegram")
    await wait_outbox_settled(
        hub, req["id"], "notify", n=1
    )  # forwarded; the auto-reply was the "received" notice
    telegram.blocked_chats.add(7001)  # the citizen blocked the bot meanwhile

    await answer(client, req["id"], "Çöpler bugün toplandı.")
    rows = await wait_outbox_settled(hub, req["id"], "reply", n=2)
    [agent_row] = [r for r in rows if r.message_id]
    assert agent_row.status == "dead" and "blocked" in agent_row.last_error
    d = await detail(client, req["id"])
    assert "teslim-edilemedi" in d["tags"], "the supervisor can find answers that never arrived"
    [out] = [m for m in d["thread"] if m["direction"] == "out" and m["body"] == "Çöpler bugün toplandı."]
    assert out["delivery_status"] == "failed"


async def test_meta_webhook_verification_handshake(client) -> None:  # noqa: ANN001
    ok = await client.get(
        "/webhooks/meta",
        params={"hub.mode": "subscribe", "hub.verify_token": "verify-me", "hub.challenge": "1158201444"},
    )
    assert ok.status == 200 and await ok.text() == "1158201444"
    wrong = await client.get(
        "/webhooks/meta", params={"hub.mode": "subscribe", "hub.verify_token": "guess", "hub.challenge": "1"}
    )
    assert wrong.status == 403


async def test_instagram_direct_message_is_answered_with_the_page_token(client, hub, graph) -> None:  # noqa: ANN001
    payload = messaging_payload(
        "instagram",
        [
            {
                "sender": {"id": "IGSID-9"},
                "message": {
                    "mid": "ig_IN1",
                    "text": "30 numaralı otobüs seferleri çok seyrek, duraklarda yarım saat bekliyoruz.",
                },
            }
        ],
        page_id="IG_ACCOUNT",
    )
    assert (await _post_meta(client, payload)).status == 200
    [req] = await wait_requests(client, "instagram")
    assert req["department"] == "ulasim-as"
    text = "Sefer sıklığı artırıldı."
    await answer(client, req["id"], text)
    await wait_outbox_settled(hub, req["id"], "reply", n=2)
    [sent] = [s for s in graph.sent if s["body"].get("message", {}).get("text") == text]
    assert sent["body"]["recipient"] == {"id": "IGSID-9"} and sent["token"] == "page-token"


async def test_chat_message_after_the_answer_reopens_the_same_request(client, hub, telegram) -> None:  # noqa: ANN001
    telegram.push_text(7002, "Talas Mevlana Mahallesi sokak lambaları yanmıyor.")
    [req] = await wait_requests(client, "telegram")
    await answer(client, req["id"], "Ekiplerimiz lambaları onardı.")
    await wait_outbox_settled(hub, req["id"], "reply", n=2)
    telegram.push_text(7002, "Hâlâ yanmıyor maalesef.")

    async def reopened() -> dict | None:
        d = await detail(client, req["id"])
        return d if d["status"] == "in_progress" else None

    d = await wait_for(reopened, "the follow-up to reopen the request")
    assert request_count(hub, "telegram") == 1
    assert [m["body"] for m in d["thread"] if m["direction"] == "in"][-1] == "Hâlâ yanmıyor maalesef."
