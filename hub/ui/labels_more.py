"""More Turkish for values stored in English or as numbers: the locator's reasons, values in
the routing trace (minutes of the day, ISO weekdays), SLA policy names, disabled channels.
Each falls back to the raw text when it does not know it."""

from __future__ import annotations

import re
from typing import Any

WEEKDAYS = {1: "Pazartesi", 2: "Salı", 3: "Çarşamba", 4: "Perşembe", 5: "Cuma", 6: "Cumartesi", 7: "Pazar"}
_WEEKDAY_NAMES = {
    "pazartesi": "Pazartesi", "sali": "Salı", "salı": "Salı", "carsamba": "Çarşamba", "çarşamba": "Çarşamba",
    "persembe": "Perşembe", "perşembe": "Perşembe", "cuma": "Cuma", "cumartesi": "Cumartesi", "pazar": "Pazar",
}  # fmt: skip

# One part of the locator's reason ("; "-joined): pattern, Turkish (groups go in as {0}, {1}).
_LOCATOR: list[tuple[str, str]] = [
    (r"^typo of (.+) before a (.+)$", "{0} adının yazım hatası; {1}"),
    (r"^typo of (.+) confirmed by district$", "{0} adının yazım hatası, ilçe doğruluyor"),
    (r"^typo of (.+) with suffix -(\w+)$", "«-{1}» ekli {0} adının yazım hatası"),
    (r"^suffix -(\w+) on a name unique in Kayseri but common in Türkiye$",
     "Kayseri'de tek ama Türkiye'de yaygın bir adın sonunda «-{0}» eki"),
    (r"^suffix -(\w+) on a distinctive name$", "ayırt edici bir adın sonunda «-{0}» eki"),
    (r"^cue word$", "«mahallesi» gibi bir ipucu sözcüğü"),
    (r"^district given$", "ilçe belirtilmiş"),
    (r"^district in text$", "ilçe metinde geçiyor"),
    (r"^district only$", "yalnızca ilçe belli"),
    (r"^form label$", "form alanı"),
    (r"^address words in text$", "metinde adres sözcükleri var"),
    (r"^distinctive name$", "ayırt edici ad"),
    (r"^another province named$", "metinde başka bir il adı geçiyor"),
    (r"^several districts, no mahalle$", "birkaç ilçe geçiyor, mahalle yok"),
    (r"^after another place name, maybe a namesake elsewhere$", "başka bir yer adından sonra; başka yerde adaşı olabilir"),
    (r"^another place named as strongly$", "başka bir yer de aynı güçte geçiyor"),
    (r"^not in the given district$", "belirtilen ilçede yok"),
    (r"^the district in text does not have it$", "metindeki ilçede bu ad yok"),
    (r"^the district in text has none of these$", "metindeki ilçede bunların hiçbiri yok"),
    (r"^several mahalle of one district carry the name$", "bir ilçenin birkaç mahallesi bu adı taşıyor"),
    (r"^name in several districts, no district in text$", "ad birkaç ilçede var, metinde ilçe yok"),
]  # fmt: skip


def _locator_part(part: str) -> str:
    for pattern, turkish in _LOCATOR:
        m = re.match(pattern, part)
        if m:
            groups = [_locator_part(g) if i == 1 and "before a" in pattern else g for i, g in enumerate(m.groups())]
            return turkish.format(*groups)
    return part


def locator_reason(reason: Any) -> str:
    """The locator's English reason ("cue word; name in several districts, no district in text")
    in Turkish, part by part; unknown parts stay as they are."""
    text = str(reason or "")
    parts = [p.strip() for p in text.split(";") if p.strip()]
    out = [_locator_part(p) for p in parts]
    if out == parts:
        return text or "—"  # nothing known: the raw text
    said = "; ".join(out)
    first = {"i": "İ", "ı": "I"}.get(said[:1], said[:1].upper())
    return first + said[1:]


def _clock(value: Any) -> Any:
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 24 * 60:
        return f"{value // 60:02d}:{value % 60:02d}"
    return value


def _day(value: Any) -> Any:
    if isinstance(value, int) and not isinstance(value, bool):
        return WEEKDAYS.get(value, value)
    if isinstance(value, str):
        return _WEEKDAY_NAMES.get(value.lower(), value)
    return value


def trace_value(value: Any, field: Any = None) -> Any:
    """A value of the routing trace as the page shows it: minutes of the day as "09:00", a time
    range as "09:00–17:00", ISO weekday numbers as "Pazartesi"; anything else unchanged."""
    if field in ("local_time", "time"):
        if isinstance(value, list | tuple) and len(value) == 2:
            return f"{_clock(value[0])}–{_clock(value[1])}"
        return _clock(value)
    if field in ("weekday", "day"):
        if isinstance(value, list | tuple):
            return [_day(v) for v in value]
        return _day(value)
    return value


def sla_policy(name: Any) -> str:
    text = str(name or "")
    return {"default": "varsayılan süre", "defaults": "varsayılan süre", "": "—"}.get(text, text)


def disabled_reason(text: Any) -> str:
    """Why a channel is off, in Turkish; setting names stay as they are (the admin sets them)."""
    raw = str(text or "")
    m = re.fullmatch(r"(HUB_\w+) and (HUB_\w+) are not set", raw)
    if m:
        return f"{m.group(1)} ve {m.group(2)} ayarlanmamış"
    m = re.fullmatch(r"(HUB_\w+) is not set", raw)
    if m:
        return f"{m.group(1)} ayarlanmamış"
    m = re.fullmatch(r"configuration error: (.*)", raw, re.S)
    if m:
        return f"Ayar hatası: {m.group(1)}"
    return raw
