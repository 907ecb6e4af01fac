"""End to end through the running hub: YouTube comments.

A fake YouTube Data API (and Google's token endpoint) on loopback; the hub's own
connector runtime polls it, the intake stores, classifies and routes the comment, an
agent answers, and the hub's outbox worker posts the answer as a reply comment.
"""

from __future__ import annotations

import pytest
import pytest_asyncio

from hub.delivery.public_texts import asks_for_private_data
from tests.conftest import ADMIN_KEY
from tests.e2e_support import (
    answer,
    connector_health,
    detail,
    outbox_rows,
    wait_for,
    wait_outbox_settled,
    wait_requests,
)
from tests.fakes.youtube_api import FakeYouTube
from tests.test_ui import login

API = {"Authorization": f"Bearer {ADMIN_KEY}"}
POTHOLE = "Sokağımızda çukur var, Melikgazi Esentepe Mahallesi'nde araçlar zarar görüyor."


@pytest_asyncio.fixture
async def yt():
    async with FakeYouTube() as fake:
        yield fake


@pytest.fixture
def settings(request, settings_factory, yt):  # noqa: ANN001, ANN201
    oauth = getattr(request, "param", "oauth") == "oauth"
    creds = (
        {"youtube_client_id": yt.client_id, "youtube_client_secret": yt.client_secret,
         "youtube_refresh_token": yt.refresh_token}
        if oauth else {}
    )  # fmt: skip
    return settings_factory(
        youtube_api_key=yt.api_key, youtube_channel_id=yt.channel_id, youtube_api_base=yt.api_base,
        youtube_token_url=yt.token_url, youtube_poll_seconds=0.3, file_poll_seconds=5.0, **creds,
    )  # fmt: skip


async def test_comment_is_routed_answered_by_reply_comment_and_chit_chat_is_not_work(client, yt) -> None:  # noqa: ANN001
    hub = client.server.app["hub"]
    vid = yt.add_video("Melikgazi'de asfalt çalışmaları")
    praise = yt.add_comment(vid, "harika video", "Can", "UCcan")
    cid = yt.add_comment(vid, POTHOLE, "Mehmet Demir", "UCmehmet")

    items = await wait_requests(client, "youtube", n=2)
    by_text = {r["text"]: r for r in items}
    req, chat = by_text[POTHOLE], by_text["harika video"]
    # The complaint is routed work; the praise is kept out of routing.
    assert req["department"] and req["status"] not in ("out_of_scope", "needs_review")
    # Out of scope: kept for a person's look in review, never forwarded to a department.
    assert chat["topic"] == "out_of_scope" and chat["status"] in ("out_of_scope", "needs_review")
    assert outbox_rows(hub, chat["id"], "forward") == []
    d = await detail(client, req["id"])
    [incoming] = [m for m in d["thread"] if m["direction"] == "in"]
    assert incoming["body"] == POTHOLE
    assert d["contact"] is None or not (d["contact"].get("phone") or d["contact"].get("email"))

    # The acknowledgement is a public reply with the tracking code and the privacy note.
    code = req["tracking_code"]
    ack = await wait_for(lambda: [p for p in yt.posted if code in p["text"]], "the acknowledgement reply")
    assert ack[0]["parentId"] == cid
    assert "T.C. kimlik" in ack[0]["text"] and "Alo 153" in ack[0]["text"]
    # notify_citizen: false on out-of-scope messages silences the auto-reply on every channel
    assert outbox_rows(hub, chat["id"], "reply") == []
    assert not any(p["parentId"] == praise for p in yt.posted), "chit-chat gets no reply"

    # An edit of the comment joins the same request's thread.
    yt.edit(cid, POTHOLE + " Çukur 27 numaralı evin önünde.")
    await wait_for(lambda: _incoming(client, req["id"], 2), "the edit in the request's thread")
    assert len(await wait_requests(client, "youtube", n=2)) == 2

    text = "Çukur ekiplerimizce bugün asfaltla kapatıldı. İlginiz için teşekkür ederiz."
    await answer(client, req["id"], text, outcome="olumlu")
    await wait_outbox_settled(hub, req["id"], "reply", n=2)
    [posted] = [p for p in yt.posted if p["text"].startswith(text)]
    assert posted["parentId"] == cid and "Alo 153" in posted["text"]
    assert len(yt.token_requests) == 1  # one OAuth refresh served both replies
    rows = [r for r in outbox_rows(hub, req["id"], "reply") if r.message_id]
    assert [r.status for r in rows] == ["done"] and rows[0].result.get("external_id") == posted["id"]

    health = (await connector_health(client))["youtube"]
    assert health["kind"] == "polled" and health["healthy"] and health["can_reply"]


async def _incoming(client, request_id: int, n: int) -> bool:  # noqa: ANN001
    d = await detail(client, request_id)
    return len([m for m in d["thread"] if m["direction"] == "in"]) >= n


@pytest.mark.parametrize("settings", ["manual"], indirect=True)
async def test_without_oauth_the_answer_is_left_to_the_agent_on_youtube(ui, hub, yt) -> None:  # noqa: ANN001
    vid = yt.add_video("Park açılışı")
    cid = yt.add_comment(
        vid, "Mimarsinan parkındaki salıncak kırık, çocuklar yaralanabilir.", "Ayşe", "UCayse"
    )
    [req] = await _wait(ui)
    resp = await ui.post(
        f"/api/v1/requests/{req['id']}/reply", json={"text": "Salıncak onarıldı."}, headers=API
    )
    assert resp.status == 200, await resp.text()
    rows = await wait_outbox_settled(hub, req["id"], "reply")
    [row] = [r for r in rows if r.message_id]
    assert row.status == "done" and "by hand" in (row.result or {}).get("skipped", "")
    assert yt.posted == [] and yt.token_requests == []
    d = await (await ui.get(f"/api/v1/requests/{req['id']}", headers=API)).json()
    [out] = [m for m in d["thread"] if m["direction"] == "out"]
    assert out["delivery_status"] == "skipped"  # never shown as sent

    await login(ui, "supervisor")
    page = await (await ui.get(f"/ui/talep/{req['id']}")).text()
    assert 'id="youtube-cta"' in page and "YouTube'da elle cevap verin" in page
    assert f"https://www.youtube.com/watch?v={vid}&amp;lc={cid}" in page
    assert "T.C. kimlik numarası veya telefon istemeyin" in page
    assert (
        "YouTube&#39;da yoruma elle cevap yazılmalı" in page
        or "YouTube'da yoruma elle cevap yazılmalı" in page
    )

    queue = await (await ui.get("/ui/")).text()
    assert '<option value="youtube"' in queue and ">YouTube</option>" in queue  # the queue's channel filter
    channels = await (await ui.get("/ui/kanallar")).text()
    assert "YouTube" in channels
    report = await (await ui.get("/ui/raporlar/mahalle?kanal=youtube")).text()
    assert '<option value="youtube" selected>YouTube</option>' in report  # every report's channel filter

    health = await (await ui.get("/api/v1/connectors", headers=API)).json()
    [yt_health] = [i for i in health["items"] if i["name"] == "youtube"]
    assert yt_health["can_reply"] is False


async def _wait(ui):  # noqa: ANN001, ANN202
    async def probe():  # noqa: ANN202
        body = await (await ui.get("/api/v1/requests?channel=youtube", headers=API)).json()
        return body["items"] or None

    return await wait_for(probe, "a YouTube request")


async def test_quota_exhaustion_shows_in_channel_health_until_the_reset(client, yt) -> None:  # noqa: ANN001
    yt.quota_exceeded = True

    async def failing():  # noqa: ANN202
        item = (await connector_health(client))["youtube"]
        return item if item.get("last_error") else None

    item = await wait_for(failing, "the quota error in channel health")
    assert "quota" in item["last_error"] and "Türkiye saati" in item["last_error"]
    assert item["healthy"] is False
    calls = len(yt.requests)
    yt.quota_exceeded = False  # the quota is back early: the hub still waits for the reset
    hub = client.server.app["hub"]
    src = next(s for s in hub.connectors.polled if s.name == "youtube")
    assert src.api.quota_until is not None
    assert len(yt.requests) == calls


def test_public_reply_wording_never_asks_for_private_data() -> None:
    from hub.delivery.public_texts import privacy_note, public_comment

    assert asks_for_private_data("Lütfen T.C. kimlik numaranızı ve telefon numaranızı yazın.")
    assert not asks_for_private_data("Ekiplerimiz yönlendirildi.")
    note = privacy_note("https://belediye.example/basvuru")
    assert "https://belediye.example/basvuru" in note and "Alo 153" in note
    text = public_comment("Talebiniz alındı.", form_url="https://belediye.example/basvuru")
    assert (
        text.count("Alo 153") == 1
        and public_comment(text, form_url="https://belediye.example/basvuru") == text
    )
