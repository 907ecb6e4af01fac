"""Sparse text features built so that a linear model's score is a sum over the text's words.

Two blocks, each scaled to unit length:
- char n-grams inside words. Word w has the vector u_w (n-gram counts inside w times idf);
  a text's block is sum_w c_w * u_w / sqrt(sum_w c_w^2 * |u_w|^2), c_w = how often w occurs.
  The scale ignores n-grams shared between different words; that keeps it a per-word sum, so
  classifier.scoring can cache each word's score contribution. On the municipal complaints it
  scores the same as exact L2 normalisation (macro-F1 within 0.002 in 5-fold CV).
- word uni- and bi-grams: sublinear tf * idf, exact L2 norm.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from itertools import pairwise

import numpy as np
import scipy.sparse as sp

from classifier.textview import ascii_view

_WORD_RE = re.compile(r"\w+", re.UNICODE)
# Same words on ASCII text (\w agrees below U+0080) without Unicode category lookups; most
# folded views are ASCII.
_ASCII_WORD_RE = re.compile(r"\w+", re.ASCII)


def tokenize(view: str) -> list[str]:
    """Words of an already folded view (see classifier.textview.ascii_view)."""
    return (_ASCII_WORD_RE if view.isascii() else _WORD_RE).findall(view)


def _char_ngrams(word: str, lo: int, hi: int) -> list[str]:
    padded = f" {word} "
    n_len = len(padded)
    out: list[str] = []
    for n in range(lo, hi + 1):
        if n > n_len:
            break
        out.extend(padded[i : i + n] for i in range(n_len - n + 1))
    return out


def bigrams(toks: Sequence[str]) -> Iterable[str]:
    return map(" ".join, pairwise(toks))


class TextFeaturizer:
    """Vocabularies and idf of the two blocks; feature ids: char n-grams first, then word terms."""

    def __init__(
        self, char_range: tuple[int, int] | None = (2, 5), word_bigrams: bool = True, min_df: int = 2
    ) -> None:
        self.char_range = char_range
        self.word_bigrams = word_bigrams
        self.min_df = min_df
        self.char_vocab: dict[str, int] = {}
        self.word_vocab: dict[str, int] = {}
        self.idf: np.ndarray = np.zeros(0, np.float32)

    @property
    def n_char(self) -> int:
        return len(self.char_vocab)

    @property
    def n_features(self) -> int:
        return len(self.char_vocab) + len(self.word_vocab)

    @staticmethod
    def tokens(text: str) -> list[str]:
        return tokenize(ascii_view(text))

    def _word_terms(self, toks: Sequence[str]) -> list[str]:
        terms = list(toks)
        if self.word_bigrams:
            terms.extend(bigrams(toks))
        return terms

    def fit(self, texts: Iterable[str]) -> TextFeaturizer:
        return self.fit_tokens(self.tokens(t) for t in texts)

    def fit_tokens(self, token_lists: Iterable[list[str]]) -> TextFeaturizer:
        lo, hi = self.char_range or (1, 0)
        char_df: Counter[str] = Counter()
        word_df: Counter[str] = Counter()
        n_docs = 0
        for toks in token_lists:
            n_docs += 1
            grams: set[str] = set()
            for w in set(toks):
                grams.update(_char_ngrams(w, lo, hi))
            char_df.update(grams)
            word_df.update(set(self._word_terms(toks)))
        if n_docs == 0:
            raise ValueError("no texts to fit features on")
        keep_c = sorted(g for g, c in char_df.items() if c >= self.min_df)
        keep_w = sorted(g for g, c in word_df.items() if c >= self.min_df)
        self.char_vocab = {g: i for i, g in enumerate(keep_c)}
        off = len(keep_c)
        self.word_vocab = {g: off + i for i, g in enumerate(keep_w)}
        df = np.array([char_df[g] for g in keep_c] + [word_df[g] for g in keep_w], dtype=np.float64)
        self.idf = (np.log((1 + n_docs) / (1 + df)) + 1.0).astype(np.float32)
        return self

    def word_matrix(self, words: Sequence[str]) -> sp.csr_matrix:
        """Rows u_w of the given words: char n-gram counts inside the word times idf."""
        n_rows = len(words)
        if self.char_range is None or not words:
            return sp.csr_matrix((n_rows, self.n_char), dtype=np.float32)
        lo, hi = self.char_range
        vocab = self.char_vocab
        cols: list[int] = []
        lengths = []
        for w in words:
            found = [j for j in map(vocab.get, _char_ngrams(w, lo, hi)) if j is not None]
            cols.extend(found)
            lengths.append(len(found))
        rows = np.repeat(np.arange(n_rows), lengths)
        mat = sp.csr_matrix(
            (np.ones(len(cols), np.float32), (rows, np.array(cols, dtype=np.int64))),
            shape=(n_rows, self.n_char),
        )
        mat.sum_duplicates()
        mat.data *= self.idf[mat.indices]
        return mat

    def transform(self, texts: Iterable[str]) -> sp.csr_matrix:
        return self.transform_tokens([self.tokens(t) for t in texts])

    def transform_tokens(self, token_lists: Sequence[list[str]]) -> sp.csr_matrix:
        """The feature matrix (used to train; scoring.WordScorer gives the same scores faster)."""
        index: dict[str, int] = {}
        doc_words = [[index.setdefault(w, len(index)) for w in toks] for toks in token_lists]
        blocks = [self._char_block(doc_words, list(index)), self._word_block(token_lists)]
        mat = sp.hstack(blocks, format="csr", dtype=np.float32)
        mat.sort_indices()
        return mat

    def _char_block(self, doc_words: list[list[int]], words: list[str]) -> sp.csr_matrix:
        n_rows = len(doc_words)
        if self.char_range is None or not words:
            return sp.csr_matrix((n_rows, self.n_char), dtype=np.float32)
        U = self.word_matrix(words)
        q = np.asarray(U.multiply(U).sum(axis=1)).ravel()
        counts = count_matrix(doc_words, len(words))
        norms = np.sqrt(counts.multiply(counts) @ q)
        norms[norms == 0] = 1.0
        return sp.diags(1.0 / norms) @ (counts @ U)

    def _word_block(self, token_lists: Sequence[list[str]]) -> sp.csr_matrix:
        n_char, vocab = self.n_char, self.word_vocab
        doc_terms = [
            [j - n_char for j in map(vocab.get, self._word_terms(toks)) if j is not None]
            for toks in token_lists
        ]
        mat = count_matrix(doc_terms, len(vocab)).astype(np.float64)
        mat.data = (1.0 + np.log(mat.data)) * self.idf[n_char + mat.indices]
        norms = np.sqrt(np.asarray(mat.multiply(mat).sum(axis=1)).ravel())
        norms[norms == 0] = 1.0
        return sp.diags(1.0 / norms) @ mat

    def fit_transform(self, texts: Sequence[str]) -> sp.csr_matrix:
        toks = [self.tokens(t) for t in texts]
        return self.fit_tokens(toks).transform_tokens(toks)


def count_matrix(doc_ids: list[list[int]], n_cols: int) -> sp.csr_matrix:
    """Rows = documents, entry = how often the id occurs in the document."""
    lengths = [len(d) for d in doc_ids]
    cols = np.fromiter((j for d in doc_ids for j in d), dtype=np.int64, count=sum(lengths))
    rows = np.repeat(np.arange(len(doc_ids)), lengths)
    mat = sp.csr_matrix(
        (np.ones(cols.size, np.float64), (rows, cols)), shape=(len(doc_ids), n_cols)
    )
    mat.sum_duplicates()
    return mat
