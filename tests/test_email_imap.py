"""IMAP intake against a real Dovecot on loopback."""

from __future__ import annotations

import asyncio
import os
from email.message import EmailMessage
from pathlib import Path

import pytest
from imapclient import IMAPClient

from connectors.base import ConnectorError, PolledSource
from connectors.email import ImapSource, parse_checkpoint
from tests import email_fixtures
from tests.email_fixtures import DovecotServer, MailUser, free_port

# Fixtures from the shared e-mail fixture module.
dovecot = email_fixtures.dovecot
dovecot_tls = email_fixtures.dovecot_tls
mailbox = email_fixtures.mailbox

DATA = Path(__file__).parent / "data" / "email"


def complaint(n: int, text: str | None = None) -> bytes:
    msg = EmailMessage()
    msg["From"] = f"Vatandaş {n} <vatandas{n}@example.com>"
    msg["To"] = "bilgi@kayseri.bel.tr"
    msg["Subject"] = f"Şikâyet {n}: çöp toplanmıyor"
    msg["Message-ID"] = f"<complaint-{n}@example.com>"
    msg.set_content(text or f"Mahallemizde çöpler {n} gündür toplanmıyor.")
    return msg.as_bytes()


async def test_fetch_returns_only_new_mail_and_restart_repeats_nothing(mailbox: MailUser) -> None:
    mailbox.deliver(complaint(1))
    mailbox.deliver(complaint(2))
    source = ImapSource(mailbox.config())
    assert isinstance(source, PolledSource)

    first = await source.fetch(None)
    assert [m.external_id for m in first.messages] == [
        "<complaint-1@example.com>",
        "<complaint-2@example.com>",
    ]
    assert first.messages[0].sender.email == "vatandas1@example.com"
    assert first.messages[0].text == "Mahallemizde çöpler 1 gündür toplanmıyor."
    assert first.messages[0].metadata["imap_uid"] == 1
    assert first.backlog == 0 and first.quarantined == []

    mailbox.deliver(complaint(3))
    second = await source.fetch(first.checkpoint)
    assert [m.external_id for m in second.messages] == ["<complaint-3@example.com>"]

    # A restarted hub only has the stored checkpoint: a new source must not repeat anything.
    restarted = ImapSource(mailbox.config())
    again = await restarted.fetch(second.checkpoint)
    assert again.messages == [] and again.quarantined == []
    assert again.checkpoint == second.checkpoint


async def test_messages_stay_unread_for_the_humans_watching_the_mailbox(mailbox: MailUser) -> None:
    mailbox.deliver(complaint(1))
    await ImapSource(mailbox.config()).fetch(None)
    client = IMAPClient(mailbox.server.host, port=mailbox.server.port, ssl=False)
    try:
        client.login(mailbox.name, mailbox.password)
        client.select_folder("INBOX", readonly=True)
        assert client.search(["UNSEEN"]) == [1]
    finally:
        client.logout()


async def test_large_backlog_comes_in_batches_without_loss(mailbox: MailUser) -> None:
    for n in range(1, 6):
        mailbox.deliver(complaint(n))
    source = ImapSource(mailbox.config(max_batch=2))
    seen: list[str] = []
    checkpoint = None
    backlogs = []
    for _ in range(5):
        result = await source.fetch(checkpoint)
        seen += [m.external_id for m in result.messages]
        backlogs.append(result.backlog)
        checkpoint = result.checkpoint
        if not result.backlog:
            break
    assert seen == [f"<complaint-{n}@example.com>" for n in range(1, 6)]
    assert backlogs == [3, 1, 0]


async def test_unparseable_message_is_quarantined_with_its_bytes_and_intake_goes_on(
    mailbox: MailUser,
) -> None:
    garbage = (DATA / "garbage.bin").read_bytes()
    mailbox.deliver(garbage)
    mailbox.deliver(complaint(7))
    result = await ImapSource(mailbox.config()).fetch(None)
    assert [m.external_id for m in result.messages] == ["<complaint-7@example.com>"]
    assert len(result.quarantined) == 1
    bad = result.quarantined[0]
    assert bad.channel == "email"
    assert b"not an e-mail at all" in bad.raw
    assert "no e-mail headers" in bad.error
    assert bad.metadata["imap_uid"] == 1
    assert parse_checkpoint(result.checkpoint)[1] == 2  # past both: the bad one is not re-read forever


async def test_auto_replies_and_our_own_mail_are_skipped_but_passed(mailbox: MailUser) -> None:
    mailbox.deliver((DATA / "auto_reply.eml").read_bytes())
    mailbox.deliver((DATA / "own_message_id.eml").read_bytes())
    mailbox.deliver((DATA / "bounce_dsn.eml").read_bytes())
    mailbox.deliver(complaint(4))
    result = await ImapSource(mailbox.config()).fetch(None)
    assert [m.external_id for m in result.messages] == ["<complaint-4@example.com>"]
    assert result.quarantined == []
    assert parse_checkpoint(result.checkpoint)[1] == 4


async def test_uidvalidity_change_reads_the_recreated_folder_again(mailbox: MailUser) -> None:
    server = mailbox.server
    server.doveadm("mailbox", "create", "-u", mailbox.name, "Talep")
    mailbox.deliver(complaint(1), folder="Talep")
    source = ImapSource(mailbox.config(folder="Talep"))
    first = await source.fetch(None)
    assert len(first.messages) == 1

    server.doveadm("mailbox", "delete", "-u", mailbox.name, "Talep")
    server.doveadm("mailbox", "create", "-u", mailbox.name, "Talep")
    mailbox.deliver(complaint(1), folder="Talep")
    mailbox.deliver(complaint(2), folder="Talep")
    after = await source.fetch(first.checkpoint)
    assert parse_checkpoint(after.checkpoint)[0] != parse_checkpoint(first.checkpoint)[0]
    # Everything is read again; the intake's idempotency key drops complaint-1.
    assert [m.external_id for m in after.messages] == [
        "<complaint-1@example.com>",
        "<complaint-2@example.com>",
    ]


async def test_malformed_checkpoint_reads_from_the_start(mailbox: MailUser) -> None:
    mailbox.deliver(complaint(1))
    result = await ImapSource(mailbox.config()).fetch("bozuk-checkpoint")
    assert [m.external_id for m in result.messages] == ["<complaint-1@example.com>"]


async def test_idle_wait_returns_when_mail_is_delivered(mailbox: MailUser) -> None:
    source = ImapSource(mailbox.config())
    first = await source.fetch(None)
    assert first.messages == []

    waiting = asyncio.create_task(source.wait_for_new(timeout=60))
    await asyncio.sleep(1)  # let the IDLE session start; the result does not depend on it
    await asyncio.to_thread(mailbox.deliver, complaint(9))
    assert await waiting is True
    result = await source.fetch(first.checkpoint)
    assert [m.external_id for m in result.messages] == ["<complaint-9@example.com>"]


async def test_idle_wait_without_mail_ends_at_timeout(mailbox: MailUser) -> None:
    source = ImapSource(mailbox.config())
    await source.fetch(None)
    assert await source.wait_for_new(timeout=1) is False


async def test_wait_returns_at_once_when_mail_is_already_waiting(mailbox: MailUser) -> None:
    source = ImapSource(mailbox.config(max_batch=1))
    mailbox.deliver(complaint(1))
    mailbox.deliver(complaint(2))
    result = await source.fetch(None)
    assert result.backlog == 1
    assert await source.wait_for_new(timeout=60) is True


async def test_polling_mode_without_idle(mailbox: MailUser) -> None:
    source = ImapSource(mailbox.config(use_idle=False, poll_interval=0.2))
    assert await source.wait_for_new(timeout=30) is False


async def test_wrong_password_is_a_connector_error_that_never_shows_the_password(mailbox: MailUser) -> None:
    source = ImapSource(mailbox.config(password="Yanlis-Parola-42"))
    with pytest.raises(ConnectorError) as caught:
        await source.fetch(None)
    assert "Yanlis-Parola-42" not in str(caught.value)
    assert "Yanlis-Parola-42" not in repr(source.config)


async def test_server_down_is_a_retryable_connector_error(mailbox: MailUser) -> None:
    source = ImapSource(mailbox.config(port=free_port(), timeout=3))
    with pytest.raises(ConnectorError):
        await source.fetch(None)


async def test_thirty_megabyte_attachment_through_imap(mailbox: MailUser) -> None:
    msg = EmailMessage()
    msg["From"] = "Kamil Er <kamil@example.com>"
    msg["Subject"] = "Video: kaçak döküm"
    msg["Message-ID"] = "<big-video@example.com>"
    msg.set_content("Kaçak moloz dökümünün videosu ekte.")
    msg.add_attachment(os.urandom(30 * 1024 * 1024), maintype="video", subtype="mp4", filename="döküm.mp4")
    msg.add_attachment(
        b"\x89PNG\r\n\x1a\n" + os.urandom(2048), maintype="image", subtype="png", filename="yer.png"
    )
    mailbox.deliver(msg.as_bytes())
    del msg

    result = await ImapSource(mailbox.config()).fetch(None)
    [message] = result.messages
    assert message.text == "Kaçak moloz dökümünün videosu ekte."
    assert [a.filename for a in message.attachments] == ["yer.png"]
    [rejected] = message.metadata["rejected_attachments"]
    assert rejected["filename"] == "döküm.mp4" and rejected["reason"] == "too_large"
    assert rejected["size"] >= 30 * 1024 * 1024 - 16


async def test_mail_deleted_before_it_was_read_does_not_wake_the_poller(mailbox: MailUser) -> None:
    mailbox.deliver(complaint(1))
    mailbox.deliver(complaint(2))
    # Someone deletes the second mail in their mail client before the hub reads it.
    mailbox.server.doveadm("expunge", "-u", mailbox.name, "mailbox", "INBOX", "uid", "2")
    source = ImapSource(mailbox.config())
    result = await source.fetch(None)
    assert [m.external_id for m in result.messages] == ["<complaint-1@example.com>"]
    assert await source.wait_for_new(timeout=1) is False


@pytest.mark.parametrize("mode", ["implicit", "starttls"])
async def test_tls_connections_verify_the_server(dovecot_tls: DovecotServer, mode: str) -> None:
    user = dovecot_tls.add_user()
    user.deliver(complaint(1))
    port = dovecot_tls.tls_port if mode == "implicit" else dovecot_tls.port
    tls = {"ssl": mode == "implicit", "starttls": mode == "starttls", "port": port}

    trusted = ImapSource(user.config(ca_file=str(dovecot_tls.cert), **tls))
    result = await trusted.fetch(None)
    assert [m.external_id for m in result.messages] == ["<complaint-1@example.com>"]

    # Without the private CA the self-signed certificate is refused: no silent downgrade.
    untrusted = ImapSource(user.config(**tls))
    with pytest.raises(ConnectorError):
        await untrusted.fetch(None)


async def test_default_mailbox_and_deliver_helper(dovecot: DovecotServer) -> None:
    dovecot.deliver(complaint(11))
    result = await ImapSource(dovecot.imap_config()).fetch(None)
    assert "<complaint-11@example.com>" in [m.external_id for m in result.messages]


async def test_byte_budget_splits_a_fetch_without_losing_mail(mailbox: MailUser) -> None:
    for n in range(1, 4):
        mailbox.deliver(complaint(n, text="Uzun şikâyet metni. " * 200))
    source = ImapSource(mailbox.config(max_batch_bytes=1))  # every message exceeds the budget alone
    checkpoint, seen = None, []
    for _ in range(4):
        result = await source.fetch(checkpoint)
        seen += [m.external_id for m in result.messages]
        checkpoint = result.checkpoint
        if not result.backlog:
            break
    assert seen == [f"<complaint-{n}@example.com>" for n in range(1, 4)]
