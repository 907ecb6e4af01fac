"""/ui/panolar through the hub's own HTTP server: the figures, the chart data block (escaped
JSON, no inline script under the CSP), department scope, bad filters, the chart library's
files, and the page without them (tables only)."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from hub.models import Request
from hub.ui import dashboards_page
from tests.dashboard_seed import MARCH_QUERY, _ist, _req, seed
from tests.test_ui import login

HOSTILE = 'Kötü</script><script>alert("x")</script>'


@pytest.fixture
def seeded(hub) -> dict[str, Any]:  # noqa: ANN001
    data = seed(hub)
    with hub.db.session() as s:  # a mahalle name typed by someone: must stay text everywhere
        _req(
            s,
            50,
            received_at=_ist(7, 9),
            topic="temizlik",
            department="cevre-koruma",
            ilce="Talas",
            mahalle=HOSTILE,
        )
    return data


def chart_data(html: str) -> dict[str, Any]:
    m = re.search(r'<script type="application/json" id="pano-veri">(.*?)</script>', html, re.S)
    assert m, "the chart data block is on the page"
    return json.loads(m.group(1))


def totals(spec: dict[str, Any]) -> dict[str, float]:
    return {s["label"]: sum(v or 0 for v in s["values"]) for s in spec["series"]}


async def test_supervisor_sees_every_chart_with_its_table(ui, hub, seeded) -> None:  # noqa: ANN001
    await login(ui, "supervisor")
    r = await ui.get(f"/ui/panolar?{MARCH_QUERY}")
    html = await r.text()
    assert r.status == 200, html
    assert "script-src 'self'" in r.headers["Content-Security-Policy"]
    # every script is a file or a data block: nothing inline for the CSP to refuse
    for tag in re.findall(r"<script\b[^>]*>", html):
        assert "src=" in tag or 'type="application/json"' in tag, tag
    assert 'href="/ui/panolar" aria-current="page">Panolar' in html
    data = chart_data(html)
    assert set(data) >= {"giris-kanal", "giris-konu", "sure-durumu", "zamaninda-birim", "medyan-birim",
                         "zamaninda-ay", "medyan-ay", "mahalle-ihtiyac", "temsilci-is", "inceleme-kuyrugu",
                         "siniflandirici"}  # fmt: skip
    assert totals(data["giris-kanal"]) == {"Telefon (153)": 7, "Web formu": 2, "E-posta": 1, "WhatsApp": 1}
    assert data["giris-kanal"]["labels"][:3] == ["01.03", "02.03", "03.03"]
    assert totals(data["siniflandirici"]) == {"Doğru tahmin": 50.0 + 75.0 + 75.0}
    assert data["siniflandirici"]["percent"] is True
    assert [lbl.split(" · ")[0] for lbl in data["mahalle-ihtiyac"]["labels"]][:2] == [
        "Esentepe (Melikgazi)", "Mevlana (Talas)"
    ]  # fmt: skip
    assert totals(data["temsilci-is"])["İşlenen talep"] == 5
    # the figures and the map-free needs table
    assert re.search(r"<span>11</span>Gelen talep", html)
    assert "Su ve Kanalizasyon: 2 (%66,7)" in html
    assert 'id="mahalle-ihtiyac"' in html and "Tablo olarak göster" in html
    # hostile text stays text: escaped in the table, \u003c in the JSON block
    assert HOSTILE not in html and "Kötü&lt;/script&gt;" in html
    assert any(lbl.startswith(HOSTILE) for lbl in data["mahalle-ihtiyac"]["labels"])
    if dashboards_page.vendor_ready():
        assert '<script src="/static/vendor/chart.umd.js" defer>' in html


async def test_filters_narrow_every_chart(ui, hub, seeded) -> None:  # noqa: ANN001
    await login(ui, "supervisor")
    html = await (await ui.get(f"/ui/panolar?{MARCH_QUERY}&ilce=Talas&kanal=phone")).text()
    data = chart_data(html)
    assert totals(data["giris-kanal"]) == {"Telefon (153)": 4}
    # open requests now, by deadline state: no date range, but the place and channel filters
    assert set(data["sure-durumu"]["labels"]) == {"Fen İşleri", "Çevre Koruma", "Birimsiz (inceleme)"}
    assert '<option value="Talas" selected>' in html and '<option value="phone" selected>' in html
    # the preset links keep the filters
    assert 'href="/ui/panolar?gun=90&amp;ilce=Talas&amp;kanal=phone"' in html
    html = await (await ui.get(f"/ui/panolar?{MARCH_QUERY}&birim=fen-isleri")).text()
    data = chart_data(html)
    assert totals(data["giris-kanal"]) == {"Telefon (153)": 1, "Web formu": 1}
    assert data["sure-durumu"]["labels"] == ["Fen İşleri"]


async def test_department_user_sees_only_their_department(ui, hub, seeded) -> None:  # noqa: ANN001
    await login(ui, "kaski")
    r = await ui.get(f"/ui/panolar?{MARCH_QUERY}&birim=fen-isleri")  # asking for another department
    html = await r.text()
    assert r.status == 200
    assert "Yalnızca <strong>KASKİ</strong> biriminin rakamları gösterilir." in html
    data = chart_data(html)
    assert totals(data["giris-kanal"]) == {"Telefon (153)": 2, "WhatsApp": 1, "Web formu": 1}
    assert data["sure-durumu"]["labels"] == ["KASKİ"]
    assert data["zamaninda-birim"]["labels"] == ["KASKİ"]
    assert "Esentepe" in html and "Park ve Bahçeler: " not in html and "Bora Temsilci" not in html
    with hub.db.reader() as s:
        assert s.get(Request, seeded["r"][3]).department == "fen-isleri"


async def test_bad_filter_is_a_turkish_message_on_the_page(ui, hub, seeded) -> None:  # noqa: ANN001
    await login(ui, "supervisor")
    r = await ui.get("/ui/panolar?baslangic=2026-13-01")
    html = await r.text()
    assert r.status == 400
    assert "tarih 2026-01-31 biçiminde olmalıdır" in html and 'id="pano-veri"' in html


async def test_signed_out_goes_to_login(ui, hub) -> None:  # noqa: ANN001
    r = await ui.get("/ui/panolar", allow_redirects=False)
    assert r.status == 303 and r.headers["Location"].startswith("/ui/giris")


async def test_chart_library_files(ui, hub) -> None:  # noqa: ANN001
    if not dashboards_page.vendor_ready():
        pytest.skip("scripts/install.sh has not installed the chart library (npm)")
    r = await ui.get("/static/vendor/chart.umd.js")
    body = await r.text()
    assert r.status == 200 and r.headers["Content-Type"].startswith("text/javascript")
    assert "Chart.js v4.5.1" in body[:200]
    assert (await ui.get("/static/vendor/chartjs-plugin-datalabels.js")).status == 200
    for name in ("package.json", "..%2Fpackage.json", "chart.js%2Fpackage.json", "helpers.js"):
        assert (await ui.get(f"/static/vendor/{name}")).status == 404, name


async def test_without_the_chart_library_the_tables_are_the_page(
    ui, hub, seeded, tmp_path, monkeypatch
) -> None:  # noqa: ANN001
    monkeypatch.setattr(dashboards_page, "VENDOR_FILES", {"chart.umd.js": tmp_path / "missing.js"})
    await login(ui, "supervisor")
    r = await ui.get(f"/ui/panolar?{MARCH_QUERY}")
    html = await r.text()
    assert r.status == 200
    assert "/static/vendor/" not in html
    assert "Grafik kitaplığı bu sunucuda kurulu değil" in html
    assert '<details class="chart-table" open>' in html
    assert (await ui.get("/static/vendor/chart.umd.js")).status == 404
