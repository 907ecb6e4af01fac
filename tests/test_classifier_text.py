"""Normalisation, cleaning and PII masking of citizen texts (classifier.text / classifier.pii)."""

from __future__ import annotations

import pytest

from classifier.text import ascii_fold, clean, fold, is_valid_tckn, mask_pii, normalize_phone_tr


def make_tckn(first9: str) -> str:
    """A checksum-valid TC kimlik no built from nine digits (test helper, not real people)."""
    d = [int(c) for c in first9]
    d10 = ((d[0] + d[2] + d[4] + d[6] + d[8]) * 7 - (d[1] + d[3] + d[5] + d[7])) % 10
    d11 = (sum(d) + d10) % 10
    return f"{first9}{d10}{d11}"


# --- folding ----------------------------------------------------------------------------------------


def test_fold_turkish_dotted_and_dotless_i() -> None:
    assert fold("İSTANBUL") == "istanbul"
    assert fold("IŞIK") == "ışık"
    assert fold("KAYSERİ Iğdır") == "kayseri ığdır"


def test_fold_handles_combining_dot_from_python_lower() -> None:
    # Python's own lower() of "İ" leaves a combining dot behind; fold must not.
    assert fold("İ".lower()) == "i"
    assert fold("MAHALLESİ") == fold("mahallesi") == "mahallesi"
    assert "\u0307" not in fold("i\u0307stasyon")


def test_ascii_fold_makes_asciified_and_proper_writing_meet() -> None:
    assert ascii_fold("Çöp TOPLANMIYOR, şikâyet!") == ascii_fold("cop toplanmiyor, sikayet!")
    assert ascii_fold("Güneşli Ağırnas") == "gunesli agirnas"
    assert ascii_fold("ÖZVATAN") == "ozvatan"
    assert ascii_fold("hâlâ îman ûmit") == "hala iman umit"


def test_fold_accepts_decomposed_unicode() -> None:
    import unicodedata

    nfd = unicodedata.normalize("NFD", "ÇÖP İŞİ Kayseri'de")
    assert fold(nfd) == "çöp işi kayseri'de"
    assert ascii_fold(nfd) == "cop isi kayseri'de"


def test_fold_keeps_length_aligned_with_ascii_fold() -> None:
    text = "SARIOĞLAN İlçesi Çiğilli Mah. ışıklar"
    assert len(fold(text)) == len(ascii_fold(text))


# --- cleaning ---------------------------------------------------------------------------------------


def test_clean_strips_urls_and_emoji_and_squeezes_runs() -> None:
    out = clean("Çoooook kötüüüü bir durum!!!! 😡😡 bakın https://ornek.com/foto?id=5 www.ornek.com")
    assert "http" not in out and "www" not in out
    assert "😡" not in out
    assert "ooo" not in out and "üüü" not in out
    assert out.startswith("Çook kötüü bir durum!")


def test_clean_keeps_real_double_letters() -> None:
    assert clean("Saat 5'te Hacılar'da cami önünde, Kayseri'de maalesef") == (
        "Saat 5'te Hacılar'da cami önünde, Kayseri'de maalesef"
    )


def test_clean_removes_quoted_reply_english_header() -> None:
    text = "Sorun hâlâ devam ediyor.\n\nOn Mon, 3 Jun 2024 at 10:00, Belediye <info@example.org> wrote:\n> Talebiniz alındı."
    assert clean(text) == "Sorun hâlâ devam ediyor."


def test_clean_removes_quoted_reply_turkish_header() -> None:
    text = "Teşekkürler, bekliyorum.\n\n3 Haz 2024 Pzt 10:00 tarihinde Belediye <info@example.org> şunu yazdı:\n> eski"
    assert clean(text) == "Teşekkürler, bekliyorum."


def test_clean_drops_quote_lines_and_signature_separator() -> None:
    text = "Çukur hâlâ orada.\n> önceki mesaj\n> devamı\nLütfen bakın.\n-- \nAli Veli\nMühendis"
    assert clean(text) == "Çukur hâlâ orada.\nLütfen bakın."


def test_clean_drops_closing_formula_and_name() -> None:
    text = "Sokak lambası yanmıyor, ilgilenirseniz sevinirim.\n\nSaygılarımla,\nAyşe Yılmaz"
    assert clean(text) == "Sokak lambası yanmıyor, ilgilenirseniz sevinirim."


def test_clean_keeps_long_text_after_a_polite_word() -> None:
    # "saygılar" in the middle of a long message is not a signature.
    body = "Saygılar sunarım, " + "mahallemizde su kesintisi üç gündür sürüyor ve kimse bilgi vermiyor. " * 3
    assert clean(body).startswith("Saygılar sunarım")


def test_clean_keeps_content_after_a_polite_phrase_mid_sentence() -> None:
    text = "Sokak lambası yanmıyor, iyi çalışmalar dilerim ama ayrıca park bakımsız, banklar kırık ve çöpler dolu."
    assert clean(text) == text


def test_clean_drops_inline_closing_with_name() -> None:
    assert clean("Çöp toplanmıyor. Saygılarımla, Ahmet Yılmaz") == "Çöp toplanmıyor."


def test_clean_empty_and_whitespace() -> None:
    assert clean("") == ""
    assert clean("   \n\n ") == ""


# --- TC kimlik no -----------------------------------------------------------------------------------


def test_tckn_checksum_rules() -> None:
    valid = make_tckn("123456789")
    assert is_valid_tckn(valid)
    assert is_valid_tckn(make_tckn("987654321"))
    wrong_last = valid[:-1] + str((int(valid[-1]) + 1) % 10)
    wrong_tenth = valid[:9] + str((int(valid[9]) + 1) % 10) + valid[10]
    assert not is_valid_tckn(wrong_last)
    assert not is_valid_tckn(wrong_tenth)
    assert not is_valid_tckn("0" + valid[1:])  # cannot start with 0
    assert not is_valid_tckn(valid[:10])
    assert not is_valid_tckn("1234567890a")


def test_mask_pii_masks_valid_tckn_only() -> None:
    valid = make_tckn("345678912")
    invalid = valid[:-1] + str((int(valid[-1]) + 1) % 10)
    out = mask_pii(f"TC: {valid}, abone no {invalid}")
    assert valid not in out and "[TCKN]" in out
    assert invalid in out  # a random 11-digit number stays readable


# --- phones -----------------------------------------------------------------------------------------

PHONE_FORMS = [
    ("0532 123 45 67", "+905321234567"),
    ("+90 (532) 123-45-67", "+905321234567"),
    ("5321234567", "+905321234567"),
    ("0 (352) 222 11 22", "+903522221122"),
    ("0532-123-4567", "+905321234567"),
    ("(0532) 123 45 67", "+905321234567"),
    ("+905321234567", "+905321234567"),
    ("0090 532 123 45 67", "+905321234567"),
    ("0352.222.11.22", "+903522221122"),
    ("0 850 333 11 22", "+908503331122"),
]


@pytest.mark.parametrize(("written", "e164"), PHONE_FORMS)
def test_every_phone_form_is_masked_and_normalised(written: str, e164: str) -> None:
    out = mask_pii(f"Beni {written} numarasından arayın.")
    assert out == "Beni [TELEFON] numarasından arayın."
    assert normalize_phone_tr(written) == e164


@pytest.mark.parametrize("text", ["abc", "", "123", "0999 123 45 67", "+44 20 7946 0958", "0532 123 45"])
def test_normalize_phone_rejects_non_turkish(text: str) -> None:
    assert normalize_phone_tr(text) is None


def test_numbers_that_are_not_phones_stay() -> None:
    text = "Fatura tutarı 1250 TL, sayaç no 0999123456, 2024 yılı, fatura no 3123456789"
    assert mask_pii(text) == text
    # Bare ten digits count as a phone only for mobiles; landlines need a prefix or grouping.
    assert mask_pii("tel 5321234567") == "tel [TELEFON]"
    assert mask_pii("tel 03522221122") == "tel [TELEFON]"


# --- e-mail and IBAN --------------------------------------------------------------------------------


def test_mask_email() -> None:
    assert mask_pii("Yazın: ali.veli+talep@ornek.com.tr lütfen") == "Yazın: [EPOSTA] lütfen"


def test_mask_iban_with_and_without_spaces() -> None:
    spaced = "TR33 0006 1005 1978 6457 8413 26"
    tight = "TR330006100519786457841326"
    assert mask_pii(f"IBAN: {spaced}.") == "IBAN: [IBAN]."
    assert mask_pii(f"iban {tight} hesabıma") == "iban [IBAN] hesabıma"


def test_mask_everything_in_one_message() -> None:
    tckn = make_tckn("234567891")
    text = f"TC {tckn}, tel 0532 123 45 67, mail a@b.co, IBAN TR330006100519786457841326"
    out = mask_pii(text)
    assert out == "TC [TCKN], tel [TELEFON], mail [EPOSTA], IBAN [IBAN]"


def test_mask_pii_leaves_plain_text_untouched() -> None:
    text = "Çöpler üç gündür toplanmıyor, lütfen ilgilenin."
    assert mask_pii(text) is text or mask_pii(text) == text


def test_log_filter_masks_message_and_args(caplog: pytest.LogCaptureFixture) -> None:
    import logging

    from classifier.pii import PiiLogFilter

    logger = logging.getLogger("test.pii")
    caplog.handler.addFilter(PiiLogFilter())
    tckn = make_tckn("456789123")
    with caplog.at_level(logging.INFO, logger="test.pii"):
        logger.info("citizen %s called from %s about %s", tckn, "0532 123 45 67", "çöp")
        logger.info("mail from ali@example.org")
    text = caplog.text
    assert tckn not in text and "0532" not in text and "ali@example.org" not in text
    assert "[TCKN]" in text and "[TELEFON]" in text and "[EPOSTA]" in text and "çöp" in text
