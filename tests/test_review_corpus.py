"""The review family (核稿) on real published text: precision on the 26 corpus texts and the reference
speech, and recall on mutants of the corpus texts (each kind caught by its code)."""

from __future__ import annotations

import random
import re
from collections import Counter
from pathlib import Path

import pytest
import yaml

from speechwriter.blueprint import load_blueprint
from speechwriter.facts import load_facts
from speechwriter.validate import draft_from_text, validate
from speechwriter.validate.mutations import REVIEW_CODES, review_mutants

from .conftest import REFERENCE_FACTS, shared_path
from .corpus.loader import CorpusCase, fact_files, load_case
from .review_helpers import FAMILY

KNOWN = Path(__file__).parent / "corpus" / "known_false_positives.yaml"
MAX_ERRORS_PER_10K = 1.0
MAX_WARNINGS = 3


@pytest.fixture(scope="module")
def cases() -> list[CorpusCase]:
    shared_path("corpus", "SOURCES.md")
    return [load_case(p) for p in fact_files()]


def test_precision_on_real_text(cases: list[CorpusCase]) -> None:
    found: Counter[tuple[str, str, str]] = Counter()
    severity: dict[tuple[str, str, str], str] = {}
    chars = 0
    for c in cases:
        chars += c.chars
        for f in validate(c.draft, c.facts, c.blueprint, checks=FAMILY).findings:
            if f.severity != "info":
                found[(c.name, f.code, f.excerpt)] += 1
                severity[(c.name, f.code, f.excerpt)] = f.severity
    text = shared_path("reference", "work-report-clean.txt").read_text(encoding="utf-8")
    bp = load_blueprint("work_report")
    chars += len(re.sub(r"\s", "", text))
    for f in validate(draft_from_text(text, bp), load_facts(REFERENCE_FACTS), bp, checks=FAMILY).findings:
        if f.severity != "info":
            found[("work-report-clean.txt", f.code, f.excerpt)] += 1
            severity[("work-report-clean.txt", f.code, f.excerpt)] = f.severity
    known = [k for k in yaml.safe_load(KNOWN.read_text(encoding="utf-8")) if k["code"][0] in "UEPA"]
    assert all(k.get("reason") for k in known)
    known_keys = Counter((k["file"], k["code"], str(k["excerpt"])) for k in known)
    new = found - known_keys
    assert not new, "新的误报：" + "; ".join(f"{n} {c} {e}" for n, c, e in new)
    stale = known_keys - found
    assert not stale, f"known_false_positives.yaml 中已不再出现的条目：{sorted(stale)}"
    errors = sum(n for k, n in found.items() if severity[k] == "error")
    warnings = sum(n for k, n in found.items() if severity[k] == "warning")
    print(f"\n核稿检查 · 真实语料 {chars} 字：错误 {errors} 个（每万字 {errors / chars * 10_000:.2f}），警告 {warnings} 个")
    assert errors / chars * 10_000 <= MAX_ERRORS_PER_10K
    assert warnings <= MAX_WARNINGS


def test_recall_on_mutants_of_real_text(cases: list[CorpusCase], capsys) -> None:
    rng = random.Random(3)
    total: Counter[str] = Counter()
    caught: Counter[str] = Counter()
    missed = []
    for c in cases:
        baseline = Counter((f.code, f.excerpt) for f in validate(c.draft, c.facts, c.blueprint, checks=FAMILY).findings)
        for m in review_mutants(c.draft, rng, per_kind=6):
            total[m.kind] += 1
            got = Counter((f.code, f.excerpt) for f in validate(m.draft, c.facts, c.blueprint, checks=FAMILY).findings)
            if {code for code, _ in got - baseline} & REVIEW_CODES[m.kind]:
                caught[m.kind] += 1
            else:
                missed.append(f"{c.name} {m.kind} {m.what}")
    n, k = sum(total.values()), sum(caught.values())
    with capsys.disabled():
        print(f"\n核稿变异（真实语料）：{n} 个，捕获 {k} 个（{k / n:.1%}）")
        for kind in sorted(total):
            print(f"  {kind:<18} {caught[kind]:>4} / {total[kind]}")
        for line in missed:
            print("  漏：", line)
    assert set(total) == set(REVIEW_CODES)
    assert n >= 500
    assert k / n >= 0.98
    assert all(caught[kind] / total[kind] >= 0.9 for kind in total), missed
