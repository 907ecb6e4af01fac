"""Turkish for the model page and ``run_hub.py model``: refusals of hub/actions/model.py,
gate verdicts, event kinds and numbers written the Turkish way."""

from __future__ import annotations

import re
from typing import Any

_ERRORS: list[tuple[str, str]] = [
    (r"already running", "Bir model eğitimi zaten sürüyor; bitince yeniden deneyin."),
    (
        r"failed the evaluation gate",
        "Bu aday değerlendirme eşiğini geçemedi (etkin modelden kötü); etkinleştirilemez.",
    ),
    (r"never judged by the evaluation gate", "Bu model değerlendirmeden geçmemiş; etkinleştirilemez."),
    (r"is already active", "Bu model zaten etkin."),
    (r"no earlier model", "Geri dönülecek önceki bir model yok."),
    (r"not found|not in ", "Model sürümü bulunamadı."),
    (r"note is longer", "Not en çok 500 karakter olabilir."),
]
STATUS = {"active": "Etkin", "candidate": "Aday", "earlier": "Önceki etkin model"}


def error_text(exc: Exception) -> str:
    message = getattr(exc, "message", str(exc))
    for pattern, text in _ERRORS:
        if re.search(pattern, message):
            return text
    return "İşlem yapılamadı."


def percent(value: Any) -> str:
    """0.9412 -> "%94,1"; no value -> "—"."""
    if value is None or isinstance(value, bool) or not isinstance(value, int | float):
        return "—"
    return "%" + f"{value * 100:.1f}".replace(".", ",")


def points(value: Any) -> str:
    """A difference of two shares in percentage points: +2,5 / −1,0 / 0,0."""
    if not isinstance(value, int | float):
        return "—"
    text = f"{abs(value) * 100:.1f}".replace(".", ",")
    return ("+" if value > 0 else "−" if value < 0 else "") + text


def gate_text(gate: dict | None) -> str:
    """The gate's verdict in Turkish, from its figures (its stored reason is English)."""
    if not gate:
        return "Değerlendirme kaydı yok"
    verdict = "geçti" if gate.get("passed") else "geçemedi"
    active = (gate.get("active_metrics") or {}).get("macro_f1")
    if gate.get("compared_with") is None:
        return f"{verdict.capitalize()}: karşılaştırılacak etkin model yoktu"
    if active is None:
        return f"{verdict.capitalize()}: etkin model okunamadı"
    return f"{verdict.capitalize()}: etkin model aynı {gate.get('n_check', '?')} örnekte {percent(active)}"
