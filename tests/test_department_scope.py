"""Department staff see only their own department (finding 13 of issue 10): in the reports
(API and /ui/raporlar, with its XLSX) and in saved filters, as in the queue. Before, a KASKİ
user read every department's deadlines, neighbourhood needs and muhtar figures, and listed
and applied every saved filter."""

from __future__ import annotations

import io
import re

from openpyxl import load_workbook

from hub.auth import Actor
from hub.models import Request
from hub.queries.scope import visible_requests
from tests.conftest import ADMIN_KEY
from tests.test_ui import PARK, SU, create, csrf_of, login

KASKI = {"Authorization": "Bearer demo-kaski-key"}
SUPERVISOR = {"Authorization": "Bearer demo-supervisor-key"}
API = {"Authorization": f"Bearer {ADMIN_KEY}"}


async def two_departments(ui) -> tuple[dict, dict]:  # noqa: ANN001
    """A muhtar's water request (KASKİ) and a park request (another department), both via MBS."""
    su = await create(ui, {**SU, "channel": "mbs"})
    park = await create(ui, {**PARK, "channel": "mbs"})
    assert su["department"] == "kaski" and park["department"] not in (None, "kaski")
    return su, park


async def test_reports_api_is_scoped_to_the_department(ui, hub) -> None:  # noqa: ANN001
    su, park = await two_departments(ui)
    deadlines = (await (await ui.get("/api/v1/reports/deadlines", headers=KASKI)).json())["items"]
    assert [r["department"] for r in deadlines] == ["kaski"]
    everyone = (await (await ui.get("/api/v1/reports/deadlines", headers=SUPERVISOR)).json())["items"]
    assert {"kaski", park["department"]} <= {r["department"] for r in everyone}

    muhtar = await (await ui.get("/api/v1/reports/muhtar", headers=KASKI)).json()
    assert muhtar["totals"]["toplam"] == 1
    assert (await (await ui.get("/api/v1/reports/muhtar", headers=SUPERVISOR)).json())["totals"]["toplam"] == 2

    needs = (await (await ui.get("/api/v1/reports/mahalle", headers=KASKI)).json())["items"]
    assert sum(i["total"] for i in needs) == 1 and needs[0]["mahalle"] == su["location"]["mahalle"]
    all_needs = (await (await ui.get("/api/v1/reports/mahalle", headers=SUPERVISOR)).json())["items"]
    assert sum(i["total"] for i in all_needs) == 2

    # Call-centre figures belong to no department.
    r = await ui.get("/api/v1/reports/calls", headers=KASKI)
    assert r.status == 403
    assert (await ui.get("/api/v1/reports/calls", headers=SUPERVISOR)).status == 200


async def test_reports_page_and_xlsx_are_scoped(ui, hub) -> None:  # noqa: ANN001
    su, park = await two_departments(ui)
    await login(ui, "kaski")
    deadlines = await (await ui.get("/ui/raporlar/sureler")).text()
    assert "department=kaski" in deadlines and f"department={park['department']}" not in deadlines
    html = await (await ui.get("/ui/raporlar/mahalle")).text()
    assert su["location"]["mahalle"] in html and park["location"]["mahalle"] not in html
    body = await (await ui.get("/ui/raporlar/muhtar.xlsx")).read()
    ws = load_workbook(io.BytesIO(body))["Özet"]
    assert [c.value for c in ws[2]][1] == 1  # Toplam talep


async def test_saved_filters_of_other_departments_are_neither_listed_nor_applied(ui, hub) -> None:  # noqa: ANN001
    su, park = await two_departments(ui)
    await login(ui, "agent")
    page = await (await ui.get("/ui/")).text()
    r = await ui.post("/ui/filtreler", data={"csrf": csrf_of(page), "ad": "Park şikâyetleri", "channel": "mbs"})
    agent_filter = int(re.search(r"filter_id=(\d+)", str(r.url)).group(1))

    ui.session.cookie_jar.clear()
    await login(ui, "kaski")
    page = await (await ui.get("/ui/")).text()
    assert "Park şikâyetleri" not in page
    r = await ui.get("/ui/", params={"filter_id": str(agent_filter)})
    assert r.status == 400 and "Kayıtlı filtre bulunamadı" in await r.text()
    r = await ui.get("/api/v1/requests", params={"filter_id": str(agent_filter)}, headers=KASKI)
    assert r.status == 400
    # Their own filter: listed and applied, and still only their department's requests.
    r = await ui.post("/ui/filtreler", data={"csrf": csrf_of(page), "ad": "Muhtar suları", "channel": "mbs"})
    html = await r.text()
    assert r.status == 200 and "Muhtar suları" in html
    assert su["tracking_code"] in html and park["tracking_code"] not in html

    ui.session.cookie_jar.clear()
    await login(ui, "supervisor")
    page = await (await ui.get("/ui/")).text()
    assert "Park şikâyetleri" in page and "Muhtar suları" in page


def test_a_department_role_without_a_department_sees_nothing() -> None:
    """Not the unrouted requests (``department IS NULL``), which a naive comparison would give."""
    from sqlmodel import select

    sql = str(visible_requests(select(Request), Actor("apikey:9", "department", department=None))).lower()
    assert "is null" not in sql and ("false" in sql or "1 != 1" in sql)
