"""The administrators' audit trail page through the hub's real HTTP server."""

from __future__ import annotations

from connectors.base import Quarantined, RawMessage, Sender
from hub.actions import quarantine
from hub.auth import SYSTEM_CLI
from tests.test_ui import API, login


async def test_admin_reads_the_audit_trail_with_filters_and_paging(ui, hub) -> None:  # noqa: ANN001
    rid = hub.intake.ingest(RawMessage(channel="phone", external_id="a1", text="Talas Mevlana su yok",
                                       sender=Sender(name="Ayşe", phone="0532 123 45 67"))).request_id  # fmt: skip
    with hub.db.reader() as s:
        from hub.models import Request

        contact_id = s.get(Request, rid).contact_id
    r = await ui.get(f"/api/v1/contacts/{contact_id}/export", headers=API)
    assert r.status == 200
    with hub.db.session() as s:
        quarantine.add(s, SYSTEM_CLI, Quarantined(channel="email", raw=b"x", error="<script>alert(1)</script> bozuk"))
        for _ in range(120):  # more than one page
            quarantine.add(s, SYSTEM_CLI, Quarantined(channel="email", raw=b"y", error="no date"))

    await login(ui, "agent")
    assert 'href="/ui/denetim"' not in await (await ui.get("/ui/")).text()
    assert (await ui.get("/ui/denetim")).status == 403
    ui.session.cookie_jar.clear()

    await login(ui, "admin")
    html = await (await ui.get("/ui/")).text()
    assert 'href="/ui/denetim"' in html
    html = await (await ui.get("/ui/denetim", params={"grup": "privacy"})).text()
    assert "Kişinin verileri döküldü (KVKK)" in html and "Talep oluşturuldu" not in html
    html = await (await ui.get("/ui/denetim", params={"grup": "auth"})).text()
    assert "Giriş" in html and "Demo" in html, "logins are listed with the person's name"
    html = await (await ui.get("/ui/denetim", params={"grup": "quarantine"})).text()
    assert "<script>alert(1)</script>" not in html, "event data is escaped"
    assert 'id="daha-eski"' in html
    older = html.split('id="daha-eski"')[0].rsplit('href="', 1)[1].split('"')[0].replace("&amp;", "&")
    html2 = await (await ui.get(older)).text()
    assert "\\u003cscript\\u003e" in html2 or "&lt;script&gt;" in html2, "the oldest quarantine event is on page 2"
    html = await (await ui.get("/ui/denetim", params={"kim": "system:cli", "grup": "privacy"})).text()
    assert "Kayıt yok." in html, "the export was made with an API key, not from the command line"
