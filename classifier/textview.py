"""The folded views of a text that the models see, built on classifier.text (normalisation)."""

from __future__ import annotations

from classifier.text import ascii_fold, clean, fold


def ascii_view(text: str) -> str:
    """Cleaned, Turkish-lower-cased, ASCII-folded text: robust to 'cop toplanmiyor' style input."""
    return ascii_fold(clean(text))


__all__ = ["ascii_view", "fold", "ascii_fold", "clean"]
