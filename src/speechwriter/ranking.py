"""BM25 over token lists, in pure Python with an inverted index.

What exemplar retrieval needs is small: a few thousand paragraphs, queries of a few hundred
character bigrams. An inverted index touches only the paragraphs that share a token with the query,
so scoring is cheaper than a dense score vector, and it needs no numpy (``bench/bench_exemplars.py``
measures it against the ``rank-bm25`` package it replaced).

The idf is the non-negative form ``ln(1 + (N - n + 0.5) / (n + 0.5))``: a token found in most
paragraphs then counts for little instead of subtracting from the score.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence

__all__ = ["BM25"]


class BM25:
    """Okapi BM25 (k1, b) over documents given as token lists."""

    def __init__(self, documents: Sequence[Sequence[str]], k1: float = 1.5, b: float = 0.75) -> None:
        self.k1, self.b = k1, b
        self.size = len(documents)
        lengths = [len(d) for d in documents]
        average = (sum(lengths) / self.size) if self.size else 0.0
        # per document: k1 * (1 - b + b * length / average), the length part of the denominator
        self._norm = [k1 * (1 - b + b * (n / average if average else 0.0)) for n in lengths]
        self._postings: dict[str, list[tuple[int, int]]] = {}
        for i, doc in enumerate(documents):
            for token, tf in Counter(doc).items():
                self._postings.setdefault(token, []).append((i, tf))
        self._idf = {t: math.log(1 + (self.size - len(p) + 0.5) / (len(p) + 0.5)) for t, p in self._postings.items()}

    def scores(self, query: Sequence[str]) -> list[float]:
        """One score per document (0.0 where it shares no token with the query)."""
        out = [0.0] * self.size
        for token, qtf in Counter(query).items():
            postings = self._postings.get(token)
            if not postings:
                continue
            weight = self._idf[token] * qtf * (self.k1 + 1)
            for i, tf in postings:
                out[i] += weight * tf / (tf + self._norm[i])
        return out
