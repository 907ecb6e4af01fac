"""YouTube connector against a fake Data API v3 (and OAuth token endpoint) on loopback."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime

import pytest
import pytest_asyncio

from connectors.base import ConnectorError, OutboundMessage, PermanentSendError
from connectors.youtube import YouTubeSource
from connectors.youtube_api import QuotaExceeded, next_quota_reset
from tests.fakes.youtube_api import FakeYouTube


@pytest_asyncio.fixture
async def fake():
    async with FakeYouTube() as server:
        yield server


def _source(fake: FakeYouTube, *, oauth: bool = True, **kw) -> YouTubeSource:
    creds = (
        {
            "client_id": fake.client_id,
            "client_secret": fake.client_secret,
            "refresh_token": fake.refresh_token,
        }
        if oauth
        else {}
    )
    return YouTubeSource(fake.api_key, fake.channel_id, api_base=fake.api_base, token_url=fake.token_url,
                         **creds, **kw)  # fmt: skip


def _out(reply_to: dict, text: str = "Ekiplerimiz yönlendirildi.") -> OutboundMessage:
    return OutboundMessage(channel="youtube", text=text, reply_to=reply_to, idempotency_key="k1")


async def test_comments_become_raw_messages_with_video_and_link(fake):
    vid = fake.add_video("Kocasinan'da yeni park açıldı")
    cid = fake.add_comment(vid, "Sokağımızda çukur var, araçlar zarar görüyor.", "Mehmet Demir", "UCmehmet")
    src = _source(fake)
    try:
        result = await src.fetch(None)
    finally:
        await src.close()
    [msg] = result.messages
    assert msg.channel == "youtube" and msg.external_id == cid
    assert msg.text == "Sokağımızda çukur var, araçlar zarar görüyor."
    assert msg.sender.name == "Mehmet Demir" and msg.sender.external_id == "UCmehmet"
    assert msg.sender.phone is None and msg.sender.email is None
    assert msg.metadata["video_id"] == vid and msg.metadata["video_title"] == "Kocasinan'da yeni park açıldı"
    assert msg.metadata["url"] == f"https://www.youtube.com/watch?v={vid}&lc={cid}"
    assert msg.reply_to["comment_id"] == cid
    assert msg.received_at.tzinfo is not None
    assert result.backlog == 0
    # the uploads playlist is remembered: the next fetch does not ask channels.list again
    assert json.loads(result.checkpoint)["uploads"] == "UUbelediye"


async def test_checkpoint_returns_only_new_comments_and_skips_own_replies(fake):
    vid = fake.add_video("Meclis toplantısı")
    first = fake.add_comment(vid, "Su kesintisi ne zaman bitecek?")
    src = _source(fake)
    try:
        cp = (await src.fetch(None)).checkpoint
        fake.add_reply(first, "Akşam 18:00'de bitecek.", "Belediye", fake.channel_id)  # our own reply
        second = fake.add_comment(vid, "Talas'ta çöpler alınmadı.", "Zeynep", "UCzeynep")
        again = await src.fetch(cp)
        assert [m.external_id for m in again.messages] == [second]
        assert (await src.fetch(again.checkpoint)).messages == []
        calls = [p for p, _ in fake.requests]
        assert calls.count("/youtube/v3/channels") == 1
    finally:
        await src.close()


async def test_paging_reads_every_new_thread_across_pages_and_fetches(fake):
    vid = fake.add_video("Bütçe görüşmeleri")
    src = _source(fake, page_size=5, max_pages=2)
    try:
        cp = (await src.fetch(None)).checkpoint
        posted = [
            fake.add_comment(vid, f"Mahallemizde kaldırım bozuk {i}", f"Kişi {i}", f"UC{i}")
            for i in range(23)
        ]
        seen: list[str] = []
        for _ in range(5):
            result = await src.fetch(cp)
            seen += [m.external_id for m in result.messages]
            cp = result.checkpoint
            if result.backlog == 0:
                break
        assert sorted(seen) == sorted(posted) and len(seen) == 23
        tokens = [q.get("pageToken") for p, q in fake.requests if p.endswith("commentThreads")]
        assert "p5" in tokens and "p15" in tokens  # pageToken paging, resumed on the next fetch
        assert (await src.fetch(cp)).messages == []
    finally:
        await src.close()


async def test_reply_from_citizen_is_a_message_in_the_author_conversation(fake):
    vid = fake.add_video("Yol çalışması")
    top = fake.add_comment(vid, "Cadde ne zaman açılacak?", "Ali", "UCali")
    src = _source(fake)
    try:
        cp = (await src.fetch(None)).checkpoint
        own = fake.add_reply(top, "Ayrıca ışıklar da yanmıyor.", "Ali", "UCali")
        other = fake.add_reply(top, "Bizim sokakta da aynı.", "Veli", "UCveli")
        msgs = {m.external_id: m for m in (await src.fetch(cp)).messages}
    finally:
        await src.close()
    assert set(msgs) == {own, other}
    assert msgs[own].reply_to["comment_id"] == top  # replies go under the top-level comment
    assert msgs[own].thread.conversation_id == f"{top}:UCali"
    assert msgs[other].thread.conversation_id == f"{top}:UCveli"
    assert msgs[own].metadata["kind"] == "reply"


async def test_edit_of_a_seen_comment_comes_as_a_follow_up_once(fake):
    vid = fake.add_video("Kar temizliği")
    cid = fake.add_comment(vid, "Yolumuz kapalı", "Ayşe", "UCayse")
    src = _source(fake)
    try:
        first = await src.fetch(None)
        fake.edit(cid, "Yolumuz kapalı, Erciyes Mahallesi 5. sokak")
        edits = await src.fetch(first.checkpoint)
        [edit] = edits.messages
        assert edit.external_id.startswith(f"{cid}@") and edit.metadata["edit_of"] == cid
        assert edit.text == "[Düzenlendi] Yolumuz kapalı, Erciyes Mahallesi 5. sokak"
        assert edit.thread.conversation_id == first.messages[0].thread.conversation_id
        assert (await src.fetch(edits.checkpoint)).messages == []
    finally:
        await src.close()
    # a comment edited before it was first seen is just a comment (its current text)
    async with FakeYouTube() as other:
        v2 = other.add_video("x")
        c2 = other.add_comment(v2, "ilk")
        other.edit(c2, "Parkta salıncak kırık")
        src2 = _source(other)
        try:
            [msg] = (await src2.fetch(None)).messages
        finally:
            await src2.close()
        assert msg.external_id == c2 and msg.text == "Parkta salıncak kırık"


async def test_deleted_comment_and_video_are_handled_without_errors(fake):
    vid = fake.add_video("Festival")
    gone = fake.add_video("Silinecek video")
    cid = fake.add_comment(vid, "Otopark ücretleri çok yüksek")
    src = _source(fake)
    try:
        result = await src.fetch(None)
        assert [m.external_id for m in result.messages] == [cid]
        fake.delete(cid)
        del fake.threads[gone]  # the video was deleted: commentThreads answers 404
        again = await src.fetch(result.checkpoint)
        assert again.messages == [] and again.backlog == 0
        with pytest.raises(PermanentSendError, match="no longer exists"):
            await src.send(_out(result.messages[0].reply_to))
        assert fake.posted == []
    finally:
        await src.close()


async def test_quota_exceeded_backs_off_until_pacific_midnight(fake):
    vid = fake.add_video("Duyuru")
    fake.add_comment(vid, "Çöp konteyneri taşıyor")
    fake.quota_exceeded = True
    src = _source(fake)
    try:
        with pytest.raises(QuotaExceeded) as info:
            await src.fetch(None)
        reset = next_quota_reset()
        wait = (reset - datetime.now(UTC)).total_seconds()
        assert info.value.retry_after == pytest.approx(wait, abs=5)
        assert 0 < info.value.retry_after <= 25 * 3600
        assert "quota" in str(info.value) and "Türkiye" in str(info.value)
        # Until the reset no call goes out, even when the quota is back early (a wake-up, a retry).
        fake.quota_exceeded = False
        n = len(fake.requests)
        with pytest.raises(QuotaExceeded):
            await src.fetch(None)
        with pytest.raises(QuotaExceeded):
            await src.send(_out({"comment_id": "x"}))
        assert len(fake.requests) == n
        src.api.quota_until = datetime.now(UTC)  # the reset has come
        assert len((await src.fetch(None)).messages) == 1
    finally:
        await src.close()


def test_quota_reset_is_the_next_midnight_in_los_angeles():
    # 15 January (PST, UTC-8): midnight LA is 08:00 UTC
    assert next_quota_reset(datetime(2026, 1, 15, 7, 59, tzinfo=UTC)) == datetime(
        2026, 1, 15, 8, 0, tzinfo=UTC
    )
    assert next_quota_reset(datetime(2026, 1, 15, 8, 0, tzinfo=UTC)) == datetime(
        2026, 1, 16, 8, 0, tzinfo=UTC
    )
    # 15 July (PDT, UTC-7): 07:00 UTC
    assert next_quota_reset(datetime(2026, 7, 15, 12, 0, tzinfo=UTC)) == datetime(
        2026, 7, 16, 7, 0, tzinfo=UTC
    )


async def test_reply_refreshes_the_oauth_token_and_posts_under_the_comment(fake):
    vid = fake.add_video("Park")
    cid = fake.add_comment(vid, "Salıncak kırık")
    src = _source(fake)
    try:
        [msg] = (await src.fetch(None)).messages
        r1 = await src.send(_out(msg.reply_to, "Salıncak onarıldı."))
        r2 = await src.send(_out(msg.reply_to, "İkinci cevap"))
        assert len(fake.token_requests) == 1  # the access token is cached
        fake.expire_tokens = True  # the token is refused once: refresh and retry
        await src.send(_out(msg.reply_to, "Üçüncü"))
        assert len(fake.token_requests) == 2
    finally:
        await src.close()
    assert [p["parentId"] for p in fake.posted] == [cid, cid, cid]
    assert fake.posted[0]["text"] == "Salıncak onarıldı."
    assert r1.external_id == fake.posted[0]["id"] and r2.external_id == fake.posted[1]["id"]
    assert fake.token_requests[0]["grant_type"] == "refresh_token"


async def test_without_oauth_or_with_a_revoked_token_replies_are_permanent_failures(fake):
    src = _source(fake, oauth=False)
    assert src.can_reply is False
    with pytest.raises(PermanentSendError, match="not configured"):
        await src.send(_out({"comment_id": "c"}))
    await src.close()
    src = YouTubeSource(fake.api_key, fake.channel_id, api_base=fake.api_base, token_url=fake.token_url,
                        client_id=fake.client_id, client_secret=fake.client_secret, refresh_token="revoked")  # fmt: skip
    try:
        with pytest.raises(PermanentSendError, match="invalid_grant"):
            await src.send(_out({"comment_id": "c"}))
        with pytest.raises(PermanentSendError):
            await src.send(_out({}))
    finally:
        await src.close()


async def test_bad_key_unknown_channel_and_unreachable_api_are_retryable(fake, caplog):
    caplog.set_level(logging.DEBUG)
    fake.add_video("v")
    bad = YouTubeSource("wrong-key", fake.channel_id, api_base=fake.api_base)
    with pytest.raises(ConnectorError) as info:
        await bad.fetch(None)
    assert not isinstance(info.value, PermanentSendError) and "keyInvalid" in str(info.value)
    await bad.close()
    unknown = YouTubeSource(fake.api_key, "UCnobody", api_base=fake.api_base)
    with pytest.raises(ConnectorError, match="HUB_YOUTUBE_CHANNEL_ID"):
        await unknown.fetch(None)
    await unknown.close()
    dead = YouTubeSource(fake.api_key, fake.channel_id, api_base="http://127.0.0.1:9/youtube/v3")
    with pytest.raises(ConnectorError):
        await dead.fetch(None)
    await dead.close()
    assert fake.api_key not in caplog.text and "wrong-key" not in caplog.text
