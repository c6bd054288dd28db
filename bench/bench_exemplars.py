"""Exemplar retrieval: character-bigram BM25 (what we ship) against jieba-word BM25, side by side.

Task: every 5th paragraph of the corpus (../shared/corpus) is a query made of its even-numbered
sentences; the answer is the paragraph itself, searched among all paragraphs. Reported: top-1
accuracy, mean reciprocal rank, index build time, and the import cost of each tokenizer (in a
fresh process). jieba is optional: when it is not installed only the bigram numbers are printed.
"""

from __future__ import annotations

import re
import sys
import time
from pathlib import Path

from _common import PYTHON, ROOT, process_ms, report
from speechwriter.exemplars import bigrams, classify_paragraphs

CORPUS = ROOT.parent / "shared" / "corpus"


def paragraphs() -> list[str]:
    out = []
    for path in sorted(CORPUS.glob("*.txt")):
        out += [p.text for p in classify_paragraphs(path.read_text(encoding="utf-8", errors="replace"))]
    return out


def queries(paras: list[str]) -> list[tuple[int, str]]:
    out = []
    for i in range(0, len(paras), 5):
        sentences = [s for s in re.split(r"(?<=[。；！？])", paras[i]) if s]
        if len(sentences) >= 2:
            out.append((i, "".join(sentences[1::2])))
    return out


def evaluate(tokenize, paras: list[str], qs: list[tuple[int, str]]) -> tuple[float, float, float]:
    from speechwriter.ranking import BM25

    start = time.perf_counter()
    model = BM25([tokenize(p) for p in paras])
    build = time.perf_counter() - start
    hits, rr = 0, 0.0
    for answer, query in qs:
        scores = model.scores(tokenize(query))
        rank = 1 + sum(1 for s in scores if s > scores[answer])
        hits += rank == 1
        rr += 1 / rank
    return hits / len(qs), rr / len(qs), build


def compare_rank_bm25(paras: list[str], qs: list[tuple[int, str]]) -> None:
    """Our pure-Python BM25 against the rank-bm25 package it replaced (when that is installed)."""
    try:
        from rank_bm25 import BM25Okapi
    except ImportError:
        print("rank-bm25 not installed: no side-by-side comparison")
        return
    from speechwriter.ranking import BM25

    docs = [bigrams(p) for p in paras]
    timings = {}
    for name, build, score in (("ours", BM25, lambda m, q: m.scores(q)),
                               ("rank-bm25", lambda d: BM25Okapi([x or ["　"] for x in d]),
                                lambda m, q: m.get_scores(q))):
        start = time.perf_counter()
        model = build(docs)
        built = time.perf_counter() - start
        start = time.perf_counter()
        top1 = sum(1 for a, q in qs if (s := score(model, bigrams(q)))[a] >= max(s)) / len(qs)
        timings[name] = (built, time.perf_counter() - start, top1)
    (ob, oq, ot), (rb, rq, rt) = timings["ours"], timings["rank-bm25"]
    report("top-1: ours / rank-bm25", f"{ot:.3f} / {rt:.3f}", "not worse", ot >= rt - 0.002)
    report("queries: rank-bm25 / ours", f"{rq / oq:.1f}x", ">= 1x", rq >= oq)
    print(f"index build: ours {ob * 1000:.0f} ms, rank-bm25 {rb * 1000:.0f} ms")


def main() -> None:
    if not CORPUS.is_dir():
        print(f"skipped: {CORPUS} not present")
        return
    paras = paragraphs()
    qs = queries(paras)
    print(f"{len(paras)} paragraphs, {len(qs)} queries")
    top1, mrr, build = evaluate(bigrams, paras, qs)
    report("bigram BM25: top-1 / MRR", f"{top1:.3f} / {mrr:.3f}", "top-1 >= 0.8", top1 >= 0.8)
    bigram_import = process_ms([PYTHON, "-c", "import speechwriter.exemplars, speechwriter.ranking"], repeat=5)
    compare_rank_bm25(paras, qs)
    try:
        import jieba
    except ImportError:
        print(f"bigram index build {build * 1000:.0f} ms, import {bigram_import:.0f} ms; jieba not installed")
        return

    jieba.setLogLevel(60)

    def words(text: str) -> list[str]:
        return [w for w in jieba.lcut("".join(re.findall(r"[\u4e00-\u9fff]+", text))) if w.strip()]

    words("预热")  # dictionary load, measured below in a fresh process
    j_top1, j_mrr, j_build = evaluate(words, paras, qs)
    jieba_import = process_ms([PYTHON, "-c", "import jieba; jieba.setLogLevel(60); jieba.lcut('加载词典')"], repeat=3)
    report("jieba BM25: top-1 / MRR", f"{j_top1:.3f} / {j_mrr:.3f}", "for comparison", True)
    report("index build: jieba / bigram", f"{j_build / build:.1f}x ({j_build * 1000:.0f} / {build * 1000:.0f} ms)",
           "bigram not slower", j_build >= build)
    report("import + first use: jieba / bigram", f"{jieba_import / bigram_import:.1f}x "
           f"({jieba_import:.0f} / {bigram_import:.0f} ms)", "bigram not slower", jieba_import >= bigram_import)
    report("bigram top-1 within 0.05 of jieba", f"{top1 - j_top1:+.3f}", ">= -0.05", top1 - j_top1 >= -0.05)


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    main()
