"""Rule patterns (`regex`, `text_regex`) on RE2: matching time is linear in the text whatever the pattern,
so a pattern like ``(a+)+$`` cannot stall the hub. Patterns are written in Python's syntax, as before;
they are rewritten for RE2 so that they mean what they meant under Python's case-insensitive matching:

- ``\\w \\d \\s`` (and ``\\W \\D \\S``) cover Unicode letters, digits and spaces, as in Python (RE2's are
  ASCII-only); ``\\Z`` becomes RE2's ``\\z``; ``$`` also matches before a final newline;
  ``\\uXXXX``, ``\\UXXXXXXXX`` and ``\\N{NAME}`` become ``\\x{...}``.
- Python matches ``i``, ``ı``, ``I`` and ``İ`` with one another when ignoring case; RE2 does not, so on
  the Turkish-lower-cased text these letters match ``[iı]``.
- On the accent-free text the pattern's own Turkish letters are folded the same way (``ç`` → ``c``), so
  ``\\b`` (ASCII-only in RE2) works around Turkish words, as ``\\bçöp\\b`` did under Python.

Patterns RE2 cannot run (backreferences, lookahead/lookbehind) are refused with a PatternError.
"""

from __future__ import annotations

import unicodedata
from typing import Any

import re2

from .messages_tr import re2_problem_tr
from .text import ascii_fold

MAX_PATTERN_CHARS = 1_000
_MAX_MEM = 4 << 20  # bytes of compiled program per pattern; RE2 refuses patterns that need more

_WORD = r"\p{L}\p{N}_"
_DIGIT = r"\p{Nd}"
_SPACE = r"\t-\r\x{1c}-\x{1f}\x{85}\p{Z}"
# shorthand -> (outside a class, inside a class); None inside: cannot be said inside RE2's [...]
_SHORTHANDS = {
    "w": (f"[{_WORD}]", _WORD),
    "W": (f"[^{_WORD}]", None),
    "d": (r"\p{Nd}", _DIGIT),
    "D": (r"\P{Nd}", r"\P{Nd}"),
    "s": (f"[{_SPACE}]", _SPACE),
    "S": (f"[^{_SPACE}]", None),
}
_I_FAMILY = "iıIİ"


class PatternError(ValueError):
    """The pattern cannot run on RE2; the message says why, for the rule author."""


def _options() -> re2.Options:
    o = re2.Options()
    o.case_sensitive = False
    o.log_errors = False  # errors are reported to the author, not to stderr
    o.max_mem = _MAX_MEM
    return o


_OPTIONS = _options()


class RulePattern:
    """A compiled rule pattern: one RE2 program for the Turkish-lower-cased text, one for the accent-free."""

    __slots__ = ("folded", "lower", "source")

    def __init__(self, source: str) -> None:
        if len(source) > MAX_PATTERN_CHARS:
            raise PatternError(f"desen {MAX_PATTERN_CHARS} karakterden uzun")
        self.source = source
        self.lower = _compile(translate(source, fold=False))
        self.folded = _compile(translate(source, fold=True))

    def search(self, lower: str, folded: str) -> Any:
        """The first match (RE2 match object) on either view of a text, or None."""
        return self.lower.search(lower) or self.folded.search(folded)


def _compile(pattern: str) -> Any:
    try:
        return re2.compile(pattern, _OPTIONS)
    except re2.error as exc:
        detail = (
            exc.args[0].decode("utf-8", "replace")
            if exc.args and isinstance(exc.args[0], bytes)
            else str(exc)
        )
        raise PatternError(re2_problem_tr(detail)) from None


def translate(pattern: str, *, fold: bool) -> str:
    """Python-syntax pattern -> RE2 pattern with Python's Unicode and Turkish case semantics (see above)."""
    out: list[str] = []
    multiline = _has_flag(pattern, "m")
    i, n = 0, len(pattern)
    in_class = False  # inside [...]
    class_start = 0  # index just after '[' or '[^'
    while i < n:
        c = pattern[i]
        if c == "\\":
            piece, i = _escape(pattern, i, in_class)
            out.append(piece)
            continue
        if in_class:
            if c == "]" and i > class_start:
                in_class = False
                out.append(c)
            elif c == "[" and pattern.startswith("[:", i) and ":]" in pattern[i + 2 :]:
                end = pattern.index(":]", i + 2) + 2  # POSIX class such as [:alpha:]
                out.append(pattern[i:end])
                i = end
                continue
            else:
                in_range = (
                    (i > class_start and pattern[i - 1] == "-")
                    or pattern.startswith("-", i + 1)
                    and not pattern.startswith("-]", i + 1)
                )
                out.append(c if in_range else _literal(c, fold=fold, in_class=True))
            i += 1
            continue
        if c == "[":
            in_class = True
            class_start = i + (2 if pattern.startswith("^", i + 1) else 1)
            out.append(pattern[i:class_start])
            i = class_start
            continue
        if c == "(" and pattern.startswith("(?", i):
            piece, i = _group_head(pattern, i)
            out.append(piece)
            continue
        if c == "$" and not multiline:
            out.append(r"(?:\n?\z)")  # Python's $ also matches before a final newline
        else:
            out.append(_literal(c, fold=fold, in_class=False))
        i += 1
    return "".join(out)


def _literal(c: str, *, fold: bool, in_class: bool) -> str:
    if c.isascii() and c not in "Ii":
        return c
    if not fold:
        if c in _I_FAMILY:
            return "iı" if in_class else "[iı]"
        return c
    f = ascii_fold(c)
    return f if len(f) == 1 else c


def _escape(p: str, i: int, in_class: bool) -> tuple[str, int]:
    """Translate the escape starting at p[i] == '\\'; returns (RE2 text, next index)."""
    if i + 1 >= len(p):
        raise PatternError("desen tek başına bir ters eğik çizgiyle (\\) bitiyor")
    c = p[i + 1]
    if c in _SHORTHANDS:
        outside, inside = _SHORTHANDS[c]
        if in_class and inside is None:
            raise PatternError(f"\\{c} kural desenlerinde [...] içinde kullanılamaz; yerine [^...] yazın")
        return (inside if in_class else outside), i + 2
    if c in "123456789":
        raise PatternError(f"geri başvurular (\\{c}) kural desenlerinde desteklenmez")
    if c == "Z":
        return r"\z", i + 2
    if c in "uU":
        width = 4 if c == "u" else 8
        digits = p[i + 2 : i + 2 + width]
        if len(digits) != width or not all(d in "0123456789abcdefABCDEF" for d in digits):
            raise PatternError(f"\\{c} ardından {width} onaltılık rakam gelmeli")
        return f"\\x{{{digits}}}", i + 2 + width
    if c == "N" and p.startswith("{", i + 2) and "}" in p[i + 3 :]:
        end = p.index("}", i + 3)
        try:
            ch = unicodedata.lookup(p[i + 3 : end])
        except KeyError:
            raise PatternError(f"bilinmeyen karakter adı {p[i + 3 : end]!r}") from None
        return f"\\x{{{ord(ch):x}}}", end + 1
    if c in "pPx" and p.startswith("{", i + 2) and "}" in p[i + 3 :]:
        end = p.index("}", i + 3) + 1
        return p[i:end], end
    if c == "Q":  # RE2 quoting: copied through \E untouched
        end = p.find("\\E", i + 2)
        end = len(p) if end < 0 else end + 2
        return p[i:end], end
    return p[i : i + 2], i + 2


def _group_head(p: str, i: int) -> tuple[str, int]:
    """'(?...' constructs: lookarounds and named backreferences are refused; comments dropped."""
    rest = p[i + 2 :]
    if rest.startswith(("=", "!")):
        raise PatternError("ileri bakış (lookahead: (?=...), (?!...)) kural desenlerinde desteklenmez")
    if rest.startswith(("<=", "<!")):
        raise PatternError("geri bakış (lookbehind: (?<=...), (?<!...)) kural desenlerinde desteklenmez")
    if rest.startswith("P="):
        raise PatternError("geri başvurular ((?P=ad)) kural desenlerinde desteklenmez")
    if rest.startswith("#"):
        end = p.find(")", i)
        return "", (len(p) if end < 0 else end + 1)
    if rest.startswith(("P<", "<")):
        end = p.find(">", i)
        end = len(p) if end < 0 else end + 1
        return p[i:end], end
    j = i + 2  # flags such as (?i) or (?s-i:...) pass through unchanged
    while j < len(p) and (p[j].isascii() and p[j].isalpha() or p[j] == "-"):
        j += 1
    return p[i:j], j


def _has_flag(p: str, flag: str) -> bool:
    i = p.find("(?")
    while i >= 0:
        j = i + 2
        while j < len(p) and (p[j].isalpha() or p[j] == "-"):
            if p[j] == "-":
                break  # flags after '-' are switched off
            if p[j] == flag:
                return True
            j += 1
        i = p.find("(?", i + 2)
    return False
