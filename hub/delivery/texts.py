"""Turkish notification texts for citizens, one per stage of a request.

SMS bodies are measured in GSM septets (``sms_length``): the most polite wording that
fits one SMS (160) is chosen; when none fits (a long link or an answer), the most polite
one within two SMS (306). Facts are never dropped; answers are cut, the link never is.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Literal

Stage = Literal["received", "forwarded", "answered", "closed", "reminder"]
Audience = Literal["citizen", "department"]

DEFAULT_MUNICIPALITY = "Kayseri Büyükşehir Belediyesi"
SMS_SINGLE = 160
SMS_DOUBLE = 306
X_LIMIT = 280  # public replies on X; DMs allow more but short is kinder there too

# GSM 03.38 default alphabet (one septet each) and its extension table (two septets each).
_GSM_BASIC = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
_GSM_EXTENDED = set("^{}\\[~]|€")
# Turkish national single-shift table: these cost an escape plus a septet, like the extension table.
_TURKISH_SHIFT = set("ŞşĞğİıç")


def sms_length(text: str) -> int:
    """Length in GSM septets, Turkish letters counted via the single-shift table (2 each).

    Characters outside GSM (emoji, other scripts) would force UCS-2 (70 characters per SMS);
    they count 3 so such texts reach the limits early. A conservative approximation.
    """
    total = 0
    for ch in text:
        if ch in _GSM_BASIC:
            total += 1
        elif ch in _GSM_EXTENDED or ch in _TURKISH_SHIFT:
            total += 2
        else:
            # UCS-2 fallback would cut the SMS to 70 characters; make it visible in the count.
            total += 3
    return total


def sms_parts(text: str) -> int:
    length = sms_length(text)
    return 1 if length <= SMS_SINGLE else -(-length // 153)


def _fit(text: str, limit: int, measure: Callable[[str], int]) -> str:
    """Cut ``text`` at a word boundary so it measures at most ``limit``, ending in '...'."""
    if measure(text) <= limit:
        return text
    cut = text[:limit]
    while cut and measure(cut + "...") > limit:
        cut = cut[:-1]
    cut = cut.rsplit(" ", 1)[0] if " " in cut[-30:] else cut
    return cut.rstrip(" ,.;:") + "..."


def _date(value: date | None) -> str | None:
    return value.strftime("%d.%m.%Y") if value else None


def _email_body(greeting: str, paragraphs: list[str], municipality: str) -> str:
    body = "\n\n".join([greeting, *[p for p in paragraphs if p]])
    return f"{body}\n\nSaygılarımızla,\n{municipality}\n"


_SUBJECTS: dict[str, str] = {
    "received": "Talebiniz alındı",
    "forwarded": "Talebiniz ilgili birime iletildi",
    "answered": "Talebiniz yanıtlandı",
    "closed": "Talebiniz sonuçlandırıldı",
    "reminder": "Talebiniz hakkında bilgilendirme",
}


def _citizen_sentences(
    stage: Stage,
    code: str,
    department: str | None,
    due: str | None,
    answer_marker: str,
) -> tuple[str, list[str]]:
    """(long main sentence, shorter alternatives) without link and signature."""
    if stage == "received":
        return (
            f"Sayın vatandaşımız, talebiniz {code} takip numarasıyla alınmıştır.",
            [f"Sayın vatandaşımız, talebiniz {code} numarasıyla alınmıştır."],
        )
    if stage == "forwarded":
        # "birimimize (X) iletilmiştir" avoids attaching a Turkish case suffix to an arbitrary name.
        target = f"ilgili birimimize ({department})" if department else "ilgili birimimize"
        due_part = f" En geç {due} tarihine kadar bilgilendirileceksiniz." if due else ""
        short_due = f" {due} tarihine kadar bilgi verilecektir." if due else ""
        return (
            f"Sayın vatandaşımız, {code} numaralı talebiniz incelenmek üzere {target} iletilmiştir.{due_part}",
            [f"Sayın vatandaşımız, {code} numaralı talebiniz {target} iletilmiştir.{short_due}"],
        )
    if stage == "answered":
        by = f"{department} tarafından " if department else ""
        return (
            f"Sayın vatandaşımız, {code} numaralı talebiniz {by}yanıtlanmıştır.{answer_marker}",
            [f"Sayın vatandaşımız, {code} numaralı talebiniz yanıtlanmıştır.{answer_marker}"],
        )
    if stage == "closed":
        return (
            f"Sayın vatandaşımız, {code} numaralı talebiniz sonuçlandırılarak kapatılmıştır. "
            f"Bize ulaştığınız için teşekkür ederiz.",
            [f"Sayın vatandaşımız, {code} numaralı talebiniz sonuçlandırılmıştır. Teşekkür ederiz."],
        )
    # reminder (citizen): the request is still being worked on
    due_part = f" En geç {due} tarihine kadar bilgilendirileceksiniz." if due else ""
    short_due = f" {due} tarihine kadar bilgi verilecektir." if due else ""
    by = f" {department} tarafından" if department else ""
    return (
        f"Sayın vatandaşımız, {code} numaralı talebiniz üzerindeki çalışmalar{by} sürdürülmektedir.{due_part}",
        [f"Sayın vatandaşımız, {code} numaralı talebiniz üzerinde çalışmalar sürmektedir.{short_due}"],
    )


def _department_reminder(
    code: str,
    department: str | None,
    due: str | None,
    status_url: str | None,
    channel: str,
    municipality: str,
) -> tuple[str | None, str]:
    who = f"Sayın {department} yetkilisi" if department else "Sayın yetkili"
    due_part = f"yanıt süresi {due} tarihinde dolmaktadır" if due else "yanıt beklemektedir"
    main = f"{code} numaralı talebin {due_part}. Lütfen talebi yanıtlayınız."
    link = f" {status_url}" if status_url else ""
    if channel == "email":
        paragraphs = [
            f"Biriminize yönlendirilen {main}",
            f"Talebe şu adresten ulaşabilirsiniz: {status_url}" if status_url else "",
        ]
        return f"Hatırlatma: {code} numaralı talep yanıt bekliyor", _email_body(
            f"{who},", paragraphs, municipality
        )
    return None, f"{who}, {main}{link} {municipality}"


def notification_text(
    stage: Stage,
    *,
    tracking_code: str,
    department_name: str | None = None,
    answer: str | None = None,
    status_url: str | None = None,
    due_date: date | None = None,
    channel: str = "sms",
    municipality: str = DEFAULT_MUNICIPALITY,
    audience: Audience = "citizen",
) -> tuple[str | None, str]:
    """(subject for e-mail or None, body) for one stage.

    ``channel`` "sms" gives a short text, "email" a subject and a letter, "x" at most
    280 characters, anything else (telegram, whatsapp, facebook, instagram, webform)
    the letter body without subject. ``audience="department"`` is meant for the
    "reminder" stage: a reminder to the department that an answer is due.
    """
    if stage not in _SUBJECTS:
        raise ValueError(f"unknown stage {stage!r}")
    code = " ".join(tracking_code.split()) or "-"
    department = " ".join((department_name or "").split()) or None
    due = _date(due_date)
    answer_text = " ".join((answer or "").split())
    if stage == "answered" and not answer_text and not status_url:
        raise ValueError("an 'answered' notification needs the answer or a status_url")

    if audience == "department":
        return _department_reminder(code, department, due, status_url, channel, municipality)

    if channel == "email":
        main, _ = _citizen_sentences(stage, code, department, due, "")
        paragraphs = [_strip_greeting(main)]
        if stage == "answered" and answer:
            paragraphs.append("Yanıt:\n" + answer.strip())
        if status_url:
            paragraphs.append(f"Talebinizin durumunu {status_url} adresinden izleyebilirsiniz.")
        paragraphs.append(f"Yazışmalarınızda lütfen {code} takip numaranızı belirtiniz.")
        return f"{_SUBJECTS[stage]} – {code}", _email_body("Sayın vatandaşımız,", paragraphs, municipality)

    if channel == "sms":
        return None, _sms(stage, code, department, due, answer_text, status_url, municipality)

    if channel == "x":
        return None, _short(
            stage, code, department, due, answer_text, status_url, municipality, X_LIMIT, X_LIMIT, len
        )

    # Chat channels: the full wording, no length pressure.
    main, _ = _citizen_sentences(stage, code, department, due, "")
    lines = [main]
    if stage == "answered" and answer:
        lines.append("Yanıt: " + answer.strip())
    if status_url:
        lines.append(f"Durumunu {status_url} adresinden izleyebilirsiniz.")
    lines.append(municipality)
    return None, "\n".join(lines)


def _strip_greeting(sentence: str) -> str:
    rest = sentence.removeprefix("Sayın vatandaşımız, ")
    return rest[:1].upper() + rest[1:] if rest and not rest[0].isdigit() else rest


def _link_sentences(status_url: str | None) -> list[str]:
    if not status_url:
        return [""]
    return [
        f" Durumunu {status_url} adresinden izleyebilirsiniz.",
        f" Takip: {status_url}",
    ]


def _sms(
    stage: Stage,
    code: str,
    department: str | None,
    due: str | None,
    answer: str,
    status_url: str | None,
    municipality: str,
) -> str:
    return _short(
        stage, code, department, due, answer, status_url, municipality, SMS_SINGLE, SMS_DOUBLE, sms_length
    )


def _short(
    stage: Stage,
    code: str,
    department: str | None,
    due: str | None,
    answer: str,
    status_url: str | None,
    municipality: str,
    preferred_limit: int,
    hard_limit: int,
    measure: Callable[[str], int],
) -> str:
    """Pick the longest-worded candidate that fits one SMS, else the first that fits ``hard_limit``."""
    marker = "\x00"  # where the answer goes
    main, alternatives = _citizen_sentences(stage, code, department, due, marker if answer else "")
    candidates = [
        f"{sentence}{link} {municipality}"
        for sentence in (main, *alternatives)
        for link in _link_sentences(status_url)
    ]
    if stage == "answered" and answer:
        full = [c.replace(marker, f' Yanıt: "{answer}"') for c in candidates]
        fitting = _first_fitting(full, preferred_limit, hard_limit, measure)
        if fitting:
            return fitting
        # The answer takes whatever room the shortest wording leaves; the link is never cut.
        best = min(candidates, key=lambda c: measure(c.replace(marker, "")))
        room = hard_limit - measure(best.replace(marker, ' Yanıt: ""'))
        if room < 20:
            return _fit(best.replace(marker, ""), hard_limit, measure)
        return best.replace(marker, f' Yanıt: "{_fit(answer, room, measure)}"')
    return _first_fitting(candidates, preferred_limit, hard_limit, measure) or _fit(
        candidates[-1], hard_limit, measure
    )


def _first_fitting(
    candidates: list[str], preferred_limit: int, hard_limit: int, measure: Callable[[str], int]
) -> str | None:
    """The first (most polite) candidate within ``preferred_limit`` (one SMS), else within ``hard_limit``."""
    for candidate in candidates:
        if measure(candidate) <= preferred_limit:
            return candidate
    for candidate in candidates:
        if measure(candidate) <= hard_limit:
            return candidate
    return None


def muhtar_portal_path(tracking_code: str) -> str:
    """Where a muhtar reads his request (after logging in to the muhtar portal)."""
    from urllib.parse import quote

    return "/ui/muhtar/talep/" + quote(tracking_code, safe="")


def to_muhtar(text: str) -> str:
    """A citizen notice addressed to the muhtar who sent the request. Shorter than the
    citizen's greeting, so the SMS still fits the length the wording was chosen for."""
    return text.replace("Sayın vatandaşımız,", "Sayın muhtarımız,", 1)
