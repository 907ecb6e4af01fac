"""Muhtar accounts by admins: the users API (201, and 422 naming the field for an unknown ilçe or
mahalle, a bad phone, a department), the Kullanıcılar page, and ``user list`` showing the mahalle."""

from __future__ import annotations

import json
import re

from sqlmodel import select

from hub.models import Event, User
from tests.conftest import ADMIN_KEY
from tests.test_muhtar_portal import csrf_of, login

API = {"Authorization": f"Bearer {ADMIN_KEY}"}
NEW = {"username": "muhtar.mevlana", "display_name": "Hasan Muhtar", "role": "muhtar", "password": "muhtar-parola-1",
       "ilce": "talas", "mahalle": "MEVLANA MAH.", "phone": "0532 111 22 33"}  # fmt: skip


async def test_api_creates_a_muhtar_and_names_the_field_it_refuses(ui, hub) -> None:  # noqa: ANN001
    r = await ui.post("/api/v1/users", json=NEW, headers=API)
    assert r.status == 201, await r.text()
    body = await r.json()
    assert (body["role"], body["ilce"], body["mahalle"]) == ("muhtar", "Talas", "Mevlana")
    assert body["phone"] == "+90532*****33" and body["department"] is None  # masked in the answer
    with hub.db.reader() as s:
        user = s.exec(select(User).where(User.username == "muhtar.mevlana")).one()
        event = s.exec(select(Event).where(Event.kind == "user.created", Event.data["user_id"].as_integer() == user.id)).one()  # noqa: E501
    assert user.phone == "+905321112233" and user.mahalle == "Mevlana"
    assert "5321112233" not in json.dumps(event.data)  # the audit event names the mahalle, not the number
    listed = {u["username"]: u for u in (await (await ui.get("/api/v1/users", headers=API)).json())["items"]}
    assert listed["muhtar.mevlana"]["mahalle"] == "Mevlana"

    for change, field in (
        ({"ilce": "Atlantis"}, "ilce"),
        ({"mahalle": "Böyle Bir Yer Yok"}, "mahalle"),
        ({"mahalle": None}, "mahalle"),
        ({"phone": "12"}, "phone"),
        ({"phone": None}, "phone"),
        ({"department": "fen-isleri"}, "department"),
        ({"role": "agent"}, "ilce"),  # a mahalle is only for muhtars
        ({"role": "rector"}, "role"),
    ):
        r = await ui.post("/api/v1/users", json={**NEW, "username": "muhtar.yeni", **change}, headers=API)
        assert r.status == 422, (change, r.status, await r.text())
        assert (await r.json())["field"] == field, (change, await r.text())
    # a muhtar keeps his role; he gets no API key
    r = await ui.patch(f"/api/v1/users/{user.id}", json={"role": "agent"}, headers=API)
    assert r.status == 400 and (await r.json())["field"] == "role"
    r = await ui.patch(f"/api/v1/users/{user.id}", json={"display_name": "Hasan Yılmaz"}, headers=API)
    assert r.status == 200 and (await r.json())["display_name"] == "Hasan Yılmaz"
    r = await ui.post("/api/v1/api-keys", json={"name": "m", "role": "muhtar"}, headers=API)
    assert r.status == 422 and (await r.json())["field"] == "role"
    # and he can log in to his portal
    await login(ui, "muhtar.mevlana", NEW["password"])
    assert (await ui.get("/ui/muhtar/")).status == 200


async def test_admin_page_adds_a_muhtar_and_explains_refusals_in_turkish(ui, hub) -> None:  # noqa: ANN001
    await login(ui, "admin", "admin-demo")
    page = await (await ui.get("/ui/kullanicilar")).text()
    assert '<option value="muhtar">' in page and 'id="mahalle"' in page and 'id="telefon"' in page
    form = {"csrf": csrf_of(page), "kullanici": "muhtar.gesi", "ad": "Ayşe Muhtar", "rol": "muhtar", "birim": "",
            "ilce": "Melikgazi", "mahalle": "Yok Böyle Mahalle", "telefon": "0532 000 11 24",
            "parola": "muhtar-parola-2", "parola2": "muhtar-parola-2"}  # fmt: skip
    r = await ui.post("/ui/kullanicilar", data=form, allow_redirects=False)
    assert r.status == 422
    text = await r.text()
    assert "Mahalle bu ilçede bulunamadı" in text and 'value="Yok Böyle Mahalle"' in text  # kept for correcting
    assert "muhtar-parola-2" not in text
    r = await ui.post("/ui/kullanicilar", data={**form, "mahalle": "Gesi Fatih"}, allow_redirects=False)
    assert r.status == 303, await r.text()
    page = await (await ui.get("/ui/kullanicilar")).text()
    row = re.search(r'<tr id="u\d+">\s*<td><code>muhtar\.gesi</code>.*?</tr>', page, re.S).group(0)
    assert "Gesi Fatih Mah. (Melikgazi)" in row and "Rol / birim" not in row
    with hub.db.reader() as s:
        user = s.exec(select(User).where(User.username == "muhtar.gesi")).one()
    assert (user.role, user.ilce, user.mahalle, user.phone) == ("muhtar", "Melikgazi", "Gesi Fatih", "+905320001124")
    # a staff account with a mahalle is refused, in Turkish
    r = await ui.post("/ui/kullanicilar", data={**form, "kullanici": "ajan2", "rol": "agent", "mahalle": "Gesi Fatih"},
                      allow_redirects=False)  # fmt: skip
    assert r.status == 422 and "yalnızca muhtar hesapları içindir" in await r.text()


def test_user_list_shows_the_muhtars_mahalle(run) -> None:  # noqa: ANN001
    code, _, err = run("user", "add", "muhtar.mevlana", "--role", "muhtar", "--name", "Hasan Muhtar",
                       "--ilce", "Talas", "--mahalle", "Mevlana", "--phone", "0532 111 22 33",
                       "--password-stdin", stdin="muhtar-parola-1\n")  # fmt: skip
    assert code == 0, err
    code, out, err = run("user", "add", "ajan", "--role", "agent", "--name", "Ajan", "--password-stdin",
                         stdin="ajan-parola-12\n")  # fmt: skip
    assert code == 0, err
    code, out, err = run("user", "list")
    assert code == 0, err
    rows = {u["username"]: u for u in json.loads(out)}
    assert (rows["muhtar.mevlana"]["ilce"], rows["muhtar.mevlana"]["mahalle"]) == ("Talas", "Mevlana")
    assert "mahalle" not in rows["ajan"] and "phone" not in rows["muhtar.mevlana"]
