"""数据打架 (issue 21, item 6): figures of one text that cannot all be true, in drafts and in facts files.

Every sentence here is our own; the corpus is read only to measure false alarms."""

from __future__ import annotations

from pathlib import Path

import pytest

from speechwriter.blueprint import load_blueprint
from speechwriter.facts import Facts
from speechwriter.validate import draft_from_text, validate
from speechwriter.validate.checks import FAMILY_MODULES
from speechwriter.validate.consistency import conflicts, facts_conflicts, indicator_conflicts

from .conftest import shared_path
from .corpus.loader import fact_files, load_case


def _codes(text: str) -> list[tuple[str, str]]:
    return [(c.code, c.excerpt) for c in conflicts(text)]


@pytest.mark.parametrize(("text", "expected"), [
    # D401: parts of 其中 against the total beside them
    ("全年完成投资120亿元，其中工业投资80亿元、基础设施投资50亿元。", [("D401", "80亿元")]),
    ("新增就业5000人，其中高校毕业生6200人。", [("D401", "6200人")]),
    ("安置群众301户611人，其中集中安置350户。", [("D401", "350户")]),
    ("完成投资1.2亿元，其中中央资金9000万元。", []),                       # 万元 and 亿元 are one unit
    ("完成投资1.2亿元，其中中央资金1.5亿元。", [("D401", "1.5亿元")]),
    ("全年完成投资120亿元，其中工业投资60亿元，增长8%。", []),              # a part within the total
    ("引进资金1500余万元，其中妇联1550万元。", []),                         # 余: the total may be 1599万
    ("新建项目80个，其中500万元以上的项目92个。", [("D401", "92个")]),
    ("新建项目80个，其中投资超亿元的20个。", []),                            # the count of a class is a part
    ("培训1200人，其中女性700人，全年累计培训2600人。", []),                 # a new total ends the parts
    # D402: shares over 100% or summing past it
    ("工业增加值占生产总值的比重达到112.5%。", [("D402", "112.5%")]),
    ("农村自来水覆盖率达到103%。", [("D402", "103%")]),
    ("当年完成投资12亿元，占年计划的118%。", []),                           # a plan can be overfulfilled
    ("生产总值增长120%。", []),                                              # growth is no share
    ("全县耕地中，其中水田占48%，旱地占39%，林地占21%。", [("D402", "21%")]),
    ("其中水田占48%，旱地占39%，其他占13%。", []),
    # D403: growth with a negative value, a change against its two values
    ("地区生产总值同比增长-3.2%。", [("D403", "-3.2%")]),
    ("出口比上年增长－1.5%。", [("D403", "－1.5%")]),
    ("出口下降-5%。", [("D403", "-5%")]),                                    # a warning: which way?
    ("城镇化率由38.7%提高到33.7%。", [("D403", "33.7%")]),
    ("财政收入从91亿元下降到95亿元。", [("D403", "95亿元")]),
    ("城镇化率由33.7%提高到38.7%。", []),
    ("由全省第13位上升到第9位。", []),                                       # ranks: a smaller number is higher
])
def test_sentence_conflicts(text: str, expected: list[tuple[str, str]]) -> None:
    assert _codes(text) == expected


def test_negative_after_decline_is_only_a_warning() -> None:
    [c] = conflicts("出口下降-5%。")
    assert c.severity == "warning" and "下降5%" in c.suggestion
    [c] = conflicts("同比增长-3.2%，")
    assert c.severity == "error" and c.suggestion.startswith("若是减少，请写作「下降3.2%」")


def test_part_over_total_message_names_the_sum_in_the_totals_form() -> None:
    [c] = conflicts("全年完成投资120亿元，其中工业投资80亿元、基础设施投资50亿元。")
    assert "合计 130亿元" in c.message and "120亿元" in c.message
    text = "全年完成投资120亿元，其中工业投资80亿元、基础设施投资50亿元。"
    assert text[c.start:c.end] == c.excerpt


def test_one_indicator_two_values_across_texts() -> None:
    texts = [("a", "全区地区生产总值达到356亿元，稳中有进。", None),
             ("b", "回顾过去，全区地区生产总值达到365亿元。", None),
             ("c", "全区一般公共预算收入达到28亿元。", None),
             ("d", "全区一般公共预算收入达到28万元。", None)]
    found = [(where, c.code, c.excerpt, c.severity) for where, c in indicator_conflicts(texts)]
    assert found == [("b", "D404", "365亿元", "warning"), ("d", "D405", "28万元", "warning")]
    # another year, a target or a growth rate is another value of the indicator, not a conflict
    assert indicator_conflicts([("a", "全区地区生产总值达到356亿元。", None),
                                ("b", "力争全区地区生产总值达到400亿元。", None),
                                ("c", "2025年全区地区生产总值达到500亿元。", None)]) == []


def _facts(statements: list[str]) -> Facts:
    return Facts.model_validate({
        "meta": {"title": "测试汇报", "speaker": {"role": "局长"}, "addressees": ["同志们"]},
        "highlights": [{"theme": "工作取得成效", "items": [{"statement": s} for s in statements]}],
    })


def test_the_draft_check_gives_section_span_and_suggestion() -> None:
    assert "consistency" in FAMILY_MODULES
    bp = load_blueprint("work_report")
    facts = _facts(["完成投资120亿元"])
    text = "测试汇报\n同志们：\n一、主要工作成效\n全年完成投资120亿元，其中工业投资80亿元、基础设施投资50亿元。生产总值同比增长-3.2%。"
    report = validate(draft_from_text(text, bp), facts, bp, checks=["consistency"])
    found = [(f.code, f.section, f.excerpt) for f in report.findings]
    assert found == [("D401", "achievements", "80亿元"), ("D403", "achievements", "-3.2%")], found
    for f in report.findings:
        assert report.texts[f.section][f.span[0]:f.span[1]] == f.excerpt and f.suggestion


def test_facts_conflicts_name_the_field() -> None:
    facts = _facts(["完成投资1.2亿元，其中中央资金1.5亿元", "新建学校3所", "出口同比增长-2%"])
    found = [(where, c.code) for where, _text, c in facts_conflicts(facts)]
    assert found == [("highlights[0].items[0].statement", "D401"), ("highlights[0].items[2].statement", "D403")]


FACTS_YAML = """meta: {title: 汇报, speaker: {role: 局长}, addressees: [同志们]}
highlights:
  - theme: 成效
    items:
      - statement: 新建学校3所
        figures: [3所]
      - statement: 完成投资1.2亿元，其中中央资金1.5亿元
        figures: [1.2亿元, 1.5亿元]
"""


def test_facts_check_reports_a_conflict_with_file_and_line(cli, tmp_path: Path) -> None:
    path = tmp_path / "f.yaml"
    path.write_text(FACTS_YAML, encoding="utf-8")
    result = cli("facts", "check", path)
    assert result.exit_code == 1
    assert f"D401 {path}:7 highlights[0].items[1].statement" in result.stdout.replace("\n", "")
    assert "Traceback" not in result.stdout + result.stderr
    path.write_text(FACTS_YAML.replace("1.5亿元", "0.5亿元"), encoding="utf-8")
    ok = cli("facts", "check", path)
    assert ok.exit_code == 0 and "D401" not in ok.stdout


def test_false_alarms_on_the_corpus() -> None:
    """Real published texts: no error at all, and at most three warnings over the whole corpus."""
    shared_path("corpus", "SOURCES.md")
    errors, warnings, chars = [], [], 0
    for path in fact_files():
        case = load_case(path)
        chars += case.chars
        report = validate(case.draft, case.facts, case.blueprint, checks=["consistency"])
        errors += [(case.name, f.code, f.excerpt) for f in report.errors]
        warnings += [(case.name, f.code, f.excerpt) for f in report.warnings]
    assert chars > 300_000
    assert errors == [] and len(warnings) <= 3, (errors, warnings)


def test_facts_check_passes_with_a_warning_only(cli, tmp_path: Path) -> None:
    path = tmp_path / "f.yaml"
    path.write_text("""meta: {title: 汇报, speaker: {role: 局长}, addressees: [同志们]}
highlights:
  - theme: 成效
    items:
      - statement: 全区一般公共预算收入达到28亿元
        figures: [28亿元]
      - statement: 回顾起来，全区一般公共预算收入达到28万元
        figures: [28万元]
""", encoding="utf-8")
    result = cli("facts", "check", path)
    assert result.exit_code == 0
    out = result.stdout.replace("\n", "")
    assert "警告 D405" in out and f"{path}:7" in out and "检查通过" in out
