"""Answers after Meta's 24-hour window: WhatsApp templates, Messenger/Instagram HUMAN_AGENT tag.

Connector level against the fake Graph API over HTTP, then end to end through the
hub: a WhatsApp request answered two days after the citizen wrote.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import pytest_asyncio
from sqlmodel import select

from connectors.base import OutboundMessage, PermanentSendError
from connectors.meta import MetaWebhookSource
from connectors.meta_window import CLIP_SUFFIX, template_safe
from tests.e2e_support import answer, detail, outbox_rows, wait_for, wait_outbox_settled, wait_requests
from tests.fakes.graph_api import FakeGraph, encode, sign, whatsapp_payload

SECRET = "app-secret-for-tests"
WA_ID = "905321234567"
CODE = "KAY-2026-000123"
ANSWER = "Sayın vatandaşımız,\n\nArıza giderildi.\tSu verilmiştir.      İyi günler."
FLAT = "Sayın vatandaşımız, Arıza giderildi. Su verilmiştir. İyi günler."


def ago(**kw: float) -> datetime:
    return datetime.now(UTC) - timedelta(**kw)


def wa_message(text: str = ANSWER, last: datetime | None = None, code: str | None = CODE) -> OutboundMessage:
    return OutboundMessage(
        channel="whatsapp",
        text=text,
        reply_to={"wa_id": WA_ID, "phone_number_id": "1098765", "message_id": "wamid.T1"},
        idempotency_key="k1",
        tracking_code=code,
        last_inbound_at=last,
    )


def fb_message(last: datetime | None, channel: str = "facebook") -> OutboundMessage:
    return OutboundMessage(
        channel=channel, text="Ekibimiz yönlendirildi.", reply_to={"recipient_id": "PSID_1"},
        idempotency_key="f1", last_inbound_at=last,
    )  # fmt: skip


@pytest_asyncio.fixture
async def graph():
    async with FakeGraph() as server:
        yield server


def make_source(graph: FakeGraph, **extra: str) -> MetaWebhookSource:
    src = MetaWebhookSource.from_settings(
        app_secret=SECRET, verify_token="v", graph_base=graph.base_url, whatsapp_phone_number_id="1098765",
        whatsapp_token="wa-token", page_token="page-token", instagram_token="ig-token", **extra,
    )  # fmt: skip
    assert src is not None
    return src


@pytest_asyncio.fixture
async def templated(graph):
    src = make_source(graph, whatsapp_template_name="talep_cevap")
    yield src
    await src.close()


@pytest_asyncio.fixture
async def plain(graph):
    src = make_source(graph)
    yield src
    await src.close()


@pytest_asyncio.fixture
async def tagged(graph):
    src = make_source(graph, human_agent_tag="true")
    yield src
    await src.close()


# -- WhatsApp -----------------------------------------------------------------


async def test_whatsapp_inside_the_window_or_unknown_sends_text(templated, graph):
    await templated.send(wa_message(last=ago(hours=23)))
    await templated.send(wa_message(last=None))
    assert [s["body"]["type"] for s in graph.sent] == ["text", "text"]
    assert graph.sent[0]["body"]["text"]["body"] == ANSWER
    assert graph.templates == []


async def test_whatsapp_outside_the_window_sends_the_template(templated, graph):
    graph.window_closed.add(WA_ID)  # the fake refuses text as Meta would
    result = await templated.send(wa_message(last=ago(hours=25)))
    assert len(graph.sent) == 1
    sent = graph.sent[0]
    assert sent["path"] == "/v21.0/1098765/messages" and sent["token"] == "wa-token"
    assert sent["body"] == {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": WA_ID,
        "type": "template",
        "template": {
            "name": "talep_cevap",
            "language": {"code": "tr"},
            "components": [
                {
                    "type": "body",
                    "parameters": [{"type": "text", "text": CODE}, {"type": "text", "text": FLAT}],
                }
            ],
        },
    }
    assert result.external_id and result.external_id.startswith("wamid.")


async def test_template_language_setting_and_missing_tracking_code(graph):
    src = make_source(graph, whatsapp_template_name="talep_cevap_en", whatsapp_template_language="en_US")
    try:
        await src.send(wa_message(last=ago(days=3), code=None))
    finally:
        await src.close()
    [tpl] = graph.templates
    assert tpl["template"]["name"] == "talep_cevap_en"
    assert tpl["template"]["language"] == {"code": "en_US"}
    assert tpl["template"]["components"][0]["parameters"][0]["text"] == "-"


async def test_long_answer_is_clipped_with_the_suffix(templated, graph):
    text = "\n".join(f"{i}. satır: borular yenilendi ve hat test edildi." for i in range(100))
    await templated.send(wa_message(text=text, last=ago(days=2)))
    [tpl] = graph.templates
    param = tpl["template"]["components"][0]["parameters"][1]["text"]
    assert len(param) <= 850
    assert param.endswith(CLIP_SUFFIX)
    assert param.startswith("0. satır: borular yenilendi ve hat test edildi. 1. satır:")
    assert "\n" not in param and "\t" not in param and "     " not in param
    # cut at a word boundary: the clipped text before the suffix ends with a whole word
    last = param[: -len(CLIP_SUFFIX)].split(" ")[-1]
    assert last.rstrip(".:") in {w.rstrip(".:") for w in text.split()}


def test_settings_reach_the_connector(monkeypatch):  # noqa: ANN001
    from hub.channels import build_meta
    from hub.settings import Settings

    monkeypatch.setenv("HUB_WHATSAPP_TEMPLATE_NAME", "talep_cevap")
    monkeypatch.setenv("HUB_META_HUMAN_AGENT_TAG", "true")
    st = Settings(meta_app_secret="s", meta_verify_token="v")
    assert (st.whatsapp_template_name, st.whatsapp_template_language, st.meta_human_agent_tag) == (
        "talep_cevap",
        "tr",
        True,
    )

    class Runtime:
        def __init__(self) -> None:
            self.webhooks: list = []
            self.senders: dict = {}
            self.disabled: dict = {}

        def add_sender(self, channel: str, src: object) -> None:
            self.senders[channel] = src

    rt = Runtime()
    build_meta(rt, st)  # type: ignore[arg-type]
    src = rt.senders["whatsapp"]
    assert (src.whatsapp_template_name, src.whatsapp_template_language, src.human_agent_tag) == (
        "talep_cevap",
        "tr",
        True,
    )


def test_template_safe_rules():
    assert template_safe("a\n\nb\tc     d  e") == "a b c d e"
    assert template_safe("   \n") == "-"
    assert template_safe("x" * 850) == "x" * 850
    clipped = template_safe("x" * 851)
    assert len(clipped) <= 850 and clipped.endswith(CLIP_SUFFIX)


async def test_outside_the_window_without_a_template_is_permanent(plain, graph):
    with pytest.raises(PermanentSendError) as info:
        await plain.send(wa_message(last=ago(days=2)))
    assert "HUB_WHATSAPP_TEMPLATE_NAME" in str(info.value)
    assert "24-hour" in str(info.value)
    assert graph.sent == []


async def test_reengagement_error_falls_back_to_the_template_once(templated, graph):
    # Our record says the citizen wrote recently, Graph says the window is closed.
    graph.window_closed.add(WA_ID)
    await templated.send(wa_message(last=ago(hours=2)))
    assert [s["body"]["type"] for s in graph.sent] == ["template"]
    assert graph.templates[0]["template"]["components"][0]["parameters"][1]["text"] == FLAT

    # The template itself refused: no loop, the error comes back.
    graph.sent.clear()
    graph.fail_next = (400, 131047)
    with pytest.raises(PermanentSendError):
        await templated.send(wa_message(last=ago(hours=30)))
    assert graph.sent == []


async def test_window_closing_inside_a_split_answer_sends_only_the_rest(templated, graph):
    first = "Birinci bölüm " * 330  # ~4,600 characters: two WhatsApp texts
    second = "İKİNCİ BÖLÜM sonu."
    graph.close_window_after[WA_ID] = 1  # the first part gets through, then the window shuts
    await templated.send(wa_message(text=first + second, last=ago(hours=2)))
    kinds = [s["body"]["type"] for s in graph.sent]
    assert kinds == ["text", "template"]
    param = graph.templates[0]["template"]["components"][0]["parameters"][1]["text"]
    from connectors.meta import _split

    delivered, rest = _split(first + second, 4096)
    assert "İKİNCİ BÖLÜM sonu." in param
    assert param.count("Birinci bölüm") == rest.count("Birinci bölüm") < delivered.count("Birinci bölüm"), \
        "only what was not delivered goes in the template"
    assert len(param) < 900


async def test_reengagement_error_without_a_template_names_the_setting(plain, graph):
    graph.window_closed.add(WA_ID)
    with pytest.raises(PermanentSendError) as info:
        await plain.send(wa_message(last=ago(hours=2)))
    assert "HUB_WHATSAPP_TEMPLATE_NAME" in str(info.value) and "131047" in str(info.value)
    assert graph.sent == []


# -- Messenger / Instagram --------------------------------------------------------


async def test_messenger_at_30_hours_with_the_tag_setting_uses_human_agent(tagged, graph):
    await tagged.send(fb_message(ago(hours=30)))
    await tagged.send(fb_message(ago(hours=30), channel="instagram"))
    fb, ig = graph.sent
    assert fb["body"] == {
        "recipient": {"id": "PSID_1"},
        "messaging_type": "MESSAGE_TAG",
        "tag": "HUMAN_AGENT",
        "message": {"text": "Ekibimiz yönlendirildi."},
    }
    assert ig["token"] == "ig-token" and ig["body"]["tag"] == "HUMAN_AGENT"


async def test_messenger_inside_the_window_is_a_plain_response(tagged, graph):
    await tagged.send(fb_message(ago(hours=3)))
    assert graph.sent[0]["body"]["messaging_type"] == "RESPONSE" and "tag" not in graph.sent[0]["body"]


async def test_messenger_at_30_hours_without_the_setting_is_permanent(plain, graph):
    with pytest.raises(PermanentSendError) as info:
        await plain.send(fb_message(ago(hours=30)))
    assert "HUB_META_HUMAN_AGENT_TAG" in str(info.value)
    assert graph.sent == []


async def test_messenger_after_7_days_is_permanent_even_with_the_tag(tagged, graph):
    with pytest.raises(PermanentSendError) as info:
        await tagged.send(fb_message(ago(days=8)))
    assert "7 days" in str(info.value)
    assert graph.sent == []


# -- end to end through the hub ----------------------------------------------------


@pytest.fixture
def settings(request, settings_factory, graph):  # noqa: ANN001, ANN201
    template = getattr(request, "param", "talep_cevap")
    return settings_factory(
        meta_app_secret=SECRET, meta_verify_token="verify-me", meta_graph_base=graph.base_url,
        whatsapp_phone_number_id="1098765", whatsapp_token="wa-token", facebook_page_token="page-token",
        whatsapp_template_name=template, file_poll_seconds=60.0,
    )  # fmt: skip


async def _whatsapp_request_two_days_old(client, hub, graph, wa_id: str) -> dict:  # noqa: ANN001
    from hub.models import Message

    payload = whatsapp_payload(
        [{"id": f"wamid.IN-{wa_id}", "type": "text",
          "text": {"body": "Kocasinan Mimarsinan Mahallesi'nde su borusu patladı,\nsokak göle döndü."}}],
        wa_id=wa_id, name="Ayşe Yılmaz",
    )  # fmt: skip
    body = encode(payload)
    resp = await client.post(
        "/webhooks/meta", data=body,
        headers={"X-Hub-Signature-256": sign(body, SECRET), "Content-Type": "application/json"},
    )  # fmt: skip
    assert resp.status == 200
    [req] = await wait_requests(client, "whatsapp")

    def settled() -> bool:
        rows = outbox_rows(hub, req["id"])
        return bool(rows) and all(r.status in ("done", "dead") for r in rows)

    await wait_for(settled, "the acknowledgement and forwarding to settle")
    # Two days pass before the agent answers.
    with hub.db.session() as s:
        for m in s.exec(select(Message).where(Message.request_id == req["id"], Message.direction == "in")):
            m.created_at = datetime.now(UTC) - timedelta(days=2)
    return req


async def test_whatsapp_answer_two_days_later_goes_out_as_the_template(client, hub, graph) -> None:  # noqa: ANN001
    wa_id = "905329998877"
    req = await _whatsapp_request_two_days_old(client, hub, graph, wa_id)
    acks = [s["body"] for s in graph.sent if s["body"].get("to") == wa_id]
    assert acks and all(b["type"] == "text" for b in acks), "the acknowledgement went inside the window"
    graph.window_closed.add(wa_id)

    text = "Arıza ekiplerimizce giderildi.\n\nSu verilmiştir."
    await answer(client, req["id"], text, outcome="olumlu")
    rows = await wait_outbox_settled(hub, req["id"], "reply", n=2)
    assert all(r.status == "done" for r in rows)
    [tpl] = [t for t in graph.templates if t["to"] == wa_id]
    assert tpl["template"]["name"] == "talep_cevap" and tpl["template"]["language"] == {"code": "tr"}
    params = [p["text"] for p in tpl["template"]["components"][0]["parameters"]]
    assert params == [req["tracking_code"], "Arıza ekiplerimizce giderildi. Su verilmiştir."]
    d = await detail(client, req["id"])
    [out] = [m for m in d["thread"] if m["direction"] == "out" and m["body"] == text]
    assert out["delivery_status"] == "sent"


@pytest.mark.parametrize("settings", [None], indirect=True)
async def test_late_whatsapp_answer_without_a_template_shows_why_on_the_request(client, hub, graph) -> None:  # noqa: ANN001
    wa_id = "905329998866"
    req = await _whatsapp_request_two_days_old(client, hub, graph, wa_id)
    sent_before = len(graph.sent)
    await answer(client, req["id"], "Arıza giderildi.")
    rows = await wait_outbox_settled(hub, req["id"], "reply", n=2)
    [agent_row] = [r for r in rows if r.message_id]
    assert agent_row.status == "dead"
    assert len(graph.sent) == sent_before, "nothing was sent that Meta would refuse"
    # What the request page's "Gönderimler" list shows (the API's outbox entries).
    d = await detail(client, req["id"])
    errors = [o["last_error"] for o in d["outbox"] if o["status"] == "dead"]
    assert any("HUB_WHATSAPP_TEMPLATE_NAME" in (e or "") and "24-hour" in e for e in errors)
    assert "teslim-edilemedi" in d["tags"]
    [out] = [m for m in d["thread"] if m["direction"] == "out" and m["body"] == "Arıza giderildi."]
    assert out["delivery_status"] == "failed"
