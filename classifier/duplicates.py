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

import numpy as np
from rapidfuzz import fuzz, process

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


# Gram ids for the vectorised cosine below; bounded, as the caches are.
_VOCAB: dict[str, int] = {}
_VOCAB_MAX = 400_000
BATCH_FROM = 8  # candidates of one request scored at once from this many on (below, pair by pair is cheaper)


@lru_cache(maxsize=4096)
def _gram_vector(text: str) -> tuple[np.ndarray, np.ndarray]:
    """The grams of ``_grams`` as (sorted gram ids, their counts)."""
    grams, _ = _grams(text)
    if len(_VOCAB) > _VOCAB_MAX:  # ids are only compared within one call, after this point
        _VOCAB.clear()
        _gram_vector.cache_clear()
    ids = np.fromiter((_VOCAB.setdefault(g, len(_VOCAB)) for g in grams), dtype=np.int64, count=len(grams))
    counts = np.fromiter(grams.values(), dtype=np.float64, count=len(grams))
    order = np.argsort(ids, kind="stable")
    return ids[order], counts[order]


def similarities(a: str, others: list[str]) -> list[float]:
    """``[text_similarity(a, b) for b in others]``, the same numbers, computed for all at once: the
    fuzzy scores in one rapidfuzz call, the cosine dot products as one vector operation (gram
    counts are small integers, so every sum is exact whatever its order)."""
    if len(others) < BATCH_FROM:
        return [text_similarity(a, b) for b in others]
    sa = stem_view(a)
    out = [0.0] * len(others)
    live = [j for j, b in enumerate(others) if sa and stem_view(b)]
    if not live:
        return out
    sbs = [stem_view(others[j]) for j in live]
    sets = process.cdist([sa], sbs, scorer=fuzz.token_set_ratio, dtype=np.float64)[0]
    sorts = process.cdist([sa], sbs, scorer=fuzz.token_sort_ratio, dtype=np.float64)[0]
    dots = _dots(a, [others[j] for j in live])
    _, na = _grams(a)
    for k, j in enumerate(live):
        _, nb = _grams(others[j])
        cosine = float(dots[k]) / (na * nb) if na and nb else 0.0
        fuzzy = (0.6 * float(sets[k]) + 0.4 * float(sorts[k])) / 100.0
        out[j] = 0.7 * cosine + 0.3 * fuzzy
    return out


def _dots(a: str, others: list[str]) -> np.ndarray:
    """Dot products of a's gram counts with each of others'."""
    qi, qc = _gram_vector(a)
    vecs = [_gram_vector(b) for b in others]
    sizes = np.array([v[0].size for v in vecs])
    dots = np.zeros(len(others))
    if not qi.size or not sizes.any():
        return dots
    ids = np.concatenate([v[0] for v in vecs])
    counts = np.concatenate([v[1] for v in vecs])
    pos = np.searchsorted(qi, ids)
    pos[pos == qi.size] = 0
    products = np.where(qi[pos] == ids, counts * qc[pos], 0.0)
    # per candidate: the sum of its own segment (reduceat would misread empty ones, so skip them)
    nonempty = sizes > 0
    starts = np.concatenate(([0], np.cumsum(sizes)[:-1]))[nonempty]
    dots[nonempty] = np.add.reduceat(products, starts)
    return dots


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
    eligible: list[tuple[DupItem, float]] = []
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
        eligible.append((old, threshold if place == "same" else threshold + NO_PLACE_PENALTY))
    scores = similarities(new.text, [old.text for old, _ in eligible])
    out = [
        (old.id, round(score, 4))
        for (old, need), score in zip(eligible, scores, strict=True)
        if score >= need
    ]
    out.sort(key=lambda x: -x[1])
    return out
