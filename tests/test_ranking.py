"""Pure-Python BM25: the formula, checked against a direct computation."""

import math

from speechwriter.ranking import BM25

DOCS = [["安", "全", "生", "产"], ["安", "全", "安", "全", "检", "查"], ["乡", "村", "振", "兴"], []]


def brute(query, docs, k1=1.5, b=0.75):
    n = len(docs)
    avg = sum(map(len, docs)) / n
    out = []
    for d in docs:
        score = 0.0
        for t in query:
            df = sum(1 for x in docs if t in x)
            if not df:
                continue
            idf = math.log(1 + (n - df + 0.5) / (df + 0.5))
            tf = d.count(t)
            score += idf * tf * (k1 + 1) / (tf + k1 * (1 - b + b * len(d) / avg))
        out.append(score)
    return out


def test_scores_equal_the_formula():
    for query in (["安", "全"], ["振", "兴", "安"], ["安", "安"], ["无"]):
        assert BM25(DOCS).scores(query) == [pytest_approx(x) for x in brute(query, DOCS)]


def test_no_shared_token_scores_zero_and_more_matches_rank_higher():
    scores = BM25(DOCS).scores(["安", "全", "检"])
    assert scores[2] == 0.0 and scores[3] == 0.0
    assert scores[1] > scores[0] > 0


def test_empty_collection():
    assert BM25([]).scores(["安"]) == []


def pytest_approx(x):
    import pytest

    return pytest.approx(x, rel=1e-12, abs=1e-12)
