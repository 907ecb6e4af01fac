"""End to end through the running hub: e-mail in through a real Dovecot, answers
out through a real SMTP server (aiosmtpd), threading both ways, quarantine, and
connector health when the mailbox cannot be reached."""

from __future__ import annotations

from email.message import EmailMessage
from email.utils import make_msgid

import pytest
from aiohttp.test_utils import TestClient, TestServer

from tests import email_fixtures
from tests.conftest import ADMIN_KEY
from tests.e2e_support import (
    answer,
    api,
    connector_health,
    detail,
    events_of,
    request_count,
    wait_for,
    wait_outbox_settled,
    wait_requests,
)

dovecot = email_fixtures.dovecot
mailbox = email_fixtures.mailbox
smtp_server = email_fixtures.smtp_server

OUR_DOMAIN = "kayseri.bel.tr"
INTAKE = f"talep@{OUR_DOMAIN}"
CITIZEN = "ayse.yilmaz@example.com"
PHOTO = b"\xff\xd8\xff\xe0" + b"JFIF-test-photo" * 20
PARK_TEXT = "Kocasinan Mimarsinan Mahallesi'ndeki parkta çocuk salıncağı kırık, çocuklar yaralanabilir."


@pytest.fixture
def settings(request, settings_factory, mailbox, smtp_server):  # noqa: ANN001, ANN201
    password = getattr(request, "param", None) or mailbox.password
    return settings_factory(
        imap_host=mailbox.server.host, imap_port=mailbox.server.port, imap_ssl=False, imap_starttls=False,
        imap_username=mailbox.name, imap_password=password, imap_poll_seconds=0.5,
        smtp_host=smtp_server.host, smtp_port=smtp_server.port, smtp_from=INTAKE, smtp_reply_to=INTAKE,
        mail_domain=OUR_DOMAIN, file_poll_seconds=0.5,
    )  # fmt: skip


def citizen_mail(text: str, subject: str, **headers: str) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = f"Ayşe Yılmaz <{CITIZEN}>"
    msg["To"] = INTAKE
    msg["Subject"] = subject
    msg["Message-ID"] = make_msgid(domain="example.com")
    for name, value in headers.items():
        msg[name.replace("_", "-")] = value
    msg.set_content(text)
    return msg


def mails_to(smtp_server, address: str) -> list[EmailMessage]:  # noqa: ANN001
    return [r.message for r in smtp_server.received if address in r.rcpt_tos]


def text_of(msg: EmailMessage) -> str:
    body = msg.get_body(("plain",))
    return body.get_content() if body is not None else ""


async def test_mail_in_answer_out_threaded_and_citizen_reply_joins_the_request(
    client, hub, mailbox, smtp_server
) -> None:  # noqa: ANN001
    first = citizen_mail(PARK_TEXT, "Parktaki salıncak")
    first.add_attachment(PHOTO, maintype="image", subtype="jpeg", filename="salincak.jpg")
    mailbox.deliver(first.as_bytes())

    [req] = await wait_requests(client, "email")
    assert req["department"] == "park-bahceler" and req["location"]["mahalle"] == "Mimarsinan"
    code = req["tracking_code"]
    d = await detail(client, req["id"])
    assert d["contact"]["email"] == CITIZEN

    # The acknowledgement reaches the citizen with the tracking code, threaded under their mail.
    acks = await wait_for(
        lambda: [m for m in mails_to(smtp_server, CITIZEN) if code in str(m["Subject"]) + text_of(m)],
        "the acknowledgement mail",
    )
    assert acks[0]["In-Reply-To"] == first["Message-ID"]

    # The department gets the request by e-mail, with the photo the citizen attached.
    [fwd] = await wait_for(
        lambda: mails_to(smtp_server, "park-bahceler@example.invalid"), "the department's mail"
    )
    assert code in str(fwd["Subject"]) + text_of(fwd)
    assert [a.get_filename() for a in fwd.iter_attachments()] == ["salincak.jpg"]

    text = "Salıncak bugün ekiplerimizce onarıldı. İlginiz için teşekkür ederiz."
    await answer(client, req["id"], text, outcome="olumlu")
    await wait_outbox_settled(hub, req["id"], "reply", n=2)
    [reply] = [m for m in mails_to(smtp_server, CITIZEN) if text in text_of(m)]
    assert code in str(reply["Subject"]) and "Parktaki salıncak" in str(reply["Subject"])
    assert reply["In-Reply-To"] == first["Message-ID"]
    assert first["Message-ID"] in str(reply["References"])
    assert reply["Message-ID"] and OUR_DOMAIN in reply["Message-ID"]
    assert str(reply["From"]).endswith(f"<{INTAKE}>")

    # The citizen answers from a mail client: same request, no new one.
    refs = f"{reply['References']} {reply['Message-ID']}"
    follow = citizen_mail(
        "Teşekkürler, salıncak gerçekten onarılmış.\n\n> " + text,
        f"Re: {reply['Subject']}",
        In_Reply_To=reply["Message-ID"],
        References=refs,
    )
    mailbox.deliver(follow.as_bytes())
    received = await wait_for(lambda: events_of(hub, req["id"], "message.received"), "the citizen's reply")
    assert received[0].data["threaded_by"] == "email_headers"
    assert request_count(hub, "email") == 1
    d = await detail(client, req["id"])
    assert [m["direction"] for m in d["thread"]].count("in") == 2


async def test_reply_quoting_only_our_answer_threads_by_its_message_id(
    client, hub, mailbox, smtp_server
) -> None:  # noqa: ANN001
    """Some clients send In-Reply-To alone and rewrite the subject: the answer's own
    Message-ID must be enough to find the request."""
    mailbox.deliver(citizen_mail(PARK_TEXT, "Salıncak").as_bytes())
    [req] = await wait_requests(client, "email")
    text = "Ekiplerimiz yarın sabah parkta olacak."
    await answer(client, req["id"], text)
    await wait_outbox_settled(hub, req["id"], "reply", n=2)
    [reply] = [m for m in mails_to(smtp_server, CITIZEN) if text in text_of(m)]

    follow = citizen_mail("Saat kaçta gelirler?", "Soru", In_Reply_To=reply["Message-ID"])
    mailbox.deliver(follow.as_bytes())
    received = await wait_for(lambda: events_of(hub, req["id"], "message.received"), "the citizen's reply")
    assert received[0].data["threaded_by"] == "email_headers"
    assert request_count(hub, "email") == 1


async def test_unparseable_mail_is_quarantined_and_a_failed_intake_can_be_retried(
    client, hub, mailbox
) -> None:  # noqa: ANN001
    # No sender address at all: the parser cannot make a request of it, the raw mail is kept.
    mailbox.deliver(b"From: nobody\r\nSubject: bozuk\r\nMessage-ID: <broken-1@example.com>\r\n\r\nmetin\r\n")

    async def quarantined() -> list[dict]:
        return (await api(client, "GET", "/api/v1/quarantine"))["items"]

    [item] = await wait_for(quarantined, "the unparseable mail in quarantine")
    assert item["channel"] == "email" and "sender" in item["error"]
    retry = await api(client, "POST", f"/api/v1/quarantine/{item['id']}/retry", expect=400)
    assert "Traceback" not in str(retry) and retry["message"]
    assert [q["id"] for q in await quarantined()] == [item["id"]], "a failed retry keeps the item"

    # Intake itself fails (a broken classifier): the parsed message is quarantined as JSON, not lost.
    real = hub.intake.classifier

    class Broken:
        def classify(self, *a, **kw):  # noqa: ANN002, ANN003, ANN202
            raise RuntimeError("model file unreadable")

    hub.intake.classifier = Broken()
    mailbox.deliver(citizen_mail(PARK_TEXT, "Salıncak kırık").as_bytes())
    items = await wait_for(lambda: _with_kind(quarantined, "raw_message"), "the failed intake in quarantine")
    [failed] = items
    assert "intake failed" in failed["error"] and failed["channel"] == "email"
    assert request_count(hub) == 0

    hub.intake.classifier = real
    done = await api(client, "POST", f"/api/v1/quarantine/{failed['id']}/retry")
    assert done["intake"]["created"] is True and done["intake"]["tracking_code"].startswith("KAY-")
    req = await detail(client, done["intake"]["request_id"])
    assert req["channel"] == "email" and req["department"] == "park-bahceler"
    assert req["contact"]["email"] == CITIZEN
    assert failed["id"] not in [q["id"] for q in await quarantined()]


async def _with_kind(fetch, kind: str) -> list[dict]:  # noqa: ANN001
    return [q for q in await fetch() if (q.get("meta") or {}).get("kind") == kind]


@pytest.mark.parametrize("settings", ["wrong-password"], indirect=True)
async def test_wrong_imap_password_shows_in_health_while_other_channels_work(client, hub, mailbox) -> None:  # noqa: ANN001
    async def email_error() -> dict | None:
        h = (await connector_health(client))["email"]
        return h if h.get("last_error") else None

    h = await wait_for(email_error, "the e-mail connector's error in /api/v1/connectors")
    assert h["healthy"] is False and h["last_success_at"] is None
    assert "wrong-password" not in h["last_error"], "secrets never reach the API"

    # The other channels carry on: a phone request is taken, file folders are polled.
    body = {"text": PARK_TEXT, "channel": "phone", "contact": {"name": "Ali Kaya", "phone": "0532 765 43 21"}}
    created = await api(client, "POST", "/api/v1/requests", expect=201, json=body)
    assert created["department"] == "park-bahceler"

    async def files_ok() -> bool:
        health = await connector_health(client)
        return all(
            health[n]["healthy"] and health[n]["last_success_at"] for n in ("cimer-import", "mbs-import")
        )

    assert await wait_for(files_ok, "the file connectors to report success")
    assert (await connector_health(client))["email"]["healthy"] is False


async def test_a_restarted_hub_takes_no_mail_twice(client, hub, settings, mailbox) -> None:  # noqa: ANN001
    mailbox.deliver(citizen_mail(PARK_TEXT, "Salıncak").as_bytes())
    await wait_requests(client, "email")
    await client.close()  # the hub stops: workers and connectors end

    from hub.context import Hub

    again = Hub(settings)
    server = TestServer(again.app(), host="127.0.0.1")
    restarted = TestClient(server, headers={"Authorization": f"Bearer {ADMIN_KEY}"})
    await restarted.start_server()
    try:
        before = (await connector_health(restarted))["email"]["last_success_at"]

        async def polled_again() -> bool:
            return (await connector_health(restarted))["email"]["last_success_at"] != before

        await wait_for(polled_again, "the restarted hub to poll the mailbox")
        mailbox.deliver(
            citizen_mail("Melikgazi Gesi Fatih Mahallesinde yaralı bir sokak köpeği var.", "Köpek").as_bytes()
        )
        reqs = await wait_requests(restarted, "email", 2)
        assert len(reqs) == 2 and request_count(again, "email") == 2
    finally:
        await restarted.close()
        again.db.dispose()
