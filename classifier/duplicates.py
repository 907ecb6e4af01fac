"""Find earlier requests that report the same problem: same place, same topic, similar words, recent.

Many citizens report one broken pipe or one dark street. The hub links such requests so one
crew is sent and every reporter gets the answer. Text similarity works on a stemmed, folded view:
Turkish adds suffixes, so the first five letters of a word stand in for its stem
("lambaları", "lamba" -> "lamba"; "yanmıyor", "yanmiyo" -> "yanmi").
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache

from rapidfuzz import fuzz

from classifier.textview import ascii_view

DEFAULT_THRESHOLD = 0.3
# Without a mahalle on both sides the place is uncertain, so the text must match more closely.
NO_PLACE_PENALTY = 0.15
STEM_LEN = 5

# Words that say nothing about *which* problem it is.
_STOP = frozenset(
    """
    ve ile bu su o bir cok daha en de da ki mi mu icin gibi ama fakat ancak hala artik sadece
    var yok olan oldu olarak olur ediyor ediyoruz ederim rica lutfen acil merhaba selam iyi gunler
    mahalle mahallesi mahallemizde mahallemiz sokak sokagi sokagimizda sokagimiz cadde caddesi
    gun gundur hafta haftadir aydir aylardir sabah aksam gece beri dun bugun
    belediye belediyesi belediyemiz sayin ilgili gereginin yapilmasini arz bilginize
    """.split()
)
_WORD_RE = re.compile(r"[a-z0-9]+")


@dataclass(frozen=True)
class DupItem:
    id: str
    text: str
    topic: str | None
    ilce: str | None
    mahalle: str | None
    created_at: datetime


@lru_cache(maxsize=4096)
def _words(text: str) -> tuple[str, ...]:
    """The folded words of a text; both views below start from them (cleaning is the costly part)."""
    return tuple(_WORD_RE.findall(ascii_view(text)))


@lru_cache(maxsize=4096)
def stem_view(text: str) -> str:
    """Sorted-free stem string used for fuzzy comparison (stop words dropped)."""
    return " ".join(w[:STEM_LEN] for w in _words(text) if w not in _STOP and len(w) > 1)


@lru_cache(maxsize=4096)
def _norm_place(value: str | None) -> str | None:
    if not value:
        return None
    v = ascii_view(value).replace("mahallesi", "").replace("mah.", "").strip()
    return v or None


def _aware(dt: datetime) -> datetime:
    return dt if dt.tzinfo else dt.replace(tzinfo=UTC)  # naive times are taken as UTC


@lru_cache(maxsize=4096)
def _grams(text: str) -> tuple[dict[str, int], float]:
    """Char 3/4-grams of the content words, with the vector norm."""
    grams: list[str] = []
    for w in _words(text):
        if w in _STOP or len(w) < 2:
            continue
        padded = f" {w} "
        grams += [padded[k : k + 3] for k in range(len(padded) - 2)]
        grams += [padded[k : k + 4] for k in range(len(padded) - 3)]
    counts = Counter(grams)  # keys in first-seen order, as counting one by one gave: the same norm
    return dict(counts), math.sqrt(sum(v * v for v in counts.values()))


def _cosine(a: str, b: str) -> float:
    ga, na = _grams(a)
    gb, nb = _grams(b)
    if not na or not nb:
        return 0.0
    # the key intersection runs in C; only shared grams reach the Python loop
    return sum(ga[k] * gb[k] for k in ga.keys() & gb.keys()) / (na * nb)


def text_similarity(a: str, b: str) -> float:
    """0..1: how much the two messages talk about the same thing.

    Mostly the cosine of char n-grams of content words (robust to suffixes and typos), plus a
    fuzzy match of word stems. Weights and the default threshold were chosen on the synthetic
    set in bench/classifier_duplicates.py.
    """
    sa, sb = stem_view(a), stem_view(b)
    if not sa or not sb:
        return 0.0
    fuzzy = (0.6 * fuzz.token_set_ratio(sa, sb) + 0.4 * fuzz.token_sort_ratio(sa, sb)) / 100.0
    return 0.7 * _cosine(a, b) + 0.3 * fuzzy


def _place_relation(new: DupItem, old: DupItem) -> str:
    """'same', 'unknown' (one side has no mahalle) or 'different'."""
    nm, om = _norm_place(new.mahalle), _norm_place(old.mahalle)
    ni, oi = _norm_place(new.ilce), _norm_place(old.ilce)
    if ni and oi and ni != oi:
        return "different"
    if nm and om:
        return "same" if nm == om else "different"
    return "unknown"


def find_duplicates(
    new: DupItem,
    candidates: Iterable[DupItem],
    *,
    window_days: int = 7,
    threshold: float = DEFAULT_THRESHOLD,
) -> list[tuple[str, float]]:
    """Earlier requests that look like the same report as `new`, best first, as (id, score 0..1).

    A candidate must be within `window_days` of `new`, have the same topic (when both have one)
    and not be in a different mahalle/ilçe. When the mahalle is unknown on either side the text
    must be more similar (threshold + NO_PLACE_PENALTY).
    """
    window = timedelta(days=window_days)
    out: list[tuple[str, float]] = []
    for old in candidates:
        if old.id == new.id:
            continue
        if abs(_aware(new.created_at) - _aware(old.created_at)) > window:
            continue
        if new.topic and old.topic and new.topic != old.topic:
            continue
        place = _place_relation(new, old)
        if place == "different":
            continue
        score = text_similarity(new.text, old.text)
        need = threshold if place == "same" else threshold + NO_PLACE_PENALTY
        if score >= need:
            out.append((old.id, round(score, 4)))
    out.sort(key=lambda x: -x[1])
    return out
