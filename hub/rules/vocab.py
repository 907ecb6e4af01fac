"""Closed vocabularies the rule language validates against."""

from __future__ import annotations

CHANNELS = frozenset(
    {
        "email",
        "webform",
        "telegram",
        "x",
        "whatsapp",
        "facebook",
        "instagram",
        "phone",
        "cimer",
        "mbs",
        "edevlet",
        "api",
        "beyaz_masa",
        "muhtar",
        "open311",
        "youtube",
    }
)
REQUEST_TYPES = frozenset({"istek", "sikayet", "ihbar", "gorus_oneri", "bilgi_edinme", "tesekkur"})
CONTACT_KINDS = frozenset({"citizen", "muhtar", "institution"})
PRIORITIES = ("low", "normal", "high", "urgent")  # ordered, lowest first
PRIORITY_RANK = {p: i for i, p in enumerate(PRIORITIES)}
# Topic codes produced by the classifier; callers may pass their own set.
DEFAULT_TOPICS = frozenset(
    {
        "su-kanalizasyon",
        "ulasim",
        "yol-altyapi",
        "park-bahce",
        "zabita",
        "temizlik",
        "veteriner",
        "sosyal-yardim",
        "imar",
        "aydinlatma",
        "diger",
        "out_of_scope",
    }
)
# ISO weekday numbers; Turkish and English names both accepted in rule files.
WEEKDAYS = {
    "pazartesi": 1,
    "pzt": 1,
    "mon": 1,
    "monday": 1,
    "sali": 2,
    "tue": 2,
    "tuesday": 2,
    "carsamba": 3,
    "wed": 3,
    "wednesday": 3,
    "persembe": 4,
    "thu": 4,
    "thursday": 4,
    "cuma": 5,
    "fri": 5,
    "friday": 5,
    "cumartesi": 6,
    "sat": 6,
    "saturday": 6,
    "pazar": 7,
    "sun": 7,
    "sunday": 7,
}
