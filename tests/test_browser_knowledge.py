"""Turkish search, the knowledge base and canned replies in a real browser (Debian's
chromium; Playwright never downloads one): the queue finds the same rows for ``Çöp`` and
``cop``; a knowledge base suggestion appears while a call is typed and "İlk temasta çözüldü"
closes it, counted on the reports page; ``/`` in the reply box inserts a filled canned reply."""

from __future__ import annotations

from aiohttp.test_utils import TestClient

from hub.models import Request
from tests.browser_support import DESKTOP, SHOTS, chromium, log_in, needs_chromium

pytestmark = needs_chromium

CALLS = [
    ("Melikgazi Esentepe'de ÇÖP konteynerleri taştı, üç gündür toplanmıyor.", "Ayşe Yılmaz", "0532 123 45 67"),
    ("Çöp kamyonu sokağımıza hiç uğramıyor, kokudan duramıyoruz.", "Işıl Öztürk", "0544 765 43 21"),
    ("Talas Mevlana Mahallesi Gül sokakta ana boru patladı, sabahtan beri su yok.", "Mehmet Kılıç", "0505 111 22 33"),
]


async def _seed(server: TestClient) -> list[dict]:
    out = []
    for text, name, phone in CALLS:
        r = await server.post("/api/v1/requests", json={"text": text, "channel": "phone",
                                                          "contact": {"name": name, "phone": phone}})  # fmt: skip
        assert r.status == 201, await r.text()
        out.append(await r.json())
    return out


async def _queue_codes(page, server: TestClient, q: str) -> set[str]:  # noqa: ANN001
    await page.goto(str(server.make_url("/ui/")))
    await page.fill("#ara", q)
    await page.press("#ara", "Enter")
    await page.wait_for_url("**q=*")
    return {c.strip() for c in await page.locator("table.queue tbody td.code a").all_inner_texts()}


async def test_turkish_search_kb_first_contact_and_canned_reply(server, hub) -> None:  # noqa: ANN001
    from playwright.async_api import expect

    cop1, cop2, su = await _seed(server)
    r = await server.post("/api/v1/kb", json={"title": "Kayseri Kart bakiye yükleme", "topic": "ulasim",
                                               "body": "Bakiye duraklardaki dolum makinelerinden ve bayilerden yüklenir.",
                                               "tags": ["kayseri-kart"]})  # fmt: skip
    assert r.status == 201
    entry = await r.json()
    r = await server.post("/api/v1/canned-replies", json={"shortcut": "iletildi", "title": "Birime iletildi",
                                                           "body": "Sayın {ad}, {takip_kodu} numaralı talebiniz {mahalle} için {birim} birimine iletildi."})  # fmt: skip
    assert r.status == 201

    async with chromium() as browser:
        page = await browser.new_page(viewport=DESKTOP, locale="tr-TR")
        await log_in(page, server, "agent")

        # 1. Turkish-case search in the queue
        upper = await _queue_codes(page, server, "Çöp")
        await page.screenshot(path=str(SHOTS / "search_queue_cop_upper.png"))
        plain = await _queue_codes(page, server, "cop")
        assert upper == plain == {cop1["tracking_code"], cop2["tracking_code"]}
        assert await _queue_codes(page, server, "+90 544 765 4321") == {cop2["tracking_code"]}
        assert await _queue_codes(page, server, "IŞIL") == {cop2["tracking_code"]}

        # 2. a knowledge base suggestion while the call is typed, then "İlk temasta çözüldü"
        await page.goto(str(server.make_url("/ui/yeni")))
        await page.fill("#telefon", "0532 999 88 77")
        await page.fill("#ad", "Şükrü Işık")
        await page.locator("#metin").press_sequentially("KAYSERI KART bakiyemi nereden yüklerim", delay=5)
        button = page.locator("#bilgi-onerileri button.fcr")
        await expect(button).to_have_count(1, timeout=5000)
        await expect(page.locator("#bilgi-onerileri")).to_contain_text("Kayseri Kart bakiye yükleme")
        await page.locator("#bilgi-onerileri").scroll_into_view_if_needed()
        await page.screenshot(path=str(SHOTS / "kb_suggestion_new_request.png"))
        await button.click()
        await page.wait_for_url("**/ui/talep/*tamam=ilk-temas*")
        await expect(page.locator(".alert.ok")).to_contain_text("ilk temasta çözüldü")
        await page.screenshot(path=str(SHOTS / "kb_first_contact_closed.png"))
        rid = int(page.url.split("/ui/talep/")[1].split("?")[0])
        with hub.db.reader() as s:
            req = s.get(Request, rid)
            assert req.status == "closed" and req.kb_entry_id == entry["id"] and "ilk-temas" in req.tags
        await page.goto(str(server.make_url("/ui/raporlar/ilk-temas")))
        await expect(page.locator("#ilk-temas-toplam span")).to_have_text("1")
        section = page.locator("#bolum-temsilci")
        await expect(section.locator("#t-temsilci")).to_contain_text("Demo Çağrı Merkezi Personeli")
        await section.scroll_into_view_if_needed()
        await page.screenshot(path=str(SHOTS / "kb_first_contact_report.png"))

        # 3. '/' in the reply box inserts a canned reply with its placeholders filled
        await page.goto(str(server.make_url(f"/ui/talep/{su['id']}")))
        box = page.locator("#cevap-formu textarea")
        await box.click()
        await box.press_sequentially("/ilet", delay=20)
        await expect(page.locator("#hazir-liste")).to_be_visible()
        await expect(page.locator("#hazir-liste li")).to_have_count(1)
        await page.screenshot(path=str(SHOTS / "canned_reply_picker.png"))
        await box.press("Enter")
        value = await box.input_value()
        with hub.db.reader() as s:
            su_row = s.get(Request, su["id"])
        assert value.startswith(f"Sayın Mehmet Kılıç, {su['tracking_code']} numaralı talebiniz "), value
        assert "/ilet" not in value and (su_row.mahalle or "") in value
        await page.screenshot(path=str(SHOTS / "canned_reply_inserted.png"))
