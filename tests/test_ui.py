"""The staff web UI through the hub's real HTTP server: login, CSRF, the queue, the
request page and its forms, rules with a broken YAML, and quarantine retry."""

from __future__ import annotations

import re

import pytest
from aiohttp.test_utils import TestClient
from sqlmodel import select

from hub.models import Message, Outbox, Quarantine, Request
from hub.rules import RulesError
from tests.conftest import ADMIN_KEY

API = {"Authorization": f"Bearer {ADMIN_KEY}"}
SU = {
    "text": "Talas Mevlana Mahallesi Gül sokakta ana boru patladı, sabahtan beri su yok.",
    "channel": "phone",
    "contact": {"name": "Ayşe Yılmaz", "phone": "0532 123 45 67"},
}
PARK = {
    "text": "Kocasinan Yeşil mahallesi parkında salıncak kırık, çocuklar yaralanabilir.",
    "channel": "webform",
    "contact": {"name": "Mehmet Kaya", "email": "mehmet@example.com"},
}


def csrf_of(html: str) -> str:
    m = re.search(r'name="csrf" value="([^"]+)"', html)
    assert m, "every form carries a CSRF token"
    return m.group(1)


async def login(ui: TestClient, username: str, password: str | None = None) -> None:
    page = await (await ui.get("/ui/giris")).text()
    r = await ui.post(
        "/ui/giris",
        data={"csrf": csrf_of(page), "kullanici": username, "parola": password or f"{username}-demo"},
        allow_redirects=False,
    )
    assert r.status == 303, await r.text()


async def create(ui: TestClient, body: dict) -> dict:
    r = await ui.post("/api/v1/requests", json=body, headers=API)
    assert r.status == 201, await r.text()
    return await r.json()


async def post_form(ui: TestClient, page_url: str, action: str, data: dict) -> tuple[int, str]:
    page = await (await ui.get(page_url)).text()
    r = await ui.post(action, data={"csrf": csrf_of(page), **data})
    return r.status, await r.text()


async def test_pages_need_login(ui) -> None:  # noqa: ANN001
    for path in ("/ui/", "/ui/talep/1", "/ui/kurallar", "/ui/karantina"):
        r = await ui.get(path, allow_redirects=False)
        assert r.status == 303
        assert r.headers["Location"].startswith("/ui/giris?sonra=")
    # The API key of a script is no session: the UI still asks for a login.
    r = await ui.get("/ui/", headers=API, allow_redirects=False)
    assert r.status == 303


async def test_bad_password_is_refused_without_saying_which_part(ui) -> None:  # noqa: ANN001
    page = await (await ui.get("/ui/giris")).text()
    for user, password in (("agent", "wrong"), ("nobody", "agent-demo")):
        r = await ui.post("/ui/giris", data={"csrf": csrf_of(page), "kullanici": user, "parola": password},
                          allow_redirects=False)  # fmt: skip
        assert r.status == 401
        assert "Kullanıcı adı ya da parola hatalı." in await r.text()
    assert (await ui.get("/ui/", allow_redirects=False)).status == 303


async def test_session_cookie_is_httponly_and_samesite(ui) -> None:  # noqa: ANN001
    page = await (await ui.get("/ui/giris")).text()
    r = await ui.post("/ui/giris", data={"csrf": csrf_of(page), "kullanici": "agent", "parola": "agent-demo"},
                      allow_redirects=False)  # fmt: skip
    cookie = next(v for k, v in r.headers.items() if k.lower() == "set-cookie" and v.startswith("th_ui="))
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert (await ui.get("/ui/")).status == 200


async def test_repeated_failed_logins_are_throttled(ui, monkeypatch) -> None:  # noqa: ANN001
    """The account waits after its fifth failure (more in tests/test_login_throttle.py)."""
    from hub.models import utcnow
    from hub.ui import login_throttle

    frozen = utcnow()
    monkeypatch.setattr(login_throttle, "utcnow", lambda: frozen)  # a slow machine cannot outwait it
    page = await (await ui.get("/ui/giris")).text()
    statuses = []
    for _ in range(7):
        r = await ui.post("/ui/giris", data={"csrf": csrf_of(page), "kullanici": "agent", "parola": "x"})
        statuses.append(r.status)
    assert statuses[:5] == [401] * 5 and statuses[-1] == 429
    # Even the right password waits.
    r = await ui.post("/ui/giris", data={"csrf": csrf_of(page), "kullanici": "agent", "parola": "agent-demo"})
    assert r.status == 429 and "sonra tekrar deneyin" in await r.text() and int(r.headers["Retry-After"]) >= 1


async def test_post_without_csrf_is_refused_and_changes_nothing(ui, hub) -> None:  # noqa: ANN001
    req = await create(ui, SU)
    await login(ui, "agent")
    r = await ui.post(f"/ui/talep/{req['id']}/ustlen", data={})
    assert r.status == 403
    r = await ui.post(f"/ui/talep/{req['id']}/ustlen", data={"csrf": "forged"})
    assert r.status == 403
    with hub.db.reader() as s:
        assert s.get(Request, req["id"]).assignee_id is None
    # A login form posted without its token is refused too.
    r = await ui.post("/ui/giris", data={"kullanici": "agent", "parola": "agent-demo"}, allow_redirects=False)
    assert r.status == 403


async def test_queue_lists_requests_and_filters(ui) -> None:  # noqa: ANN001
    su, park = await create(ui, SU), await create(ui, PARK)
    await login(ui, "agent")
    html = await (await ui.get("/ui/")).text()
    assert su["tracking_code"] in html and park["tracking_code"] in html
    assert "Süresinde" in html  # SLA state in Turkish
    assert "Su ve Kanalizasyon" in html  # topics by their Turkish names, not codes
    html = await (await ui.get("/ui/", params={"department": "kaski"})).text()
    assert su["tracking_code"] in html and park["tracking_code"] not in html
    html = await (await ui.get("/ui/", params={"q": "salıncak"})).text()
    assert park["tracking_code"] in html and su["tracking_code"] not in html
    detail = await (await ui.get(f"/ui/talep/{su['id']}")).text()
    assert "<dd>Vatandaş</dd>" in detail and "<dd>citizen</dd>" not in detail  # contact kind in Turkish


async def test_queue_pages_with_daha_fazla(ui, hub) -> None:  # noqa: ANN001
    from hub.ui import queue

    codes = [(await create(ui, {**PARK, "text": f"Parkta kırık bank var, numara {i}."}))["tracking_code"]
             for i in range(3)]  # fmt: skip
    old, queue.PAGE_SIZE = queue.PAGE_SIZE, 2
    try:
        await login(ui, "agent")
        first = await (await ui.get("/ui/")).text()
        more = re.search(r'id="daha-fazla" href="([^"]+)"', first)
        assert more, "a second page is offered"
        second = await (await ui.get(more.group(1).replace("&amp;", "&"))).text()
    finally:
        queue.PAGE_SIZE = old
    assert codes[2] in first and codes[1] in first and codes[0] not in first
    assert codes[0] in second


async def test_department_user_sees_only_own_department(ui) -> None:  # noqa: ANN001
    su, park = await create(ui, SU), await create(ui, PARK)
    assert su["department"] == "kaski" and park["department"] != "kaski"
    await login(ui, "kaski")
    html = await (await ui.get("/ui/")).text()
    assert su["tracking_code"] in html and park["tracking_code"] not in html
    assert (await ui.get(f"/ui/talep/{su['id']}")).status == 200
    r = await ui.get(f"/ui/talep/{park['id']}")
    assert r.status == 404 and "Talep bulunamadı" in await r.text()
    # Department users see contact details masked.
    html = await (await ui.get(f"/ui/talep/{su['id']}")).text()
    assert "+905321234567" not in html and "67" in html


async def test_detail_escapes_citizen_text_and_explains_routing(ui) -> None:  # noqa: ANN001
    req = await create(ui, {**SU, "text": "<script>alert('x')</script> Talas Mevlana mahallesinde su yok."})
    await login(ui, "agent")
    html = await (await ui.get(f"/ui/talep/{req['id']}")).text()
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in html
    assert "Neden bu birime gitti?" in html and "Uydu" in html
    assert "+905321234567" in html  # agents may see the contact


async def test_reply_form_creates_outbound_message_and_outbox_row(ui, hub) -> None:  # noqa: ANN001
    req = await create(ui, SU)
    await login(ui, "agent")
    url = f"/ui/talep/{req['id']}"
    status, html = await post_form(ui, url, f"{url}/ustlen", {})
    assert status == 200 and "Talebi üstlendiniz." in html
    status, html = await post_form(ui, url, f"{url}/cevapla",
                                   {"metin": "Arıza giderildi, suyunuz verildi.", "sonuc": "olumlu", "kapat": "1"})  # fmt: skip
    assert status == 200 and "Kapatıldı" in html
    with hub.db.reader() as s:
        r = s.get(Request, req["id"])
        assert r.outcome == "olumlu" and r.assignee_id is not None
        # By phone with no SMS gateway the answer must be read out: once the worker has seen that,
        # the request waits for its call-back (which closes it again), else it is closed.
        from hub.models_callbacks import Callback

        waiting = s.exec(select(Callback).where(Callback.request_id == r.id, Callback.status == "open")).first()
        assert r.status == "closed" or (waiting and waiting.resume_status == "closed" and r.status == "in_progress")
        out = s.exec(select(Message).where(Message.request_id == r.id, Message.direction == "out")).all()
        assert [m.body for m in out] == ["Arıza giderildi, suyunuz verildi."]
        assert (
            s.exec(select(Outbox).where(Outbox.request_id == r.id, Outbox.kind == "reply")).first()
            is not None
        )


async def test_refused_action_shows_turkish_message_and_keeps_input(ui, hub) -> None:  # noqa: ANN001
    req = await create(ui, SU)
    await login(ui, "agent")
    url = f"/ui/talep/{req['id']}"
    status, html = await post_form(ui, url, f"{url}/kapat", {"sonuc": ""})
    assert status == 400 and "Kapatmak için sonuç" in html and "Traceback" not in html
    status, html = await post_form(ui, url, f"{url}/birlestir", {"hedef": "KAY-1999-000001"})
    assert status == 400 and "Birleştirilecek talep bulunamadı." in html
    assert 'value="KAY-1999-000001"' in html
    with hub.db.reader() as s:
        assert s.get(Request, req["id"]).status != "closed"


async def test_broken_rules_show_the_error_and_keep_the_old_version(ui, hub) -> None:  # noqa: ANN001
    before = hub.rules.version
    await login(ui, "supervisor")
    broken = "rules:\n  - id: x\n    when: {topicc: su}\n"
    status, html = await post_form(ui, "/ui/kurallar", "/ui/kurallar", {"metin": broken, "islem": "dene"})
    assert status == 422 and "Kurallarda hata var" in html and "bilinmeyen koşul: topicc" in html
    assert 'id="etkinlestir"' not in html  # nothing to activate
    status, html = await post_form(ui, "/ui/kurallar", "/ui/kurallar",
                                   {"metin": broken, "islem": "etkinlestir", "aciklama": "deneme"})  # fmt: skip
    assert status == 422 and "denenmeden etkinleştirilemez" in html
    assert hub.rules.version == before
    # A broken file on disk is kept out the same way, and the page says so.
    with pytest.raises(RulesError):
        hub.rules.activate_text(broken)
    page = await (await ui.get("/ui/kurallar")).text()
    last_error = re.search(r'id="son-hata">(.*?)</dd>', page, re.S).group(1)
    assert "Yok" not in last_error and len(last_error) > 20
    # The agent may read rules but not activate them.
    await ui.post("/ui/cikis", data={"csrf": csrf_of(page)})
    await login(ui, "agent")
    status, html = await post_form(ui, "/ui/kurallar", "/ui/kurallar", {"metin": hub.rules.status()["source"],
                                                                        "islem": "etkinlestir"})  # fmt: skip
    assert status == 403 and "yetkiniz yok" in html


async def test_quarantine_retry_ingests_the_fixed_input(ui, hub) -> None:  # noqa: ANN001
    mail = (
        b"From: Ali Veli <ali@example.com>\r\nTo: beyazmasa@kayseri.bel.tr\r\nSubject: Su kesintisi\r\n"
        b"Message-ID: <q-1@example.com>\r\nDate: Mon, 02 Nov 2026 10:00:00 +0300\r\n"
        b"Content-Type: text/plain; charset=utf-8\r\n\r\nTalas Mevlana mahallesinde iki gundur su yok.\r\n"
    )
    with hub.db.session() as s:
        good = Quarantine(channel="email", raw=mail, error="intake failed: OperationalError")
        bad = Quarantine(channel="x", raw=b"\x00garbage", error="cannot parse")
        s.add(good)
        s.add(bad)
        s.flush()
        good_id, bad_id = good.id, bad.id
    await login(ui, "agent")
    html = await (await ui.get("/ui/karantina")).text()
    assert "intake failed: OperationalError" in html
    status, html = await post_form(ui, "/ui/karantina", f"/ui/karantina/{good_id}/yeniden", {})
    assert status == 200 and "yeniden işlendi" in html
    status, html = await post_form(ui, "/ui/karantina", f"/ui/karantina/{bad_id}/yeniden", {})
    assert status == 400 and "Yeniden deneme başarısız" in html
    with hub.db.reader() as s:
        assert s.get(Quarantine, good_id).status == "resolved"
        assert s.get(Quarantine, bad_id).status == "new"
        assert s.exec(select(Request).where(Request.channel == "email")).first() is not None


async def test_merge_all_duplicate_candidates(ui, hub) -> None:  # noqa: ANN001
    a = await create(ui, SU)
    b = await create(ui, {**SU, "contact": {"name": "Veli", "phone": "0533 222 33 44"}})
    with hub.db.session() as s:  # make the candidate explicit, whatever the detector found
        r = s.get(Request, a["id"])
        r.classification = {
            **(r.classification or {}),
            "duplicates": [{"request_id": b["id"], "score": 0.93}],
        }
        s.add(r)
    await login(ui, "agent")
    url = f"/ui/talep/{a['id']}"
    html = await (await ui.get(url)).text()
    assert b["tracking_code"] in html and "Hepsini bu talebe birleştir" in html
    status, html = await post_form(ui, url, f"{url}/hepsini-birlestir", {"aday": str(b["id"])})
    assert status == 200 and "birleştirildi" in html
    with hub.db.reader() as s:
        assert s.get(Request, b["id"]).parent_id == a["id"]


async def test_reports_page_and_xlsx(ui) -> None:  # noqa: ANN001
    await create(ui, {**SU, "channel": "mbs"})
    await login(ui, "supervisor")
    html = await (await ui.get("/ui/raporlar")).text()
    assert "Mahalle ihtiyaçları" in html
    assert "Mevlana" in await (await ui.get("/ui/raporlar/mahalle")).text()
    r = await ui.get("/ui/raporlar/muhtar.xlsx")
    assert r.status == 200 and (await r.read())[:2] == b"PK"
    r = await ui.get("/ui/raporlar", params={"donem": "bozuk"})
    assert r.status == 400 and "2026Q3" in await r.text()


async def test_reports_show_which_departments_are_behind(ui, hub) -> None:  # noqa: ANN001
    from datetime import timedelta

    from hub.models import utcnow
    from hub.reports import deadlines_by_department

    ids = [(await create(ui, {**SU, "text": SU["text"] + f" ({i})"}))["id"] for i in range(4)]
    with hub.db.session() as s:
        late, warned, paused = (s.get(Request, i) for i in ids[:3])
        late.due_at = utcnow() - timedelta(days=2)
        warned.sla_warned_at, warned.due_at = utcnow(), utcnow() + timedelta(days=1)
        paused.sla_paused_since = utcnow()
        dept = late.department
    [row] = [r for r in deadlines_by_department(hub.db) if r["department"] == dept]
    assert (row["acik"], row["gecikmis"], row["riskli"], row["bekletilen"], row["zamaninda"]) == (4, 1, 1, 1, 1)
    api = await (await ui.get("/api/v1/reports/deadlines", headers=API)).json()
    [same] = [r for r in api["items"] if r["department"] == dept]
    assert same["gecikmis"] == 1 and same["en_eski_gecikme"].startswith(str(late.due_at.year))
    await login(ui, "supervisor")
    html = await (await ui.get("/ui/raporlar/sureler")).text()
    section = html.split('id="t-birimler"')[1].split("</table>")[0]
    assert "KASKİ" in section and f'href="/ui/?department={dept}&amp;geciken=1"' in section


async def test_saved_filter_is_listed_and_applied(ui) -> None:  # noqa: ANN001
    su, park = await create(ui, SU), await create(ui, PARK)
    await login(ui, "agent")
    status, html = await post_form(ui, "/ui/", "/ui/filtreler", {"ad": "KASKİ işleri", "department": "kaski"})
    assert status == 200 and "KASKİ işleri" in html
    assert su["tracking_code"] in html and park["tracking_code"] not in html
    status, html = await post_form(ui, "/ui/", "/ui/filtreler", {"ad": "boş"})
    assert status == 400 and "en az bir süzgeç" in html


async def test_attachment_downloads_only_as_a_file(ui, hub) -> None:  # noqa: ANN001
    from datetime import UTC, datetime

    from connectors.base import Attachment, RawMessage, Sender

    raw = RawMessage(
        channel="email", external_id="att-1", text="Talas Mevlana mahallesinde su borusu patladı, fotoğraf ekte.",
        received_at=datetime.now(UTC), sender=Sender(name="Ali", email="ali@example.com"),
        attachments=[Attachment("<b>foto</b>.jpg", "image/jpeg", b"\xff\xd8\xff fake jpeg")],
    )  # fmt: skip
    rid = hub.intake.ingest(raw).request_id
    await login(ui, "agent")
    html = await (await ui.get(f"/ui/talep/{rid}")).text()
    link = re.search(rf'href="(/ui/talep/{rid}/ek/[0-9a-f]{{64}})"', html)
    assert link and "&lt;b&gt;foto&lt;/b&gt;.jpg" in html
    r = await ui.get(link.group(1))
    assert r.status == 200 and await r.read() == b"\xff\xd8\xff fake jpeg"
    assert r.headers["Content-Disposition"].startswith("attachment;")
    assert (await ui.get(f"/ui/talep/{rid}/ek/{'0' * 64}")).status == 404
