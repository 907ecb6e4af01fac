"""The phone app's pages and its one write endpoint (issue 16): department scope, a note with
a photo, "işleme al" and the answer through the actions layer, each stored once per key."""

from __future__ import annotations

import io

from PIL import Image
from sqlmodel import select

from hub.models import Message, Outbox, Request
from hub.models_callbacks import Callback
from hub.models_push import AppActionKey
from tests.test_ui import create, csrf_of, login

SU = {
    "text": "Talas Mevlana Mahallesi Gül sokakta ana boru patladı, sabahtan beri su yok.",
    "channel": "phone",
    "contact": {"name": "Ayşe Yılmaz", "phone": "0532 123 45 67"},
}
JSON = {"Accept": "application/json"}


def jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), "#884422").save(out, "JPEG")
    return out.getvalue()


async def test_public_parts_and_scope(ui, hub) -> None:  # noqa: ANN001
    sw = await ui.get("/ui/uygulama/sw.js")
    assert sw.status == 200 and sw.headers["Service-Worker-Allowed"] == "/ui/uygulama/"
    assert "javascript" in sw.headers["Content-Type"]
    man = await (await ui.get("/ui/uygulama/manifest.webmanifest")).json()
    assert man["display"] == "standalone" and man["start_url"] == "/ui/uygulama/"
    assert {i["sizes"] for i in man["icons"]} >= {"192x192", "512x512"}
    for icon in man["icons"]:
        assert (await ui.get(icon["src"])).status == 200
    r = await ui.get("/ui/uygulama/", allow_redirects=False)
    assert r.status == 303 and "/ui/giris" in r.headers["Location"]

    mine = await create(ui, SU)  # routed to kaski by the rules
    other = await create(
        ui, {**SU, "text": "Mevlana mahallesinde seyyar satıcılar kaldırımı kapatıyor, zabıta gelsin."}
    )
    await login(ui, "kaski")
    page = await (await ui.get("/ui/uygulama/")).text()
    assert mine["tracking_code"] in page and other["tracking_code"] not in page
    assert "Son güncelleme" in page and 'rel="manifest"' in page
    assert (await ui.get(f"/ui/uygulama/talep/{other['id']}")).status == 404


async def test_actions_are_stored_once_per_key(ui, hub) -> None:  # noqa: ANN001
    created = await create(ui, SU)
    rid = created["id"]
    await login(ui, "kaski")
    page = await (await ui.get(f"/ui/uygulama/talep/{rid}")).text()
    csrf = csrf_of(page)
    url = f"/ui/uygulama/talep/{rid}/islem"

    def note_form(key: str) -> dict:
        return {"csrf": csrf, "anahtar": key, "islem": "not", "metin": "Ekip sahada, vana kapatıldı."}

    import aiohttp

    def with_photo(fields: dict) -> aiohttp.FormData:
        form = aiohttp.FormData()
        for k, v in fields.items():
            form.add_field(k, v)
        form.add_field("foto", jpeg(), filename="IMG_0001.jpg", content_type="image/jpeg")
        return form

    key = "k" * 20
    for _ in range(2):  # a retry after a lost answer
        r = await ui.post(url, data=with_photo(note_form(key)), headers=JSON)
        assert r.status == 200, await r.text()
    assert (await r.json())["sonuc"] == "tekrar"
    r = await ui.post(url, data={**note_form("m" * 20), "islem": "ilerle"}, headers=JSON)
    assert (await r.json())["ok"]
    r = await ui.post(url, data={**note_form("n" * 20), "islem": "cevap", "metin": "Arıza giderildi.", "sonuc": "olumlu"},
                      headers=JSON)  # fmt: skip
    assert (await r.json())["ok"], await r.text()
    r = await ui.post(url, data={**note_form("o" * 20), "csrf": "x"}, headers=JSON)
    assert r.status == 403 and (await r.json())["oturum"]
    r = await ui.post(url, data={**note_form("p" * 20), "islem": "sil"}, headers=JSON)
    assert r.status == 400
    r = await ui.post(url, data={**note_form("q" * 20), "islem": "not", "metin": ""}, headers=JSON)
    assert r.status == 400 and "not" not in (await r.json()).get("sonuc", "")

    with hub.db.reader() as s:
        notes = s.exec(select(Message).where(Message.request_id == rid, Message.direction == "note")).all()
        assert len(notes) == 1 and notes[0].external_id == f"app:{key}"
        assert notes[0].attachments[0]["content_type"] == "image/jpeg"
        assert hub.attachments.path(notes[0].attachments[0]["sha256"]) is not None
        req = s.get(Request, rid)
        assert req.outcome == "olumlu"
        # A phone request's answer goes by SMS; with no gateway here the running worker turns it into a
        # call-back (in progress until the call, then answered again): either moment may be seen.
        open_call = s.exec(select(Callback).where(Callback.request_id == rid, Callback.status == "open")).first()
        assert req.status == "answered" or (
            req.status == "in_progress" and open_call is not None and open_call.resume_status == "answered"
        ), req.status
        replies = s.exec(select(Outbox).where(Outbox.request_id == rid, Outbox.kind == "reply")).all()
        assert len(replies) == 1
        keys = s.exec(select(AppActionKey).where(AppActionKey.request_id == rid)).all()
        assert sorted(k.action for k in keys) == ["cevap", "ilerle", "not"]
    detail = await (await ui.get(f"/ui/uygulama/talep/{rid}")).text()
    assert "vana kapatıldı" in detail and "IMG_0001.jpg" in detail

    # without the script: a plain form post redirects back to the request
    r = await ui.post(url, data=note_form("r" * 20), allow_redirects=False)
    assert r.status == 303 and r.headers["Location"].endswith(f"/talep/{rid}?tamam=not")


async def test_an_action_queued_by_another_user_is_refused(ui, hub) -> None:  # noqa: ANN001
    """A shared phone: an action carries the id of the user who queued it ("yazar"); under
    another user's session the hub refuses it (409), so it is never stored in that name."""
    from hub.models import User

    created = await create(ui, SU)
    rid = created["id"]
    with hub.db.reader() as s:
        ids = {u.username: u.id for u in s.exec(select(User).where(User.username.in_(["kaski", "agent"])))}
    await login(ui, "agent")
    page = await (await ui.get(f"/ui/uygulama/talep/{rid}")).text()
    assert f'name="yazar" value="{ids["agent"]}"' in page  # the forms name their user, without script too
    assert f'<meta name="kullanici" content="{ids["agent"]}">' in page
    url = f"/ui/uygulama/talep/{rid}/islem"
    form = {"csrf": csrf_of(page), "islem": "not", "metin": "A'nın sahada yazdığı not."}

    r = await ui.post(url, data={**form, "anahtar": "a" * 20, "yazar": str(ids["kaski"])}, headers=JSON)
    body = await r.json()
    assert r.status == 409 and body["yazar"] and "başka bir kullanıcı" in body["hata"]
    r = await ui.post(
        url, data={**form, "anahtar": "b" * 20, "yazar": str(ids["kaski"])}, allow_redirects=False
    )
    assert r.status == 409  # the plain form too
    r = await ui.post(url, data={**form, "anahtar": "c" * 20, "yazar": str(ids["agent"]), "metin": "Kendi notum."},
                      headers=JSON)  # fmt: skip
    assert r.status == 200 and (await r.json())["ok"]

    with hub.db.reader() as s:
        notes = s.exec(select(Message).where(Message.request_id == rid, Message.direction == "note")).all()
        assert [(n.body, n.author) for n in notes] == [("Kendi notum.", f"user:{ids['agent']}")]
        keys = s.exec(select(AppActionKey).where(AppActionKey.request_id == rid)).all()
        assert [k.key for k in keys] == ["c" * 20]  # the refused keys stay free


async def test_offline_page_names_nobody(ui, hub) -> None:  # noqa: ANN001
    """The offline page is part of the app's shell, which stays on the phone after a sign-out."""
    await login(ui, "kaski")
    page = await (await ui.get("/ui/uygulama/cevrimdisi")).text()
    assert "Çevrimdışısınız" in page
    assert "kaski" not in page and 'name="kullanici"' not in page
    assert '<meta name="csrf" content="">' in page
