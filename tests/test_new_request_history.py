"""Yeni talep (issue 12C, item 2): looking the caller up keeps what the agent typed, and a
call can be added to the caller's earlier request instead of opening a new one."""

from __future__ import annotations

from sqlmodel import func, select

from hub.models import Event, Message, Request
from tests.test_ui import SU, create, csrf_of, login
from tests.test_ui_new_request import token_of

TYPED = "Dün bildirdiğim boru hâlâ akıtıyor, sokak göle döndü."


def count(hub) -> int:  # noqa: ANN001
    with hub.db.reader() as s:
        return s.exec(select(func.count()).select_from(Request)).one()


async def form_with_history(ui) -> tuple[dict, str]:  # noqa: ANN001
    page = await (await ui.get("/ui/yeni")).text()
    form = {"csrf": csrf_of(page), "token": token_of(page), "kanal": "phone", "telefon": "0532 123 45 67", "ad": "",
            "eposta": "", "kisi_turu": "citizen", "tur": "", "ilce": "Talas", "mahalle": "", "adres": "Gül sokak 5",
            "metin": TYPED}  # fmt: skip
    r = await ui.post("/ui/yeni", data={**form, "islem": "gecmis"})
    return form, await r.text()


async def test_lookup_keeps_what_was_typed(ui, hub) -> None:  # noqa: ANN001
    earlier = await create(ui, SU)
    await login(ui, "agent")
    before = count(hub)
    _, html = await form_with_history(ui)
    assert 'id="gecmis"' in html and earlier["tracking_code"] in html
    assert TYPED in html and 'value="Gül sokak 5"' in html and '<option value="Talas" selected>' in html
    assert 'value="Ayşe Yılmaz"' in html, "the caller's name comes from their history"
    assert count(hub) == before, "looking up creates nothing"
    bad = await ui.post("/ui/yeni", data={"csrf": csrf_of(html), "telefon": "12", "metin": TYPED, "islem": "gecmis"})
    assert bad.status == 400 and TYPED in await bad.text()


async def test_a_call_is_added_to_an_earlier_request(ui, hub) -> None:  # noqa: ANN001
    earlier = await create(ui, SU)
    await login(ui, "agent")
    before = count(hub)
    form, html = await form_with_history(ui)
    assert f'id="ekle-{earlier["id"]}"' in html
    r = await ui.post("/ui/yeni", data={**form, "csrf": csrf_of(html), "ekle": str(earlier["id"])}, allow_redirects=False)
    assert r.status == 303 and r.headers["Location"] == f"/ui/talep/{earlier['id']}?tamam=arama-eklendi"
    again = await ui.post("/ui/yeni", data={**form, "csrf": csrf_of(html), "ekle": str(earlier["id"])}, allow_redirects=False)
    assert again.status == 303, "a resent form adds nothing twice"
    assert count(hub) == before, "no new request"
    with hub.db.reader() as s:
        msgs = s.exec(select(Message).where(Message.request_id == earlier["id"], Message.direction == "in")).all()
        [ev] = s.exec(select(Event).where(Event.request_id == earlier["id"], Event.kind == "request.call_added")).all()
    assert [m.body for m in msgs][-1] == TYPED and sum(m.body == TYPED for m in msgs) == 1
    assert ev.actor.startswith("user:") and ev.data["channel"] == "phone"
    page = await (await ui.get(f"/ui/talep/{earlier['id']}?tamam=arama-eklendi")).text()
    assert "Arama bu talebe mesaj olarak eklendi" in page and TYPED in page and "Arama bu talebe eklendi" in page
