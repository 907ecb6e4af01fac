"""Telegram connector against a fake Bot API server on loopback."""

from __future__ import annotations

import pytest

from connectors.base import ConnectorError, OutboundMessage, PermanentSendError
from connectors.telegram import TelegramSource
from tests.fakes.telegram_api import FakeTelegram


@pytest.fixture
async def fake():
    async with FakeTelegram() as server:
        yield server


@pytest.fixture
async def source(fake):
    src = TelegramSource(fake.token, api_base=fake.base_url, poll_timeout=1)
    yield src
    await src.close()


def _reply(text: str, reply_to: dict) -> OutboundMessage:
    return OutboundMessage(channel="telegram", text=text, reply_to=reply_to, idempotency_key="k1")


async def test_text_photo_and_location_become_raw_messages(fake, source):
    text_msg = fake.push_text(4242, "Talas'ta sokak lambası üç gündür yanmıyor")
    photo_bytes = b"\xff\xd8\xff" + b"J" * 5000
    photo_msg = fake.push_photo(4242, photo_bytes, caption="Bu çukur tehlikeli")
    loc_msg = fake.push_location(4242, 38.7205, 35.4826)

    result = await source.fetch(None)

    assert [m.external_id for m in result.messages] == [
        f"4242:{text_msg['message_id']}",
        f"4242:{photo_msg['message_id']}",
        f"4242:{loc_msg['message_id']}",
    ]
    text, photo, loc = result.messages
    assert text.channel == "telegram"
    assert text.text == "Talas'ta sokak lambası üç gündür yanmıyor"
    assert text.sender.telegram_id == "4242"
    assert text.sender.name == "Ayşe Yılmaz"
    assert text.thread.conversation_id == "4242"
    assert text.reply_to == {"chat_id": 4242, "message_id": text_msg["message_id"]}

    assert photo.text == "Bu çukur tehlikeli"
    assert len(photo.attachments) == 1
    assert photo.attachments[0].data == photo_bytes  # the largest size, not the thumbnail
    assert photo.attachments[0].content_type == "image/jpeg"

    assert loc.location is not None
    assert (loc.location.lat, loc.location.lon) == (38.7205, 35.4826)
    assert result.quarantined == []


async def test_checkpoint_survives_restart(fake):
    fake.push_text(1, "Çöp konteyneri taşıyor")
    fake.push_text(2, "Su kesintisi ne zaman bitecek?")
    first = TelegramSource(fake.token, api_base=fake.base_url, poll_timeout=1)
    got = await first.fetch(None)
    await first.close()
    assert len(got.messages) == 2
    stored = got.checkpoint

    fake.push_text(3, "Otobüs durağı camı kırık")
    second = TelegramSource(fake.token, api_base=fake.base_url, poll_timeout=1)
    try:
        after = await second.fetch(stored)
        assert [m.text for m in after.messages] == ["Otobüs durağı camı kırık"]
        again = await second.fetch(after.checkpoint)
        assert again.messages == []
        assert again.checkpoint == after.checkpoint
    finally:
        await second.close()


async def test_broken_and_unsupported_updates_are_kept_not_lost(fake, source):
    fake.push_raw({"message": {"message_id": "not-a-number", "chat": "?"}})
    fake.push_raw(
        {
            "message": {
                "message_id": 7,
                "date": 1700000000,
                "chat": {"id": 9, "type": "private"},
                "from": {"id": 9, "is_bot": False, "first_name": "Can"},
                "voice": {"file_id": "v1", "file_unique_id": "uv1", "duration": 4},
            }
        }
    )
    fake.push_raw(
        {
            "message": {
                "message_id": 8,
                "date": 1700000000,
                "chat": {"id": 9, "type": "private"},
                "from": {"id": 9, "is_bot": False, "first_name": "Can"},
                "sticker": {
                    "file_id": "s",
                    "file_unique_id": "us",
                    "type": "regular",
                    "width": 1,
                    "height": 1,
                    "is_animated": False,
                    "is_video": False,
                },
            }
        }
    )
    fake.push_raw(
        {
            "edited_message": {
                "message_id": 3,
                "date": 1700000000,
                "edit_date": 1700000100,
                "chat": {"id": 9, "type": "private"},
                "text": "düzeltme",
            }
        }
    )
    last = fake.push_text(9, "Asıl şikayetim: kaldırım yok")

    result = await source.fetch(None)

    assert [m.text for m in result.messages] == ["Asıl şikayetim: kaldırım yok"]
    assert len(result.quarantined) == 2
    broken, voice = result.quarantined
    assert b"not-a-number" in broken.raw
    assert voice.external_id == "9:7" and "voice" in voice.error
    assert result.checkpoint is not None
    # Everything, including what was quarantined or skipped, is behind the checkpoint.
    assert int(result.checkpoint) > max(u["update_id"] for u in fake.updates)
    assert last["message_id"] > 0
    assert (await source.fetch(result.checkpoint)).messages == []


async def test_start_command_is_not_a_request(fake, source):
    fake.push_text(5, "/start")
    result = await source.fetch(None)
    assert result.messages == []
    assert result.checkpoint is not None


async def test_reply_lands_on_telegram_quoting_the_citizen(fake, source):
    fake.push_text(77, "Park bakımsız")
    msg = (await source.fetch(None)).messages[0]

    result = await source.send(_reply("Talebiniz alındı. Takip kodu: KAY-2026-000123", msg.reply_to))

    assert len(fake.sent) == 1
    sent = fake.sent[0]
    assert sent["chat_id"] == 77
    assert sent["text"] == "Talebiniz alındı. Takip kodu: KAY-2026-000123"
    assert sent["reply_parameters"]["message_id"] == msg.reply_to["message_id"]
    assert result.external_id and result.external_id.startswith("77:")


async def test_long_reply_is_split_without_losing_text(fake, source):
    words = [f"kelime{i}" for i in range(1200)]
    await source.send(_reply(" ".join(words), {"chat_id": 1}))
    assert len(fake.sent) >= 2
    assert all(len(s["text"]) <= 4096 for s in fake.sent)
    assert " ".join(s["text"] for s in fake.sent).split() == words


async def test_send_errors_are_classified(fake, source):
    fake.blocked_chats.add(10)
    fake.unknown_chats.add(11)
    with pytest.raises(PermanentSendError):
        await source.send(_reply("merhaba", {"chat_id": 10}))
    with pytest.raises(PermanentSendError):
        await source.send(_reply("merhaba", {"chat_id": 11}))
    with pytest.raises(PermanentSendError):
        await source.send(_reply("merhaba", {}))

    fake.retry_after = 7
    with pytest.raises(ConnectorError) as info:
        await source.send(_reply("merhaba", {"chat_id": 12}))
    assert not isinstance(info.value, PermanentSendError)
    assert info.value.retry_after == 7
    assert fake.sent == []


async def test_network_failure_is_retryable(fake):
    src = TelegramSource(fake.token, api_base=fake.base_url, poll_timeout=0)
    await fake.stop()
    try:
        with pytest.raises(ConnectorError) as info:
            await src.fetch(None)
        assert not isinstance(info.value, PermanentSendError)
        with pytest.raises(ConnectorError) as info:
            await src.send(_reply("merhaba", {"chat_id": 1}))
        assert not isinstance(info.value, PermanentSendError)
    finally:
        await src.close()


async def test_wrong_token_is_a_connector_error(fake):
    src = TelegramSource("999:WRONG", api_base=fake.base_url, poll_timeout=0)
    try:
        with pytest.raises(ConnectorError):
            await src.fetch(None)
    finally:
        await src.close()


def test_from_settings():
    assert TelegramSource.from_settings(token="") is None
    assert TelegramSource.from_settings(token=None) is None
    with pytest.raises(ValueError):
        TelegramSource.from_settings(token="not a token")


async def test_from_settings_accepts_strings(fake):
    src = TelegramSource.from_settings(
        token=fake.token, api_base=fake.base_url, poll_timeout="0", download_photos="false"
    )
    assert src is not None
    try:
        fake.push_photo(3, b"PHOTO", caption="foto")
        msg = (await src.fetch(None)).messages[0]
        assert msg.attachments == []
        assert msg.metadata["attachment_skipped"]
        assert msg.text == "foto"
    finally:
        await src.close()


async def test_photo_download_failures(fake, source):
    fake.push_photo(8, b"IMG", caption="çukur")
    fake.file_status = 502
    with pytest.raises(ConnectorError):
        await source.fetch(None)  # transient: the whole batch is retried, nothing is lost

    fake.file_status = 404
    result = await source.fetch(None)
    assert [m.text for m in result.messages] == ["çukur"]
    assert result.messages[0].attachments == []
    assert "404" in result.messages[0].metadata["attachment_skipped"]
