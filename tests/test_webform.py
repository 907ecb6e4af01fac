"""The citizen web form and the public status page, over the hub's real HTTP server."""

from __future__ import annotations

import html
import re
import struct
import time
import zlib

import pytest
from aiohttp import FormData
from sqlmodel import func, select

from hub.models import Message, Request

PHOTO_LIMIT = 300_000


@pytest.fixture
def settings(settings_factory):  # noqa: ANN001, ANN201
    # Generous form rate for the suite; the rate-limit test lowers it on the live settings.
    return settings_factory(webform_rate_per_hour=100, max_attachment_bytes=PHOTO_LIMIT)


def png_bytes(pad: int = 0) -> bytes:
    """A real 1x1 PNG, optionally padded with an ancillary chunk to reach a size."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    ihdr = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    parts = [b"\x89PNG\r\n\x1a\n", chunk(b"IHDR", ihdr)]
    if pad:
        parts.append(chunk(b"tEXt", b"c\x00" + b"x" * pad))
    parts += [chunk(b"IDAT", zlib.compress(b"\x00\xff\x00\x00")), chunk(b"IEND", b"")]
    return b"".join(parts)


async def form_token(client) -> str:  # noqa: ANN001
    resp = await client.get("/basvuru", headers={"Authorization": ""})
    assert resp.status == 200
    page = await resp.text()
    m = re.search(r'name="form_token" value="([^"]+)"', page)
    assert m, "the form carries a signed submission token"
    return html.unescape(m.group(1))


def valid_fields(token: str, **over: str) -> dict[str, str]:
    fields = {
        "form_token": token,
        "tur": "sikayet",
        "aciklama": "Sokağımızdaki çöp konteyneri üç gündür boşaltılmadı, koku yayılıyor.",
        "ilce": "",
        "mahalle": "Mevlana (Talas)",
        "secilen_mahalle": "Mevlana",
        "secilen_ilce": "Talas",
        "adres": "Okul sokağı, caminin karşısı",
        "ad_soyad": "Zeynep Örnekoğlu",
        "telefon": "0532 111 22 33",
        "eposta": "zeynep.ornek@example.com",
        "kvkk_onay": "1",
        "web_sitesi": "",
    }
    fields.update(over)
    return {k: v for k, v in fields.items() if v is not None}


async def post(client, fields: dict[str, str], photo: tuple[str, bytes, str] | None = None):  # noqa: ANN001, ANN201
    data = FormData()
    for k, v in fields.items():
        data.add_field(k, v)
    if photo is not None:
        name, content, ctype = photo
        data.add_field("foto", content, filename=name, content_type=ctype)
    return await client.post("/basvuru", data=data, headers={"Authorization": ""})


def count_requests(hub) -> int:  # noqa: ANN001
    with hub.db.reader() as s:
        return s.exec(select(func.count()).select_from(Request)).one()


def tracking_code(page: str) -> str:
    m = re.search(r'id="takip-no">([A-Z]+-\d{4}-\d{6})<', page)
    assert m, "the success page shows a tracking code"
    return m.group(1)


def status_link(page: str) -> str:
    """The private status link of the success page (its key lets the citizen read the answers)."""
    m = re.search(r'id="takip-link" href="(/takip/[A-Z]+-\d{4}-\d{6}\?anahtar=[0-9a-f]{16})"', page)
    assert m, "the success page links to the status page with the answers' key"
    return m.group(1)


async def test_happy_path_stores_webform_request_with_picked_location(client, hub) -> None:  # noqa: ANN001
    token = await form_token(client)
    resp = await post(client, valid_fields(token), photo=("sokak.png", png_bytes(), "image/png"))
    page = await resp.text()
    assert resp.status == 200, page
    assert "Başvurunuz alındı" in page
    code = tracking_code(page)
    assert status_link(page).startswith(f"/takip/{code}?anahtar=")
    with hub.db.reader() as s:
        req = s.exec(select(Request).where(Request.tracking_code == code)).one()
        msg = s.exec(select(Message).where(Message.request_id == req.id)).one()
        assert req.channel == "webform"
        assert (req.ilce, req.mahalle) == ("Talas", "Mevlana")
        assert req.location_source == "known"
        assert req.request_type == "sikayet"
        assert req.address == "Okul sokağı, caminin karşısı"
        assert msg.external_id.startswith("webform:")
        assert msg.attachments and msg.attachments[0]["content_type"] == "image/png"
        assert "rejected" not in msg.attachments[0]
        assert msg.meta["kvkk_consent"]["text_version"]
        assert req.reply_to == {"phone": "+905321112233", "email": "zeynep.ornek@example.com"}

    status = await client.get(f"/takip/{code}", headers={"Authorization": ""})
    body = await status.text()
    assert status.status == 200
    assert code in body and "Mevlana" in body and "Talas" in body and "Şikâyet" in body


async def test_typed_mahalle_without_picking_is_resolved(client, hub) -> None:  # noqa: ANN001
    token = await form_token(client)
    fields = valid_fields(
        token, mahalle="mevlana mahallesi", secilen_mahalle="", secilen_ilce="", ilce="Talas"
    )
    resp = await post(client, fields)
    code = tracking_code(await resp.text())
    with hub.db.reader() as s:
        req = s.exec(select(Request).where(Request.tracking_code == code)).one()
    assert (req.ilce, req.mahalle) == ("Talas", "Mevlana")


async def test_missing_consent_is_refused_and_nothing_stored(client, hub) -> None:  # noqa: ANN001
    token = await form_token(client)
    text = "Parktaki salıncak kırık, çocuklar için tehlikeli."
    resp = await post(client, valid_fields(token, kvkk_onay=None, aciklama=text))
    page = await resp.text()
    assert resp.status == 422
    assert "KVKK aydınlatma metnini okuyup onay kutusunu işaretlemeniz gerekir" in page
    assert text in page, "the citizen's text is kept in the re-rendered form"
    assert 'value="Zeynep Örnekoğlu"' in page
    assert count_requests(hub) == 0


async def test_other_validation_errors_keep_input(client, hub) -> None:  # noqa: ANN001
    token = await form_token(client)
    resp = await post(client, valid_fields(token, aciklama="  ", tur="", telefon="12ab", eposta="yok"))
    page = await resp.text()
    assert resp.status == 422
    assert "Lütfen başvuru türünü seçin." in page
    assert "bu alan boş bırakılamaz" in page
    assert "Telefon numarası geçerli görünmüyor" in page
    assert "E-posta adresi geçerli görünmüyor" in page
    assert 'value="12ab"' in page
    unknown = await post(client, valid_fields(token, mahalle="Xyzqwv", secilen_mahalle="", secilen_ilce=""))
    assert unknown.status == 422
    assert "Mahalle bulunamadı" in await unknown.text()
    too_long = await post(client, valid_fields(token, aciklama="a" * 20_001))
    assert too_long.status == 422
    assert "en fazla 20.000 karakter" in await too_long.text()
    assert count_requests(hub) == 0


async def test_honeypot_pretends_success_and_stores_nothing(client, hub) -> None:  # noqa: ANN001
    token = await form_token(client)
    resp = await post(client, valid_fields(token, web_sitesi="http://spam.example"))
    page = await resp.text()
    assert resp.status == 200
    assert "Başvurunuz alındı" in page
    assert 'id="takip-no"' not in page
    assert count_requests(hub) == 0


async def test_rate_limit_answers_429_in_turkish(client, hub) -> None:  # noqa: ANN001
    hub.settings.webform_rate_per_hour = 2
    # A refused attempt (here: no consent) does not use up the citizen's allowance.
    typo = await post(client, valid_fields(await form_token(client), kvkk_onay=None))
    assert typo.status == 422
    for _ in range(2):
        ok = await post(client, valid_fields(await form_token(client)))
        assert ok.status == 200
    before = count_requests(hub)
    resp = await post(client, valid_fields(await form_token(client)))
    page = await resp.text()
    assert resp.status == 429
    assert "çok sayıda başvuru" in page
    assert int(resp.headers["Retry-After"]) > 0
    assert count_requests(hub) == before == 2


async def test_oversized_or_wrong_photo_is_refused(client, hub) -> None:  # noqa: ANN001
    token = await form_token(client)
    big = png_bytes(pad=PHOTO_LIMIT + 10_000)
    resp = await post(client, valid_fields(token), photo=("buyuk.png", big, "image/png"))
    page = await resp.text()
    assert resp.status == 422
    assert "Fotoğraf en fazla" in page
    assert "Sokağımızdaki çöp konteyneri" in page
    fake = await post(
        client, valid_fields(token), photo=("resim.jpg", b"MZ\x90\x00 not an image", "image/jpeg")
    )
    assert fake.status == 422
    assert "JPEG, PNG veya WebP" in await fake.text()
    huge = await post(
        client, valid_fields(token), photo=("dev.png", b"\x00" * (3 * PHOTO_LIMIT + 600_000), "image/png")
    )
    assert huge.status == 413
    assert "izin verilen boyutu aşıyor" in await huge.text()
    assert count_requests(hub) == 0


async def test_double_submit_creates_one_request(client, hub) -> None:  # noqa: ANN001
    token = await form_token(client)
    first = await post(client, valid_fields(token))
    second = await post(client, valid_fields(token))
    assert first.status == second.status == 200
    assert tracking_code(await first.text()) == tracking_code(await second.text())
    assert count_requests(hub) == 1


async def test_forged_token_keeps_input_and_stores_nothing(client, hub) -> None:  # noqa: ANN001
    resp = await post(client, valid_fields("abc.123.deadbeef"))
    page = await resp.text()
    assert resp.status == 400
    assert "Formun süresi dolmuş" in page
    assert "Sokağımızdaki çöp konteyneri" in page
    assert count_requests(hub) == 0


async def test_expired_token_keeps_input_and_stores_nothing(client, hub) -> None:  # noqa: ANN001
    from hub.web import pages

    old = pages.state(hub).signer.issue(now=time.time() - 25 * 3600)
    resp = await post(client, valid_fields(old.value))
    page = await resp.text()
    assert resp.status == 400
    assert "Formun süresi dolmuş" in page and "Sokağımızdaki çöp konteyneri" in page
    fresh = re.search(r'name="form_token" value="([^"]+)"', page)
    assert fresh and html.unescape(fresh.group(1)) != old.value
    assert count_requests(hub) == 0


async def test_cross_site_post_is_refused(client, hub) -> None:  # noqa: ANN001
    data = FormData(valid_fields(await form_token(client)))
    resp = await client.post(
        "/basvuru", data=data, headers={"Authorization": "", "Origin": "https://evil.example"}
    )
    assert resp.status == 403
    assert count_requests(hub) == 0


async def test_script_text_is_escaped_on_every_page(client, hub) -> None:  # noqa: ANN001
    xss = "<script>alert(1)</script>"
    token = await form_token(client)
    # Error page: the form is re-rendered with the text, escaped.
    refused = await post(
        client, valid_fields(token, aciklama=f"Çukur var {xss}", kvkk_onay=None, ad_soyad=xss, adres=xss)
    )
    page = await refused.text()
    assert xss not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    ok = await post(client, valid_fields(token, aciklama=f"Çukur var {xss}", adres=xss))
    page = await ok.text()
    assert xss not in page
    code, link = tracking_code(page), status_link(page)
    # An answer containing markup shows as text on the status page.
    with hub.db.reader() as s:
        rid = s.exec(select(Request.id).where(Request.tracking_code == code)).one()
    reply = await client.post(f"/api/v1/requests/{rid}/reply", json={"text": f"Ekip yönlendirildi. {xss}"})
    assert reply.status == 200, await reply.text()
    status = await client.get(link, headers={"Authorization": ""})
    page = await status.text()
    assert "Ekip yönlendirildi." in page
    assert xss not in page and "&lt;script&gt;" in page
    missing = await client.get(f"/takip/{xss}", headers={"Authorization": ""})
    assert missing.status == 404
    assert xss not in await missing.text()
    lookup = await client.get("/takip", params={"kod": xss}, headers={"Authorization": ""})
    assert lookup.status == 400
    assert xss not in await lookup.text()


async def test_status_page_shows_no_personal_data(client, hub) -> None:  # noqa: ANN001
    token = await form_token(client)
    resp = await post(client, valid_fields(token, aciklama="Evimin önündeki yol çöktü, lütfen bakın."))
    success = await resp.text()
    code, link = tracking_code(success), status_link(success)
    with hub.db.reader() as s:
        rid = s.exec(select(Request.id).where(Request.tracking_code == code)).one()
    answer = (
        "Sayın Zeynep Örnekoğlu, başvurunuz ekiplerimize iletildi ve yol onarıldı. "
        "Sorunuz olursa 0532 111 22 33 numaralı telefonunuzdan sizi arayacağız ya da "
        "zeynep.ornek@example.com adresine yazacağız."
    )
    reply = await client.post(f"/api/v1/requests/{rid}/reply", json={"text": answer, "outcome": "olumlu"})
    assert reply.status == 200, await reply.text()
    # Anyone can guess a tracking code: without the link's key the answer text stays hidden.
    for url in (f"/takip/{code.lower()}", f"/takip/{code}?anahtar=0123456789abcdef"):
        guessed = await client.get(url, headers={"Authorization": ""})
        page = await guessed.text()
        assert guessed.status == 200 and "Cevaplandı" in page
        assert "yol onarıldı" not in page and 'id="cevap-gizli"' in page and "1 cevap verildi" in page
    status = await client.get(link, headers={"Authorization": ""})
    page = await status.text()
    assert status.status == 200
    assert "Cevaplandı" in page
    assert "yol onarıldı" in page
    # The private link greets the citizen by name (their own data, issue 12); nothing else shows it.
    greeting = re.search(r'<p class="greeting" id="selam">(.*?)</p>', page)
    assert greeting and "Zeynep Örnekoğlu" in greeting.group(1)
    page = page.replace(greeting.group(0), "")
    for secret in ("Zeynep", "Örnekoğlu", "0532", "111 22 33", "5321112233", "zeynep.ornek", "example.com",
                   "Evimin önündeki", "Okul sokağı"):  # fmt: skip
        assert secret not in page, secret
    assert status.headers["Cache-Control"] == "no-store"


async def test_status_lookup_and_unknown_code(client, hub) -> None:  # noqa: ANN001
    missing = await client.get("/takip/KAY-2026-999999", headers={"Authorization": ""})
    assert missing.status == 404
    assert "Başvuru bulunamadı" in await missing.text()
    form = await client.get("/takip", headers={"Authorization": ""})
    assert form.status == 200 and 'name="kod"' in await form.text()
    redirect = await client.get("/takip", params={"kod": " kay-2026-000001 "}, allow_redirects=False)
    assert redirect.status == 303
    assert redirect.headers["Location"] == "/takip/KAY-2026-000001"


async def test_mahalle_autocomplete_json(client) -> None:  # noqa: ANN001
    resp = await client.get("/basvuru/mahalle", params={"q": "mevl"}, headers={"Authorization": ""})
    assert resp.status == 200
    body = await resp.json()
    assert body["items"], body
    first = body["items"][0]
    assert set(first) >= {"mahalle", "ilce", "label", "posta_kodu"}
    assert any(i["mahalle"] == "Mevlana" for i in body["items"])
    narrowed = await client.get("/basvuru/mahalle", params={"q": "mevl", "ilce": "Talas"})
    assert all(i["ilce"] == "Talas" for i in (await narrowed.json())["items"])
    short = await client.get("/basvuru/mahalle", params={"q": "m"})
    assert (await short.json())["items"] == []


async def test_form_page_is_turkish_and_escaped_by_default(client) -> None:  # noqa: ANN001
    resp = await client.get("/basvuru", headers={"Authorization": ""})
    page = await resp.text()
    assert resp.status == 200
    for label in (
        "İstek",
        "Şikâyet",
        "İhbar",
        "Görüş-Öneri",
        "Bilgi Edinme",
        "Teşekkür",
        "KVKK Aydınlatma Metni",
    ):
        assert label in page
    assert "script-src 'self'" in resp.headers["Content-Security-Policy"]
    css = await client.get("/static/web/site.css")
    assert css.status == 200


async def test_disabled_form_says_so(client, hub) -> None:  # noqa: ANN001
    hub.settings.webform_enabled = False
    resp = await client.get("/basvuru", headers={"Authorization": ""})
    assert resp.status == 503
    assert "Web formu kapalı" in await resp.text()


async def test_photo_larger_than_json_body_limit_is_accepted(client, hub) -> None:  # noqa: ANN001
    # The API's body limit (1 MB) must not cap photos: the form streams them with its own limit.
    hub.settings.max_attachment_bytes = hub.attachments.max_bytes = 3_000_000
    photo = png_bytes(pad=1_500_000)
    assert len(photo) > hub.settings.max_body_bytes
    resp = await post(client, valid_fields(await form_token(client)), photo=("genis.png", photo, "image/png"))
    assert resp.status == 200, await resp.text()
    code = tracking_code(await resp.text())
    with hub.db.reader() as s:
        rid = s.exec(select(Request.id).where(Request.tracking_code == code)).one()
        msg = s.exec(select(Message).where(Message.request_id == rid)).one()
    assert msg.attachments[0]["size"] == len(photo)
    assert hub.attachments.path(msg.attachments[0]["sha256"]) is not None


async def test_storage_failure_keeps_input_and_logs_no_phone(client, hub, monkeypatch, caplog) -> None:  # noqa: ANN001
    def broken(raw):  # noqa: ANN001, ANN202
        raise RuntimeError(f"database unavailable while writing {raw.sender.phone}")

    monkeypatch.setattr(hub.intake, "ingest", broken)
    resp = await post(client, valid_fields(await form_token(client)))
    page = await resp.text()
    assert resp.status == 503
    assert resp.headers["Retry-After"].isdigit()  # sending again is safe: the form id is the idempotency key
    assert "kaydedilemedi" in page
    assert "Sokağımızdaki çöp konteyneri" in page and 'value="0532 111 22 33"' in page
    assert "Traceback" not in page
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "intake failed" in logged
    assert "5321112233" not in logged and "532 111" not in logged
    assert count_requests(hub) == 0


async def test_text_naming_an_existing_code_is_added_to_that_request(client, hub) -> None:  # noqa: ANN001
    first = await post(client, valid_fields(await form_token(client)))
    code = tracking_code(await first.text())
    follow = await post(
        client, valid_fields(await form_token(client), aciklama=f"{code} için ek bilgi: hâlâ dolu.")
    )
    page = await follow.text()
    assert follow.status == 200
    assert "Mesajınız açıkta olan başvurunuza eklendi" in page
    assert tracking_code(page) == code
    assert count_requests(hub) == 1


async def test_rate_limits_are_shared_by_hub_processes_on_postgresql(hub, settings) -> None:  # noqa: ANN001
    """Two hubs on one PostgreSQL database (as behind a load balancer) count one citizen's
    submissions and status lookups together; the address is stored only as a keyed hash."""
    from aiohttp.test_utils import TestClient, TestServer

    from hub.context import Hub
    from hub.models import RateHit
    from tests.conftest import using_postgres

    if not using_postgres():
        pytest.skip("SQLite is the one-process default; its limits are kept in the process")
    other = Hub(settings)
    a = TestClient(TestServer(hub.app(), host="127.0.0.1"))
    b = TestClient(TestServer(other.app(), host="127.0.0.1"))
    await a.start_server()
    await b.start_server()
    try:
        hub.settings.webform_rate_per_hour = other.settings.webform_rate_per_hour = 2
        assert (await post(a, valid_fields(await form_token(a)))).status == 200
        assert (await post(b, valid_fields(await form_token(b)))).status == 200
        third = await post(a, valid_fields(await form_token(a)))
        assert third.status == 429 and "Çok fazla başvuru" in await third.text()
        assert (await post(b, valid_fields(await form_token(b)))).status == 429
        with hub.db.reader() as s:
            keys = {r.key for r in s.exec(select(RateHit)).all()}
        assert keys and not any("127.0.0.1" in k for k in keys), "no address in clear"
    finally:
        await a.close()
        await b.close()
        other.db.dispose()
