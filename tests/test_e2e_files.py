"""End to end through the running hub: CİMER and MBS file drops with answer
exports, the Alo 153 call centre (API and call-log folder), and SMS notifications
through an HTTP SMS gateway on loopback."""

from __future__ import annotations

import io
import re
from datetime import datetime
from pathlib import Path

import pytest
from openpyxl import Workbook

from connectors.imports import read_answers
from tests.e2e_support import (
    answer,
    api,
    detail,
    drop_file,
    events_of,
    hub_log_text,
    request_count,
    wait_for,
    wait_outbox_settled,
    wait_requests,
)

CALLER = "0532 765 43 21"
CALLER_E164 = "+905327654321"


@pytest.fixture
def folders(tmp_path: Path) -> dict[str, Path]:
    return {"import": tmp_path / "drop", "export": tmp_path / "cevap", "calllog": tmp_path / "alo153"}


@pytest.fixture
def settings(settings_factory, folders, sms_gateway):  # noqa: ANN001, ANN201
    return settings_factory(
        import_dir=folders["import"], export_dir=folders["export"], calllog_dir=folders["calllog"],
        file_poll_seconds=0.3, sms_url=sms_gateway.url, sms_sender_id="KAYSERIBB",
    )  # fmt: skip


def xlsx(header: list[str], rows: list[list[object]]) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.append(header)
    for row in rows:
        ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


CIMER_HEADER = ["Başvuru No", "Başvuru Tarihi", "Başvuru Türü", "Başvuran", "Telefon", "İl", "İlçe", "Mahalle",
                "Konu", "Metin"]  # fmt: skip
CIMER_ROWS = [
    ["2611000123", "20.11.2026 09:15", "Şikayet", "Hasan Çelik", "0533 111 22 33", "Kayseri", "Melikgazi",
     "Gesi Fatih", "Hayvanlar", "Mahallemizde yaralı bir sokak köpeği var, yardım edin."],
    ["2611000124", "20.11.2026 10:40", "İstek", "Elif Şahin", "", "Kayseri", "Kocasinan", "Mimarsinan",
     "Park", "Parktaki çocuk salıncağı kırık, çocuklar yaralanabilir."],
]  # fmt: skip


def gone(path: Path) -> bool:
    return not path.exists()


async def test_cimer_drop_is_imported_once_and_answers_are_exported(client, hub, folders) -> None:  # noqa: ANN001
    cimer_dir = folders["import"] / "cimer"
    data = xlsx(CIMER_HEADER, CIMER_ROWS)
    first = drop_file(cimer_dir, "cimer_20112026.xlsx", data)

    dog, swing = await wait_requests(client, "cimer", 2)
    assert dog["department"] == "veteriner" and dog["request_type"] == "sikayet"
    assert (dog["location"]["ilce"], dog["location"]["mahalle"]) == ("Melikgazi", "Gesi Fatih")
    assert swing["department"] == "park-bahceler" and swing["location"]["mahalle"] == "Mimarsinan"
    assert dog["tracking_code"].startswith("KAY-") and dog["tracking_code"] != swing["tracking_code"]
    await wait_for(lambda: gone(first), "the imported file to leave the drop folder")
    assert (cimer_dir / "islendi" / first.name).exists()

    # The same export dropped again (same name, or renamed by staff) adds nothing.
    again = drop_file(cimer_dir, "cimer_20112026_kopya.xlsx", data)
    await wait_for(lambda: gone(again), "the re-dropped file to be handled")
    # A newer export repeating an old application next to a new one adds only the new one.
    newer = CIMER_ROWS + [
        ["2611000125", "21.11.2026 08:05", "İhbar", "Murat Koç", "", "Kayseri", "Kocasinan", "Mimarsinan",
         "Zabıta", "Sokağımızdaki işyeri gece yarısına kadar yüksek sesle müzik çalıyor."],
    ]  # fmt: skip
    drop_file(cimer_dir, "cimer_21112026.xlsx", xlsx(CIMER_HEADER, newer))
    await wait_requests(client, "cimer", 3)
    assert request_count(hub, "cimer") == 3

    text = "Köpek barınağa alındı ve tedavi edildi."
    await answer(client, dog["id"], text, outcome="olumlu")
    await wait_outbox_settled(hub, dog["id"], "reply")
    [export] = sorted(folders["export"].glob("cimer_cevaplar_*.xlsx"))
    answers = read_answers(export)
    assert [(a.basvuru_no, a.text, a.outcome) for a in answers] == [("2611000123", text, "olumlu")]
    assert isinstance(answers[0].answered_at, datetime)


MBS_HEADER = [
    "Talep No",
    "Talep Tarihi",
    "İlçe",
    "Muhtarlık",
    "Muhtar Adı",
    "Telefon",
    "Talep Türü",
    "Açıklama",
]


async def test_mbs_request_takes_the_muhtars_mahalle_and_answer_goes_to_the_mbs_file(
    client, hub, folders
) -> None:  # noqa: ANN001
    rows = [["MBS-77001", "19.11.2026 14:00", "Kocasinan", "Mimarsinan Mahallesi Muhtarlığı", "Kemal Aydın",
             "0544 222 33 44", "Talep", "Parktaki çocuk salıncağı kırık, çocuklar yaralanabilir."]]  # fmt: skip
    path = drop_file(folders["import"] / "mbs", "mbs.xlsx", xlsx(MBS_HEADER, rows))
    [req] = await wait_requests(client, "mbs")
    # The muhtar's mahalle is the location, not whatever the text says. (The classifier keeps a
    # known mahalle as written, "Mimarsinan Mahallesi", instead of the gazetteer's "Mimarsinan".)
    assert req["location"]["mahalle"].startswith("Mimarsinan") and req["location"]["ilce"] == "Kocasinan"
    assert req["location"]["source"] == "known"
    assert req["department"] == "park-bahceler"
    d = await detail(client, req["id"])
    assert d["contact"]["kind"] == "muhtar"
    await wait_for(lambda: gone(path), "the MBS file to be handled")

    drop_file(folders["import"] / "mbs", "mbs-tekrar.xlsx", xlsx(MBS_HEADER, rows))
    await wait_for(lambda: gone(folders["import"] / "mbs" / "mbs-tekrar.xlsx"), "the re-dropped MBS file")
    assert request_count(hub, "mbs") == 1

    text = "Salıncak değiştirildi."
    await answer(client, req["id"], text, outcome="olumlu")
    await wait_outbox_settled(hub, req["id"], "reply")
    [export] = sorted(folders["export"].glob("mbs_cevaplar_*.xlsx"))
    assert [(a.basvuru_no, a.text, a.outcome) for a in read_answers(export)] == [
        ("MBS-77001", text, "olumlu")
    ]
    assert not list(folders["export"].glob("cimer_cevaplar_*")), "nothing written for CİMER"


async def test_phone_request_shows_in_caller_history_and_its_answer_goes_by_sms(
    client, hub, sms_gateway, caplog
) -> None:  # noqa: ANN001
    caplog.set_level("DEBUG")
    body = {
        "text": "Talas Mevlana Mahallesi Gül sokakta yol çökmüş, asfalt bozuk.",
        "channel": "phone",
        "contact": {"name": "Ali Kaya", "phone": CALLER},
    }
    created = await api(client, "POST", "/api/v1/requests", expect=201, json=body)
    assert created["department"] == "fen-isleri" and created["location"]["mahalle"] == "Mevlana"

    # The agent sees the caller's history at once, whatever form the number is typed in.
    for typed in (CALLER, "05327654321", "+90 532 765 4321"):
        hist = await api(client, "GET", "/api/v1/contacts", params={"phone": typed})
        [contact] = hist["items"]
        assert contact["phone"] == CALLER_E164
        assert [r["tracking_code"] for r in contact["requests"]] == [created["tracking_code"]]
    bad = await api(client, "GET", "/api/v1/contacts", expect=400, params={"phone": "12ab"})
    assert bad["field"] == "phone"

    text = "Yol onarımı bu hafta yapılacaktır."
    await answer(client, created["id"], text)
    await wait_outbox_settled(hub, created["id"], "reply", n=1)  # phone: no auto-reply row, the SMS notices inform
    d = await detail(client, created["id"])
    # the answer went by SMS: no call-back task (tests/test_callbacks.py covers the case without SMS)
    assert "geri-arama" not in d["tags"] and d["status"] == "answered"
    assert not events_of(hub, created["id"], "callback.opened")

    # SMS at each stage: received, forwarded, answered, each naming the tracking code.
    texts = await wait_for(lambda: _at_least(sms_gateway.texts_to(CALLER_E164), 3), "three SMS to the caller")
    code = created["tracking_code"]
    assert all(code in t for t in texts)
    assert len(texts) == 3
    assert any("yanıt" in t.lower() for t in texts)
    assert "7654321" not in hub_log_text(caplog) and "765 43 21" not in hub_log_text(caplog), (
        "phone numbers are never logged"
    )


def _at_least(items: list, n: int) -> list | None:
    return items if len(items) >= n else None


async def test_webform_request_with_a_phone_gets_sms_at_each_stage(client, hub, sms_gateway) -> None:  # noqa: ANN001
    body = {
        "text": "Mahallemizde çöpler üç gündür toplanmıyor, koku dayanılmaz.",
        "channel": "webform",
        "contact": {"name": "Fatma Kurt", "phone": "0555 444 33 22"},
    }
    created = await api(client, "POST", "/api/v1/requests", expect=201, json=body)
    assert created["department"] == "cevre-koruma"
    await wait_for(lambda: _at_least(sms_gateway.texts_to("+905554443322"), 2), "received and forwarded SMS")

    await answer(client, created["id"], "Çöpler bugün toplandı.")
    texts = await wait_for(lambda: _at_least(sms_gateway.texts_to("+905554443322"), 3), "the answered SMS")
    assert len(texts) == 3 and all(created["tracking_code"] in t for t in texts)
    assert all(r["data"]["from"] == "KAYSERIBB" for r in sms_gateway.received)
    d = await detail(client, created["id"])
    assert "geri-arama" not in d["tags"]
    # The SMS links carry the status page's private key: the citizen can read the answer there.
    links = {m.group(1) for t in texts for m in re.finditer(r"(/takip/[A-Z0-9-]+\?anahtar=[0-9a-f]{16})", t)}
    assert links
    page = await (await client.get(links.pop(), headers={"Authorization": ""})).text()
    assert "Çöpler bugün toplandı." in page


CALLLOG = (
    "Çağrı No;Arayan;Zaman;Temsilci;Süre;Sonuç;Not\r\n"
    "C-1;0532 765 43 21;22.11.2026 09:01:10;Ayten;03:25;Arıza;Talas Mevlana Mahallesi Gül sokakta yol çökmüş.\r\n"
    "C-2;0533 000 11 22;22.11.2026 09:05:00;Ayten;00:40;Bilgi Verildi;\r\n"
    "C-3;;22.11.2026 09:07:30;Burak;00:05;Yanlış Arama;\r\n"
    "C-4;0536 999 88 77;22.11.2026 09:12:45;Burak;02:10;;Mahallemizde çöpler üç gündür toplanmıyor.\r\n"
)


async def test_call_log_drop_becomes_requests_only_for_calls_with_a_request(
    client, hub, folders, caplog
) -> None:  # noqa: ANN001
    caplog.set_level("DEBUG")
    path = drop_file(folders["calllog"], "alo153_20261122.csv", CALLLOG.encode("utf-8"))
    reqs = await wait_requests(client, "phone", 2)
    await wait_for(lambda: gone(path), "the call log to leave the folder")
    assert len(reqs) == 2 and request_count(hub) == 2
    road, rubbish = reqs
    assert road["department"] == "fen-isleri" and road["request_type"] == "istek"
    assert rubbish["department"] == "cevre-koruma"
    # The call's caller is the contact: the agent finds it in the caller's history.
    hist = await api(client, "GET", "/api/v1/contacts", params={"phone": CALLER})
    assert [r["id"] for r in hist["items"][0]["requests"]] == [road["id"]]

    # The same log dropped again changes nothing.
    drop_file(folders["calllog"], "alo153_20261122.csv", CALLLOG.encode("utf-8"))
    await wait_for(lambda: gone(folders["calllog"] / "alo153_20261122.csv"), "the re-dropped log")
    assert request_count(hub) == 2
    for digits in ("7654321", "765 43 21", "9998877", "999 88 77"):
        assert digits not in hub_log_text(caplog), "callers' numbers are never logged"
