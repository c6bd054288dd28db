"""Validator speed on a long draft, and how cost grows with length (10k vs 40k characters)."""

from __future__ import annotations

import random

from _common import best_of, report
from speechwriter.blueprint import load_blueprint
from speechwriter.engines.offline import OfflineComposer
from speechwriter.facts import parse_facts
from speechwriter.validate import validate
from speechwriter.workspace import draft_speech


def synthetic_facts(n_highlights: int, items: int, seed: int = 1) -> str:
    """A work-report facts file whose draft is long and dense with figures."""
    rng = random.Random(seed)
    lines = ["meta:", "  title: 基准测试汇报", "  speaker: {role: 局长}", "  addressees: [同志们]",
             "  target: {chars: 10000}", "organisations:", "  - {id: a, name: 甲局, short: 甲局}",
             "  - {id: b, name: 乙局, short: 乙局}", "highlights:"]
    for h in range(n_highlights):
        lines += [f"  - theme: 第{h}项重点工作扎实推进取得明显成效", "    items:"]
        for i in range(items):
            v1, v2 = rng.randint(10, 9999), rng.randint(2, 99)
            org = "ab"[i % 2]
            lines += [f"      - org: {org}",
                      f"        statement: {'甲乙'[i % 2]}局组织开展专项行动，完成投资{v1}万元，覆盖{v2}个社区，"
                      f"群众满意度持续提升，各项任务全面完成，工作机制不断健全，"
                      f"坚持问题导向和目标导向相统一，统筹推进重点领域改革攻坚，着力补齐短板弱项，"
                      f"推动形成上下联动、部门协同、社会参与的工作格局，基层治理效能明显增强，"
                      f"服务群众的能力和水平进一步提高，干部队伍作风持续转变，为全局工作提供了有力支撑",
                      f"        figures: [{v1}万元, {v2}个]"]
    lines += ["shortcomings: [工作还有差距]", "plans:", "  - theme: 持续用力", "    measures: [巩固成果]"]
    return "\n".join(lines) + "\n"


def main() -> None:
    bp = load_blueprint("work_report")
    sizes = {}
    for label, highlights in (("10k", 10), ("40k", 40)):
        facts = parse_facts(synthetic_facts(highlights, 5))
        draft = draft_speech(facts, engine=OfflineComposer.from_prompts())
        seconds = best_of(lambda d=draft, f=facts: validate(d, f, bp), repeat=5)
        # Cold: without what validate caches on the facts (the quantities in their prose).
        cold = best_of(lambda d=draft, f=facts: (f._memo.clear(), validate(d, f, bp)), repeat=5)
        figures = sum(1 for _ in facts.figure_refs())
        assert not validate(draft, facts, bp).errors
        sizes[label] = (draft.chars, seconds)
        report(f"validate {draft.chars}-char draft, {figures} figures", f"{seconds * 1000:.1f} ms "
               f"({1 / seconds:,.0f}/s; cold {cold * 1000:.1f} ms)", "< 20 ms" if label == "10k" else "(scaling)",
               seconds < 0.02 if label == "10k" else True)
    (c1, t1), (c4, t4) = sizes["10k"], sizes["40k"]
    ratio = (t4 / t1) / (c4 / c1)
    report("cost growth 40k vs 10k, normalised by length", f"{ratio:.2f}", "≈ 1 (linear, < 1.5)", ratio < 1.5)


if __name__ == "__main__":
    main()
