"""Departments send misrouted requests back ("bizim değil"), merging says which request
survives, and "İlet" proposes the rules' department (issue 12C, items 3-5)."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import select

from hub.models import Event, Request
from tests.conftest import add_key
from tests.test_ui import API, PARK, SU, create, csrf_of, login, post_form

DEPT_KEY = "test-kaski-key"


async def relogin(ui, username: str) -> None:  # noqa: ANN001
    ui.session.cookie_jar.clear()
    await login(ui, username)


def selected_department(html: str) -> str | None:
    block = html.split('id="ilet-birim"')[1].split("</select>")[0]
    for option in block.split("<option")[1:]:
        if "selected" in option.split(">")[0]:
            return option.split('value="')[1].split('"')[0]
    return None


async def test_department_sends_a_request_back_with_a_reason(ui, hub) -> None:  # noqa: ANN001
    su = await create(ui, SU)
    assert su["department"] == "kaski"
    with hub.db.reader() as s:
        trace = s.get(Request, su["id"]).routing_trace
    await login(ui, "kaski")
    url = f"/ui/talep/{su['id']}"
    page = await (await ui.get(url)).text()
    assert 'id="bizim-degil"' in page
    # a reason is required, said in Turkish, and nothing changes without one
    status, html = await post_form(ui, url, f"{url}/bizim-degil", {"gerekce": "  "})
    assert status == 400 and "Geri göndermek için gerekçe yazın" in html
    r = await ui.post(f"{url}/bizim-degil", data={"csrf": csrf_of(page), "gerekce": "Şebeke değil, bina içi tesisat"},
                      allow_redirects=False)  # fmt: skip
    assert r.status == 303 and r.headers["Location"] == "/ui/?tamam=geri-gonderildi"
    with hub.db.reader() as s:
        req = s.get(Request, su["id"])
        [ev] = s.exec(select(Event).where(Event.request_id == su["id"], Event.kind == "request.sent_back")).all()
    assert req.department is None and req.status == "triaged" and req.needs_review
    assert req.return_reason == "Şebeke değil, bina içi tesisat" and "birim-iadesi" in req.tags
    assert req.routing_trace == trace, "the routing trace stays"
    assert ev.actor.startswith("user:") and ev.data["department"] == "kaski" and ev.data["reason"] == req.return_reason
    assert (await ui.get(url)).status == 404, "it left the department's list"

    # the agents see it in their queue with the reason, and on the request page
    await relogin(ui, "agent")
    queue = await (await ui.get("/ui/")).text()
    row = queue.split(f'href="/ui/talep/{su["id"]}"')[1].split("</tr>")[0]
    assert "Şebeke değil, bina içi tesisat" in row
    page = await (await ui.get(url)).text()
    assert 'id="geri-gonderme"' in page and "Şebeke değil, bina içi tesisat" in page
    assert "Beyaz Masa&#39;ya geri gönderildi (bizim değil)" in page or "Beyaz Masa'ya geri gönderildi (bizim değil)" in page
    assert selected_department(page) is None, "İlet does not propose the department that refused it"
    # forwarding again answers the reason
    status, _ = await post_form(ui, url, f"{url}/ilet", {"birim": "fen-isleri"})
    with hub.db.reader() as s:
        req = s.get(Request, su["id"])
    assert req.department == "fen-isleri" and req.return_reason is None


async def test_send_back_through_the_api(ui, hub) -> None:  # noqa: ANN001
    add_key(hub, DEPT_KEY, "department", "kaski")
    su = await create(ui, SU)
    dept = {"Authorization": f"Bearer {DEPT_KEY}"}
    r = await ui.post(f"/api/v1/requests/{su['id']}/send-back", json={}, headers=dept)
    assert r.status == 422
    r = await ui.post(f"/api/v1/requests/{su['id']}/send-back", json={"reason": "Bizim değil"}, headers=dept)
    assert r.status == 200, await r.text()
    body = await r.json()
    assert body["department"] is None and body["return_reason"] == "Bizim değil"
    listed = await (await ui.get("/api/v1/requests", params={"status": "triaged"}, headers=API)).json()
    assert any(i["id"] == su["id"] and i["return_reason"] == "Bizim değil" for i in listed["items"])
    # an agent is not a department
    agent = await create(ui, {**SU, "text": SU["text"] + " Acil."})
    add_key(hub, "test-agent-key", "agent")
    r = await ui.post(f"/api/v1/requests/{agent['id']}/send-back", json={"reason": "x"},
                      headers={"Authorization": "Bearer test-agent-key"})  # fmt: skip
    assert r.status == 400


async def test_merge_shows_the_survivor_and_the_agent_can_swap(ui, hub) -> None:  # noqa: ANN001
    old, new = await create(ui, SU), await create(ui, {**SU, "text": SU["text"] + " Hâlâ su yok."})
    with hub.db.session() as s:
        s.get(Request, old["id"]).received_at = s.get(Request, new["id"]).received_at - timedelta(hours=1)
    await login(ui, "agent")
    url = f"/ui/talep/{new['id']}"
    status, html = await post_form(ui, url, f"{url}/birlestir", {"hedef": old["tracking_code"]})
    assert status == 200 and "hangisi kalsın" in html
    checked = html.split("checked")[0].rsplit('value="', 1)[1].split('"')[0]
    assert int(checked) == old["id"], "the older one survives by default"
    assert f"<strong>{old['tracking_code']}</strong> kalır, <strong>{new['tracking_code']}</strong> mükerrer olur" in html
    with hub.db.reader() as s:
        assert s.get(Request, new["id"]).status != "duplicate", "nothing changes before the confirmation"
    # the agent swaps: the newer one survives
    r = await ui.post(f"{url}/birlestir", data={"csrf": csrf_of(html), "hedef": old["tracking_code"], "onay": "1",
                                                "kalan": str(new["id"])}, allow_redirects=False)  # fmt: skip
    assert r.status == 303 and r.headers["Location"].startswith(f"/ui/talep/{new['id']}")
    with hub.db.reader() as s:
        assert s.get(Request, old["id"]).status == "duplicate" and s.get(Request, old["id"]).parent_id == new["id"]
        assert s.get(Request, new["id"]).status != "duplicate"


async def test_merge_default_prefers_the_one_in_progress(ui, hub) -> None:  # noqa: ANN001
    old, new = await create(ui, PARK), await create(ui, {**PARK, "text": PARK["text"] + " Lütfen."})
    with hub.db.session() as s:
        s.get(Request, old["id"]).received_at = s.get(Request, new["id"]).received_at - timedelta(hours=1)
        s.get(Request, old["id"]).status = "triaged"
        s.get(Request, new["id"]).status = "in_progress"
    await login(ui, "agent")
    url = f"/ui/talep/{old['id']}"
    status, html = await post_form(ui, url, f"{url}/birlestir", {"hedef": new["tracking_code"]})
    checked = html.split("checked")[0].rsplit('value="', 1)[1].split('"')[0]
    assert int(checked) == new["id"] and "işlemde olan" in html


async def test_ilet_proposes_the_rules_department(ui, hub) -> None:  # noqa: ANN001
    su = await create(ui, SU)  # the rules send it to KASKİ
    with hub.db.session() as s:  # an agent cleared the department (or it was never set)
        s.get(Request, su["id"]).department = None
    await login(ui, "agent")
    page = await (await ui.get(f"/ui/talep/{su['id']}")).text()
    assert selected_department(page) == "kaski"
    assert "(kuralların önerisi)" in page
