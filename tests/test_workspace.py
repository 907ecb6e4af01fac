"""The live workspace without a browser: server-sent events of the queue (resume from the last
event id, department scope), claims with a lease and the audited take-over, bulk actions,
the queue's total, lateness and tag filter, and the API's refusal of unknown filters."""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta

from aiohttp.test_utils import TestClient
from sqlmodel import select

from hub.models import Event, Request, User, utcnow
from tests.test_ui import API, PARK, SU, create, csrf_of, login, post_form


class Stream:
    """One /ui/canli connection, read event by event."""

    def __init__(self, resp) -> None:  # noqa: ANN001
        self.resp = resp
        self.last_id: str | None = None

    async def next(self, timeout: float = 5.0) -> tuple[str, dict]:
        name, data = "message", ""
        while True:
            raw = await asyncio.wait_for(self.resp.content.readline(), timeout)
            if not raw:
                raise EOFError("stream ended")
            line = raw.decode().rstrip("\n")
            if line == "":
                if data:
                    return name, json.loads(data)
                name, data = "message", ""
                continue
            if line.startswith(":"):
                continue
            key, _, value = line.partition(": ")
            if key == "id":
                self.last_id = value
            elif key == "event":
                name = value
            elif key == "data":
                data += value

    async def until(self, pred, timeout: float = 5.0) -> dict:  # noqa: ANN001
        loop = asyncio.get_running_loop()
        end = loop.time() + timeout
        while True:
            name, data = await self.next(max(0.1, end - loop.time()))
            if name == "degisiklik" and pred(data):
                return data

    def close(self) -> None:
        self.resp.close()


async def open_stream(ui: TestClient, query: str = "", last_id: str | None = None) -> Stream:
    headers = {"Last-Event-ID": last_id} if last_id else {}
    resp = await ui.get("/ui/canli" + query, headers=headers)
    assert resp.status == 200 and resp.headers["Content-Type"].startswith("text/event-stream")
    s = Stream(resp)
    name, _ = await s.next()
    assert name in ("imlec", "degisiklik")
    return s


async def second(ui: TestClient, username: str) -> TestClient:
    other = TestClient(ui.server)
    await other.start_server()
    await login(other, username)
    return other


def codes(data: dict) -> set[str]:
    import re

    return {m for row in data["rows"] for m in re.findall(r"KAY-\d{4}-\d{6}", row["html"])}


async def test_new_request_reaches_an_open_queue_and_resumes_after_a_drop(ui) -> None:  # noqa: ANN001
    r = await ui.post("/api/v1/filters", json={"name": "Telefon", "condition": {"channel": "phone"}}, headers=API)
    fid = str((await r.json())["id"])
    await login(ui, "agent")
    html = await (await ui.get("/ui/")).text()
    assert f'data-filtre="{fid}"' in html and "Telefon <b>0</b>" in html
    stream = await open_stream(ui)
    made = await create(ui, SU)
    data = await stream.until(lambda d: made["tracking_code"] in codes(d))
    row = next(r for r in data["rows"] if r["id"] == made["id"])
    assert row["new"] is True and f'data-id="{made["id"]}"' in row["html"]
    assert data["counts"]["durum"] and data["total"] == 1
    assert data["counts"]["filtre"] == {fid: 1}  # the saved filter's counter moved too
    last = stream.last_id
    stream.close()

    # Disconnected: two requests come in. The page reconnects with its last id and gets both.
    missed = [await create(ui, PARK), await create(ui, {**SU, "text": SU["text"] + " (2)"})]
    resumed = await open_stream_raw(ui, last)
    got = set()
    while not {m["tracking_code"] for m in missed} <= got:
        name, data = await resumed.next()
        if name == "degisiklik":
            got |= codes(data)
    assert int(resumed.last_id) > int(last)
    resumed.close()


async def open_stream_raw(ui: TestClient, last_id: str | None, query: str = "") -> Stream:
    resp = await ui.get("/ui/canli" + query, headers={"Last-Event-ID": last_id} if last_id else {})
    assert resp.status == 200
    return Stream(resp)


async def test_changes_update_rows_and_leave_filtered_views(ui, hub) -> None:  # noqa: ANN001
    made = await create(ui, SU)
    await login(ui, "agent")
    stream = await open_stream(ui, f"?status=new,triaged,forwarded,needs_review&goster={made['id']}")
    other = await second(ui, "supervisor")
    try:
        url = f"/ui/talep/{made['id']}"
        status, _ = await post_form(other, url, f"{url}/kapat", {"sonuc": "olumlu", "gerekce": "tamam"})
        assert status == 200
        data = await stream.until(lambda d: made["id"] in d["remove"])
        assert made["id"] not in {r["id"] for r in data["rows"]}
    finally:
        await other.close()
        stream.close()


async def test_department_users_hear_only_their_department(ui, hub) -> None:  # noqa: ANN001
    park = await create(ui, PARK)
    await login(ui, "kaski")
    # a page that claims to show another department's request is not told when it changes
    stream = await open_stream(ui, f"?goster={park['id']}")
    r = await ui.patch(f"/api/v1/requests/{park['id']}", json={"priority": "high"}, headers=API)
    assert r.status == 200
    water = await create(ui, SU)
    with hub.db.reader() as s:
        assert s.get(Request, water["id"]).department == "kaski"
        assert s.get(Request, park["id"]).department != "kaski"
    seen: list[dict] = []
    data = await stream.until(lambda d: seen.append(d) or water["tracking_code"] in codes(d))
    assert all(park["tracking_code"] not in codes(d) and park["id"] not in d["remove"] for d in seen)
    # the counters follow within a second (at most one count per scope and second in a burst)
    if sum(data["counts"]["durum"].values()) != 1:
        data = await stream.until(lambda d: sum(d["counts"]["durum"].values()) == 1, timeout=3)
    assert park["tracking_code"] not in codes(data)
    stream.close()


async def test_claim_holds_the_request_until_taken_over(ui, hub) -> None:  # noqa: ANN001
    made = await create(ui, SU)
    url = f"/ui/talep/{made['id']}"
    await login(ui, "agent")
    status, html = await post_form(ui, url, f"{url}/ustlen", {})
    assert status == 200 and "Bu talebi siz üstlendiniz" in html
    other = await second(ui, "supervisor")
    try:
        html = await (await other.get(url)).text()
        assert "Demo Çağrı Merkezi Personeli</strong> tarafından üstlenildi" in html and 'id="devral"' in html
        # the agent's page is open (rendered just now): the supervisor is told so
        assert "Bu talep şu an Demo Çağrı Merkezi Personeli tarafından açık." in html
        for action, form in (("cevapla", {"metin": "Cevap"}), ("kapat", {"sonuc": "olumlu"}),
                             ("ilet", {"birim": "kaski"})):  # fmt: skip
            status, html = await post_form(other, url, f"{url}/{action}", form)
            assert status == 409 and "Devral" in html, action
        # the API refuses too
        r = await ui.post(f"/api/v1/requests/{made['id']}/close", json={"outcome": "olumlu"}, headers=API)
        assert r.status == 409 and "held by" in (await r.json())["message"]

        status, html = await post_form(other, url, f"{url}/devral", {"gerekce": "vardiya değişti"})
        assert status == 200 and "Talebi devraldınız" in html
        status, html = await post_form(other, url, f"{url}/cevapla", {"metin": "Arıza giderildi."})
        assert status == 200
        # and now the agent is the one held back
        status, html = await post_form(ui, url, f"{url}/kapat", {"sonuc": "olumlu"})
        assert status == 409 and "Demo Birim Sorumlusu" in html
    finally:
        await other.close()
    with hub.db.reader() as s:
        kinds = [(e.kind, e.actor, e.data) for e in s.exec(select(Event).where(Event.request_id == made["id"]))]
        sup = s.exec(select(User).where(User.username == "supervisor")).one()
        agent = s.exec(select(User).where(User.username == "agent")).one()
    taken = [d for k, a, d in kinds if k == "request.taken_over"]
    assert taken == [taken[0]] and taken[0]["from_user"] == agent.id and taken[0]["reason"] == "vardiya değişti"
    assert ("request.claimed", f"user:{agent.id}") in [(k, a) for k, a, _ in kinds]
    assert any(k == "request.taken_over" and a == f"user:{sup.id}" for k, a, _ in kinds)


async def test_lease_runs_out_without_heartbeat_and_heartbeat_renews(ui, hub) -> None:  # noqa: ANN001
    from hub.models_workspace import RequestClaim

    made = await create(ui, SU)
    url = f"/ui/talep/{made['id']}"
    await login(ui, "agent")
    page = await (await ui.get(url)).text()
    await ui.post(f"{url}/ustlen", data={"csrf": csrf_of(page)})
    with hub.db.session() as s:
        row = s.get(RequestClaim, made["id"])
        first_until = row.until
    r = await ui.post(f"{url}/nabiz", data={"csrf": csrf_of(page)})
    state = await r.json()
    assert state["mine"] and state["held"] and state["viewers"] == []
    with hub.db.session() as s:
        assert s.get(RequestClaim, made["id"]).until >= first_until
        s.get(RequestClaim, made["id"]).until = utcnow() - timedelta(seconds=1)  # the page was closed long ago
    other = await second(ui, "supervisor")
    try:
        status, html = await post_form(other, url, f"{url}/kapat", {"sonuc": "olumlu"})
        assert status == 200 and "Kapatıldı" in html
    finally:
        await other.close()


async def test_department_user_claims_within_department(ui, hub) -> None:  # noqa: ANN001
    water = await create(ui, SU)
    park = await create(ui, PARK)
    await login(ui, "kaski")
    url = f"/ui/talep/{water['id']}"
    status, html = await post_form(ui, url, f"{url}/ustlen", {})
    assert status == 200 and "Bu talebi siz üstlendiniz" in html
    page = await (await ui.get(url)).text()
    r = await ui.post(f"/ui/talep/{park['id']}/ustlen", data={"csrf": csrf_of(page)})
    assert r.status == 404  # not their department: not even there


async def test_bulk_actions_go_through_actions_and_are_audited(ui, hub) -> None:  # noqa: ANN001
    a, b, c = await create(ui, SU), await create(ui, PARK), await create(ui, {**SU, "text": SU["text"] + " yine"})
    await login(ui, "agent")
    page = await (await ui.get("/ui/")).text()
    token = csrf_of(page)
    r = await ui.post("/ui/toplu", data={"csrf": token, "islem": "etiket", "etiket": "Geri Arama",
                                         "sec": [str(a["id"]), str(b["id"])]}, allow_redirects=False)  # fmt: skip
    assert r.status == 303 and "n=2" in r.headers["Location"]
    with hub.db.reader() as s:
        agent = s.exec(select(User).where(User.username == "agent")).one()
    r = await ui.post("/ui/toplu", data={"csrf": token, "islem": "ata", "kullanici": str(agent.id),
                                         "sec": [str(a["id"]), str(c["id"])]})  # fmt: skip
    assert r.status == 200 and "2 talep atandı." in await r.text()
    r = await ui.post("/ui/toplu", data={"csrf": token, "islem": "ilet", "birim": "kaski", "sec": [str(b["id"])]})
    assert r.status == 200 and "1 talep birime iletildi." in await r.text()
    r = await ui.post("/ui/toplu", data={"csrf": token, "islem": "kopya", "hedef": a["tracking_code"],
                                         "sec": [str(a["id"]), str(c["id"])]})  # fmt: skip
    text = await r.text()
    assert "1 talep kopya olarak kapatıldı." in text and "1 talep atlandı" in text
    with hub.db.reader() as s:
        ra, rb, rc = (s.get(Request, x["id"]) for x in (a, b, c))
        assert "geri-arama" in ra.tags and "geri-arama" in rb.tags and "geri-arama" not in rc.tags
        assert ra.assignee_id == agent.id == rc.assignee_id
        assert rb.department == "kaski" and rc.status == "duplicate" and rc.parent_id == ra.id
        kinds = [e.kind for e in s.exec(select(Event).where(Event.actor == f"user:{agent.id}"))]
    assert kinds.count("request.updated") == 2 and kinds.count("request.assigned") == 2
    assert kinds.count("request.forwarded") == 1 and kinds.count("request.merged") == 1

    # the tag filter, in the UI and the API
    html = await (await ui.get("/ui/?tag=geri-arama")).text()
    assert a["tracking_code"] in html and b["tracking_code"] in html and c["tracking_code"] not in html
    assert "Toplam <b>2</b> talep" in html
    got = await (await ui.get("/api/v1/requests?tag=geri-arama&count=1", headers=API)).json()
    assert {i["id"] for i in got["items"]} == {a["id"], b["id"]} and got["total"] == 2


async def test_unknown_filter_is_a_400_naming_it(ui) -> None:  # noqa: ANN001
    r = await ui.get("/api/v1/requests?stauts=new", headers=API)
    assert r.status == 400
    body = await r.json()
    assert body["field"] == "stauts" and "stauts" in body["message"]
    assert (await ui.get("/api/v1/requests?status=new&tag=x", headers=API)).status == 200


async def test_queue_shows_total_and_how_late(ui, hub) -> None:  # noqa: ANN001
    made = await create(ui, SU)
    with hub.db.session() as s:
        r = s.get(Request, made["id"])
        r.due_at = utcnow() - timedelta(days=3, hours=4, minutes=10)
    await login(ui, "agent")
    html = await (await ui.get("/ui/")).text()
    assert "3 gün 4 saat gecikmiş" in html and "Toplam <b>1</b> talep" in html
    assert 'src="/static/ui/app.js"' in html and 'type="module"' in html
    js = await ui.get("/static/ui/queue.js")
    assert js.status == 200 and "javascript" in js.headers["Content-Type"]


async def test_a_claim_also_holds_back_returns_letters_and_send_back(ui, hub) -> None:  # noqa: ANN001
    """Every action that changes a request respects another person's claim, not only the reply box."""
    import pytest

    from connectors.base import RawMessage, Sender
    from hub.actions import claims, letters, returns, send_back
    from hub.auth import Actor

    await login(ui, "agent")  # the demo staff exist
    made = hub.intake.ingest(RawMessage(channel="cimer", external_id="cimer-claim-1", sender=Sender(name="Ali Veli"),
                                        text="Talas Mevlana Mahallesi sokak lambası yanmıyor."))  # fmt: skip
    with hub.db.reader() as s:
        agent = s.exec(select(User).where(User.username == "agent")).one()
        sup = s.exec(select(User).where(User.username == "supervisor")).one()
    holder = Actor(f"user:{agent.id}", "agent", user_id=agent.id)
    other = Actor(f"user:{sup.id}", "supervisor", user_id=sup.id)
    with hub.db.session() as s:
        claims.claim(s, holder, s.get(Request, made.request_id))
    attempts = {
        "return": lambda s, r: returns.return_request(s, other, r, institution="TEDAŞ"),
        "send_back": lambda s, r: send_back.send_back(s, other, r, "bizim değil"),
        "letter": lambda s, r: letters.answer_by_letter(s, other, r, "Cevap", settings=hub.settings,
                                                        store=hub.attachments, signer_name="A", signer_title="B"),
    }  # fmt: skip
    for name, attempt in attempts.items():
        with pytest.raises(claims.Held), hub.db.session() as s:
            attempt(s, s.get(Request, made.request_id))
        with hub.db.reader() as s:
            assert s.get(Request, made.request_id).status != "closed", name
