"""Tracking codes past request id 999,999 (issue 15).

The code is the request id zero-padded to six digits, so id 1,000,000 gets seven
(``KAY-2026-1000000``). Every place that reads a code must take both widths: the
public status page, e-mail subjects, texts that quote a code (SMS gateways posting
through the API, chat), import rows and the API search. Each test starts the request
ids just below the boundary, so one request gets id 999,999 and the next 1,000,000.
"""

from __future__ import annotations

from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from sqlmodel import select

from connectors.base import RawMessage, Sender
from hub.models import Message, Request, Status

LAST_SIX = 999_999
FIRST_SEVEN = 1_000_000
PHONE = "0532 444 55 66"
CITIZEN = "ayse.yilmaz@example.com"
NO_KEY = {"Authorization": ""}  # the status page is public


def start_ids_before(hub: Any, first_id: int) -> None:
    """Make ``first_id`` the next request id, on SQLite and PostgreSQL alike.

    A closed filler request holds ``first_id - 1``: SQLite hands out max(id) + 1
    (hub.actions.create.allocate_ids); on PostgreSQL the id sequence is moved past it.
    """
    from hub.actions.requests import tracking_code

    filler = first_id - 1
    now = datetime.now(UTC)
    with hub.db.session() as s:
        s.add(Request(id=filler, tracking_code=tracking_code(hub.settings.tracking_prefix, now, filler),
                      channel="api", text="Dolgu kaydı", status=Status.closed, received_at=now))  # fmt: skip
        s.flush()
        if s.get_bind().dialect.name == "postgresql":
            s.execute(text("SELECT setval(pg_get_serial_sequence('request', 'id'), :n)"), {"n": filler})


def open_two(hub: Any, **sender: str) -> tuple[Any, Any]:
    """Two requests from the same citizen, at ids 999,999 and 1,000,000."""
    start_ids_before(hub, LAST_SIX)
    texts = (
        "Talas Mevlana Mahallesi'nde iki gündür su yok.",
        "Kocasinan Yenidoğan'da sokak lambası yanmıyor.",
    )
    out = [hub.intake.ingest(RawMessage(channel="api", external_id=f"ilk-{i}", text=t, sender=Sender(**sender)))
           for i, t in enumerate(texts)]  # fmt: skip
    assert [r.request_id for r in out] == [LAST_SIX, FIRST_SEVEN]
    return out[0], out[1]


def message_of(hub: Any, channel: str, external_id: str) -> Message:
    with hub.db.reader() as s:
        return s.exec(
            select(Message).where(Message.channel == channel, Message.external_id == external_id)
        ).one()


# -- the one definition ------------------------------------------------------------------------


def test_codes_grow_past_six_digits_and_keep_six_digit_padding() -> None:
    from connectors.tracking import find_codes, format_code, normalize_code

    assert format_code("KAY", 2026, 123) == "KAY-2026-000123"
    assert format_code("KAY", 2026, LAST_SIX) == "KAY-2026-999999"
    assert format_code("KAY", 2026, FIRST_SEVEN) == "KAY-2026-1000000"
    for code in ("KAY-2026-000123", "KAY-2026-999999", "KAY-2026-1000000", "KAY-2026-123456789"):
        assert normalize_code(f" {code.lower()} ") == code
        assert find_codes(f"Re: [{code}] Talebiniz") == [code]
        assert find_codes(f"{code}'in durumu nedir?") == [code]
    # Six digits stay the minimum; digits never run on into a longer number.
    for bad in (
        "KAY-2026-12345",
        "KAY-2026-0001234",  # a padded id is six digits wide, never seven
        "KAY-2026-",
        "KAY-26-000123",
        "KAY-2026-0001234567890123",
        "KAY-2026-١٢٣٤٥٦",
    ):
        assert normalize_code(bad) is None, bad
        assert find_codes(f"Konu: {bad} hk.") == [], bad
    assert find_codes("XKAY2026-1000000 ve KAY-2026-10000001") == ["KAY-2026-10000001"]


def test_email_parser_takes_a_seven_digit_code_from_the_subject() -> None:
    from connectors.email.mime import parse_message

    code = f"KAY-2026-{FIRST_SEVEN}"
    msg = _mail(f"Re: Sokak lambası [{code}]", f"Ayrıca KAY-2026-{FIRST_SEVEN + 1} de açık.")
    raw = parse_message(msg.as_bytes())
    assert raw is not None and raw.thread.tracking_code == code
    assert raw.metadata["mentioned_tracking_codes"] == [f"KAY-2026-{FIRST_SEVEN + 1}"]


# -- the status page ---------------------------------------------------------------------------


async def test_status_page_finds_codes_on_both_sides_of_the_boundary(client, hub) -> None:  # noqa: ANN001
    six, seven = open_two(hub)
    for made in (six, seven):
        code = made.tracking_code
        page = await client.get(f"/takip/{code}", headers=NO_KEY)
        assert page.status == 200 and code in await page.text(), code
        lower = await client.get(f"/takip/{code.lower()}", headers=NO_KEY)
        assert lower.status == 200, code
        typed = await client.get(
            "/takip", params={"kod": f" {code.lower()} "}, headers=NO_KEY, allow_redirects=False
        )
        assert typed.status == 303 and typed.headers["Location"] == f"/takip/{code}"
    assert seven.tracking_code.endswith(f"-{FIRST_SEVEN}")
    missing = await client.get(f"/takip/{seven.tracking_code[:-1]}2", headers=NO_KEY)
    assert missing.status == 404


# -- e-mail reply threading by the code in the subject --------------------------------------------


def _mail(subject: str, body: str, sender: str = CITIZEN) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = f"Ayşe Yılmaz <{sender}>"
    msg["To"] = "talep@kayseri.bel.tr"
    msg["Subject"] = subject
    msg["Message-ID"] = make_msgid(domain="example.com")
    msg.set_content(body)
    return msg


def test_email_reply_threads_by_a_seven_digit_code_in_the_subject(hub) -> None:  # noqa: ANN001
    from connectors.email.mime import parse_message

    six, seven = open_two(hub, email=CITIZEN)
    for made in (seven, six):
        # No In-Reply-To or References: the code in the subject is the only clue.
        raw = parse_message(_mail(f"Re: Talebiniz hk. [{made.tracking_code}]", "Hâlâ çözülmedi.").as_bytes())
        assert raw is not None
        got = hub.intake.ingest(raw)
        assert (got.request_id, got.threaded_by, got.created) == (made.request_id, "tracking_code", False)
    stranger = parse_message(
        _mail(f"Re: [{seven.tracking_code}]", "İptal edin.", "x@elsewhere.example").as_bytes()
    )
    assert stranger is not None
    assert hub.intake.ingest(stranger).created, "a stranger's mail with the code still opens its own request"


# -- texts that quote the code (an SMS gateway posting replies through the API) ----------------------


async def test_text_message_quoting_a_seven_digit_code_joins_that_request(client, hub) -> None:  # noqa: ANN001
    six, seven = open_two(hub, phone=PHONE)
    for made in (seven, six):
        body = {
            "text": f"{made.tracking_code}'in durumu nedir? Hâlâ düzelmedi.",
            "contact": {"phone": "+905324445566"},
        }
        r = await client.post("/api/v1/requests", json=body)
        assert r.status == 200, await r.text()  # 200: appended, not a new request
        intake = (await r.json())["intake"]
        assert (intake["request_id"], intake["threaded_by"]) == (made.request_id, "tracking_code")
    with hub.db.reader() as s:
        assert len(s.exec(select(Message).where(Message.request_id == FIRST_SEVEN)).all()) == 2


# -- imports that carry a code ------------------------------------------------------------------


@pytest.mark.parametrize("width", ["six", "seven"])
def test_imported_row_quoting_the_code_joins_that_request(tmp_path: Path, hub, run, width: str) -> None:  # noqa: ANN001
    six, seven = open_two(hub, phone=PHONE)
    made = seven if width == "seven" else six
    path = tmp_path / "cimer.csv"
    path.write_text(
        "Başvuru No;Başvuru Tarihi;Başvuru Türü;Telefon;Metin\r\n"
        f"2026000001;01.03.2026 10:00;Şikâyet;{PHONE};{made.tracking_code} sayılı başvurum hâlâ sonuçlanmadı.\r\n"
        "2026000002;01.03.2026 10:05;İstek;0532 999 88 77;Melikgazi Köşk Mahallesi'ne bank konulsun.\r\n"
        "2026000003;01.03.2026 10:10;İstek;0532 999 88 76;Hacılar Yukarı Mahallesi'nde çukur var.\r\n",
        encoding="utf-8",
    )
    code, out, err = run("import", "cimer", str(path))
    assert code == 0, out + err
    assert message_of(hub, "cimer", "2026000001").request_id == made.request_id
    others = {message_of(hub, "cimer", f"202600000{i}").request_id for i in (2, 3)}
    assert others.isdisjoint({six.request_id, seven.request_id}) and len(others) == 2


# -- the API: search and merge by code ---------------------------------------------------------


async def test_api_search_and_merge_find_seven_digit_codes_exactly(client, hub) -> None:  # noqa: ANN001
    six, seven = open_two(hub)
    for made in (six, seven):
        for q in (made.tracking_code, made.tracking_code.lower(), f" {made.tracking_code} "):
            r = await client.get("/api/v1/requests", params={"q": q})
            assert r.status == 200, await r.text()
            assert [i["id"] for i in (await r.json())["items"]] == [made.request_id], q
    merged = await client.post(
        f"/api/v1/requests/{six.request_id}/merge", json={"into": seven.tracking_code.lower()}
    )
    assert merged.status == 200, await merged.text()
    assert (await merged.json())["status"] == "duplicate"
