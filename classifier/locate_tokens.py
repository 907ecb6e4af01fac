"""The token views of one text (ASCII-folded and Turkish-folded) that the locator matches on."""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from classifier.locate_cues import SUFFIX_RE, TOKEN_RE
from classifier.locate_suffixes import SOFTENED
from classifier.text import ascii_of_folded

TR_TEXT_LETTERS = re.compile("[çğıöşüÇĞİÖŞÜ]")


class TokenView:
    """Tokens of one text in the ASCII-folded and Turkish-folded views."""

    __slots__ = ("toks", "folded", "text", "asc", "_ftoks", "_text_ascii", "_upper", "_seps")

    def __init__(self, toks: list[str], folded: str, text: str, asc: str = "") -> None:
        self.toks = toks
        self.folded = folded
        self.text = text
        self.asc = asc
        self._ftoks: list[str] | None = None
        self._text_ascii: bool | None = None
        self._upper: list[bool] | None = None
        self._seps: list[str] | None = None

    # The Turkish-folded tokens and flags are only needed once a name matched, so build them lazily.
    @property
    def ftoks(self) -> list[str]:
        if self._ftoks is None:
            ftoks = TOKEN_RE.findall(self.folded)
            # Views are aligned by construction; fall back to the ASCII tokens just in case.
            self._ftoks = ftoks if len(ftoks) == len(self.toks) else self.toks
        return self._ftoks

    @property
    def text_ascii(self) -> bool:
        """The writer used no Turkish letters anywhere."""
        if self._text_ascii is None:
            # On the original text: folding turns an ASCII "I" into "ı" ("Incesu'ya").
            self._text_ascii = self.text.isascii() or not TR_TEXT_LETTERS.search(self.text)
        return self._text_ascii

    def sep(self, i: int) -> str:
        """The characters between token i and the token before it ("" past the end)."""
        if self._seps is None:
            self._seps = separators(self.asc) if self.asc else []
        return self._seps[i] if i < len(self._seps) else ""

    def written_loosely(self, start: int, end: int, fold_names: Any) -> bool:
        """Like `written_as`, but an ASCII spelling of these words is fine in any text
        ("gumussudaki" in a text with Turkish letters elsewhere); "talaş" is still not "talas"."""
        span = "".join(self.ftoks[start:end])
        if span.replace("ı", "i").isascii():  # ASCII spelling ("I" folds to "ı": "SANCAKAGIL")
            return True
        upper = self.upper(start, end)
        for name in fold_names:
            name = name.replace(" ", "")
            # A glued vowel ending softens a final stop: "sazak" + "ı" -> "sazağı".
            stems = (name, name[:-1] + SOFTENED[name[-1]]) if name[-1:] in SOFTENED else (name,)
            for stem in stems:
                head = span[: len(stem)]
                if head == stem or (upper and head.replace("ı", "i") == stem.replace("ı", "i")):
                    return True
        return False

    def upper(self, start: int, end: int) -> bool:
        """Were these tokens written in upper case? (Upper case loses the i/ı distinction: "ERKILET".)"""
        if self._upper is None:
            orig = unicodedata.normalize("NFC", self.text) if not self.text.isascii() else self.text
            orig = SUFFIX_RE.sub("", orig.replace("’", "'"))
            words = TOKEN_RE.findall(orig)
            self._upper = [w.isupper() for w in words] if len(words) == len(self.toks) else []
        flags = self._upper[start:end]
        return bool(flags) and all(flags)

    def written_as(self, start: int, end: int, fold_names: Any, prefix: bool = False) -> bool:
        """Is the span written like one of the names: proper Turkish, fully ASCII text, or UPPER case?

        With `prefix`, the span may carry a glued case ending after the name ("talasta").
        """
        span = " ".join(self.ftoks[start:end])
        for name in fold_names:
            if prefix:
                span = span[: len(name)]
            if span == name:
                return True
            if self.text_ascii and ascii_of_folded(span) == ascii_of_folded(name):
                return True
            if span.replace("ı", "i") == name.replace("ı", "i") and self.upper(start, end):
                return True
        return False


def separators(asc: str) -> list[str]:
    """Per token: the characters between it and the previous token ("/" in "Kocasinan/Yeni")."""
    seps = []
    prev_end = 0
    for m in TOKEN_RE.finditer(asc):
        seps.append(asc[prev_end : m.start()])
        prev_end = m.end()
    return seps
