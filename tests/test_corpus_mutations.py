"""Mutation recall on real text: figures broken one at a time in the 27 corpus texts, every one
caught by the figures check with the expected code."""

from __future__ import annotations

import random
from collections import Counter

from speechwriter.validate.mutations import EXPECTED_CODES, figure_mutants

from .conftest import shared_path
from .corpus.loader import fact_files, load_case

FIGURE_KINDS = {"change_digit", "drop_qualifier", "remove_figure", "insert_invented", "invent_cn_eleven",
                "invent_in_quotes", "drop_wan_yu", "change_heading_figure", "drop_compound_half"}
PER_KIND = 10


def test_every_figure_mutant_of_real_text_is_caught(capsys) -> None:
    shared_path("corpus", "SOURCES.md")
    total: Counter[str] = Counter()
    caught: Counter[str] = Counter()
    missed = []
    rng = random.Random(12)
    for path in fact_files():
        case = load_case(path)
        baseline = Counter((f.code, f.excerpt) for f in case.figure_errors())
        for m in figure_mutants(case.draft, case.facts, rng, per_kind=PER_KIND):
            total[m.kind] += 1
            codes = {f.code for f in case.figure_errors(m.draft)
                     if baseline[(f.code, f.excerpt)] == 0}  # the text's known false positives aside
            if codes & EXPECTED_CODES[m.kind]:
                caught[m.kind] += 1
            else:
                missed.append(f"{case.name} {m.kind} {m.what}: {sorted(codes)}")
    with capsys.disabled():
        print(f"\n真实语料变异：{sum(total.values())} 个，捕获 {sum(caught.values())} 个")
        for kind in sorted(total):
            print(f"  {kind:<22} {caught[kind]:>4} / {total[kind]}")
    assert missed == [], missed[:20]
    assert set(total) == FIGURE_KINDS
    assert sum(total.values()) >= 1000


CONSISTENCY_KINDS = {"part_over_total", "share_over_100", "negative_growth", "flip_direction"}


def test_conflict_mutants_of_real_text_are_caught_by_their_code(capsys) -> None:
    """数据打架 on real text: a part of 其中 pushed past its total, a share past 100%, a growth given a
    minus sign, a change turned the other way — at least 98% caught by the expected code."""
    from speechwriter.validate import validate
    from speechwriter.validate.mutations import consistency_mutants

    shared_path("corpus", "SOURCES.md")
    total: Counter[str] = Counter()
    caught: Counter[str] = Counter()
    missed = []
    rng = random.Random(5)
    for path in fact_files():
        case = load_case(path)
        baseline = Counter((f.code, f.excerpt) for f in
                           validate(case.draft, case.facts, case.blueprint, checks=["consistency"]).errors)
        for m in consistency_mutants(case.draft, rng, per_kind=40):
            total[m.kind] += 1
            found = validate(m.draft, case.facts, case.blueprint, checks=["consistency"]).errors
            codes = {f.code for f in found if baseline[(f.code, f.excerpt)] == 0}
            if codes & EXPECTED_CODES[m.kind]:
                caught[m.kind] += 1
            else:
                missed.append(f"{case.name} {m.kind} {m.what}: {sorted(codes)}")
    with capsys.disabled():
        print(f"\n数据打架变异：{sum(total.values())} 个，捕获 {sum(caught.values())} 个")
        for kind in sorted(total):
            print(f"  {kind:<22} {caught[kind]:>4} / {total[kind]}")
    assert set(total) == CONSISTENCY_KINDS
    assert sum(total.values()) >= 400
    assert sum(caught.values()) >= 0.98 * sum(total.values()), missed[:20]
    assert all(caught[k] >= 0.9 * total[k] for k in total), missed[:20]
