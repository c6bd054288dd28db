"""Figures on real prose: the 27 corpus texts validated against their reviewed facts files.

The facts files (tests/corpus/facts/NN.yaml) hold each text's figures as written, produced by a
deliberately simple script (tests/corpus/make_ground_truth.py, not the finder under test) and
reviewed by hand (tests/corpus/review.yaml). Every figure error that remains is listed with its
reason in tests/corpus/known_false_positives.yaml.
"""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

import pytest
import yaml

from .conftest import shared_path
from .corpus.loader import CorpusCase, fact_files, load_case

CORPUS_DIR = Path(__file__).parent / "corpus"
MAX_FALSE_PER_10K = 1.0


@pytest.fixture(scope="module")
def cases() -> list[CorpusCase]:
    shared_path("corpus", "SOURCES.md")
    return [load_case(p) for p in fact_files()]


@pytest.fixture(scope="module")
def errors(cases: list[CorpusCase]) -> dict[str, list]:
    return {c.name: c.figure_errors() for c in cases}


def test_every_corpus_text_has_a_facts_file() -> None:
    texts = sorted(p.name for p in shared_path("corpus").glob("*.txt"))
    declared = sorted(yaml.safe_load(p.read_text(encoding="utf-8"))["file"] for p in fact_files())
    assert declared == texts


def test_facts_files_are_the_reviewed_output_of_the_simple_script() -> None:
    shared_path("corpus", "SOURCES.md")
    sys.path.insert(0, str(CORPUS_DIR))
    try:
        import make_ground_truth
    finally:
        sys.path.remove(str(CORPUS_DIR))
    review = yaml.safe_load((CORPUS_DIR / "review.yaml").read_text(encoding="utf-8"))
    for path in fact_files():
        spec = yaml.safe_load(path.read_text(encoding="utf-8"))
        text = (make_ground_truth.CORPUS / spec["file"]).read_text(encoding="utf-8")
        assert spec["figures"] == make_ground_truth.reviewed(spec["file"], text, make_ground_truth.located(text),
                                                             review), path.name


def test_facts_files_hold_figures_not_sentences() -> None:
    for path in fact_files():
        for raw in yaml.safe_load(path.read_text(encoding="utf-8"))["figures"]:
            assert len(str(raw)) <= 16 and not any(p in str(raw) for p in "，。；：“”"), (path.name, raw)


def test_false_figure_errors_on_real_text(cases: list[CorpusCase], errors: dict[str, list]) -> None:
    known = [k for k in yaml.safe_load((CORPUS_DIR / "known_false_positives.yaml").read_text(encoding="utf-8")) or []
             if k["code"].startswith("F")]  # the review family's entries are tests/test_review_corpus.py's
    known_keys = Counter((k["file"], k["code"], k["excerpt"]) for k in known)
    assert all(k.get("reason") for k in known)
    found = Counter((name, f.code, f.excerpt) for name, errs in errors.items() for f in errs)
    new = found - known_keys
    assert not new, "新的误报：" + "; ".join(f"{n} {c} {e}" for n, c, e in new)
    stale = known_keys - found
    assert not stale, f"known_false_positives.yaml 中已不再出现的条目：{sorted(stale)}"
    chars = sum(c.chars for c in cases)
    per_10k = sum(found.values()) / chars * 10_000
    print(f"\n语料 {len(cases)} 篇 {chars} 字：数字误报 {sum(found.values())} 个，每万字 {per_10k:.2f} 个")
    assert per_10k <= MAX_FALSE_PER_10K


def test_every_declared_figure_is_found(cases: list[CorpusCase], errors: dict[str, list]) -> None:
    declared = sum(len(c.facts.highlights[0].items) for c in cases)
    missing = [(name, f.message) for name, errs in errors.items() for f in errs if f.code == "F201"]
    assert declared > 3000
    assert missing == []


def test_one_paragraph_speeches_are_validated(cases: list[CorpusCase]) -> None:
    one_line = [c for c in cases if c.text.count("\n") <= 1]
    assert len(one_line) >= 3
    for c in one_line:
        assert c.draft.chars > 0.9 * c.chars, c.name  # nothing lost as "the title"


def test_finder_agrees_with_the_ground_truth_mention_by_mention(cases: list[CorpusCase]) -> None:
    """Stricter than validation (where a non-figure whose value is declared elsewhere goes unseen):
    every reviewed figure is found at its place, and every mention found is a reviewed figure (one
    the simple rule missed and the review added, or a listed known false positive)."""
    sys.path.insert(0, str(CORPUS_DIR))
    try:
        import make_ground_truth
    finally:
        sys.path.remove(str(CORPUS_DIR))
    review = yaml.safe_load((CORPUS_DIR / "review.yaml").read_text(encoding="utf-8"))
    known = [k for k in yaml.safe_load((CORPUS_DIR / "known_false_positives.yaml").read_text(encoding="utf-8")) or []
             if k["code"].startswith("F")]
    from speechwriter.figures import find_quantities

    missed, extra, mentions = [], [], 0
    for case in cases:
        truth = make_ground_truth.kept(case.text, make_ground_truth.located(case.text), review)
        covered = bytearray(len(case.text) + 1)
        for at, raw in truth:
            covered[at:at + len(raw)] = b"\x01" * len(raw)
        found = [m for m in find_quantities(case.text) if not m.weak]
        mentions += len(found)
        hit = bytearray(len(case.text) + 1)
        for m in found:
            hit[m.start:m.end] = b"\x01" * (m.end - m.start)
        missed += [(case.name, raw) for at, raw in truth if hit.find(1, at, at + len(raw)) < 0]
        allowed = Counter(str(a["raw"]) for a in (review.get("add") or {}).get(case.name[:2], []))
        allowed.update(k["excerpt"] for k in known if k["file"] == case.name)
        for m in found:
            if covered.find(1, m.start, m.end) < 0:
                if allowed[m.text.strip()] > 0:
                    allowed[m.text.strip()] -= 1
                else:
                    extra.append((case.name, m.text))
    assert mentions > 3000
    assert missed == []
    assert extra == []
