"""IMAP intake in chunks (issue 15): one FETCH of the bodies per chunk, one session kept across
polls (and opened again after it broke), no TLS context when TLS is off, windows-1254 bodies
stored exactly, and the acknowledgement (the checkpoint, written in the transaction that stores
the chunk) taking effect only at the commit: a process killed between fetch and commit loses
nothing and doubles nothing. Against a real Dovecot, into SQLite or PostgreSQL."""

from __future__ import annotations

import base64
import logging
import os
import quopri
import ssl
import subprocess
import sys
from pathlib import Path

import pytest
from sqlmodel import select

from connectors.email import ImapSource, parse_checkpoint
from hub.connectors_runtime import ConnectorRuntime
from hub.models import Checkpoint, Message, Quarantine, Request
from tests import email_fixtures
from tests.email_fixtures import DovecotServer, MailUser
from tests.test_email_imap import complaint

dovecot = email_fixtures.dovecot
dovecot_tls = email_fixtures.dovecot_tls
mailbox = email_fixtures.mailbox

CHILD = Path(__file__).with_name("imap_poll_child.py")
CP1254_TEXT = (
    "Sayın yetkili, Hürriyet Mahallesi Gül Sokak'taki çöp konteyneri üç gündür boşaltılmadı.\n"
    "Kötü koku ve sinek şikâyeti var; İlgi ve ÖZEN bekliyoruz. Iğdır'lı Ğ ş Ş ı İ ç Ç ö Ö ü Ü."
)


class Commands:
    """The IMAP commands imapclient sent, read from its debug log (lines ``> b'TAG CMD ...'``)."""

    def __init__(self, caplog: pytest.LogCaptureFixture) -> None:
        self.caplog = caplog
        caplog.set_level(logging.DEBUG, logger="imapclient")

    def sent(self) -> list[str]:
        out = []
        for rec in self.caplog.records:
            line = rec.getMessage()
            if rec.name.startswith("imapclient") and line.startswith("> b'"):
                out.append(line[4:].rstrip("'").split(" ", 1)[1] if " " in line[4:] else line[4:])
        return out

    def count(self, prefix: str) -> int:
        return sum(1 for c in self.sent() if c.upper().startswith(prefix))

    def body_fetches(self) -> int:
        return sum(1 for c in self.sent() if c.startswith("UID FETCH") and "BODY.PEEK[]" in c)


def cp1254_mail(n: int, cte: str, declared: bool = True) -> bytes:
    data = CP1254_TEXT.replace("\n", "\r\n").encode("cp1254")
    if cte == "base64":
        body = base64.encodebytes(data).replace(b"\n", b"\r\n")
    elif cte == "quoted-printable":
        body = quopri.encodestring(data)
    else:
        body = data
    charset = '; charset="windows-1254"' if declared else ""
    name = "=?windows-1254?Q?=DE=FCkr=FC_=C7elik?="  # Şükrü Çelik
    head = (
        f"From: {name} <sukru{n}@example.com>\r\nTo: talep@kayseri.bel.tr\r\n"
        f"Subject: =?windows-1254?Q?=DEikayet_{n}?=\r\nMessage-ID: <cp1254-{n}-{cte}@example.com>\r\n"
        f"MIME-Version: 1.0\r\nContent-Type: text/plain{charset}\r\nContent-Transfer-Encoding: {cte}\r\n\r\n"
    )
    return head.encode("ascii") + body


# -- the connector alone ----------------------------------------------------------------------


async def test_each_chunk_is_one_body_fetch_over_one_kept_session(mailbox: MailUser, caplog) -> None:  # noqa: ANN001
    for n in range(1, 8):
        mailbox.deliver(complaint(n))
    commands = Commands(caplog)
    source = ImapSource(mailbox.config(max_batch=3))
    checkpoint, seen = None, []
    try:
        for _ in range(3):
            result = await source.fetch(checkpoint)
            seen += [m.external_id for m in result.messages]
            checkpoint = result.checkpoint
        assert seen == [f"<complaint-{n}@example.com>" for n in range(1, 8)]
        assert commands.body_fetches() == 3, commands.sent()
        assert commands.count("LOGIN") == 1 and commands.count("LOGOUT") == 0, commands.sent()

        # Waiting for mail (IDLE) and the next poll stay on the same session.
        assert await source.wait_for_new(timeout=0.5) is False
        assert (await source.fetch(checkpoint)).messages == []
        assert commands.count("LOGIN") == 1, commands.sent()
    finally:
        await source.close()
    assert commands.count("LOGOUT") == 1


async def test_a_session_the_server_dropped_is_opened_again(mailbox: MailUser, caplog) -> None:  # noqa: ANN001
    commands = Commands(caplog)
    source = ImapSource(mailbox.config())
    try:
        mailbox.deliver(complaint(1))
        first = await source.fetch(None)
        assert len(first.messages) == 1
        mailbox.server.doveadm("kick", mailbox.name)  # the server ends every session of the user
        mailbox.deliver(complaint(2))
        second = await source.fetch(first.checkpoint)
        assert [m.external_id for m in second.messages] == ["<complaint-2@example.com>"]
        assert commands.count("LOGIN") == 2, commands.sent()
    finally:
        await source.close()


async def test_oversized_and_broken_mail_inside_a_chunk(mailbox: MailUser, caplog) -> None:  # noqa: ANN001
    mailbox.deliver(complaint(1))
    mailbox.deliver(complaint(2, text="Çok uzun bir şikâyet. " * 400))  # over the size limit below
    mailbox.deliver(b"From: nobody\r\nSubject: bozuk\r\nMessage-ID: <broken@example.com>\r\n\r\nmetin\r\n")
    mailbox.deliver(complaint(4))
    commands = Commands(caplog)
    source = ImapSource(mailbox.config(max_message_bytes=4000))
    try:
        result = await source.fetch(None)
    finally:
        await source.close()
    assert [m.external_id for m in result.messages] == [
        "<complaint-1@example.com>",
        "<complaint-4@example.com>",
    ]
    big, broken = result.quarantined
    assert big.metadata["imap_uid"] == 2 and "too large" in big.error
    assert b"Message-ID: <complaint-2@example.com>" in big.raw and b"uzun" not in big.raw
    assert broken.metadata["imap_uid"] == 3 and "sender" in broken.error and b"metin" in broken.raw
    assert parse_checkpoint(result.checkpoint)[1] == 4
    assert commands.body_fetches() == 1, commands.sent()


async def test_no_tls_context_is_built_when_tls_is_off(mailbox: MailUser, monkeypatch) -> None:  # noqa: ANN001
    built: list[object] = []
    real = ssl.create_default_context
    monkeypatch.setattr(ssl, "create_default_context", lambda *a, **kw: built.append(1) or real(*a, **kw))
    source = ImapSource(mailbox.config())
    try:
        mailbox.deliver(complaint(1))
        await source.fetch(None)
        mailbox.server.doveadm("kick", mailbox.name)
        await source.fetch(None)
    finally:
        await source.close()
    assert built == []


async def test_the_tls_context_is_built_once(dovecot_tls: DovecotServer, monkeypatch) -> None:  # noqa: ANN001
    user = dovecot_tls.add_user()
    user.deliver(complaint(1))
    built: list[object] = []
    real = ssl.create_default_context
    monkeypatch.setattr(ssl, "create_default_context", lambda *a, **kw: built.append(1) or real(*a, **kw))
    source = ImapSource(user.config(ca_file=str(dovecot_tls.cert), ssl=True, port=dovecot_tls.tls_port))
    try:
        assert len((await source.fetch(None)).messages) == 1
        dovecot_tls.doveadm("kick", user.name)
        assert len((await source.fetch(None)).messages) == 1  # a second session, the same context
    finally:
        await source.close()
    assert len(built) == 1


# -- through the hub's connector runtime, into the database -----------------------------------


def _stored(hub) -> dict[str, tuple[str, str]]:  # noqa: ANN001
    with hub.db.reader() as s:
        rows = s.exec(
            select(Message.external_id, Message.body, Request.text)
            .join(Request, Request.id == Message.request_id)
            .where(Message.channel == "email")
        ).all()
    return {ext: (body, text) for ext, body, text in rows}


async def _drain(runtime: ConnectorRuntime, source: ImapSource) -> int:
    polls = 0
    while True:
        result = await runtime.poll_once(source)
        polls += 1
        if not result.backlog:
            return polls


async def test_windows_1254_bodies_are_stored_exactly(hub, mailbox: MailUser) -> None:  # noqa: ANN001
    cases = [("8bit", True), ("8bit", False), ("quoted-printable", True), ("base64", True), ("base64", False)]
    for n, (cte, declared) in enumerate(cases, 1):
        mailbox.deliver(cp1254_mail(n, cte, declared))
    runtime = ConnectorRuntime(hub)
    source = ImapSource(mailbox.config(max_batch=2))
    runtime.add_polled(source, 1.0)
    try:
        assert await _drain(runtime, source) == 3
    finally:
        await source.close()
    stored = _stored(hub)
    assert len(stored) == len(cases)
    for body, text in stored.values():
        assert body == CP1254_TEXT and text == CP1254_TEXT
    with hub.db.reader() as s:
        msgs = s.exec(select(Message).where(Message.channel == "email")).all()
    assert {m.subject for m in msgs} == {f"Şikayet {n}" for n in range(1, 6)}
    assert {m.sender.get("name") for m in msgs} == {"Şükrü Çelik"}


def _child(settings, cfg, kill: bool) -> subprocess.CompletedProcess[str]:  # noqa: ANN001
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    args = [sys.executable, str(CHILD), settings.resolved_database_url, str(settings.data_dir),
            str(settings.classifier_model_dir), str(settings.rules_file), cfg.host, str(cfg.port),
            cfg.username, cfg.password, str(cfg.max_batch), "kill" if kill else "drain"]  # fmt: skip
    return subprocess.run(args, env=env, capture_output=True, text=True, timeout=300)


async def test_a_process_killed_between_fetch_and_commit_loses_and_doubles_nothing(
    hub, settings, mailbox: MailUser
) -> None:  # noqa: ANN001
    for n in range(1, 6):
        mailbox.deliver(complaint(n))
    mailbox.deliver(b"From: nobody\r\nSubject: bozuk\r\nMessage-ID: <broken@example.com>\r\n\r\nmetin\r\n")
    cfg = mailbox.config(max_batch=3)

    killed = _child(settings, cfg, kill=True)  # stores the first chunk, is killed inside the second
    assert killed.returncode == -9, killed.stderr[-2000:]
    assert "fetched 3" in killed.stdout and "committed" in killed.stdout, killed.stdout
    with hub.db.reader() as s:
        assert s.get(Checkpoint, "email").value.endswith(":3")  # the killed chunk was not acknowledged
        assert len(s.exec(select(Quarantine)).all()) == 0
    assert sorted(_stored(hub)) == [f"<complaint-{n}@example.com>" for n in (1, 2, 3)]

    # The same chunk again after a restart: stored once; then a mail delivered a second time
    # (a new UID, the same Message-ID) is not doubled either.
    mailbox.deliver(complaint(4))
    again = _child(settings, cfg, kill=False)
    assert again.returncode == 0, again.stderr[-2000:]
    assert sorted(_stored(hub)) == [f"<complaint-{n}@example.com>" for n in range(1, 6)]
    with hub.db.reader() as s:
        assert len(s.exec(select(Request).where(Request.channel == "email")).all()) == 5
        assert [q.external_id for q in s.exec(select(Quarantine)).all()] == [f"imap:{_validity(s)}:6"]
        assert s.get(Checkpoint, "email").value.endswith(":7")


def _validity(session) -> str:  # noqa: ANN001
    return session.get(Checkpoint, "email").value.split(":", 1)[0]


async def test_a_chunk_asked_for_again_is_read_again(mailbox: MailUser, caplog) -> None:  # noqa: ANN001
    """The hub's commit failed: it asks again from the checkpoint it still holds and gets the
    same chunk (the source keeps no acknowledgement of its own)."""
    for n in range(1, 6):
        mailbox.deliver(complaint(n))
    commands = Commands(caplog)
    source = ImapSource(mailbox.config(max_batch=2))
    try:
        first = await source.fetch(None)
        assert [m.external_id for m in first.messages] == [
            "<complaint-1@example.com>",
            "<complaint-2@example.com>",
        ]
        again = await source.fetch(None)
        assert [m.external_id for m in again.messages] == [m.external_id for m in first.messages]
        second = await source.fetch(again.checkpoint)
        assert [m.external_id for m in second.messages] == [
            "<complaint-3@example.com>",
            "<complaint-4@example.com>",
        ]
        third = await source.fetch(second.checkpoint)
        assert [m.external_id for m in third.messages] == ["<complaint-5@example.com>"] and third.backlog == 0
    finally:
        await source.close()
    assert commands.count("LOGIN") == 1 and commands.body_fetches() == 4
