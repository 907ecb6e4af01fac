"""Turkish notification texts: polite, complete, and short enough for SMS."""

from __future__ import annotations

from datetime import date

import pytest

from hub.delivery.texts import notification_text, sms_length, sms_parts

CODE = "KAY-2026-000123"
URL = "https://talep.kayseri.bel.tr/t/KAY-2026-000123"
STAGES = ("received", "forwarded", "answered", "closed", "reminder")
LONG_ANSWER = "Ekiplerimiz bölgeye yönlendirilmiş olup arıza en geç üç iş günü içinde giderilecektir. " * 6


def text_for(stage: str, channel: str = "sms", **kw) -> tuple[str | None, str]:
    defaults = {
        "department_name": "Fen İşleri Dairesi Başkanlığı",
        "answer": "Arıza giderilmiştir." if stage == "answered" else None,
        "status_url": URL,
        "due_date": date(2026, 12, 4),
    }
    return notification_text(stage, tracking_code=CODE, channel=channel, **{**defaults, **kw})


@pytest.mark.parametrize("stage", STAGES)
def test_sms_bodies_are_polite_complete_and_at_most_two_messages(stage: str) -> None:
    subject, body = text_for(stage)
    assert subject is None
    assert body.startswith("Sayın vatandaşımız,")
    assert CODE in body and URL in body
    assert body.endswith("Kayseri Büyükşehir Belediyesi")
    assert sms_length(body) <= 306


@pytest.mark.parametrize("stage", STAGES)
def test_sms_without_link_fits_one_message_where_the_facts_allow(stage: str) -> None:
    _, body = text_for(stage, status_url=None, department_name=None, due_date=None)
    assert sms_length(body) <= 160 and sms_parts(body) == 1


def test_received_text_matches_the_agreed_wording() -> None:
    _, body = text_for("received")
    assert body == (
        f"Sayın vatandaşımız, talebiniz {CODE} takip numarasıyla alınmıştır. "
        f"Durumunu {URL} adresinden izleyebilirsiniz. Kayseri Büyükşehir Belediyesi"
    )


def test_forwarded_text_names_department_and_deadline() -> None:
    _, body = text_for("forwarded")
    assert "Fen İşleri Dairesi Başkanlığı" in body and "04.12.2026" in body


def test_long_answer_is_cut_but_link_and_signature_stay() -> None:
    _, body = text_for("answered", answer=LONG_ANSWER)
    assert sms_length(body) <= 306
    assert URL in body and body.endswith("Kayseri Büyükşehir Belediyesi")
    assert '..."' in body  # the citizen sees the answer was shortened


def test_short_answer_is_quoted_in_full() -> None:
    _, body = text_for("answered", status_url=None)
    assert 'Yanıt: "Arıza giderilmiştir."' in body


def test_email_has_subject_and_letter_form() -> None:
    subject, body = text_for("answered", channel="email", answer="Arıza giderilmiştir.\nTeşekkür ederiz.")
    assert subject == f"Talebiniz yanıtlandı – {CODE}"
    assert body.startswith("Sayın vatandaşımız,\n\n")
    assert "Arıza giderilmiştir.\nTeşekkür ederiz." in body
    assert URL in body and body.rstrip().endswith("Saygılarımızla,\nKayseri Büyükşehir Belediyesi")


def test_chat_and_x_channels() -> None:
    subject, body = text_for("closed", channel="telegram")
    assert subject is None and "\n" in body
    _, tweet = text_for("answered", channel="x", answer=LONG_ANSWER)
    assert len(tweet) <= 280 and URL in tweet


def test_municipality_is_a_parameter() -> None:
    _, body = notification_text(
        "received", tracking_code="ANK-2026-000001", municipality="Ankara Büyükşehir Belediyesi"
    )
    assert body.endswith("Ankara Büyükşehir Belediyesi") and "Kayseri" not in body


def test_department_reminder() -> None:
    subject, body = text_for("reminder", channel="email", audience="department")
    assert subject == f"Hatırlatma: {CODE} numaralı talep yanıt bekliyor"
    assert body.startswith("Sayın Fen İşleri Dairesi Başkanlığı yetkilisi,")
    assert "04.12.2026" in body and URL in body


def test_invalid_requests_get_clear_errors() -> None:
    with pytest.raises(ValueError):
        notification_text("answered", tracking_code=CODE)  # nothing to tell the citizen
    with pytest.raises(ValueError):
        notification_text("deleted", tracking_code=CODE)  # type: ignore[arg-type]


def test_sms_length_counts_turkish_letters_as_shift_characters() -> None:
    assert sms_length("abc") == 3
    assert sms_length("ş") == 2 and sms_length("İ") == 2
    assert sms_length("ü") == 1 and sms_length("Ö") == 1
    assert sms_length("€") == 2
