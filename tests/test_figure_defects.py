"""The nine figure defects of issue 12, each pinned by a test that failed before the fix."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from speechwriter.blueprint import load_blueprint
from speechwriter.facts import Facts, parse_facts
from speechwriter.figures import find_quantities, parse_figure, parse_quantity
from speechwriter.validate import draft_from_text, validate


def _facts(items: list[tuple[str, list[str]]], **meta: Any) -> Facts:
    data = {
        "meta": {"title": "测试汇报", "speaker": {"role": "局长"}, "addressees": ["同志们"], **meta},
        "highlights": [{"theme": "工作取得成效",
                        "items": [{"statement": s, "figures": figs} for s, figs in items]}],
    }
    return Facts.model_validate(data)


def _figure_errors(text: str, facts: Facts) -> list[tuple[str, str]]:
    bp = load_blueprint("work_report")
    draft = draft_from_text(text, bp)
    return [(f.code, f.excerpt) for f in validate(draft, facts, bp, checks=["figures"]).errors]


def _values(text: str) -> list[tuple[Decimal, str, str]]:
    return [(m.quantity.value, m.quantity.unit, m.quantity.qualifier) for m in find_quantities(text)]


# 1. numerals holding 十一 / 五一 / 七一 were swallowed by the holiday phrases
def test_numerals_containing_holiday_digits_are_found() -> None:
    for text, value, unit in (("建成二十一个站点", 21, "个"), ("服务三十一人次", 31, "人次"),
                              ("新建十一个网点", 11, "个"), ("引进五十一家企业", 51, "家"),
                              ("新增七十一个岗位", 71, "个")):
        assert (Decimal(value), unit, "") in _values(text), text
    assert _values("五一劳动节和七一前后开展活动") == []
    facts = _facts([("建成站点12个", ["12个"])])
    assert ("F204", "二十一个") in _figure_errors("测试汇报\n同志们：\n建成站点12个，另建二十一个。", facts)


# 2. a declared figure without a unit excused the same value in any unit
def test_unitless_declared_figure_does_not_excuse_other_units() -> None:
    facts = _facts([("实施四大工程", ["四大"])])
    errors = _figure_errors("测试汇报\n同志们：\n实施四大工程，新建四栋大楼。", facts)
    assert ("F204", "四栋") in errors


# 3. headings are scanned: a figure only in a heading counts, a changed heading figure is caught
def test_figures_in_headings() -> None:
    facts = _facts([("过去五年工作回顾", ["五年"]), ("完成投资12亿元", ["12亿元"])])
    good = "测试汇报\n同志们：\n一、过去五年工作回顾\n完成投资12亿元。\n二、今后打算\n继续努力。"
    assert _figure_errors(good, facts) == []
    bad = good.replace("过去五年", "过去六年")
    assert any(code in ("F203", "F204") and "六年" in ex for code, ex in _figure_errors(bad, facts))


# 4. 万余 is read as a qualifier of the whole figure
def test_wan_yu_keeps_the_qualifier() -> None:
    for raw, value, unit in (("1万余台", 10_000, "台"), ("3万余亩", 30_000, "亩"), ("1.3万余件", 13_000, "件")):
        assert _values(f"新增{raw}设备") == [(Decimal(value), unit, "余")], raw
        q = parse_quantity(raw)
        assert (q.value, q.unit, q.qualifier) == (Decimal(value), unit, "余")
    facts = _facts([("改造3万余亩", ["3万余亩"])])
    assert _figure_errors("测试汇报\n同志们：\n改造3万余亩。", facts) == []


# 5. one finder for facts and text
def test_facts_and_text_parsed_alike() -> None:
    for raw in ("10个月", "两个月", "500千伏", "110千伏", "1.13 亿元", "2 万元以上", "近 4000", "301户611人"):
        declared = parse_quantity(raw)
        found = find_quantities(f"其中{raw}。")
        assert found and found[0].quantity == declared, raw
    assert parse_quantity("500千伏").value == 500
    assert parse_quantity("500kV") == parse_quantity("500千伏")
    assert [q.value for q in parse_figure("22.2：46.4：31.4")] == [Decimal("22.2"), Decimal("46.4"), Decimal("31.4")]
    assert parse_quantity("10个月").unit == "个月"
    facts = _facts([("工期10个月", ["10个月"]), ("建成500千伏变电站", ["500千伏"]),
                    ("投资1.13 亿元", ["1.13 亿元"])])
    assert _figure_errors("测试汇报\n同志们：\n工期10个月，建成500千伏变电站，投资1.13亿元。", facts) == []


# 6. a compound figure is two quantities: removing either half is caught
def test_compound_figure() -> None:
    assert [(v, u) for v, u, _ in _values("搬迁301户611人")] == [(Decimal(301), "户"), (Decimal(611), "人")]
    facts = _facts([("搬迁301户611人", ["301户611人"])])
    assert _figure_errors("测试汇报\n同志们：\n搬迁301户611人。", facts) == []
    assert ("F201", "") in [(c, "") for c, _ in _figure_errors("测试汇报\n同志们：\n搬迁301户。", facts)]


# 7. a wrong figure is blamed against the declared figure it most plausibly replaces
def test_wrong_figure_blamed_against_nearest_declared() -> None:
    facts = _facts([("生产总值增长6.0%", ["6.0%"]), ("明年预期增长6%左右", ["6%左右"])])
    text = "测试汇报\n同志们：\n生产总值增长6.3%。明年预期增长6%左右。"
    errors = _figure_errors(text, facts)
    assert errors == [("F203", "6.3%")], errors


# 8. the title is decided by shape: a salutation or a one-paragraph speech is not a title
def test_title_by_shape() -> None:
    bp = load_blueprint("work_report")
    draft = draft_from_text("各位代表：\n现在，我代表县人民政府作报告。\n一、过去一年工作回顾\n完成投资12亿元。", bp)
    assert draft.section("salutation").body == "各位代表："
    one = "同志们，今年完成投资12亿元，新建学校3所，各项工作取得新进展，请大家审议。"
    facts = _facts([("完成投资12亿元", ["12亿元"])])
    assert ("F204", "3所") in _figure_errors(one, facts)


# 9. facts check: a qualifier in the statement that the raw drops, and an unknown genre
def test_facts_check_catches_dropped_qualifier() -> None:
    import pytest

    from speechwriter.errors import InputError

    text = """meta: {title: t, speaker: {role: r}, addressees: [a]}
highlights:
  - theme: t
    items:
      - statement: 接待游客突破233万人次
        figures: [233万人次]
"""
    with pytest.raises(InputError) as err:
        parse_facts(text)
    assert "突破233万人次" in str(err.value)
    assert err.value.line == 6


def test_facts_check_catches_unknown_genre(cli, tmp_path) -> None:
    path = tmp_path / "f.yaml"
    path.write_text("meta: {genre: no_such_genre, title: t, speaker: {role: r}, addressees: [a]}\n",
                    encoding="utf-8")
    result = cli("facts", "check", str(path))
    assert result.exit_code == 2
    assert "no_such_genre" in result.stderr


def test_wrong_figure_blamed_by_context_then_by_value() -> None:
    facts = _facts([("完成投资12亿元", ["12亿元"]), ("实现财政收入15亿元", ["15亿元"])])
    errors = _figure_errors("测试汇报\n同志们：\n完成投资12亿元，实现财政收入16亿元。", facts)
    assert errors == [("F203", "16亿元")]
    bp = load_blueprint("work_report")
    draft = draft_from_text("测试汇报\n同志们：\n完成投资12亿元，实现财政收入16亿元。", bp)
    finding = validate(draft, facts, bp, checks=["figures"]).errors[0]
    assert "15亿元" in finding.message and "15亿元" in finding.suggestion


def test_dropped_qualifier_rule() -> None:
    from speechwriter.facts import dropped_qualifier

    assert dropped_qualifier("233万人次", "突破233万人次") == "突破233万人次"
    assert dropped_qualifier("40%", "接近40%") == "接近40%"
    assert dropped_qualifier("300", "培训300余人") == "300余"
    assert dropped_qualifier("6.5%", "增长6.5%左右") == "6.5%左右"
    assert dropped_qualifier("5000万元", "投资5000万元以上") == "5000万元以上"
    # not qualifiers: a word that ends in a qualifier's character, a measure word before 多, no qualifier
    assert dropped_qualifier("20万吨", "节约20万吨") is None
    assert dropped_qualifier("3个", "用了3个多月") is None
    assert dropped_qualifier("40%", "达到40%") is None
    # one plain occurrence is enough
    assert dropped_qualifier("12个", "新建12个，其中近12个在农村") is None


def test_facts_check_shows_each_part_of_a_compound_figure(cli, tmp_path) -> None:
    path = tmp_path / "f.yaml"
    path.write_text("""meta: {title: t, speaker: {role: r}, addressees: [a]}
highlights:
  - theme: t
    items:
      - {statement: 搬迁301户611人, figures: [301户611人]}
""", encoding="utf-8")
    result = cli("facts", "check", str(path))
    assert result.exit_code == 0
    assert "301 + 611" in result.stdout and "户 + 人" in result.stdout


# issue 21: an ordinary quantifier is no figure of another organisation, and a figure declared for
# one thing does not excuse the same value and unit said of another
def _org_facts(items: list[tuple[str, str, list[str]]]) -> Facts:
    return Facts.model_validate({
        "meta": {"title": "测试汇报", "speaker": {"role": "部长"}, "addressees": ["同志们"]},
        "organisations": [{"id": "gh", "name": "市总工会", "short": "工会"},
                          {"id": "tw", "name": "团市委", "short": "团委"}],
        "highlights": [{"theme": "工作取得成效",
                        "items": [{"org": o, "statement": s, "figures": f} for o, s, f in items]}],
    })


def test_article_in_an_opening_is_not_blamed_on_another_organisation() -> None:
    facts = _org_facts([("gh", "工会开展一次专题调研", ["一次"]), ("tw", "团委建成12个青年之家", ["12个"])])
    text = ("测试汇报\n同志们：\n这次检查，既是对团委工作的一次检阅，也是一次促进。\n"
            "一、主要工作成效\n工会开展一次专题调研。团委建成12个青年之家。")
    codes = [(f.code, f.excerpt) for f in validate(draft_from_text(text, load_blueprint("work_report")), facts,
                                                   load_blueprint("work_report"), checks=["figures"]).findings]
    assert ("F205", "一次") not in codes, codes


def test_a_figure_declared_for_something_else_does_not_excuse_an_invented_one() -> None:
    facts = _facts([("全市建成29个党群服务中心", ["29个"])])
    text = "测试汇报\n同志们：\n全市建成29个党群服务中心，新增二十九个养老驿站。"
    assert _figure_errors(text, facts) == [("F204", "二十九个")]
    # the same figure said again of the same thing is still explained
    again = "测试汇报\n同志们：\n全市建成29个党群服务中心。这29个党群服务中心覆盖城乡。"
    assert _figure_errors(again, facts) == []
