"""Staff account management through the hub's real HTTP server: the admin page /ui/kullanicilar
(forms with CSRF, Turkish refusals, escaping) and the /api/v1/users and /api/v1/api-keys API."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest_asyncio
from aiohttp.test_utils import TestClient
from sqlmodel import func, select

from hub.models import ApiKey, Event, User
from tests.conftest import ADMIN_KEY
from tests.test_ui import csrf_of, login

API = {"Authorization": f"Bearer {ADMIN_KEY}"}
PASSWORD = "Kayseri-38-parola"


@pytest_asyncio.fixture
async def other(hub, ui) -> AsyncIterator[TestClient]:  # noqa: ANN001
    """A second browser (own cookie jar) on the same server."""
    client = TestClient(ui.server)
    yield client
    await client.session.close()


def users_named(hub, username: str) -> list[User]:  # noqa: ANN001
    with hub.db.reader() as s:
        return list(s.exec(select(User).where(User.username == username)))


def events(hub, kind: str) -> list[Event]:  # noqa: ANN001
    with hub.db.reader() as s:
        return list(s.exec(select(Event).where(Event.kind == kind)))


async def add_form(ui: TestClient, **fields: str) -> tuple[int, str]:
    page = await (await ui.get("/ui/kullanicilar")).text()
    data = {"csrf": csrf_of(page), "kullanici": "ayse.yilmaz", "ad": "Ayşe Yılmaz", "rol": "agent", "birim": "",
            "parola": PASSWORD, "parola2": PASSWORD, **fields}  # fmt: skip
    r = await ui.post("/ui/kullanicilar", data=data)
    return r.status, await r.text()


async def test_admin_adds_an_account_that_can_log_in(ui, other, hub) -> None:  # noqa: ANN001
    await login(ui, "admin")
    queue = await (await ui.get("/ui/")).text()
    assert 'href="/ui/kullanicilar"' in queue  # in the admin's menu
    status, html = await add_form(ui, rol="department", birim="kaski")
    assert status == 200 and "Kullanıcı eklendi." in html and "ayse.yilmaz" in html and "Birim" in html
    [user] = users_named(hub, "ayse.yilmaz")
    assert user.role == "department" and user.department_code == "kaski" and user.password_hash != PASSWORD
    [ev] = [e for e in events(hub, "user.created") if e.data.get("username") == "ayse.yilmaz"]
    assert PASSWORD not in str(ev.data) and ev.actor.startswith("user:")
    await login(other, "ayse.yilmaz", PASSWORD)
    assert (await other.get("/ui/", allow_redirects=False)).status == 200


async def test_non_admin_gets_403_on_page_and_api(ui, hub) -> None:  # noqa: ANN001
    await login(ui, "supervisor")
    queue = await (await ui.get("/ui/")).text()
    assert "/ui/kullanicilar" not in queue  # no menu link
    r = await ui.get("/ui/kullanicilar")
    assert r.status == 403 and "yetkiniz yok" in (await r.text()).lower()
    r = await ui.post("/ui/kullanicilar", data={"csrf": csrf_of(queue), "kullanici": "x1", "rol": "admin",
                                                "parola": PASSWORD, "parola2": PASSWORD})  # fmt: skip
    assert r.status == 403 and users_named(hub, "x1") == []
    sup = {"Authorization": "Bearer demo-supervisor-key"}
    for method, path in (("get", "/api/v1/users"), ("post", "/api/v1/users"), ("patch", "/api/v1/users/1"),
                         ("post", "/api/v1/users/1/password"), ("post", "/api/v1/users/1/logout"),
                         ("post", "/api/v1/api-keys"), ("delete", "/api/v1/api-keys/1")):  # fmt: skip
        r = await ui.request(method, path, headers=sup, json={"username": "x2", "password": PASSWORD, "name": "k"})
        assert r.status == 403, (method, path)
        assert (await r.json())["error"] == "forbidden"
    assert users_named(hub, "x2") == []


async def test_post_without_csrf_is_refused(ui, hub) -> None:  # noqa: ANN001
    await login(ui, "admin")
    agent_id = users_named(hub, "agent")[0].id
    base = {"kullanici": "mehmet", "rol": "agent", "parola": PASSWORD, "parola2": PASSWORD}
    for data in (base, {**base, "csrf": "forged"}):
        r = await ui.post("/ui/kullanicilar", data=data)
        assert r.status == 403 and "Form geçersiz" in await r.text()
        r = await ui.post(f"/ui/kullanicilar/{agent_id}/devre-disi", data={k: v for k, v in data.items() if k == "csrf"})
        assert r.status == 403
    assert users_named(hub, "mehmet") == [] and users_named(hub, "agent")[0].active


async def test_bad_input_shows_turkish_error_and_creates_nothing(ui, hub) -> None:  # noqa: ANN001
    await login(ui, "admin")
    before = len(events(hub, "user.created"))
    status, html = await add_form(ui, kullanici="kisa.parola", parola="kisa", parola2="kisa")
    assert status == 400 and "Parola en az 10 karakter olmalıdır." in html and "Traceback" not in html
    assert 'value="kisa.parola"' in html and 'value="kisa"' not in html  # typed name kept, password not
    status, html = await add_form(ui, kullanici="agent")
    assert status == 409 and "«agent» kullanıcı adı zaten kullanılıyor." in html
    status, html = await add_form(ui, kullanici="farkli", parola2=PASSWORD + "x")
    assert status == 400 and "Parolalar aynı değil." in html
    status, html = await add_form(ui, kullanici="birimsiz", rol="department")
    assert status == 400 and "Birim kullanıcısı için birim seçmelisiniz." in html
    status, html = await add_form(ui, kullanici="Büyük Harf")
    assert status == 400 and "Kullanıcı adı 2-50 karakter" in html
    assert all(users_named(hub, n) == [] for n in ("kisa.parola", "farkli", "birimsiz"))
    assert len(users_named(hub, "agent")) == 1 and len(events(hub, "user.created")) == before
    # A short new password for an existing account: refused beside that account's form.
    agent = users_named(hub, "agent")[0]
    page = await (await ui.get("/ui/kullanicilar")).text()
    r = await ui.post(f"/ui/kullanicilar/{agent.id}/parola", data={"csrf": csrf_of(page), "parola": "x", "parola2": "x"})
    assert r.status == 400 and "Parola en az 10 karakter olmalıdır." in await r.text()
    assert users_named(hub, "agent")[0].password_hash == agent.password_hash


async def test_hostile_display_name_is_escaped(ui) -> None:  # noqa: ANN001
    await login(ui, "admin")
    status, html = await add_form(ui, kullanici="xss", ad="<script>alert('x')</script>")
    assert status == 200
    assert "<script>alert" not in html and "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in html
    # Also when the refused form is shown again with what was typed.
    status, html = await add_form(ui, kullanici="xss", ad='"><script>alert(1)</script>')
    assert status == 409 and "<script>alert(1)" not in html and "&#34;&gt;&lt;script&gt;" in html


async def test_password_deactivate_and_logout_forms(ui, other, hub) -> None:  # noqa: ANN001
    await login(other, "agent")
    assert (await other.get("/ui/", allow_redirects=False)).status == 200
    await login(ui, "admin")
    agent = users_named(hub, "agent")[0]
    page = await (await ui.get("/ui/kullanicilar")).text()
    csrf = csrf_of(page)
    r = await ui.post(f"/ui/kullanicilar/{agent.id}/oturumlari-kapat", data={"csrf": csrf})
    assert r.status == 200 and "oturumları kapatıldı" in await r.text()
    assert (await other.get("/ui/", allow_redirects=False)).status == 303  # logged out on the server
    r = await ui.post(f"/ui/kullanicilar/{agent.id}/parola", data={"csrf": csrf, "parola": PASSWORD, "parola2": PASSWORD})
    assert r.status == 200 and "Parola değişti" in await r.text()
    await login(other, "agent", PASSWORD)
    r = await ui.post(f"/ui/kullanicilar/{agent.id}/devre-disi", data={"csrf": csrf})
    assert r.status == 200 and "devre dışı bırakıldı" in await r.text()
    assert not users_named(hub, "agent")[0].active
    assert (await other.get("/ui/", allow_redirects=False)).status == 303
    # The API key issued to that person stops too.
    r = await other.get("/api/v1/requests", headers={"Authorization": "Bearer demo-agent-key"})
    assert r.status == 401
    r = await ui.post(f"/ui/kullanicilar/{agent.id}/etkinlestir", data={"csrf": csrf})
    assert r.status == 200 and users_named(hub, "agent")[0].active
    for kind in ("user.sessions_ended", "user.password_changed", "user.deactivated", "user.activated"):
        assert [e for e in events(hub, kind) if e.data.get("user_id") == agent.id], kind
    r = await ui.post("/ui/kullanicilar/99999/devre-disi", data={"csrf": csrf})
    assert r.status == 404 and "bulunamadı" in await r.text()


async def test_api_user_lifecycle_writes_events(ui, hub) -> None:  # noqa: ANN001
    r = await ui.post("/api/v1/users", headers=API, json={"username": "api.user", "display_name": "API Kullanıcısı",
                                                          "role": "agent", "password": PASSWORD})  # fmt: skip
    assert r.status == 201, await r.text()
    body = await r.json()
    uid = body["id"]
    assert body["username"] == "api.user" and body["has_password"] and "password_hash" not in body
    listing = await (await ui.get("/api/v1/users", headers=API)).text()
    assert "api.user" in listing and "argon2" not in listing and "password_hash" not in listing
    r = await ui.post("/api/v1/users", headers=API, json={"username": "api.user", "role": "agent", "password": PASSWORD})
    assert r.status == 409 and (await r.json())["field"] == "username"
    r = await ui.post("/api/v1/users", headers=API, json={"username": "kisa", "role": "agent", "password": "123"})
    assert r.status == 422 and (await r.json())["field"] == "password" and users_named(hub, "kisa") == []
    r = await ui.post("/api/v1/users", headers=API, json={"username": "rolsuz", "role": "root", "password": PASSWORD})
    assert r.status == 422 and (await r.json())["field"] == "role"

    r = await ui.post("/api/v1/api-keys", headers=API, json={"name": "kişisel", "role": "agent", "user_id": uid})
    own = {"Authorization": f"Bearer {(await r.json())['key']}"}
    assert r.status == 201 and (await ui.get("/api/v1/requests", headers=own)).status == 200
    r = await ui.patch(f"/api/v1/users/{uid}", headers=API, json={"role": "department", "department": "kaski"})
    assert r.status == 200 and (await r.json())["department"] == "kaski"
    r = await ui.patch(f"/api/v1/users/{uid}", headers=API, json={"role": "agent", "department": None, "active": False})
    body = await r.json()
    assert r.status == 200 and body["department"] is None and body["active"] is False and body["role"] == "agent"
    assert (await ui.get("/api/v1/requests", headers=own)).status == 401  # a deactivated person's key stops
    r = await ui.patch("/api/v1/users/99999", headers=API, json={"active": False})
    assert r.status == 404 and (await r.json())["error"] == "refused"
    r = await ui.post(f"/api/v1/users/{uid}/password", headers=API, json={"password": PASSWORD + "-2"})
    assert r.status == 200 and PASSWORD not in await r.text()
    r = await ui.post(f"/api/v1/users/{uid}/logout", headers=API)
    assert r.status == 200
    for kind in ("user.created", "user.updated", "user.deactivated", "user.password_changed", "user.sessions_ended"):
        found = [e for e in events(hub, kind) if e.data.get("user_id") == uid]
        assert found and found[0].actor.startswith("apikey:"), kind
        assert all(PASSWORD not in str(e.data) for e in found)


async def test_api_key_create_and_revoke(ui, hub) -> None:  # noqa: ANN001
    r = await ui.post("/api/v1/api-keys", headers=API, json={"name": "muhtarlık entegrasyonu", "role": "agent"})
    assert r.status == 201, await r.text()
    body = await r.json()
    key, kid = body["key"], body["id"]
    assert "key_hash" not in body and len(key) >= 20
    new = {"Authorization": f"Bearer {key}"}
    assert (await ui.get("/api/v1/requests", headers=new)).status == 200
    r = await ui.get("/api/v1/api-keys", headers=API)
    listing = await r.text()
    assert "muhtarlık entegrasyonu" in [k["name"] for k in (await r.json())["items"]]
    assert key not in listing and "key_hash" not in listing
    r = await ui.delete(f"/api/v1/api-keys/{kid}", headers=API)
    assert r.status == 200 and (await r.json())["revoked"] is True and "key_hash" not in await r.text()
    r = await ui.get("/api/v1/requests", headers=new)
    assert r.status == 401 and (await r.json())["error"] == "unauthorized"
    assert (await ui.delete("/api/v1/api-keys/99999", headers=API)).status == 404
    r = await ui.post("/api/v1/api-keys", headers=API, json={"name": "k", "role": "agent", "user_id": 99999})
    assert r.status == 404 and (await r.json())["field"] == "user_id"
    [created] = [e for e in events(hub, "apikey.created") if e.data.get("key_id") == kid]
    [revoked] = events(hub, "apikey.revoked")
    assert revoked.data["key_id"] == kid and key not in str(created.data) + str(revoked.data)
    with hub.db.reader() as s:
        assert s.exec(select(func.count()).select_from(ApiKey).where(ApiKey.name == "k")).one() == 0


async def test_role_and_department_form(ui, hub) -> None:  # noqa: ANN001
    await login(ui, "admin")
    agent = users_named(hub, "agent")[0]
    admin = users_named(hub, "admin")[0]
    csrf = csrf_of(await (await ui.get("/ui/kullanicilar")).text())
    # A department user needs a department: refused in Turkish, nothing changes.
    r = await ui.post(f"/ui/kullanicilar/{agent.id}/rol", data={"csrf": csrf, "rol": "department", "birim": ""})
    assert r.status == 400 and "Birim kullanıcısı için birim seçmelisiniz" in await r.text()
    assert users_named(hub, "agent")[0].role == "agent"
    r = await ui.post(f"/ui/kullanicilar/{agent.id}/rol", data={"csrf": csrf, "rol": "department", "birim": "kaski"})
    page = await r.text()
    assert r.status == 200 and "Rol ve birim kaydedildi" in page
    moved = users_named(hub, "agent")[0]
    assert (moved.role, moved.department_code) == ("department", "kaski")
    assert "KASKİ" in page  # the department's name, not its code
    [ev] = [e for e in events(hub, "user.updated") if e.data.get("user_id") == agent.id]
    assert ev.data["changes"]["role"] == {"before": "agent", "after": "department"}
    # The only admin cannot demote themselves.
    r = await ui.post(f"/ui/kullanicilar/{admin.id}/rol", data={"csrf": csrf, "rol": "agent", "birim": ""})
    assert r.status == 409 and "Son etkin yönetici" in await r.text()
    assert users_named(hub, "admin")[0].role == "admin"
