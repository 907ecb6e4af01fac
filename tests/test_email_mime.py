"""Parsing of real-world-shaped e-mail: Turkish charsets, broken MIME, forwards, auto-replies."""

from __future__ import annotations

import hashlib
import os
from email.message import EmailMessage
from pathlib import Path

import pytest

from connectors.email import MailParseError, parse_message, parse_with_reason

DATA = Path(__file__).parent / "data" / "email"
OURS = {"kayseri.bel.tr"}


def load(name: str):
    message = parse_message((DATA / name).read_bytes(), own_domains=OURS)
    assert message is not None, f"{name} was ignored"
    return message


def test_undeclared_windows_1254_body_reads_as_turkish() -> None:
    message = load("undeclared_cp1254.eml")
    assert "Hürriyet Mahallesi Gül Sokak'taki çöp konteyneri üç gündür boşaltılmadı." in message.text
    assert "İlginize teşekkür ederim." in message.text
    assert message.sender.name == "Hasan Çelik"  # the raw 8-bit From name too
    assert "\ufffd" not in message.text


def test_latin1_label_on_turkish_text_is_corrected() -> None:
    message = load("latin1_misdeclared.eml")
    assert message.text == "Gece yarısı inşaat çalışması yapılıyor, şikâyetimi iletmek istiyorum."
    assert message.subject == "Gürültü"


def test_rfc2047_iso_8859_9_subject_sender_and_filename() -> None:
    message = load("subject_iso8859_9.eml")
    assert message.subject == "Şikayet: Sıcak su yok çocuklar üşüyor"
    assert message.sender.name == "Şükrü Öztürk"
    assert message.sender.email == "sukru@example.com"
    assert message.text == "Apartmanımızda sıcak su yok, dilekçem ektedir."
    [pdf] = message.attachments
    assert pdf.filename == "şikâyet dilekçesi.pdf"
    assert pdf.content_type == "application/pdf"
    assert pdf.data.startswith(b"%PDF-1.4")


@pytest.mark.parametrize("name", ["broken_boundary.eml", "no_boundary_param.eml"])
def test_broken_boundaries_still_give_the_text(name: str) -> None:
    message = load(name)
    assert message.text
    assert "Content-Type" not in message.text and "--" not in message.text
    assert message.metadata["recovered_broken_mime"] is True


def test_wrong_boundary_recovers_text_and_attachment() -> None:
    message = load("broken_boundary.eml")
    assert message.text == "Talas Mevlana Mahallesinde iki gündür su yok. Lütfen yardımcı olun."
    assert [a.filename for a in message.attachments] == ["vana.jpg"]


def test_missing_closing_boundary_keeps_everything() -> None:
    message = load("unclosed_boundary.eml")
    assert message.text == "Melikgazi'de kaldırım taşları yerinden çıkmış, yaşlılar düşüyor."
    assert [a.filename for a in message.attachments] == ["dilekce.pdf"]


def test_empty_body_is_a_message_with_empty_text() -> None:
    message = load("empty_body.eml")
    assert message.text == ""
    assert message.subject == "Otobüs durağı"
    assert message.metadata["body_format"] == "empty"


def test_html_only_mail_becomes_clean_text() -> None:
    message = load("html_only.eml")
    assert message.subject == "Yol çökümü"
    assert message.sender.name == "Elif Şahin"
    assert message.text.splitlines() == [
        "Merhaba,",
        "",
        "Erciyes Bulvarı üzerinde yol çökmüş.",
        "Araçlar için tehlikeli.",
        "",
        "- Konum: Erciyes Bulvarı no 12",
        "",
        "- Tarih: dün akşam",
        "",
        "Saygılarımla & iyi çalışmalar",
    ]
    assert "alert" not in message.text and "color" not in message.text
    assert message.metadata["body_format"] == "html"


def test_plain_alternative_wins_and_attachment_types_are_checked() -> None:
    message = load("alternative_with_attachments.eml")
    assert message.text == "Sahabiye Mahallesi'nde büyük bir çukur var, fotoğrafları ekledim."
    assert [(a.filename, a.content_type) for a in message.attachments] == [
        ("cukur.png", "image/png"),
        ("foto2.jpg", "image/jpeg"),  # octet-stream from a phone, typed by its name
    ]
    [rejected] = message.metadata["rejected_attachments"]
    assert rejected["filename"] == "fatura.exe" and rejected["reason"] == "type_not_allowed"


def test_allowed_types_can_be_narrowed() -> None:
    raw = (DATA / "alternative_with_attachments.eml").read_bytes()
    message = parse_message(raw, allowed_types={"image/png"})
    assert [a.filename for a in message.attachments] == ["cukur.png"]
    assert {r["filename"] for r in message.metadata["rejected_attachments"]} == {"foto2.jpg", "fatura.exe"}


def test_inline_turkish_forward_keeps_original_sender() -> None:
    message = load("forwarded_inline_tr.eml")
    assert message.sender.email == "muhtar.aydin@example.com"  # answers go to the forwarder
    assert message.reply_to["email"] == "muhtar.aydin@example.com"
    original = message.metadata["original_sender"]
    assert original["email"] == "ayten.koc@example.org"
    assert original["name"] == "Ayten Koç"
    assert original["subject"] == "Mahallemizdeki sokak köpekleri"
    assert "okul yolunda sokak köpekleri" in message.text


def test_forward_chain_original_author_is_the_innermost() -> None:
    message = load("forwarded_chain_en.eml")
    chain = message.metadata["forwarded_chain"]
    assert [p["email"] for p in chain] == ["deniz@example.net", "burak.tan@example.org"]
    assert message.metadata["original_sender"]["name"] == "Burak Tan"


def test_attached_rfc822_forward_text_and_author() -> None:
    message = load("forwarded_rfc822.eml")
    assert "Komşumun yazdığı e-postayı iletiyorum." in message.text
    assert "Yeni yapılan asfalt bir ayda dağıldı, Develi yolu tarafında." in message.text
    assert message.metadata["original_sender"]["email"] == "kemal.gunes@example.org"
    assert message.metadata["original_sender"]["name"] == "Kemal Güneş"
    assert len(message.metadata["forwarded_chain"]) == 1


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("auto_reply.eml", "auto-submitted"),
        ("out_of_office_xautoreply.eml", "x-autoreply"),
        ("precedence_bulk.eml", "precedence"),
        ("bounce_dsn.eml", "delivery report"),
        ("mailer_daemon_plain.eml", "mailer-daemon"),
        ("own_message_id.eml", "own message"),
        ("own_header.eml", "own message"),
    ],
)
def test_auto_replies_bounces_and_our_own_mail_are_ignored(name: str, reason: str) -> None:
    message, why = parse_with_reason((DATA / name).read_bytes(), own_domains=OURS)
    assert message is None
    assert reason in why


def test_thread_hints_from_reply() -> None:
    message = load("reply_with_code.eml")
    assert message.thread.tracking_code == "KAY-2026-000123"
    assert message.thread.in_reply_to == "<hub-out-1@kayseri.bel.tr>"
    assert message.thread.references == ["<first-1@example.com>", "<hub-out-1@kayseri.bel.tr>"]
    assert message.external_id == "<reply-1@example.com>"
    assert message.reply_to == {
        "email": "ayse@example.com",
        "message_id": "<reply-1@example.com>",
        "subject": "Re: Başvurunuz alındı [KAY-2026-000123]",
    }
    assert message.received_at.isoformat() == "2026-11-22T07:00:00+00:00"


@pytest.mark.parametrize(
    ("subject", "code"),
    [
        ("Re: Başvuru KAY-2026-000123 hakkında", "KAY-2026-000123"),
        ("[ANK-2025-000001] yanıt", "ANK-2025-000001"),
        ("KAY-2026-0001234 fazla hane", None),
        ("kay-2026-000123 küçük harf", None),
        ("Takip kodu yok", None),
    ],
)
def test_tracking_code_in_subject(subject: str, code: str | None) -> None:
    msg = EmailMessage()
    msg["From"] = "a@example.com"
    msg["Subject"] = subject
    msg.set_content("metin")
    assert parse_message(msg.as_bytes()).thread.tracking_code == code


def test_missing_message_id_uses_a_stable_hash() -> None:
    raw = (DATA / "no_message_id.eml").read_bytes()
    message = parse_message(raw)
    assert message.external_id == "sha256:" + hashlib.sha256(raw).hexdigest()
    assert parse_message(raw).external_id == message.external_id


@pytest.mark.parametrize(
    ("raw", "error"),
    [
        ((DATA / "garbage.bin").read_bytes(), "no e-mail headers"),
        ((DATA / "no_sender.eml").read_bytes(), "no sender"),
        (b"", "empty"),
        (b"   \r\n\r\n", "empty"),
    ],
)
def test_unusable_input_raises_mail_parse_error(raw: bytes, error: str) -> None:
    with pytest.raises(MailParseError, match=error):
        parse_message(raw)


def test_thirty_megabyte_attachment_is_dropped_and_recorded() -> None:
    msg = EmailMessage()
    msg["From"] = "Nur Ak <nur@example.com>"
    msg["Subject"] = "Kaçak yapı videosu"
    msg["Message-ID"] = "<video-1@example.com>"
    msg.set_content("Videoyu ekledim, fotoğraf da var.")
    msg.add_attachment(
        os.urandom(30 * 1024 * 1024), maintype="video", subtype="mp4", filename="kaçak yapı.mp4"
    )
    msg.add_attachment(os.urandom(4096), maintype="image", subtype="jpeg", filename="foto.jpg")
    raw = msg.as_bytes()
    del msg

    message = parse_message(raw)
    assert message.text == "Videoyu ekledim, fotoğraf da var."
    assert [(a.filename, a.size) for a in message.attachments] == [("foto.jpg", 4096)]
    [rejected] = message.metadata["rejected_attachments"]
    assert rejected["filename"] == "kaçak yapı.mp4"
    assert rejected["reason"] == "too_large"
    assert abs(rejected["size"] - 30 * 1024 * 1024) < 16


def test_attachment_limit_is_configurable() -> None:
    message = parse_message((DATA / "subject_iso8859_9.eml").read_bytes(), max_attachment_bytes=10)
    assert message.attachments == []
    assert message.metadata["rejected_attachments"][0]["reason"] == "too_large"


def test_real_complaint_texts_survive_a_windows_1254_round_trip() -> None:
    """Complaint texts from the shared corpus, sent the old Outlook way, come back letter for letter."""
    corpus = Path(__file__).resolve().parents[2] / "shared" / "data" / "complaints" / "belediye_train.csv"
    if not corpus.exists():
        corpus = Path("/work/shared/data/complaints/belediye_train.csv")
    if not corpus.exists():
        pytest.skip("shared complaint corpus not present")
    import csv

    with corpus.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    texts = [max(row, key=len) for row in rows[1:200] if row]
    checked = 0
    for n, text in enumerate(texts):
        text = " ".join(text.split())
        try:
            body = text.encode("cp1254")
        except UnicodeEncodeError:
            continue
        raw = (
            b"From: v@example.com\r\nSubject: s\r\nMessage-ID: <c%d@example.com>\r\n\r\n" % n + body + b"\r\n"
        )
        assert parse_message(raw).text == text
        checked += 1
    assert checked > 50


def test_reply_keeps_full_text_and_marks_what_is_new() -> None:
    message = load("reply_with_code.eml")
    assert "şunu yazdı:" in message.text  # nothing is thrown away
    assert message.metadata["reply_text"] == "Hâlâ çözülmedi, tekrar bakar mısınız?"


def test_tracking_codes_in_the_body_are_only_noted() -> None:
    msg = EmailMessage()
    msg["From"] = "a@example.com"
    msg["Subject"] = "Yeni şikâyet"
    msg.set_content("Daha önce KAY-2026-000042 koduyla bildirmiştim, yine aynı sorun var.")
    message = parse_message(msg.as_bytes())
    assert message.thread.tracking_code is None
    assert message.metadata["mentioned_tracking_codes"] == ["KAY-2026-000042"]


def test_mangled_mail_never_crashes_the_parser() -> None:
    """Randomly damaged copies of the samples either parse or raise MailParseError, nothing else."""
    import random

    samples = [p.read_bytes() for p in sorted(DATA.iterdir())]
    rnd = random.Random(2026)
    junk = [b"\r\n--", b"=?utf-8?B?", b"?=", b"boundary=", b"\r\n\r\n", b'charset="x-yok"', b"\x00", b"<"]
    for _ in range(400):
        raw = bytearray(rnd.choice(samples))
        for _ in range(rnd.randint(1, 6)):
            pos = rnd.randrange(len(raw) or 1)
            roll = rnd.random()
            if roll < 0.3:
                del raw[pos : pos + rnd.randint(1, 40)]
            elif roll < 0.6:
                raw[pos:pos] = bytes(rnd.randrange(256) for _ in range(rnd.randint(1, 10)))
            elif roll < 0.9:
                raw[pos:pos] = rnd.choice(junk)
            else:
                del raw[pos:]
        try:
            parse_message(bytes(raw))
        except MailParseError as exc:
            assert "unexpected" not in str(exc)


def test_format_flowed_lines_are_joined() -> None:
    raw = (
        "From: Ece <ece@example.com>\r\nSubject: Gürültü\r\nMessage-ID: <ff-1@example.com>\r\n"
        "Content-Type: text/plain; charset=utf-8; format=flowed\r\n\r\n"
        "Her gece saat ikide eğlence mekanından yüksek sesle müzik geliyor, \r\n"
        "uyuyamıyoruz.\r\n\r\nSaygılarımla\r\n"
    ).encode()
    assert parse_message(raw).text == (
        "Her gece saat ikide eğlence mekanından yüksek sesle müzik geliyor, uyuyamıyoruz.\n\nSaygılarımla"
    )


def test_calendar_invite_is_not_read_as_complaint_text() -> None:
    raw = (
        "From: Ofis <ofis@example.com>\r\nSubject: Toplantı\r\nMessage-ID: <cal-1@example.com>\r\n"
        'MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="c"\r\n\r\n'
        "--c\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nToplantı daveti ektedir.\r\n"
        "--c\r\nContent-Type: text/calendar; method=REQUEST\r\n\r\nBEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n--c--\r\n"
    ).encode()
    message = parse_message(raw, allowed_types={"*/*"})
    assert message.text == "Toplantı daveti ektedir."
    assert [a.content_type for a in message.attachments] == ["text/calendar"]
