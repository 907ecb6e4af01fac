"""No English or raw values in the Turkish UI (issue 12C, item 6): event reasons, SLA policy
names, status names inside errors, authors by name, trace minutes and weekdays, the audit
trail's Turkish letters, disabled channels, the locator's reasons; the front door and unknown
public addresses; tampered cursors; the citizen greeted on their own private page."""

from __future__ import annotations

import base64
import json
import re

from hub.actions.errors import Conflict
from hub.models import Request, User
from hub.ui import labels
from hub.ui.labels_more import locator_reason, sla_policy, trace_value
from hub.web.pages import private_status_path
from tests.test_desk_actions import relogin
from tests.test_ui import API, PARK, SU, create, csrf_of, login, post_form


def test_labels_say_it_in_turkish() -> None:
    assert locator_reason("suffix -da on a distinctive name") == "Ayırt edici bir adın sonunda «-da» eki"
    assert locator_reason("district given") == "İlçe belirtilmiş"
    assert locator_reason("cue word; name in several districts, no district in text") == (
        "«mahallesi» gibi bir ipucu sözcüğü; ad birkaç ilçede var, metinde ilçe yok")
    assert locator_reason("something new") == "something new", "unknown reasons stay as they are"
    assert trace_value([540, 1020], "local_time") == "09:00–17:00" and trace_value(1, "weekday") == "Pazartesi"
    assert sla_policy("default") == "varsayılan süre"
    said = labels.turkish_error(Conflict("status cannot go from closed to waiting_citizen"))
    assert "Kapatıldı" in said and "Vatandaştan bilgi bekleniyor" in said and "closed" not in said
    assert labels.reason_label("replied") == "cevap yazıldı"


async def test_request_page_has_no_english_or_raw_values(ui, hub) -> None:  # noqa: ANN001
    su = await create(ui, SU)
    await login(ui, "agent")
    url = f"/ui/talep/{su['id']}"
    await post_form(ui, url, f"{url}/cevapla", {"metin": "Ekip yolda."})
    with hub.db.session() as s:  # the agent leaves; their work keeps their name
        agent = s.exec(User.__table__.select().where(User.username == "agent")).first()
        s.get(User, agent.id).active = False
    await relogin(ui, "supervisor")
    html = await (await ui.get(url)).text()
    timeline = html.split('class="timeline"')[1].split("</ol>")[0]
    assert "— replied" not in timeline and "— cevap yazıldı" in timeline
    assert not re.search(r">user:\d+<|\buser:\d+\b", html.split('<main>')[1]), "authors by name, never user:N"
    assert "(default)" not in html
    trace = html.split('id="yonlendirme"')[1].split("</section>")[0]
    assert "17:30–08:30" in trace, "minutes of the day as times"
    assert not re.search(r"gerçek: <em>\d{3,4}</em>", trace) and re.search(r"gerçek: <em>(Pazartesi|Salı|Çarşamba|Perşembe|Cuma|Cumartesi|Pazar)</em>", trace)
    assert "Konum gerekçesi" in html and "cue word" not in html and "ipucu sözcüğü" in html


async def test_audit_trail_channels_page_and_error_status_names(ui, hub) -> None:  # noqa: ANN001
    su = await create(ui, SU)
    await login(ui, "kaski")
    url = f"/ui/talep/{su['id']}"
    await post_form(ui, url, f"{url}/bizim-degil", {"gerekce": "Şebeke değil; özel tesisat"})
    await relogin(ui, "admin")
    audit = await (await ui.get("/ui/denetim")).text()
    assert "\\u015f" not in audit and "\\u00f6" not in audit and "Şebeke değil; özel tesisat" in audit
    channels = await (await ui.get("/ui/kanallar")).text()
    assert "is not set" not in channels and "HUB_IMAP_HOST ayarlanmamış" in channels
    # a refused status change names the statuses in Turkish
    with hub.db.session() as s:
        s.get(Request, su["id"]).status = "rejected"
    status, html = await post_form(ui, url, f"{url}/bekle", {"soru": "Adres?"})
    assert status == 409 and "«Reddedildi» durumundayken «Vatandaştan bilgi bekleniyor»" in html
    assert "rejected" not in html.split('id="hata"')[1].split("</div>")[0]


async def test_front_door_unknown_paths_and_tampered_cursors(ui, hub) -> None:  # noqa: ANN001
    r = await ui.get("/", headers={"Authorization": ""})
    html = await r.text()
    assert r.status == 200 and 'href="/basvuru"' in html and 'href="/ui/giris"' in html and "Talep Merkezi" in html
    r = await ui.get("/boyle-bir-sayfa-yok", headers={"Authorization": ""})
    assert r.status == 404 and "text/html" in r.headers["Content-Type"] and "Sayfa bulunamadı" in await r.text()
    r = await ui.get("/api/v1/boyle-bir-sey-yok", headers=API)
    assert r.status == 404 and r.headers["Content-Type"].startswith("application/json")
    await login(ui, "agent")
    for cursor in ("abc", base64.urlsafe_b64encode(json.dumps(["x", {"a": 1}]).encode()).decode(), "%%%"):
        assert (await ui.get("/api/v1/requests", params={"cursor": cursor}, headers=API)).status == 400
        assert (await ui.get("/ui/", params={"cursor": cursor})).status == 400


async def test_citizen_is_greeted_by_name_on_their_private_page(ui, hub) -> None:  # noqa: ANN001
    park = await create(ui, PARK)
    private = await (await ui.get(private_status_path(hub, park["tracking_code"]), headers={"Authorization": ""})).text()
    assert 'id="selam"' in private and "Sayın Mehmet Kaya" in private
    public = await (await ui.get(f"/takip/{park['tracking_code']}", headers={"Authorization": ""})).text()
    assert "Mehmet Kaya" not in public, "without the link's key, no name"
    assert csrf_of is not None
