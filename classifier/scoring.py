"""Fast linear scores: a text's score is summed from cached per-word rows.

With the features of classifier.features, the char block's contribution to the score of a text is
sum_w c_w * (u_w @ W) / sqrt(sum_w c_w^2 * |u_w|^2). So for every word we keep s_w = u_w @ W and
q_w = |u_w|^2 in a table; classifying a text is then a few dictionary lookups and one gather,
instead of building its n-gram vector. Words never seen before are added on first use.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Sequence

import numpy as np

from classifier.features import TextFeaturizer, bigrams, count_matrix

try:  # the C loop behind Counter(), without Counter's Python-level __init__ and update
    from _collections import _count_elements
except ImportError:  # pragma: no cover - Python implementations without it

    def _count_elements(mapping: dict, iterable: Sequence) -> None:
        for x in iterable:
            mapping[x] = mapping.get(x, 0) + 1

_TABLE_LIMIT = 100_000  # rows before the table is reset to the training words (bounds memory)
WARM_WORDS = 40_000  # most frequent training words, precomputed and shipped in the model file


class _Table:
    """word -> row. Per row: sw = [char score contribution | unigram score at count 1 | q | iu2],
    q = squared length of the char vector, iu2 = squared idf of the word's unigram feature (0 if it
    has none). One array, so a single text's rows come in one gather (fewer cache misses)."""

    def __init__(self, n_scores: int, capacity: int) -> None:
        self.index: dict[str, int] = {}
        self.k = n_scores
        self.sw = np.zeros((capacity, 2 * n_scores + 2), np.float32)

    @property
    def n(self) -> int:
        return len(self.index)

    @property
    def q(self) -> np.ndarray:
        return self.sw[:, 2 * self.k]

    @property
    def iu2(self) -> np.ndarray:
        return self.sw[:, 2 * self.k + 1]

    def append(self, sw: np.ndarray, q: np.ndarray, iu2: np.ndarray, words: Sequence[str]) -> None:
        start, end = self.n, self.n + len(words)
        if end > len(self.sw):  # grow: the copy keeps every existing row, so readers stay correct
            extra = max(end, 2 * len(self.sw)) - len(self.sw)
            self.sw = np.vstack([self.sw, np.zeros((extra, self.sw.shape[1]), np.float32)])
        k2 = 2 * self.k
        block = self.sw[start:end]
        block[:, :k2], block[:, k2], block[:, k2 + 1] = sw, q, iu2
        # rows are written before their words become visible to lock-free readers
        self.index.update(zip(words, range(start, end), strict=True))


class WordScorer:
    """Scores of token lists for one (featurizer, weights) pair; safe to share between threads."""

    def __init__(self, feat: TextFeaturizer, WT: np.ndarray, warm_words: Sequence[str] = ()) -> None:
        self.feat = feat
        self.WT = WT  # features x scores; the same array object as the linear model's
        self._warm = list(warm_words)[:WARM_WORDS]
        self._lock = threading.Lock()
        self._table = self._fresh()

    # Pickling: WT is left to the owner (it is the linear model's array; joblib would store it
    # twice), which calls bind() after loading. The training words' rows are kept, so a loaded
    # model starts warm without recomputing them.
    def __getstate__(self) -> dict:
        s, q, uni = self._warm_rows
        return {"feat": self.feat, "warm": "\n".join(self._warm), "s": s, "q": q, "uni": uni}

    def __setstate__(self, state: dict) -> None:
        self.feat = state["feat"]
        self._warm = state["warm"].split("\n") if state["warm"] else []
        self._warm_rows = (state["s"], state["q"], state["uni"])
        self._lock = threading.Lock()

    def bind(self, WT: np.ndarray) -> None:
        """Attach the weights after unpickling."""
        self.WT = WT
        self._table = self._fresh()

    def _fresh(self) -> _Table:
        """A table holding the training words only (precomputed in bulk, or taken from the file)."""
        table = _Table(self.WT.shape[1], max(1024, 2 * len(self._warm)))
        rows = self.__dict__.get("_warm_rows")
        if rows is None or len(rows[1]) != len(self._warm):
            rows = self._rows(self._warm)
            self._warm_rows = rows
        table.append(*self._full(*rows), self._warm)
        return table

    def _full(self, s: np.ndarray, q: np.ndarray, uni: np.ndarray) -> tuple[np.ndarray, ...]:
        """Table columns from the stored ones: add each word's unigram score and squared idf."""
        has = uni >= 0
        idf = np.where(has, self.feat.idf[np.where(has, uni, 0)], 0.0).astype(np.float32)
        wu = self.WT[np.where(has, uni, 0)] * idf[:, None]
        return np.hstack([s, wu]).astype(np.float32), q, idf * idf

    def _rows(self, words: Sequence[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        feat, n_scores = self.feat, self.WT.shape[1]
        if feat.n_char and words:
            U = feat.word_matrix(words)
            s = np.asarray(U @ self.WT[: feat.n_char], dtype=np.float32)
            q = np.asarray(U.multiply(U).sum(axis=1), dtype=np.float32).ravel()
        else:
            s = np.zeros((len(words), n_scores), np.float32)
            q = np.zeros(len(words), np.float32)
        uni = np.fromiter((feat.word_vocab.get(w, -1) for w in words), np.int64, count=len(words))
        return s, q, uni

    def _lookup(self, token_lists: Sequence[Sequence[str]]) -> tuple[_Table, list[list[int]]]:
        """Table rows of every token; words not in the table are added first, in one go."""
        table = self._table
        get = table.index.get
        ids = [list(map(get, toks)) for toks in token_lists]
        if not any(None in row for row in ids):
            return table, ids  # type: ignore[return-value]
        with self._lock:
            table = self._table
            new = list(dict.fromkeys(w for toks in token_lists for w in toks if w not in table.index))
            if table.n + len(new) > _TABLE_LIMIT:
                table = self._table = self._fresh()
                new = [w for w in new if w not in table.index]
            table.append(*self._full(*self._rows(new)), new)
        index = table.index
        return table, [[index[w] for w in toks] for toks in token_lists]

    def scores(self, token_lists: Sequence[Sequence[str]]) -> np.ndarray:
        """Linear scores (without bias), one row per tokenised text."""
        if len(token_lists) == 1:
            return self.score_one(token_lists[0])[None, :]
        table, ids = self._lookup(token_lists)
        feat = self.feat
        k = self.WT.shape[1]
        sw = table.sw[: table.n, : 2 * k]
        counts = count_matrix(ids, table.n)
        out = np.zeros((len(ids), k), np.float32)
        if feat.n_char:
            norms = np.sqrt(counts.multiply(counts) @ table.q[: table.n])
            norms[norms == 0] = 1.0
            out += np.asarray(counts @ sw[:, :k]) / norms[:, None].astype(np.float32)
        # word block, as in _one: unigrams from the table, bigrams by lookup
        logc = counts.copy()
        logc.data = 1.0 + np.log(logc.data)
        word = np.asarray(logc @ sw[:, k:], dtype=np.float64)
        norm2 = logc.multiply(logc) @ table.iu2[: table.n]
        if feat.word_bigrams:
            vocab = feat.word_vocab
            found = [[j for j in map(vocab.get, bigrams(toks)) if j is not None] for toks in token_lists]
            bmat = count_matrix(found, len(feat.idf))
            if bmat.nnz:
                bmat.data = (1.0 + np.log(bmat.data)) * feat.idf[bmat.indices]
                word += np.asarray(bmat @ self.WT)
                norm2 = norm2 + np.asarray(bmat.multiply(bmat).sum(axis=1)).ravel()
        norms = np.sqrt(norm2)
        norms[norms == 0] = 1.0
        out += (word / norms[:, None]).astype(np.float32)
        return out

    def score_one(self, toks: Sequence[str], pairs: Sequence[str] | None = None) -> np.ndarray:
        """Scores (1-D) of one tokenised text; pairs: its word bigrams when the caller already
        joined them (the topic and type models share them)."""
        table = self._table
        ids = list(map(table.index.get, toks))
        if None in ids:
            table, (ids,) = self._lookup((toks,))
        return self._one(table, ids, toks, pairs)

    def _one(
        self, table: _Table, ids: list[int], toks: Sequence[str], pairs: Sequence[str] | None = None
    ) -> np.ndarray:
        """Scores of a single text without building sparse matrices (the hub's usual call)."""
        feat = self.feat
        k = self.WT.shape[1]
        if not ids:
            return np.zeros(k, np.float32)
        cnt: dict[int, int] = {}  # distinct rows in first-occurrence order, as Counter gives them
        _count_elements(cnt, ids)
        rows = np.fromiter(cnt, np.int64, count=len(cnt))
        c = np.fromiter(cnt.values(), np.float32, count=len(cnt))
        g = table.sw[rows]  # [char | unigram | q | iu2] of each distinct word
        out = None
        if feat.n_char:
            norm2 = float((c * c) @ np.ascontiguousarray(g[:, 2 * k]))
            if norm2 > 0:
                out = (c @ g[:, :k]) / math.sqrt(norm2)  # a Python float divides as float32
        # word block: unigrams from the table (rows without one hold zeros), bigrams by lookup
        lc = 1.0 + np.log(c)
        word = lc @ g[:, k : 2 * k]
        norm2 = float((lc * lc) @ np.ascontiguousarray(g[:, 2 * k + 1]))
        if feat.word_bigrams and len(toks) > 1:
            terms = bigrams(toks) if pairs is None else pairs
            found = [j for j in map(feat.word_vocab.get, terms) if j is not None]
            if found:
                bi = dict.fromkeys(found)
                if len(bi) == len(found):  # each pair once (the usual case): weights are idf
                    cols = np.array(found, np.int64)
                    vals = feat.idf[cols]
                else:
                    bc: dict[int, int] = {}
                    _count_elements(bc, found)
                    cols = np.fromiter(bc, np.int64, count=len(bc))
                    vals = (1.0 + np.log(np.fromiter(bc.values(), np.float32, count=len(bc)))) * feat.idf[cols]
                word += vals @ self.WT[cols]
                norm2 += float(vals @ vals)
        if norm2 > 0:
            word /= math.sqrt(norm2)
            if out is None:
                return word
            out += word
        return np.zeros(k, np.float32) if out is None else out
