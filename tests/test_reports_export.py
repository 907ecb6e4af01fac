"""Every report as page, CSV and XLSX for a seeded data set: the three show the same figures
cell by cell (and the figures are the ones worked out by hand), the filter and the date range
are respected, a department user sees only their department in every page and file and cannot
widen it with ``?birim=``, and the files are Excel-ready (Turkish headers, BOM and ``;``,
frozen header rows, typed cells with number formats, a "Filtre" sheet)."""

from __future__ import annotations

import io
import math
from datetime import date, datetime
from typing import Any

import pytest
from multidict import MultiDict
from openpyxl import load_workbook
from sqlmodel import select

from connectors.imports.cells import restore_cell
from hub.auth import Actor
from hub.models import Department, User
from hub.reports import catalog
from hub.reports.export import NUMBER_FORMATS
from hub.reports.table import Table, csv_text, page_text
from hub.ui.reports_pages import PAGE_ROWS, parse_filter
from tests.reports_support import HOSTILE, RANGE, csv_rows, html_tables, seed
from tests.test_ui import login

KASKI_NAME = "KASKİ Genel Müdürlüğü"


def _actor(hub: Any, username: str) -> Actor:
    with hub.db.reader() as s:
        u = s.exec(select(User).where(User.username == username)).one()
        return Actor(f"user:{u.id}", u.role, user_id=u.id, department=u.department_code)


def _names(hub: Any) -> dict[str, str]:
    with hub.db.reader() as s:
        return dict(s.exec(select(Department.code, Department.name)).all())


def _xlsx_value(value: Any, kind: str) -> Any:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, str):
        return restore_cell(value)
    return value


def _same(a: list[Any], b: list[Any]) -> bool:
    return len(a) == len(b) and all(
        math.isclose(x, y) if isinstance(x, float) and isinstance(y, float) else x == y
        for x, y in zip(a, b, strict=True)
    )


async def check_report(ui: Any, hub: Any, slug: str, query: dict[str, str], actor: Actor) -> list[Table]:
    """Fetch the page, every table's CSV and the XLSX; each must equal the report's own tables
    for the same filter. Returns those tables for figure checks."""
    spec = catalog.REPORTS[slug]
    flt, _ = parse_filter(spec, MultiDict(query), actor)
    expected = spec.tables(spec.build(hub.db, flt, actor), _names(hub))

    r = await ui.get(f"/ui/raporlar/{slug}", params=query)
    assert r.status == 200, await r.text()
    page = html_tables(await r.text())
    r = await ui.get(f"/ui/raporlar/{slug}.xlsx", params=query)
    assert r.status == 200 and r.headers["Content-Type"].startswith("application/vnd.openxmlformats")
    wb = load_workbook(io.BytesIO(await r.read()))
    assert wb.sheetnames == [t.title for t in expected] + ["Filtre"]

    for t in expected:
        headers = [c.header for c in t.cols]
        if t.on_page:  # the page: header and every row, formatted as the page formats
            rows = page[f"t-{t.key}"]
            assert rows[0] == headers
            shown = t.rows[:PAGE_ROWS] if slug == "mahalle" else t.rows
            want = [[page_text(v, c.kind) for v, c in zip(row, t.cols, strict=True)] for row in shown]
            assert rows[1:] == (want or [["Bu filtreyle kayıt yok."]]), t.key
        ws = wb[t.title]  # the workbook: typed cells, the number formats, a frozen header
        values = [list(r) for r in ws.iter_rows(values_only=True)]
        assert values[0] == headers and ws.freeze_panes == "A2"
        assert all(c.font.bold for c in ws[1])
        got = [[_xlsx_value(v, c.kind) for v, c in zip(row, t.cols, strict=True)] for row in values[1:]]
        assert len(got) == len(t.rows) and all(_same(g, e) for g, e in zip(got, t.rows, strict=True)), t.key
        for row in list(ws.iter_rows(min_row=2, max_row=6)):
            for cell, col in zip(row, t.cols, strict=True):
                if cell.value is not None and col.kind in NUMBER_FORMATS:
                    assert cell.number_format == NUMBER_FORMATS[col.kind], (t.key, col.key)
                    if col.kind in ("date", "month"):
                        assert cell.is_date
        r = await ui.get(
            f"/ui/raporlar/{slug}.csv", params={**query, "tablo": t.key}
        )  # the CSV of this table
        assert r.status == 200 and r.headers["Content-Type"].startswith("text/csv")
        rows = csv_rows(await r.read())
        assert rows[0] == headers
        want = [[csv_text(v, c.kind) for v, c in zip(row, t.cols, strict=True)] for row in t.rows]
        assert [[restore_cell(v) for v in row] for row in rows[1:]] == want, t.key
        for row in rows[1:]:  # formula injection: neutralised in the file, shown as it is on the page
            assert not any(v.startswith("=") for v in row)

    about = {r[0]: r[1] for r in wb["Filtre"].iter_rows(values_only=True)}
    assert about["Rapor"] == spec.title
    if spec.dated:
        assert about["Başlangıç"] == datetime.combine(flt.first_day, datetime.min.time())
        assert about["Bitiş"] == datetime.combine(flt.last_day, datetime.min.time())
    return expected


def rows_of(tables: list[Table], key: str) -> list[list[Any]]:
    return next(t for t in tables if t.key == key).rows


@pytest.fixture
async def seeded(ui, hub) -> dict[str, int]:  # noqa: ANN001
    return seed(hub)


async def test_every_report_agrees_across_page_csv_and_xlsx(ui, hub, seeded) -> None:  # noqa: ANN001
    await login(ui, "supervisor")
    sup = _actor(hub, "supervisor")
    got = {slug: await check_report(ui, hub, slug, RANGE, sup) for slug in catalog.REPORTS}

    # muhtar: per quarter, the Ministry's columns (toplam, olumlu, olumsuz, iade, bekleyen, cevaplanan)
    assert rows_of(got["muhtar"], "ozet") == [["2026Q1", 4, 1, 1, 1, 1, 2], ["2026Q2", 2, 1, 0, 0, 1, 1],
                                              ["Toplam", 6, 2, 1, 1, 2, 3]]  # fmt: skip
    assert ["2026Q2", "Talas", HOSTILE, 1, 0, 0, 0, 1, 0] in rows_of(got["muhtar"], "mahalle")
    assert ["2026Q1", KASKI_NAME, 2, 1, 1, 0, 0, 2] in rows_of(got["muhtar"], "birim")
    assert ["2026Q2", "İhbar", 1, 1, 0, 0, 0, 1] in rows_of(got["muhtar"], "tur")
    # mahalle needs: ranked, ties by ilçe then mahalle; 59 mahalleler over two pages
    ranked = rows_of(got["mahalle"], "mahalleler")
    assert [r[:4] for r in ranked[:3]] == [[1, "Melikgazi", "Esentepe", 4], [2, "Kocasinan", "Yenimahalle", 3],
                                           [3, "Talas", "Mevlana", 3]]  # fmt: skip
    assert ranked[0][4:6] == ["Su ve Kanalizasyon", 4] and len(ranked) == 59
    # deadlines: a snapshot (the February request counts), overdue first
    assert rows_of(got["sureler"], "birimler")[0][:3] in (
        ["Fen İşleri Daire Başkanlığı", 57, 1],
        [KASKI_NAME, 4, 1],
    )
    # department performance (worked out by hand in tests/reports_support.py)
    kaski = next(r for r in rows_of(got["performans"], "birimler") if r[0] == KASKI_NAME)
    assert kaski == [KASKI_NAME, 7, 5, 3, 1, 3, 0.75, 5.0, 40.8, 1]
    assert rows_of(got["performans"], "birimler")[-1][0] == "Toplam"
    assert [date(2026, 3, 1), KASKI_NAME] == rows_of(got["performans"], "aylik")[0][:2] or any(
        r[:2] == [date(2026, 3, 1), KASKI_NAME] for r in rows_of(got["performans"], "aylik"))  # fmt: skip
    # first-contact resolutions and call-backs
    assert rows_of(got["ilk-temas"], "temsilci") == [["Demo Çağrı Merkezi Personeli", 2]]
    assert rows_of(got["ilk-temas"], "gun") == [[date(2026, 3, 2), 1], [date(2026, 4, 10), 1]]
    cb = {r[0]: r for r in rows_of(got["geri-arama"], "birimler")}
    assert cb[KASKI_NAME] == [KASKI_NAME, 1, 2, 1, 1, 0, 0, 0, 0, 7.0]
    assert cb["Fen İşleri Daire Başkanlığı"][1:9] == [1, 0, 0, 0, 0, 0, 1, 1]


async def test_mahalle_needs_page_two(ui, hub, seeded) -> None:  # noqa: ANN001
    await login(ui, "supervisor")
    spec = catalog.REPORTS["mahalle"]
    flt, _ = parse_filter(spec, MultiDict(RANGE), _actor(hub, "supervisor"))
    ranked = spec.tables(spec.build(hub.db, flt, None), _names(hub))[0]
    html = await (await ui.get("/ui/raporlar/mahalle", params={**RANGE, "sayfa": "2"})).text()
    rows = html_tables(html)["t-mahalleler"][1:]
    assert [r[0] for r in rows] == [str(i) for i in range(51, 60)]
    assert rows == [
        [page_text(v, c.kind) for v, c in zip(row, ranked.cols, strict=True)] for row in ranked.rows[50:]
    ]
    assert rows[-1][2] == HOSTILE and "Sayfa 2 / 2" in html


async def test_filters_and_date_range_are_respected(ui, hub, seeded) -> None:  # noqa: ANN001
    await login(ui, "supervisor")
    sup = _actor(hub, "supervisor")
    talas = await check_report(ui, hub, "muhtar", {**RANGE, "ilce": "Talas"}, sup)
    assert [r[:2] for r in rows_of(talas, "ozet")] == [["2026Q1", 2], ["2026Q2", 1], ["Toplam", 3]]
    portal = await check_report(ui, hub, "muhtar", {**RANGE, "kanal": "muhtar"}, sup)
    assert rows_of(portal, "ozet") == [["2026Q2", 1, 1, 0, 0, 0, 1]]
    q1 = await check_report(ui, hub, "muhtar", {"donem": "2026Q1"}, sup)
    assert rows_of(q1, "ozet") == [["2026Q1", 5, 1, 1, 1, 2, 2]]  # the quarter holds the February request too
    april = await check_report(ui, hub, "performans", {"baslangic": "2026-04-01", "bitis": "2026-04-30"}, sup)
    assert next(r for r in rows_of(april, "birimler") if r[0] == KASKI_NAME)[1] == 2
    esentepe = await check_report(ui, hub, "mahalle", {**RANGE, "mahalle": "Esentepe"}, sup)
    assert [r[2] for r in rows_of(esentepe, "mahalleler")] == ["Esentepe"]
    sure = await check_report(ui, hub, "sureler", {"birim": "kaski"}, sup)
    assert [r[0] for r in rows_of(sure, "birimler")] == [KASKI_NAME]


async def test_department_user_sees_only_their_department_everywhere(ui, hub, seeded) -> None:  # noqa: ANN001
    await login(ui, "kaski")
    kaski = _actor(hub, "kaski")
    for slug in catalog.REPORTS:
        mine = await check_report(ui, hub, slug, RANGE, kaski)
        wider = await check_report(ui, hub, slug, {**RANGE, "birim": "fen-isleri"}, kaski)
        assert [t.rows for t in wider] == [t.rows for t in mine], f"{slug}: ?birim= widened the scope"
        html = await (await ui.get(f"/ui/raporlar/{slug}", params={**RANGE, "birim": "fen-isleri"})).text()
        assert "Mevlana" not in html and "Fen İşleri" not in html.split('id="rapor-filtre"')[1], slug
        for t in mine:
            for col_i, col in enumerate(t.cols):
                if col.key == "birim":
                    assert {r[col_i] for r in t.rows} <= {KASKI_NAME, "Toplam"}, slug
        body = await (
            await ui.get(f"/ui/raporlar/{slug}.xlsx", params={**RANGE, "birim": "fen-isleri"})
        ).read()
        wb = load_workbook(io.BytesIO(body))
        text = " ".join(
            str(v) for ws in wb for row in ws.iter_rows(values_only=True) for v in row if v is not None
        )
        assert "Mevlana" not in text and "Fen İşleri" not in text and "Yalnızca KASKİ" in text, slug
    muhtar = await check_report(ui, hub, "muhtar", RANGE, kaski)
    assert rows_of(muhtar, "ozet") == [["2026Q1", 2, 1, 1, 0, 0, 2], ["2026Q2", 2, 1, 0, 0, 1, 1],
                                       ["Toplam", 4, 2, 1, 0, 1, 3]]  # fmt: skip
    fcr = await check_report(ui, hub, "ilk-temas", RANGE, kaski)
    assert rows_of(fcr, "gun") == [[date(2026, 3, 2), 1]]


async def test_api_formats_and_scope(ui, hub, seeded) -> None:  # noqa: ANN001
    kaski = {"Authorization": "Bearer demo-kaski-key"}
    api = {"from": "2026-03-01", "to": "2026-05-31"}
    r = await ui.get("/api/v1/reports/performance", params={**api, "department": "fen-isleri"}, headers=kaski)
    body = await r.json()
    assert r.status == 200 and [d["department"] for d in body["departments"]] == ["kaski"]
    assert body["filter"]["department"] == "kaski"
    r = await ui.get("/api/v1/reports/muhtar", params={"quarter": "2026Q1"}, headers=kaski)
    body = await r.json()
    assert body["quarter"] == "2026Q1" and body["totals"]["toplam"] == 3 and "by_mahalle" in body
    r = await ui.get(
        "/api/v1/reports/muhtar", params={**api, "format": "csv", "table": "birim"}, headers=kaski
    )
    rows = csv_rows(await r.read())
    assert rows[0][:2] == ["Dönem", "Birim"] and {row[1] for row in rows[1:]} == {KASKI_NAME}
    r = await ui.get("/api/v1/reports/callbacks", params={**api, "format": "xlsx"}, headers=kaski)
    assert load_workbook(io.BytesIO(await r.read())).sheetnames == [
        "Birimler",
        "Temsilciler",
        "Günler",
        "Filtre",
    ]
    for bad in ({"format": "pdf"}, {"from": "2026-05-01", "to": "2026-04-01"}, {"quarter": "0000Q1"},
                {"quarter": "9999Q4"}):  # fmt: skip
        r = await ui.get("/api/v1/reports/muhtar", params=bad, headers=kaski)
        assert r.status == 400, bad
    assert (await ui.get("/api/v1/reports/nope", headers=kaski)).status == 404
