"""Answers by letter: the PDF carries Turkish text (read back with pypdf), the letterhead,
the dates in Turkish, and is attached to the request's thread on channel "mektup"; the
request counts as answered, and the letter downloads again from the request page and the API.
The rendered page is saved as PNG (pdftoppm) to HUB_SCREENSHOT_DIR for a human look."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from pypdf import PdfReader

from connectors.base import Location, RawMessage, Sender
from hub.letters import turkish_date, turkish_upper
from tests.e2e_support import api, events_of, outbox_rows
from tests.test_ui import csrf_of, login

TURKISH = "ğüşıöçĞÜŞİÖÇ"
ANSWER = (f"Sokağınızdaki çukur Fen İşleri Dairesi ekiplerince onarılmıştır. Test harfleri: {TURKISH}.\n\n"
          "Başvurunuz için teşekkür ederiz; yeni bir sorun görürseniz Alo 153'ü arayabilirsiniz.")  # fmt: skip


@pytest.fixture
def settings(settings_factory):  # noqa: ANN001, ANN201
    return settings_factory(
        municipality_name="Kayseri Büyükşehir Belediyesi", letter_sayi_prefix="E-38393483-105",
        letter_address="Sahabiye Mah. Kağnıpazarı Cad. No:1 Kocasinan / KAYSERİ · Tel: 153",
        letter_signer_name="Ayşe Yılmaz", letter_signer_title="Beyaz Masa Şube Müdürü",
    )  # fmt: skip


def paper_petition(hub) -> int:  # noqa: ANN001
    """A dilekçe typed in at Beyaz Masa: a name and an address, no phone, no e-mail."""
    raw = RawMessage(
        channel="beyaz_masa", external_id="dilekce-1", text="Çınar sokakta büyük bir çukur var, araçlar zarar görüyor.",
        received_at=datetime(2026, 11, 20, 9, 30, tzinfo=UTC), sender=Sender(name="Mehmet Öztürk"),
        location=Location(il="Kayseri", ilce="Melikgazi", mahalle="Gesi Fatih", address="Gesi Fatih Mah. Çınar Sok. No:5"),
    )  # fmt: skip
    return hub.intake.ingest(raw).request_id


def test_turkish_date_and_upper_case() -> None:
    assert turkish_date(date(2026, 12, 6)) == "6 Aralık 2026"
    assert turkish_date(datetime(2026, 8, 31, 22, 30, tzinfo=UTC)) == "1 Eylül 2026"  # Istanbul's day
    assert turkish_upper("Kayseri Büyükşehir Belediyesi") == "KAYSERİ BÜYÜKŞEHİR BELEDİYESİ"


async def test_letter_from_the_request_page_is_attached_readable_and_downloadable(ui, hub) -> None:  # noqa: ANN001
    rid = paper_petition(hub)
    await login(ui, "agent")
    page = await (await ui.get(f"/ui/talep/{rid}")).text()
    assert 'id="mektup-formu"' in page
    # Without text it is refused in Turkish, and the signer typed stays in the form.
    r = await ui.post(f"/ui/talep/{rid}/mektup", data={"csrf": csrf_of(page), "mektup_metin": " ", "imza_ad": "Ali Veli"})
    assert r.status == 400 and "cevap metnini yazın" in (html := await r.text()) and 'value="Ali Veli"' in html
    r = await ui.post(f"/ui/talep/{rid}/mektup",
                      data={"csrf": csrf_of(page), "mektup_metin": ANSWER, "sonuc": "olumlu"})  # fmt: skip
    html = await r.text()
    assert r.status == 200 and "PDF mektup" in html and 'id="mektuplar"' in html

    body = await api(ui, "GET", f"/api/v1/requests/{rid}", headers={"Authorization": "Bearer test-admin-key"})
    assert (body["status"], body["outcome"]) == ("answered", "olumlu") and body["answered_at"]
    [letter] = [m for m in body["thread"] if m["channel"] == "mektup"]
    assert letter["direction"] == "out" and letter["body"] == ANSWER
    [att] = letter["attachments"]
    assert att["content_type"] == "application/pdf" and att["filename"].endswith("-cevap-yazisi-1.pdf")
    assert not [o for o in outbox_rows(hub, rid, "reply")], "a letter is printed and posted, not sent by the hub"
    assert events_of(hub, rid, "request.letter")[0].data["sha256"] == att["sha256"]

    # Downloaded again later from the request page's link.
    assert f'/ui/talep/{rid}/ek/{att["sha256"]}' in html
    resp = await ui.get(f'/ui/talep/{rid}/ek/{att["sha256"]}')
    pdf = await resp.read()
    assert resp.status == 200 and pdf.startswith(b"%PDF")
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
    assert TURKISH in text
    for expected in ("KAYSERİ BÜYÜKŞEHİR BELEDİYESİ", "Sahabiye Mah. Kağnıpazarı Cad.", body["tracking_code"],
                     f"E-38393483-105-{body['tracking_code']}", "20 Kasım 2026", turkish_date(datetime.now(UTC)),
                     "Sayın Mehmet Öztürk", "Çınar Sok. No:5", "Ayşe Yılmaz", "Beyaz Masa Şube Müdürü", "Konu"):
        assert expected in text, expected  # fmt: skip
    _screenshot(pdf)


def _screenshot(pdf: bytes) -> None:
    out = os.environ.get("HUB_SCREENSHOT_DIR")
    if not out or shutil.which("pdftoppm") is None:
        return
    Path(out).mkdir(parents=True, exist_ok=True)
    src = Path(out) / "letter.pdf"
    src.write_bytes(pdf)
    subprocess.run(["pdftoppm", "-png", "-r", "80", "-singlefile", str(src), str(Path(out) / "letter")], check=True)


async def test_letter_over_the_api_with_default_signer_and_close(client, hub) -> None:  # noqa: ANN001
    rid = paper_petition(hub)
    await api(client, "GET", f"/api/v1/requests/{rid}/letter.pdf", expect=404)
    body = await api(client, "POST", f"/api/v1/requests/{rid}/letter",
                     json={"text": ANSWER, "outcome": "olumsuz", "close": True})  # fmt: skip
    assert (body["status"], body["outcome"]) == ("closed", "olumsuz")
    resp = await client.get(f"/api/v1/requests/{rid}/letter.pdf")
    assert resp.status == 200 and resp.headers["Content-Type"] == "application/pdf"
    text = PdfReader(io.BytesIO(await resp.read())).pages[0].extract_text()
    assert TURKISH in text and "Ayşe Yılmaz" in text  # the settings' signer
    # A closed request gets no second letter; an unknown outcome is refused.
    await api(client, "POST", f"/api/v1/requests/{rid}/letter", expect=409, json={"text": "x"})
    await api(client, "POST", f"/api/v1/requests/{rid}/letter", expect=422, json={"text": "x", "outcome": "iade"})


async def test_letter_needs_the_font(client, hub, settings, tmp_path) -> None:  # noqa: ANN001
    rid = paper_petition(hub)
    settings.letter_font_dir = tmp_path / "yok"
    body = await api(client, "POST", f"/api/v1/requests/{rid}/letter", expect=400, json={"text": ANSWER})
    assert "font" in body["message"]
    assert (await api(client, "GET", f"/api/v1/requests/{rid}"))["status"] != "answered"
