"""X connector against a fake X API v2 server on loopback."""

from __future__ import annotations

import json
import logging

import pytest

from connectors.base import ConnectorError, OutboundMessage, PermanentSendError
from connectors.x import XSource, fit_tweet, tweet_weight
from tests.fakes.x_api import FakeX

USER_KEYS = {
    "consumer_key": "ck",
    "consumer_secret": "cs",
    "access_token": "at",
    "access_token_secret": "ats",
}


@pytest.fixture
async def fake():
    async with FakeX() as server:
        server.add_user("501", "ahmet_k", "Ahmet Kaya")
        server.add_user("502", "zeynep38", "Zeynep")
        yield server


def _source(fake: FakeX, **kw) -> XSource:
    params = {"user_id": fake.account_id, "search_query": None, "api_base": fake.base_url, **USER_KEYS, **kw}
    src = XSource.from_settings(bearer_token=fake.bearer_token, **params)
    assert src is not None
    return src


async def test_mentions_become_raw_messages(fake):
    tweet = fake.add_tweet("501", "@kayseribld Kocasinan'da çöpler 3 gündür alınmadı &amp; koku var")
    src = _source(fake)
    try:
        result = await src.fetch(None)
    finally:
        await src.close()

    assert len(result.messages) == 1
    msg = result.messages[0]
    assert msg.channel == "x"
    assert msg.external_id == tweet["id"]
    assert msg.text == "Kocasinan'da çöpler 3 gündür alınmadı & koku var"
    assert msg.sender.x_handle == "ahmet_k"
    assert msg.sender.external_id == "501"
    assert msg.sender.name == "Ahmet Kaya"
    assert msg.thread.conversation_id == tweet["conversation_id"]
    assert msg.reply_to["tweet_id"] == tweet["id"]
    assert msg.received_at.tzinfo is not None


async def test_search_and_mentions_share_one_checkpoint_and_dedupe(fake):
    both = fake.add_tweet("501", "@kayseribld kayseri su kesintisi yine başladı")
    only_search = fake.add_tweet("502", "Kayseri su kesintisi Talas'ta da var")
    fake.add_tweet("502", "bugün hava güzel")
    own = fake.add_tweet(fake.account_id, "Kayseri su kesintisi hakkında duyuru")
    src = _source(fake, search_query="kayseri su kesintisi -is:retweet")
    try:
        result = await src.fetch(None)
    finally:
        await src.close()

    ids = [m.external_id for m in result.messages]
    assert ids == [both["id"], only_search["id"]]  # own tweet skipped, duplicate kept once
    assert own["id"] not in ids
    state = json.loads(result.checkpoint)
    assert state["mentions"]["since_id"] == both["id"]
    assert state["search"]["since_id"] == own["id"]


async def test_checkpoint_survives_restart(fake):
    fake.add_tweet("501", "@kayseribld kaldırım taşları kırık")
    first = _source(fake)
    stored = (await first.fetch(None)).checkpoint
    await first.close()

    new = fake.add_tweet("502", "@kayseribld park lambaları yanmıyor")
    second = _source(fake)
    try:
        after = await second.fetch(stored)
        assert [m.external_id for m in after.messages] == [new["id"]]
        again = await second.fetch(after.checkpoint)
        assert again.messages == []
        # The since_id was sent to X, so X did the filtering.
        assert fake.requests[-1][1]["since_id"] == new["id"]
    finally:
        await second.close()


async def test_large_backlog_is_paged_across_fetches_without_gaps(fake):
    fake.add_tweet("501", "@kayseribld ilk")
    src = _source(fake, page_size=10, max_pages=2)
    try:
        cp = (await src.fetch(None)).checkpoint
        backlog = [fake.add_tweet("502", f"@kayseribld şikayet {i}")["id"] for i in range(35)]
        seen: list[str] = []
        for _ in range(5):
            result = await src.fetch(cp)
            seen += [m.external_id for m in result.messages]
            cp = result.checkpoint
            if result.backlog == 0:
                break
        assert sorted(seen, key=int) == backlog
        assert (await src.fetch(cp)).messages == []
    finally:
        await src.close()


async def test_rate_limit_raises_retryable_error_with_reset(fake):
    fake.add_tweet("501", "@kayseribld yol çalışması gürültü")
    fake.rate_limited = True
    fake.reset_in = 120
    src = _source(fake)
    try:
        with pytest.raises(ConnectorError) as info:
            await src.fetch(None)
        assert not isinstance(info.value, PermanentSendError)
        assert info.value.retry_after is not None and 60 < info.value.retry_after <= 121

        with pytest.raises(ConnectorError) as info:
            await src.send(
                OutboundMessage(channel="x", text="ok", reply_to={"tweet_id": "1"}, idempotency_key="k")
            )
        assert info.value.retry_after is not None

        fake.rate_limited = False
        assert len((await src.fetch(None)).messages) == 1
    finally:
        await src.close()


async def test_reply_posts_threaded_tweet_trimmed_to_280(fake):
    tweet = fake.add_tweet("501", "@kayseribld otobüs gelmiyor")
    src = _source(fake)
    try:
        msg = (await src.fetch(None)).messages[0]
        long_text = ("Talebiniz ilgili birime iletildi ve inceleniyor. " * 10) + "Takip kodu KAY-2026-000123."
        result = await src.send(
            OutboundMessage(
                channel="x",
                text=long_text,
                reply_to=msg.reply_to,
                idempotency_key="k",
                tracking_code="KAY-2026-000123",
            )
        )
    finally:
        await src.close()

    assert len(fake.posted) == 1
    posted = fake.posted[0]
    assert posted["reply"]["in_reply_to_tweet_id"] == tweet["id"]
    assert tweet_weight(posted["text"]) <= 280
    assert "KAY-2026-000123" in posted["text"]
    assert result.external_id == posted["id"]


async def test_send_refused_is_permanent(fake):
    src = _source(fake)
    fake.post_status = 403
    try:
        with pytest.raises(PermanentSendError):
            await src.send(
                OutboundMessage(channel="x", text="ok", reply_to={"tweet_id": "1"}, idempotency_key="k")
            )
        with pytest.raises(PermanentSendError):
            await src.send(OutboundMessage(channel="x", text="ok", reply_to={}, idempotency_key="k"))
    finally:
        await src.close()


async def test_without_credentials_it_degrades_cleanly(fake, caplog):
    caplog.set_level(logging.INFO, logger="connectors.x")
    assert XSource.from_settings(bearer_token="", user_id="100") is None
    assert "no X bearer token" in caplog.text
    assert XSource.from_settings(bearer_token="abc") is None
    assert "neither" in caplog.text

    bare = XSource(None, user_id="100", api_base=fake.base_url)
    assert bare.enabled is False and bare.disabled_reason
    result = await bare.fetch("cp")
    assert result.messages == [] and result.checkpoint == "cp"
    assert fake.requests == []  # nothing was sent to X

    read_only = XSource.from_settings(bearer_token=fake.bearer_token, user_id="100", api_base=fake.base_url)
    assert read_only is not None and read_only.can_reply is False
    with pytest.raises(PermanentSendError):
        await read_only.send(
            OutboundMessage(channel="x", text="ok", reply_to={"tweet_id": "1"}, idempotency_key="k")
        )
    await read_only.close()


async def test_wrong_bearer_and_unreachable_server_are_retryable(fake):
    src = XSource.from_settings(bearer_token="wrong", user_id="100", api_base=fake.base_url)
    with pytest.raises(ConnectorError) as info:
        await src.fetch(None)
    assert not isinstance(info.value, PermanentSendError)
    await src.close()

    dead = XSource.from_settings(bearer_token="b", user_id="100", api_base="http://127.0.0.1:9")
    with pytest.raises(ConnectorError):
        await dead.fetch(None)
    await dead.close()


async def test_secrets_are_not_logged(fake, caplog):
    caplog.set_level(logging.DEBUG)
    fake.add_tweet("501", "@kayseribld deneme")
    src = _source(fake)
    try:
        await src.fetch(None)
        await src.send(
            OutboundMessage(channel="x", text="ok", reply_to={"tweet_id": "1"}, idempotency_key="k")
        )
    finally:
        await src.close()
    assert fake.bearer_token not in caplog.text
    assert "ats" not in caplog.text.split()


def test_fit_tweet_keeps_short_text_and_turkish_letters():
    assert fit_tweet("Şikayetiniz alındı.") == "Şikayetiniz alındı."
    text = "ğüşıöç " * 60
    out = fit_tweet(text)
    assert tweet_weight(out) <= 280 and out.endswith("…")


async def test_tweets_after_an_empty_first_look_are_all_read(fake):
    src = _source(fake, page_size=10, max_pages=10)
    try:
        first = await src.fetch(None)  # nothing yet: remember when we looked
        assert first.messages == []
        posted = [fake.add_tweet("501", f"@kayseribld çukur {i}")["id"] for i in range(25)]
        second = await src.fetch(first.checkpoint)
        assert sorted(m.external_id for m in second.messages) == posted
        assert json.loads(second.checkpoint)["mentions"] == {"since_id": posted[-1]}
    finally:
        await src.close()
