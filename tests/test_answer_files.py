"""The CİMER / MBS / e-Devlet answer files from the staff UI (/ui/ice-aktar, "Cevap dosyaları"):
an e-Devlet list uploaded, a request answered, the hub's ExportSender writing the day's file; the
page lists it and a permitted user downloads the same answers, recorded in the audit log. Users
without the import permission, and names that are not answer files, get nothing."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from aiohttp import FormData
from sqlmodel import select
from yarl import URL

from connectors.base import OutboundMessage
from connectors.imports import ExportSender, read_answers
from hub.models import Event, User
from tests.conftest import ADMIN_KEY
from tests.data.imports import edevlet
from tests.e2e_support import answer, wait_outbox_settled, wait_requests
from tests.test_ui import csrf_of, login

API = {"Authorization": f"Bearer {ADMIN_KEY}"}
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class Api:
    """The browser-like ``ui`` client, speaking to the API with the admin key."""

    def __init__(self, ui: Any) -> None:
        self.ui = ui

    async def request(self, method: str, path: str, **kw: Any) -> Any:
        return await self.ui.request(method, path, headers=API, **kw)


@pytest.fixture
def export_dir(tmp_path: Path) -> Path:
    return tmp_path / "cevap"


@pytest.fixture
def settings(settings_factory, export_dir):  # noqa: ANN001, ANN201
    return settings_factory(export_dir=export_dir, import_dir=export_dir.parent / "drop")


async def upload(ui: Any, data: bytes, filename: str, kind: str = "edevlet") -> str:
    page = await (await ui.get("/ui/ice-aktar")).text()
    form = FormData()
    form.add_field("csrf", csrf_of(page))
    form.add_field("kaynak", kind)
    form.add_field("dosya", data, filename=filename, content_type="application/octet-stream")
    r = await ui.post("/ui/ice-aktar", data=form)
    assert r.status == 200, await r.text()
    return await r.text()


async def logout(ui: Any) -> None:  # noqa: ANN401
    page = await (await ui.get("/ui/")).text()
    r = await ui.post("/ui/cikis", data={"csrf": csrf_of(page)}, allow_redirects=False)
    assert r.status == 303


def downloads(hub: Any) -> list[Event]:  # noqa: ANN401
    with hub.db.reader() as s:
        return list(s.exec(select(Event).where(Event.kind == "export.downloaded").order_by(Event.id)))


def user_id(hub: Any, username: str) -> int:  # noqa: ANN401
    with hub.db.reader() as s:
        return int(s.exec(select(User).where(User.username == username)).one().id)


async def answered_edevlet_file(ui: Any, hub: Any, export_dir: Path) -> tuple[Path, str]:  # noqa: ANN401
    """Upload the e-Devlet list as the agent, answer the first application: the hub's own
    ExportSender writes today's e-Devlet answer file."""
    await login(ui, "agent")
    await upload(ui, edevlet.csv_bytes(), "liste.csv")
    dog, _ = await wait_requests(Api(ui), "edevlet", 2)
    text = "Köpek barınağa alındı; <b>tedavi</b> edildi. =1+1"
    await answer(Api(ui), dog["id"], text, outcome="olumlu")
    await wait_outbox_settled(hub, dog["id"], "reply")
    [path] = sorted(export_dir.glob("edevlet_cevaplar_*.xlsx"))
    return path, text


async def test_a_permitted_user_downloads_the_answers_it_wrote(ui, hub, export_dir, tmp_path) -> None:  # noqa: ANN001
    path, text = await answered_edevlet_file(ui, hub, export_dir)

    page = await (await ui.get("/ui/ice-aktar")).text()
    assert "Cevap dosyaları" in page
    table = re.search(r'<table class="small-table" id="cevaplar-edevlet">(.*?)</table>', page, re.S)
    assert table, page
    assert f'href="/ui/ice-aktar/cevap/{path.name}"' in table.group(1)
    assert re.search(r'class="cevap-sayisi">1<', table.group(1)), "one answer in the file"
    assert 'id="cevaplar-cimer-yok"' in page and 'id="cevaplar-mbs-yok"' in page  # nothing for CİMER / MBS

    r = await ui.get(f"/ui/ice-aktar/cevap/{path.name}")
    assert r.status == 200
    assert r.headers["Content-Type"] == XLSX
    assert r.headers["Content-Disposition"] == f'attachment; filename="{path.name}"'
    assert r.headers["Cache-Control"] == "no-store"
    body = await r.read()
    assert body == path.read_bytes()
    copy = tmp_path / "indirilen.xlsx"
    copy.write_bytes(body)
    got = [(a.basvuru_no, a.text, a.outcome) for a in read_answers(copy)]
    assert got == [("EB-2026-000101", text, "olumlu")]
    assert got == [(a.basvuru_no, a.text, a.outcome) for a in read_answers(path)]

    [event] = downloads(hub)
    assert event.actor == f"user:{user_id(hub, 'agent')}"
    assert event.data["filename"] == path.name and event.data["system"] == "edevlet"
    assert event.data["size"] == len(body) and event.data["answers"] == 1
    # The audit log shows it in Turkish.
    await logout(ui)
    await login(ui, "admin")
    audit = await (await ui.get("/ui/denetim")).text()
    assert "Cevap dosyası indirildi" in audit


async def test_a_csv_answer_file_downloads_as_csv(ui, hub, export_dir, tmp_path) -> None:  # noqa: ANN001
    sender = ExportSender(export_dir, channel="cimer", fmt="csv")
    await sender.send(OutboundMessage(channel="cimer", text="Yol onarıldı; teşekkürler.", idempotency_key="c1",
                                      reply_to={"kind": "cimer", "basvuru_no": "2611000123", "sonuc": "olumlu"}))  # fmt: skip
    [path] = sorted(export_dir.glob("cimer_cevaplar_*.csv"))
    await login(ui, "supervisor")
    page = await (await ui.get("/ui/ice-aktar")).text()
    assert f'href="/ui/ice-aktar/cevap/{path.name}"' in page
    r = await ui.get(f"/ui/ice-aktar/cevap/{path.name}")
    assert r.status == 200 and r.headers["Content-Type"] == "text/csv; charset=utf-8"
    copy = tmp_path / "indirilen.csv"
    copy.write_bytes(await r.read())
    assert [(a.basvuru_no, a.text) for a in read_answers(copy)] == [
        ("2611000123", "Yol onarıldı; teşekkürler.")
    ]
    assert [e.data["filename"] for e in downloads(hub)] == [path.name]


async def test_users_without_the_import_permission_get_no_file(ui, hub, export_dir) -> None:  # noqa: ANN001
    path, _ = await answered_edevlet_file(ui, hub, export_dir)
    await logout(ui)
    # Not signed in: the login page, no file.
    r = await ui.get(f"/ui/ice-aktar/cevap/{path.name}", allow_redirects=False)
    assert r.status == 303 and r.headers["Location"].startswith("/ui/giris")
    # A department user (no "request.create"): refused in Turkish, not even a listing.
    await login(ui, "kaski")
    r = await ui.get(f"/ui/ice-aktar/cevap/{path.name}")
    assert r.status == 403 and "Cevap dosyalarını indirme yetkiniz yok." in await r.text()
    assert r.headers["Content-Type"].startswith("text/html")
    r = await ui.get("/ui/ice-aktar")
    assert r.status == 403 and path.name not in await r.text()
    assert downloads(hub) == []


BAD_NAMES = [
    "..%2Fhub.sqlite3",
    "..%2F..%2Fdata%2Fui_secret",
    "%2E%2E%2Fcevap%2Fedevlet_cevaplar_{day}.xlsx",
    "edevlet_cevaplar_{day}.xlsx%2F..%2F..%2Fhub.sqlite3",
    ".edevlet_sent.jsonl",
    ".edevlet_export.lock",
    "edevlet_cevaplar_{day}.xlsx.part",
    "edevlet_cevaplar_{day}.XLSX",
    "EDEVLET_cevaplar_{day}.xlsx",
    "%20edevlet_cevaplar_{day}.xlsx",
    "edevlet_cevaplar_2020-01-01.xlsx",  # the right shape, no such file
    "edevlet_cevaplar_2026-13-45.xlsx",  # the right shape, no such day
    "baska_cevaplar_{day}.xlsx",
    "cimer_cevaplar_2026-01-01.xlsx",  # the right name, but a symlink leading out of the folder
    "hub.sqlite3",
]


async def test_anything_but_an_answer_file_is_not_found(ui, hub, export_dir, tmp_path) -> None:  # noqa: ANN001
    path, _ = await answered_edevlet_file(ui, hub, export_dir)
    day = path.name.removeprefix("edevlet_cevaplar_").removesuffix(".xlsx")
    (tmp_path / "secret.xlsx").write_bytes(b"not for download")
    (export_dir / "cimer_cevaplar_2026-01-01.xlsx").symlink_to(tmp_path / "secret.xlsx")
    page = await (await ui.get("/ui/ice-aktar")).text()
    assert "cimer_cevaplar_2026-01-01.xlsx" not in page  # not listed either
    base = str(ui.make_url("/ui/ice-aktar/cevap/"))
    for name in BAD_NAMES:
        # encoded=True: sent as written, without the client normalising "..".
        r = await ui.session.get(URL(base + name.format(day=day), encoded=True), allow_redirects=False)
        body = await r.read()
        assert r.status == 404, (name, r.status)
        assert r.headers["Content-Type"].startswith("text/html"), name
        assert b"not for download" not in body and b"SQLite format" not in body and b"Traceback" not in body
        assert "Dosya bulunamadı" in body.decode() or "Sayfa bulunamadı" in body.decode(), name
    # A NUL in the address is refused before any page (hub.api.inputs), in Turkish.
    r = await ui.session.get(URL(base + path.name + "%00", encoded=True), allow_redirects=False)
    assert r.status == 400 and "Geçersiz karakter" in await r.text()
    # Unencoded ".." segments, as a script would send them.
    for raw in ("../../hub.sqlite3", "../../../data/ui_secret"):
        r = await ui.session.get(URL(base + raw, encoded=True), allow_redirects=False)
        assert r.status == 404 and b"SQLite format" not in await r.read(), raw
    assert downloads(hub) == []
