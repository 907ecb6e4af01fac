"""e-Devlet (e-Belediye) applications end to end through the running hub: an exported list
through the drop folder and through the staff UI upload, to stored, classified, routed requests
on channel ``edevlet``, an answer, and the answer file checked cell by cell; the channel in
channel health, the queue filter, reports and dashboards; a custom mapping from the settings'
mapping folder; bad rows and an unreadable file (quarantined)."""

from __future__ import annotations

import logging
import re
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from aiohttp import FormData
from openpyxl import load_workbook

from tests.conftest import ADMIN_KEY
from tests.data.imports import edevlet
from tests.e2e_support import (
    answer,
    connector_health,
    detail,
    drop_file,
    quarantine_count,
    request_count,
    wait_for,
    wait_outbox_settled,
    wait_requests,
)

API = {"Authorization": f"Bearer {ADMIN_KEY}"}


class Api:
    """The browser-like ``ui`` client, speaking to the API with the admin key."""

    def __init__(self, ui: Any) -> None:
        self.ui = ui

    async def request(self, method: str, path: str, **kw: Any) -> Any:
        return await self.ui.request(method, path, headers=API, **kw)


@pytest.fixture
def folders(tmp_path: Path) -> dict[str, Path]:
    return {"import": tmp_path / "drop", "export": tmp_path / "cevap", "mappings": tmp_path / "eslemeler"}


@pytest.fixture
def settings(settings_factory, folders):  # noqa: ANN001, ANN201
    return settings_factory(import_dir=folders["import"], export_dir=folders["export"],
                            import_mapping_dir=folders["mappings"], file_poll_seconds=0.3)  # fmt: skip


def csrf_of(html: str) -> str:
    m = re.search(r'name="csrf" value="([^"]+)"', html)
    assert m
    return m.group(1)


async def login(ui: Any, username: str = "agent") -> None:
    page = await (await ui.get("/ui/giris")).text()
    r = await ui.post("/ui/giris", data={"csrf": csrf_of(page), "kullanici": username, "parola": f"{username}-demo"},
                      allow_redirects=False)  # fmt: skip
    assert r.status == 303, await r.text()


async def upload(ui: Any, data: bytes, filename: str, kind: str = "edevlet") -> tuple[int, str]:
    page = await (await ui.get("/ui/ice-aktar")).text()
    form = FormData()
    form.add_field("csrf", csrf_of(page))
    form.add_field("kaynak", kind)
    form.add_field("dosya", data, filename=filename, content_type="application/octet-stream")
    r = await ui.post("/ui/ice-aktar", data=form)
    return r.status, await r.text()


def answer_rows(path: Path) -> list[list[Any]]:
    ws = load_workbook(path).active
    return [[c.value for c in row] for row in ws.iter_rows()]


async def test_drop_folder_to_routed_requests_and_answer_file(ui, hub, folders, caplog) -> None:  # noqa: ANN001
    caplog.set_level(logging.DEBUG)
    client = Api(ui)
    drop = folders["import"] / "edevlet"
    xlsx = drop_file(drop, "ebelediye_24112026.xlsx", edevlet.xlsx_bytes(title="e-BELEDİYE BAŞVURU LİSTESİ"))

    dog, swing = await wait_requests(client, "edevlet", 2)
    assert (dog["channel"], dog["request_type"], dog["department"]) == ("edevlet", "sikayet", "veteriner")
    assert (dog["location"]["ilce"], dog["location"]["mahalle"]) == ("Melikgazi", "Gesi Fatih")
    assert swing["department"] == "park-bahceler" and swing["request_type"] == "istek"
    assert dog["tracking_code"].startswith("KAY-")
    d = await detail(client, dog["id"])
    assert d["contact"]["name"] == "Zehra Aksoy"
    await wait_for(lambda: (drop / "islendi" / xlsx.name).exists(), "the list to move to islendi/")
    report = (drop / "islendi" / (xlsx.name + ".rapor.txt")).read_text(encoding="utf-8")
    assert "e-Devlet içe aktarma" in report and "2 başvuru alındı" in report

    # The same list saved by Turkish Excel as windows-1254 CSV adds nothing.
    again = drop_file(drop, "ebelediye_24112026.csv", edevlet.csv_bytes(encoding="cp1254"))
    await wait_for(lambda: not again.exists(), "the CSV copy to be handled")
    assert request_count(hub, "edevlet") == 2

    # An unreadable file is quarantined with its bytes and kept in hatali/, not dropped.
    broken = drop_file(drop, "bozuk.xlsx", b"PK\x03\x04 not really a workbook")
    await wait_for(lambda: (drop / "hatali" / broken.name).exists(), "the broken file in hatali/")
    assert quarantine_count(hub) == 1

    health = (await connector_health(client))["edevlet-import"]
    assert health["channel"] == "edevlet" and health["healthy"] and health["last_success_at"]

    text = "=1+1 Köpek barınağa alındı ve tedavi edildi."
    await answer(client, dog["id"], text, outcome="olumlu")
    await wait_outbox_settled(hub, dog["id"], "reply")
    [export] = sorted(folders["export"].glob("edevlet_cevaplar_*.xlsx"))
    header, row = answer_rows(export)
    assert header == ["Başvuru No", "Cevap Tarihi", "Cevap Metni", "Sonuç"]
    assert row[0] == "EB-2026-000101" and isinstance(row[1], datetime)
    assert row[2] == "'" + text and row[3] == "olumlu"  # neutralised: never a formula
    assert not list(folders["export"].glob("cimer_cevaplar_*"))

    # The TC kimlik no reached neither the logs nor the stored request.
    assert edevlet.TCKN not in caplog.text
    assert edevlet.TCKN not in str(d)

    # The channel shows by name wherever channels are listed.
    await login(ui)
    for page in (
        "/ui/kanallar",
        "/ui/?channel=edevlet",
        "/ui/raporlar/performans?channel=edevlet",
        "/ui/panolar",
    ):
        html = await (await ui.get(page)).text()
        assert "e-Devlet" in html, page
    queue = await (await ui.get("/ui/?channel=edevlet")).text()
    assert dog["tracking_code"] in queue and '<option value="edevlet" selected' in queue


async def test_ui_upload_imports_reports_bad_rows_and_quarantines_a_wrong_file(ui, hub) -> None:  # noqa: ANN001
    await login(ui)
    page = await (await ui.get("/ui/ice-aktar")).text()
    assert 'value="edevlet"' in page and "e-Devlet" in page

    status, html = await upload(ui, edevlet.csv_bytes(encoding="cp1254"), "liste.csv")
    assert status == 200, html
    assert re.search(r'id="yeni-sayisi">2<', html)
    dog, _ = await wait_requests(Api(ui), "edevlet", 2)
    assert dog["department"] == "veteriner" and dog["status"] in ("forwarded", "triaged")

    data, line = edevlet.bad_rows_csv()
    status, html = await upload(ui, data, "hatali.csv")
    assert status == 200
    assert re.search(r'id="yeni-sayisi">2<', html) and re.search(r'id="hatali-sayisi">3<', html)
    assert (
        f"Satır {line['bad_date']} (Başvuru Tarihi)" in html and f"Satır {line['no_id']} (Başvuru No)" in html
    )
    assert request_count(hub, "edevlet") == 4

    status, html = await upload(ui, edevlet.csv_bytes(["Sıra", "Ad"], [[1, "<b>x</b>"]]), "<yanlis>.csv")
    assert status == 422 and "Dosya alınamadı" in html and "karantinaya" in html
    assert "Başvuru No" in html and "<yanlis>" not in html  # named, and escaped
    assert quarantine_count(hub) == 1

    # Re-uploading the first list opens nothing new.
    status, html = await upload(ui, edevlet.xlsx_bytes(), "liste.xlsx")
    assert re.search(r'id="yeni-sayisi">0<', html) and re.search(r'id="onceki-sayisi">2<', html)


async def test_upload_without_a_session_or_token_is_refused(ui, hub) -> None:  # noqa: ANN001
    form = FormData()
    form.add_field("kaynak", "edevlet")
    form.add_field("dosya", edevlet.csv_bytes(), filename="l.csv")
    r = await ui.post("/ui/ice-aktar", data=form, allow_redirects=False)
    assert r.status == 303 and "/ui/giris" in r.headers["Location"]
    await login(ui)
    form = FormData()
    form.add_field("csrf", "yanlis")
    form.add_field("kaynak", "edevlet")
    form.add_field("dosya", edevlet.csv_bytes(), filename="l.csv")
    r = await ui.post("/ui/ice-aktar", data=form)
    assert r.status == 403
    assert request_count(hub, "edevlet") == 0


MAPPING = """
kind: edevlet
date_formats: ["yyyy-MM-dd HH:mm"]
fields:
  external_id: {required: true, aliases: ["Müracaat No"]}
  received_at: {required: true, type: datetime, aliases: ["Müracaat Zamanı"]}
  ilce: {aliases: ["Bölge"]}
  mahalle: {aliases: ["Semt"]}
  text: {required: true, aliases: ["Talep Detayı"]}
"""
VENDOR = (["Müracaat No", "Müracaat Zamanı", "Bölge", "Semt", "Talep Detayı"],
          [["M-501", "2026-11-26 14:10", "Kocasinan", "Mimarsinan",
            "Parktaki salıncak kırık, çocuklar yaralanabilir; onarılmasını istiyoruz."]])  # fmt: skip


async def test_the_municipalitys_mapping_file_is_used_by_drop_upload_and_cli(
    ui, hub, folders, run, monkeypatch
) -> None:  # noqa: ANN001
    monkeypatch.setenv("HUB_IMPORT_MAPPING_DIR", str(folders["mappings"]))  # for run_hub.py
    folders["mappings"].mkdir(parents=True)
    (folders["mappings"] / "edevlet.yaml").write_text(MAPPING, encoding="utf-8")
    header, rows = VENDOR
    drop_file(folders["import"] / "edevlet", "vendor.xlsx", edevlet.xlsx_bytes(header, rows))
    [req] = await wait_requests(Api(ui), "edevlet", 1)
    assert req["department"] == "park-bahceler" and req["location"]["mahalle"].startswith("Mimarsinan")

    await login(ui)
    second = [["M-502", "2026-11-26 15:00", "Talas", "Mevlana", "Sokak lambası yanmıyor, sokak karanlık."]]
    status, html = await upload(ui, edevlet.csv_bytes(header, second), "vendor2.csv")
    assert status == 200 and re.search(r'id="yeni-sayisi">1<', html), html

    path = folders["import"].parent / "vendor3.csv"
    path.write_bytes(
        edevlet.csv_bytes(header, [["M-503", "2026-11-27 09:00", "Talas", "", "Çöpler alınmadı."]])
    )
    code, out, _ = run("import", "edevlet", str(path))
    assert code == 0 and "1 yeni talep" in out and "e-Devlet içe aktarma" in out
    assert request_count(hub, "edevlet") == 3
    # The default layout is not what this municipality's file says: refused, by name.
    code, out, _ = run("import", "edevlet", str(_default_csv(folders)))
    assert code == 2 and "Müracaat No" in out

    # A broken mapping file fails the folder's polls visibly and leaves the list where it is.
    (folders["mappings"] / "edevlet.yaml").write_text("fields: [", encoding="utf-8")
    waiting = drop_file(folders["import"] / "edevlet", "sonraki.xlsx", edevlet.xlsx_bytes(header, rows))

    async def failing() -> bool:
        health = (await connector_health(Api(ui)))["edevlet-import"]
        return not health["healthy"] and "mapping" in (health["last_error"] or "")

    await wait_for(failing, "the edevlet folder to report the broken mapping")
    assert waiting.exists()
    assert (await connector_health(Api(ui)))["cimer-import"]["healthy"]


def _default_csv(folders: dict[str, Path]) -> Path:
    path = folders["import"].parent / "default.csv"
    path.write_bytes(edevlet.csv_bytes())
    return path
