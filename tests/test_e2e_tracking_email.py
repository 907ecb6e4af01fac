"""End to end at the tracking-code boundary (issue 15): the citizen answers the hub's
acknowledgement of request 1,000,000 (code ``KAY-YYYY-1000000``) from a mail client that
drops In-Reply-To and References; the code in the subject must join the reply to that
request. Mail goes in through a real Dovecot and out through a real SMTP server."""

from __future__ import annotations

import pytest

from tests import email_fixtures
from tests.e2e_support import events_of, request_count, wait_for, wait_requests
from tests.test_e2e_email import CITIZEN, INTAKE, OUR_DOMAIN, citizen_mail, mails_to
from tests.test_tracking_codes import FIRST_SEVEN, LAST_SIX, start_ids_before

dovecot = email_fixtures.dovecot
mailbox = email_fixtures.mailbox
smtp_server = email_fixtures.smtp_server


@pytest.fixture
def settings(settings_factory, mailbox, smtp_server):  # noqa: ANN001, ANN201
    return settings_factory(
        imap_host=mailbox.server.host, imap_port=mailbox.server.port, imap_ssl=False, imap_starttls=False,
        imap_username=mailbox.name, imap_password=mailbox.password, imap_poll_seconds=0.5,
        smtp_host=smtp_server.host, smtp_port=smtp_server.port, smtp_from=INTAKE, smtp_reply_to=INTAKE,
        mail_domain=OUR_DOMAIN,
    )  # fmt: skip


async def test_reply_to_the_acknowledgement_of_request_1000000_threads_by_its_code(
    client, hub, mailbox, smtp_server
) -> None:  # noqa: ANN001
    start_ids_before(hub, LAST_SIX)
    mailbox.deliver(citizen_mail("Talas Mevlana Mahallesi'nde iki gündür su yok.", "Su").as_bytes())
    await wait_requests(client, "email", 1)
    mailbox.deliver(citizen_mail("Kocasinan'da parktaki salıncak kırık.", "Salıncak").as_bytes())
    six, seven = await wait_requests(client, "email", 2)
    assert (six["id"], seven["id"]) == (LAST_SIX, FIRST_SEVEN)
    code = seven["tracking_code"]
    assert code.endswith(f"-{FIRST_SEVEN}")

    [ack, *_] = await wait_for(
        lambda: [m for m in mails_to(smtp_server, CITIZEN) if code in str(m["Subject"])],
        "the acknowledgement of request 1,000,000",
    )
    # A webmail reply: a new Message-ID, no In-Reply-To, no References; only the subject's code.
    reply = citizen_mail("Hâlâ kimse gelmedi.", f"Ynt: {ack['Subject']}")
    mailbox.deliver(reply.as_bytes())
    received = await wait_for(lambda: events_of(hub, FIRST_SEVEN, "message.received"), "the citizen's reply")
    assert received[0].data["threaded_by"] == "tracking_code"
    assert request_count(hub, "email") == 2
