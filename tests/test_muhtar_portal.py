"""The muhtar portal through the hub's real HTTP server: accounts (CLI, CSV import), login with the
staff session, a request through the intake pipeline with the mahalle fixed and the 15-day policy,
the mahalle's requests without other citizens' personal data, the stage SMS, the quarterly report,
and that a muhtar reads nothing outside his mahalle."""

from __future__ import annotations

import re

from aiohttp.test_utils import TestClient
from sqlmodel import select

from hub.auth import SYSTEM_CLI
from hub.models import Contact, Outbox, Request, User
from tests.conftest import ADMIN_KEY

API = {"Authorization": f"Bearer {ADMIN_KEY}"}
PASSWORD = "muhtar-parola-1"
PHONE = "+905321112233"


def add_muhtar(hub, ilce: str = "Talas", mahalle: str = "Mevlana", phone: str = PHONE) -> User:  # noqa: ANN001
    from hub.actions import muhtars

    with hub.db.session() as s:
        u = muhtars.create_muhtar(s, SYSTEM_CLI, name="Hasan Muhtar", phone=phone, ilce=ilce, mahalle=mahalle,
                                  password=PASSWORD)  # fmt: skip
        s.expunge(u)
    return u


def csrf_of(html: str) -> str:
    m = re.search(r'name="csrf" value="([^"]+)"', html)
    assert m
    return m.group(1)


async def login(ui: TestClient, username: str, password: str) -> None:
    page = await (await ui.get("/ui/giris")).text()
    r = await ui.post("/ui/giris", data={"csrf": csrf_of(page), "kullanici": username, "parola": password},
                      allow_redirects=False)  # fmt: skip
    assert r.status == 303, await r.text()


async def submit(ui: TestClient, text: str, **extra: str) -> str:
    page = await (await ui.get("/ui/muhtar/yeni")).text()
    form_id = re.search(r'name="form_id" value="([0-9a-f]{32})"', page).group(1)
    data = {"csrf": csrf_of(page), "form_id": form_id, "tur": "istek", "aciklama": text, **extra}
    r = await ui.post("/ui/muhtar/yeni", data=data, allow_redirects=False)
    assert r.status == 303, await r.text()
    code = re.search(r"kod=([A-Z]{3}-\d{4}-\d{6})", r.headers["Location"]).group(1)
    return code


async def citizen_request(ui: TestClient, text: str) -> dict:
    body = {"text": text, "channel": "phone",
            "contact": {"name": "Zeynep Kılıç", "phone": "0533 444 55 66", "email": "zeynep@example.com"}}  # fmt: skip
    r = await ui.post("/api/v1/requests", json=body, headers=API)
    assert r.status == 201, await r.text()
    return await r.json()


def test_cli_adds_a_muhtar_and_imports_a_csv_reporting_bad_rows(run, hub, tmp_path) -> None:  # noqa: ANN001
    code, out, err = run("user", "add", "muhtar.mevlana", "--role", "muhtar", "--name", "Hasan Muhtar",
                         "--ilce", "talas", "--mahalle", "MEVLANA MAH.", "--phone", "0532 111 22 33",
                         "--password-stdin", stdin=PASSWORD + "\n")  # fmt: skip
    assert code == 0, err
    csv_file = tmp_path / "muhtarlar.csv"
    csv_file.write_text(
        "Ad Soyad;Telefon;İlçe;Mahalle\n"
        "Ali Veli;0532 000 11 22;Kocasinan;Gevher Nesibe\n"
        "Yok Mahalle;0532 000 11 23;Kocasinan;Böyle Bir Yer Yok\n"
        "Kötü Telefon;12;Talas;Bahçelievler\n"
        "Ayşe Muhtar;05320001124;Melikgazi;Gesi Fatih\n",
        encoding="utf-8",
    )
    passwords = tmp_path / "parolalar.csv"
    code, out, err = run("users", "import-muhtars", str(csv_file), "--passwords", str(passwords))
    assert code == 0, err
    assert "2 muhtar hesabı eklendi, 2 satır atlandı" in out
    assert "satır 3: mahalle" in err and "satır 4: phone" in err
    assert (passwords.stat().st_mode & 0o777) == 0o600
    with hub.db.reader() as s:
        rows = {u.username: u for u in s.exec(select(User).where(User.role == "muhtar"))}
    assert rows["muhtar.mevlana"].mahalle == "Mevlana" and rows["muhtar.mevlana"].ilce == "Talas"
    assert rows["muhtar.mevlana"].phone == "+905321112233"
    assert rows["muhtar.kocasinan.gevher-nesibe"].mahalle == "Gevher Nesibe"
    assert len(rows) == 3
    # a first password from the file logs in
    line = passwords.read_text().splitlines()[1].split(",")
    assert line[0] == "muhtar.kocasinan.gevher-nesibe" and len(line[3]) >= 10


async def test_muhtar_submits_sees_his_mahalle_without_personal_data_and_nothing_else(ui, hub) -> None:  # noqa: ANN001
    add_muhtar(hub)
    other = add_muhtar(hub, "Kocasinan", "Gevher Nesibe", "+905329998877")
    assert (await ui.get("/muhtar", allow_redirects=False)).headers["Location"] == "/ui/muhtar/"
    ours = await citizen_request(ui, "Talas Mevlana Mahallesi Gül sokakta ana boru patladı, ben Zeynep Kılıç 0533 444 55 66")
    theirs = await citizen_request(ui, "Kocasinan Gevher Nesibe mahallesi parkında salıncak kırık")
    await login(ui, "muhtar.talas.mevlana", PASSWORD)
    r = await ui.get("/ui/", allow_redirects=False)  # staff home sends a muhtar to his portal
    assert r.headers["Location"] == "/ui/muhtar/"
    code = await submit(ui, "Mahallemizde sokak lambaları yanmıyor, Cami sokağı karanlık.", konu="aydinlatma",
                        enlem="38.6935", boylam="35.5540")  # fmt: skip
    with hub.db.reader() as s:
        req = s.exec(select(Request).where(Request.tracking_code == code)).one()
        contact = s.get(Contact, req.contact_id)
        notices = s.exec(select(Outbox).where(Outbox.request_id == req.id, Outbox.kind == "notify")).all()
    assert (req.channel, req.ilce, req.mahalle, req.location_source) == ("muhtar", "Talas", "Mevlana", "known")
    assert req.topic == "aydinlatma" and req.request_type == "istek"
    assert req.sla_policy == "muhtar" and req.sla_days == 15 and "muhtar" in req.tags
    assert (req.lat, req.lon) == (38.6935, 35.554)
    assert contact.kind == "muhtar" and contact.phone == PHONE
    assert {n.payload["route"]["phone"] for n in notices} == {PHONE}
    home = await (await ui.get("/ui/muhtar/")).text()
    assert code in home and ours["tracking_code"] in home and theirs["tracking_code"] not in home
    assert "Benim talebim" in home
    for secret in ("Zeynep", "Kılıç", "0533", "444 55 66", "zeynep@example.com"):
        assert secret not in home
    detail = await ui.get(f"/ui/muhtar/talep/{ours['tracking_code']}")
    text = await detail.text()
    assert detail.status == 200 and "ana boru patladı" in text and "[TELEFON]" in text and "[AD SOYAD]" in text
    assert "Zeynep" not in text and "0533" not in text
    # another mahalle's request: not found, as if it did not exist
    assert (await ui.get(f"/ui/muhtar/talep/{theirs['tracking_code']}")).status == 404
    # staff pages, reports and the API are closed to him
    for path in ("/ui/kurallar", "/ui/raporlar", f"/ui/talep/{theirs['id']}", f"/ui/talep/{ours['id']}",
                 "/ui/kullanicilar", "/ui/denetim", "/ui/raporlar/muhtar.xlsx"):  # fmt: skip
        assert (await ui.get(path, allow_redirects=False)).status == 403, path
    for path in ("/api/v1/requests", f"/api/v1/requests/{theirs['id']}", "/api/v1/reports/muhtar"):
        assert (await ui.get(path)).status == 401, path  # the session cookie is no API credential
    assert other.mahalle == "Gevher Nesibe"


async def test_staff_cannot_use_the_portal_and_the_answer_reaches_the_muhtar(ui, hub) -> None:  # noqa: ANN001
    add_muhtar(hub)
    await login(ui, "agent", "agent-demo")
    assert (await ui.get("/ui/muhtar/")).status == 403
    ui.session.cookie_jar.clear()
    await login(ui, "muhtar.talas.mevlana", PASSWORD)
    code = await submit(ui, "Mevlana mahallesi Okul sokağında çukur var.", konu="yol-altyapi")
    with hub.db.reader() as s:
        rid = s.exec(select(Request.id).where(Request.tracking_code == code)).one()
    r = await ui.post(f"/api/v1/requests/{rid}/reply", headers=API,
                      json={"text": "Çukur 3 gün içinde kapatılacaktır.", "outcome": "olumlu", "close": True})  # fmt: skip
    assert r.status in (200, 201), await r.text()
    page = await (await ui.get(f"/ui/muhtar/talep/{code}")).text()
    assert "Çukur 3 gün içinde kapatılacaktır." in page and "Olumlu" in page


async def test_quarterly_muhtar_report_counts_portal_requests_with_mbs(ui, hub) -> None:  # noqa: ANN001
    from hub.reports import current_quarter, muhtar_quarter

    add_muhtar(hub)
    await login(ui, "muhtar.talas.mevlana", PASSWORD)
    await submit(ui, "Mevlana mahallesi parkına bank istiyoruz.")
    r = await ui.post("/api/v1/requests", headers=API, json={"text": "MBS: Talas Mevlana yol bozuk", "channel": "mbs"})
    assert r.status == 201
    report = muhtar_quarter(hub.db, current_quarter())
    assert report["totals"]["toplam"] == 2
