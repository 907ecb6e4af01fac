"""The folded views of a text that the models see, built on classifier.text (normalisation)."""

from __future__ import annotations

import re

try:
    from classifier.text import ascii_fold, clean, fold
except ImportError:  # pragma: no cover - temporary until classifier.text lands
    _LOWER = str.maketrans({"İ": "i", "I": "ı"})
    _ASCII = str.maketrans("çğıöşüâîû", "cgiosuaiu")

    def fold(text: str) -> str:
        return text.translate(_LOWER).lower()

    def ascii_fold(text: str) -> str:
        return fold(text).translate(_ASCII)

    def clean(text: str) -> str:
        return re.sub(r"https?://\S+", " ", text)


def ascii_view(text: str) -> str:
    """Cleaned, Turkish-lower-cased, ASCII-folded text: robust to 'cop toplanmiyor' style input."""
    return ascii_fold(clean(text))


__all__ = ["ascii_view", "fold", "ascii_fold", "clean"]
