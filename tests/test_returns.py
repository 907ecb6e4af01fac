"""Returns (iade) of CİMER / MBS requests: the API and the request-page form close the request
as returned, the return note lands in the answer export file with Sonuç "iade", and the muhtar
report (page, JSON, XLSX) counts it apart from olumlu / olumsuz."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from pathlib import Path

import pytest
from openpyxl import load_workbook

from connectors.base import Location, RawMessage, Sender
from connectors.imports import read_answers
from hub import reports
from tests.e2e_support import api, events_of, wait_outbox_settled
from tests.test_ui import csrf_of, login

NOW = datetime.now(UTC)


@pytest.fixture
def export_dir(tmp_path: Path) -> Path:
    return tmp_path / "cevap"


@pytest.fixture
def settings(settings_factory, export_dir):  # noqa: ANN001, ANN201
    return settings_factory(export_dir=export_dir)


def ingest(hub, channel: str, no: str, text: str, *, kind: str = "citizen") -> int:  # noqa: ANN001
    raw = RawMessage(
        channel=channel, external_id=no, text=text, received_at=NOW,
        sender=Sender(kind=kind, name="Ayşe Öztürk"),
        location=Location(il="Kayseri", ilce="Melikgazi", mahalle="Gesi Fatih"),
        reply_to={"kind": channel, "basvuru_no": no},
    )  # fmt: skip
    return hub.intake.ingest(raw).request_id


async def test_cimer_return_is_exported_as_iade_and_closes_the_request(client, hub, export_dir) -> None:  # noqa: ANN001
    rid = ingest(hub, "cimer", "2612000777", "Sokağımızda doğalgaz kokusu var, kontrol edilsin.")
    body = await api(client, "POST", f"/api/v1/requests/{rid}/return",
                     json={"institution": "Kayserigaz", "note": "Acil durumlar için 187'yi arayın."})  # fmt: skip
    assert (body["status"], body["outcome"]) == ("closed", "iade")
    await wait_outbox_settled(hub, rid, "reply")
    [export] = sorted(export_dir.glob("cimer_cevaplar_*.xlsx"))
    [row] = read_answers(export)
    assert (row.basvuru_no, row.outcome) == ("2612000777", "iade")
    assert "Kayserigaz görev alanındadır" in row.text and "187" in row.text
    [ev] = events_of(hub, rid, "request.returned")
    assert ev.data["institution"] == "Kayserigaz"
    # A closed request cannot be returned a second time; nothing more is exported.
    await api(client, "POST", f"/api/v1/requests/{rid}/return", expect=409, json={"institution": "TEDAŞ"})
    assert len(read_answers(export)) == 1


async def test_return_is_refused_outside_cimer_mbs_without_institution_and_for_departments(client, hub) -> None:  # noqa: ANN001
    from tests.conftest import add_key

    web = ingest(hub, "webform", "w-1", "Parktaki salıncak kırık.")
    cimer = ingest(hub, "cimer", "2612000778", "Elektrik direği eğildi.")
    await api(client, "POST", f"/api/v1/requests/{web}/return", expect=400, json={"institution": "TEDAŞ"})
    await api(client, "POST", f"/api/v1/requests/{cimer}/return", expect=(400, 422), json={"institution": ""})
    add_key(hub, "dept-key", "department", department=None)
    resp = await client.post(f"/api/v1/requests/{cimer}/return", json={"institution": "TEDAŞ"},
                             headers={"Authorization": "Bearer dept-key"})  # fmt: skip
    assert resp.status in (403, 404)
    assert (await api(client, "GET", f"/api/v1/requests/{cimer}"))["status"] != "closed"


async def test_mbs_return_counts_as_iade_in_the_muhtar_report(ui, hub, tmp_path) -> None:  # noqa: ANN001
    answered = ingest(hub, "mbs", "MBS-1", "Mahallemizin parkına bank konulsun.", kind="muhtar")
    returned = ingest(hub, "mbs", "MBS-2", "Sahipsiz köpekler toplansın.", kind="muhtar")
    ingest(hub, "mbs", "MBS-3", "Cadde asfaltı bozuk.", kind="muhtar")
    await login(ui, "agent")
    page = await (await ui.get(f"/ui/talep/{answered}")).text()
    assert 'id="iade-formu"' in page
    r = await ui.post(f"/ui/talep/{answered}/kapat", data={"csrf": csrf_of(page), "sonuc": "olumlu"})
    assert r.status == 200
    # The form without an institution is refused in Turkish and keeps the note.
    page = await (await ui.get(f"/ui/talep/{returned}")).text()
    r = await ui.post(f"/ui/talep/{returned}/iade", data={"csrf": csrf_of(page), "kurum": " ", "aciklama": "not"})
    assert r.status == 400 and "ait olduğu kurumu" in await r.text()
    r = await ui.post(f"/ui/talep/{returned}/iade",
                      data={"csrf": csrf_of(page), "kurum": "Melikgazi Belediyesi", "aciklama": ""})  # fmt: skip
    html = await r.text()
    assert r.status == 200 and "Talep iade edildi" in html and 'id="iade-formu"' not in html

    quarter = reports.current_quarter()
    report = reports.muhtar_quarter(hub.db, quarter)
    assert report["totals"] == {"toplam": 3, "olumlu": 1, "olumsuz": 0, "cevaplanan": 1, "iade": 1, "bekleyen": 1}
    page = await (await ui.get(f"/ui/raporlar?donem={quarter}")).text()
    assert '<div id="iade-sayisi"><span>1</span>İade</div>' in page
    xlsx = await (await ui.get(f"/ui/raporlar/muhtar.xlsx?donem={quarter}")).read()
    wb = load_workbook(io.BytesIO(xlsx))
    header, first = list(wb["Özet"].iter_rows(values_only=True))[:2]
    row = dict(zip(header, first, strict=True))
    assert row["İade (bizim değil)"] == 1 and row["Olumlu"] == 1 and row["Bekleyen"] == 1
    assert next(wb["İlçe"].iter_rows(values_only=True)) == ("Dönem", "İlçe", "Toplam talep", "Olumlu", "Olumsuz",
                                                           "İade (bizim değil)", "Bekleyen", "Cevaplanan")  # fmt: skip
