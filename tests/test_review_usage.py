"""规范用语 (usage, U6xx): the issue's defects, the right forms left alone, fixes that apply as written."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from speechwriter.errors import InputError
from speechwriter.resources import builtin_prompts_dir
from speechwriter.validate import ValidatorConfig
from speechwriter.validate.usage import load_usage_lexicon

from .review_helpers import applied, codes, draft, findings


def _one(text: str, code: str):
    hits = [f for f in findings(text) if f.code == code]
    assert len(hits) == 1, (text, [(f.code, f.excerpt) for f in findings(text)])
    return hits[0]


# --- the quoted defects --------------------------------------------------------------

def test_er_before_a_measure_word_is_two() -> None:
    text = "下面，我从以下二个方面汇报工作。"
    f = _one(text, "U601")
    assert f.severity == "error" and f.replacement == "两" and f.excerpt == "二个"
    assert "以下两个方面" in applied(text, f)


def test_doubled_shi_is_deleted() -> None:
    text = "这次会议的主要任务是是总结工作。"
    f = _one(text, "U602")
    assert applied(text, f).count("是是") == 0 and "任务是总结" in applied(text, f)


def test_a_clause_said_twice() -> None:
    text = "总起来讲，总起来讲，这几年的工作有了很大进步。"
    f = _one(text, "U603")
    assert applied(text, f).startswith("总起来讲，这几年")


def test_one_adverbial_twice_in_a_clause() -> None:
    f = _one("我们力争年内力争完成改造任务。", "U604")
    assert f.severity == "warning" and "力争" in f.message


# --- the right forms ------------------------------------------------------------------------------

@pytest.mark.parametrize("text", [
    "新建二十个服务站。", "第二个问题是资金。", "覆盖十二个社区。", "二〇二三年是关键之年。", "一是抓学习，二是抓落实。",
    "二级公路改造完成。", "实施二次创业。", "党的二大召开。", "增长二点五倍。", "大家常常说，天天讲。",
    "我们要研究研究这个问题。", "一个个项目落地。", "问题就是是否落实。", "为了了解情况。", "的的确确做到了。",
    "实实在在办事。", "现在在座的各位。", "是是非非要分清。", "一个一个地落实。", "一项一项抓。",
    "推进生态建设，建设美丽乡村。", "不了了之的情况。", "比重提高2个百分点。",
])
def test_right_usage_is_not_flagged(text: str) -> None:
    assert codes(text) == []


@pytest.mark.parametrize(("text", "unit"), [("共有二项工作", "项"), ("抓好二大工程建设", "大"), ("选派二名干部", "名"),
                                            ("设立二家分中心", "家")])
def test_er_with_each_measure_word(text: str, unit: str) -> None:
    f = _one(text + "。", "U601")
    assert f.excerpt == f"二{unit}"


# --- GB/T 15835 forms ---------------------------------------------------------------------------

def test_percent_range_with_a_hyphen() -> None:
    text = "增速保持在10-20%之间。"
    f = _one(text, "U605")
    assert f.replacement == "10%～20%" and "10%～20%之间" in applied(text, f)


def test_percent_range_losing_its_first_sign() -> None:
    assert _one("增长5～8%。", "U605").replacement == "5%～8%"


def test_unit_range_with_a_hyphen() -> None:
    assert _one("每县培育3-5家龙头企业。", "U605").replacement == "3～5"


def test_right_ranges_are_left_alone() -> None:
    assert codes("增长10%～20%，2021-2025年规划。") == []


def test_year_in_chinese_numerals_with_a_zero() -> None:
    f = _one("二0二三年以来，工作扎实推进。", "U608")
    assert f.replacement == "二〇二三"


def test_percent_in_words_and_signs_mixed() -> None:
    f = _one("覆盖率达到百分之九十，完成率达到95%。", "U606")
    assert f.severity == "warning" and f.excerpt == "百分之九十"
    assert codes("覆盖率达到百分之九十，完成率达到百分之九十五。") == []


def test_mixed_numeral_systems_in_one_list() -> None:
    f = _one("新建学校3所、医院五所、养老院2所。", "U607")
    assert f.severity == "warning"
    assert codes("新建学校3所、医院5所、养老院2所。") == []


# --- the lexicon ----------------------------------------------------------------------------------

ENTRIES = yaml.safe_load((builtin_prompts_dir() / "common" / "usage.yaml").read_text(encoding="utf-8"))["entries"]


def test_the_shipped_lexicon_is_well_formed() -> None:
    assert len(ENTRIES) >= 100
    wrongs = [e["wrong"] for e in ENTRIES]
    assert len(wrongs) == len(set(wrongs))
    for e in ENTRIES:
        assert e["wrong"] != e["right"] and e.get("source"), e
        assert e["wrong"] not in e["right"], e  # the fix would be flagged again


@pytest.mark.parametrize("entry", ENTRIES, ids=lambda e: e["wrong"])
def test_every_lexicon_entry(entry: dict) -> None:
    wrong, right = entry["wrong"], entry["right"]
    text = f"我们在工作中{wrong}，取得了成效。"
    f = _one(text, "U610")
    assert f.excerpt == wrong and f.replacement == right and right in f.message
    fixed = applied(text, f)
    assert right in fixed and "U610" not in codes(fixed)
    for longer in entry.get("exceptions") or []:
        assert "U610" not in codes(f"我们{longer}，取得了成效。"), longer


def _user_lexicon(tmp_path: Path, body: str) -> ValidatorConfig:
    (tmp_path / "common").mkdir(parents=True, exist_ok=True)
    (tmp_path / "common" / "usage.yaml").write_text(body, encoding="utf-8")
    load_usage_lexicon.cache_clear()
    return ValidatorConfig(prompts_dirs=[str(tmp_path)])


def test_the_users_prompts_folder_extends_and_overrides_the_lexicon(tmp_path: Path) -> None:
    config = _user_lexicon(tmp_path, "entries:\n  - {wrong: 抓手工程, right: 重点工程, note: 本单位用语}\n"
                                     "  - {wrong: 做为, right: 做为}\n")
    got = findings("推进抓手工程，做为重点。", config=config)
    assert [(f.code, f.replacement) for f in got] == [("U610", "重点工程")]  # 做为 switched off by the user
    assert "做为" in [f.excerpt for f in findings("推进抓手工程，做为重点。")]


@pytest.mark.parametrize("body", ["entries: [", "entries: 3\n", "entries:\n  - {wrong: 甲}\n",
                                  "entries:\n  - {wrong: 甲, right: 乙, exceptions: 丙}\n"])
def test_a_broken_user_lexicon_is_one_clear_error(tmp_path: Path, body: str) -> None:
    config = _user_lexicon(tmp_path, body)
    with pytest.raises(InputError) as info:
        findings("正文。", config=config)
    assert "规范用语词库" in str(info.value) and "usage.yaml" in str(info.value)


def test_headings_are_read_too() -> None:
    text = "一、二个方面的主要工作\n\n一是抓学习。\n\n二是抓落实。"
    hits = [f for f in findings(text) if f.code == "U601"]
    assert hits and hits[0].span is None and draft(text).sections


def test_a_clause_written_twice_over() -> None:
    text = "总起来讲总起来讲，这几年的工作有了很大进步。"
    f = _one(text, "U603")
    assert applied(text, f).startswith("总起来讲，这几年")
