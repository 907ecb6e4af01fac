"""Reports: the Ministry's quarterly muhtar figures and neighbourhood needs."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from connectors.base import Location, RawMessage, Sender
from hub import reports
from hub.actions import requests as ra
from hub.actions.errors import ActionError
from hub.auth import Actor

AGENT = Actor("user:1", "agent")


def _muhtar(hub, i: int, when: datetime, mahalle: str = "Esentepe", ilce: str = "Melikgazi"):  # noqa: ANN001, ANN202
    return hub.intake.ingest(RawMessage(
        channel="mbs", external_id=f"mbs-{i}", received_at=when, request_type="istek",
        text=f"{mahalle} mahallesi yolu bozuk, asfalt yapılsın ({i})",
        sender=Sender(name=f"{mahalle} Muhtarı", kind="muhtar"), location=Location(ilce=ilce, mahalle=mahalle),
    ))  # fmt: skip


def test_muhtar_quarter_counts_olumlu_olumsuz_and_open(hub, tmp_path) -> None:  # noqa: ANN001
    q3 = datetime(2026, 8, 10, 9, tzinfo=UTC)
    ids = [_muhtar(hub, i, q3).request_id for i in range(5)]
    _muhtar(hub, 99, datetime(2026, 10, 2, 9, tzinfo=UTC))  # next quarter: not counted
    hub.intake.ingest(RawMessage(channel="phone", external_id="citizen", received_at=q3, text="Esentepe mahallesi su yok"))
    with hub.db.session() as s:
        for rid, outcome in zip(ids[:3], ["olumlu", "olumlu", "olumsuz"], strict=True):
            ra.reply(s, AGENT, ra.get(s, AGENT, rid), "Cevabımız ektedir.", outcome=outcome, close=True)
    report = reports.muhtar_quarter(hub.db, "2026Q3")
    assert report["totals"] == {"toplam": 5, "olumlu": 2, "olumsuz": 1, "cevaplanan": 3, "iade": 0, "bekleyen": 2}
    assert report["by_ilce"]["Melikgazi"]["toplam"] == 5
    assert report["by_type"]["istek"]["toplam"] == 5
    reports.muhtar_xlsx(report, tmp_path / "muhtar.xlsx")
    from openpyxl import load_workbook

    wb = load_workbook(tmp_path / "muhtar.xlsx")
    assert [c.value for c in wb["Özet"][1]] == ["Dönem", "Toplam talep", "Olumlu", "Olumsuz", "İade (bizim değil)",
                                                "Bekleyen", "Cevaplanan"]  # fmt: skip
    assert [c.value for c in wb["Özet"][2]] == ["2026Q3", 5, 2, 1, 0, 2, 3]


async def test_report_endpoints(client, hub) -> None:  # noqa: ANN001
    _muhtar(hub, 1, datetime.now(UTC), "Mevlana", "Talas")
    r = await client.get("/api/v1/reports/mahalle")
    items = (await r.json())["items"]
    assert any(i["mahalle"] == "Mevlana" and i["ilce"] == "Talas" for i in items)
    r = await client.get("/api/v1/reports/muhtar", params={"quarter": "bad"})
    assert r.status == 400 and (await r.json())["field"] == "quarter"
    r = await client.get("/api/v1/reports/muhtar")
    assert (await r.json())["totals"]["toplam"] == 1


@pytest.mark.parametrize("quarter", ["0000Q1", "9999Q4", "1999Q4", "2100Q1"])
def test_quarter_years_outside_2000_2099_are_a_clear_error(run, quarter: str) -> None:  # noqa: ANN001
    with pytest.raises(ActionError):
        reports.quarter_bounds(quarter)
    code, out, err = run("report", "--quarter", quarter)
    assert code == 2 and "2000 ile 2099" in err and "Traceback" not in err + out


def test_quarter_bounds_are_istanbul_midnights() -> None:
    assert reports.quarter_bounds("2000Q1")[0] == datetime(1999, 12, 31, 22, tzinfo=UTC)
    assert reports.quarter_bounds("2099Q4")[1] == datetime(2099, 12, 31, 21, tzinfo=UTC)


def test_cli_writes_the_muhtar_workbook(hub, run, tmp_path) -> None:  # noqa: ANN001
    _muhtar(hub, 1, datetime(2026, 8, 10, 9, tzinfo=UTC))
    code, out, _ = run("report", "--quarter", "2026Q3", "--xlsx", str(tmp_path / "m.xlsx"))
    from openpyxl import load_workbook

    wb = load_workbook(tmp_path / "m.xlsx")
    assert code == 0 and wb.sheetnames == ["Özet", "İlçe", "Mahalle", "Birim", "Tür", "Filtre"]
    assert [c.value for c in wb["Özet"][2]][:2] == ["2026Q3", 1]
