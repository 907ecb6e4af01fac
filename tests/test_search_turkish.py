"""Turkish-insensitive search: the folding itself, and the API's ``q`` on the real server
and database (SQLite or PostgreSQL, HUB_TEST_DB): case, missing Turkish letters, dotted and
dotless i, phone numbers in any Turkish writing, e-mail, tracking code, name, subject."""

from __future__ import annotations

import pytest
from sqlmodel import select

from hub.models import Request
from hub.search_text import fold, query_terms

CALLS = [
    {"text": "Sokağımızdaki çöp konteyneri üç gündür boşaltılmadı.", "channel": "phone",
     "contact": {"name": "Ayşe Yılmaz", "phone": "0532 123 45 67"}},
    {"text": "İmar durumu belgesi almak istiyorum, hangi evraklar gerekli?", "channel": "email",
     "subject": "İMAR BAŞVURUSU", "contact": {"name": "Işıl Öztürk", "email": "isil.ozturk@example.com"}},
    {"text": "Parkta ışıklar yanmıyor, akşamları çok karanlık.", "channel": "phone",
     "contact": {"name": "Mehmet Kılıç", "phone": "+90 544 765 43 21"}},
]  # fmt: skip


def test_fold_follows_turkish_rules() -> None:
    assert fold("Çöp") == fold("ÇÖP") == fold("cop") == fold("çöp") == "cop"
    assert fold("İmar") == fold("IMAR".replace("I", "İ")) == fold("imar") == "imar"
    # dotless capital I lower-cases to ı, which folds to i as well: "IMAR" still meets "imar"
    assert fold("IMAR") == "imar" and fold("IŞIK") == fold("ışık") == "isik"
    assert fold("  Ayşe   YILMAZ ") == "ayse yilmaz"


@pytest.mark.parametrize("q", ["0532 123 45 67", "+90 532 123 45 67", "5321234567", "05321234567",
                               "+905321234567", "(0532) 123-45-67"])  # fmt: skip
def test_phone_queries_become_the_national_number(q: str) -> None:
    assert query_terms(q) == ["5321234567"]


def test_partial_phone_and_like_wildcards() -> None:
    assert query_terms("0532 123") == ["532123"]
    assert query_terms("%_") == ["%_"]  # escaped in SQL, not a wildcard


async def _seed(client) -> list[dict]:  # noqa: ANN001
    out = []
    for body in CALLS:
        r = await client.post("/api/v1/requests", json=body)
        assert r.status == 201, await r.text()
        out.append(await r.json())
    return out


async def _codes(client, q: str) -> set[str]:  # noqa: ANN001
    r = await client.get("/api/v1/requests", params={"q": q, "limit": "50"})
    assert r.status == 200, await r.text()
    return {i["tracking_code"] for i in (await r.json())["items"]}


async def test_search_is_turkish_insensitive(client) -> None:  # noqa: ANN001
    cop, imar, park = (x["tracking_code"] for x in await _seed(client))
    for q in ("Çöp", "ÇÖP", "cop", "çöp", "COP"):
        assert await _codes(client, q) == {cop}, q
    for q in ("İmar", "IMAR", "imar", "İMAR"):
        assert await _codes(client, q) == {imar}, q
    # words of the text in any order, subject words, several words at once
    assert await _codes(client, "gündür konteyneri") == {cop}
    assert await _codes(client, "basvurusu") == {imar}
    assert await _codes(client, "ISIKLAR") == {park}  # dotless, without Turkish letters
    assert await _codes(client, "karanlik isiklar") == {park}
    assert await _codes(client, "çöp imar") == set()  # every word must be there


async def test_search_by_caller_phone_email_and_code(client) -> None:  # noqa: ANN001
    cop, imar, park = (x["tracking_code"] for x in await _seed(client))
    for q in ("0532 123 45 67", "+90 532 123 45 67", "5321234567", "0532 123"):
        assert await _codes(client, q) == {cop}, q
    assert await _codes(client, "+905447654321") == {park}
    assert await _codes(client, "AYŞE YILMAZ") == {cop}
    assert await _codes(client, "ayse") == {cop}
    assert await _codes(client, "IŞIL") == {imar}
    assert await _codes(client, "isil.ozturk@example.com") == {imar}
    assert await _codes(client, "ISIL.OZTURK@EXAMPLE") == {imar}
    assert await _codes(client, cop) == {cop}
    assert await _codes(client, cop.lower()) == {cop}
    assert await _codes(client, "100%") == set()


async def test_search_text_follows_edits_and_erasure(client, hub) -> None:  # noqa: ANN001
    first = (await _seed(client))[0]
    r = await client.patch(f"/api/v1/requests/{first['id']}", json={"subject": "Konteyner Şikâyeti"})
    assert r.status == 200, await r.text()
    assert await _codes(client, "sikayeti") == {first["tracking_code"]}
    # a later call from the same number adds a name the contact lacked: earlier requests find it too
    with hub.db.session() as s:
        req = s.exec(select(Request).where(Request.id == first["id"])).one()
        assert "5321234567" in req.search_text and "ayse yilmaz" in req.search_text
