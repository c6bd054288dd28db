"""Time and period (P8xx) against meta.period and meta.date."""

from __future__ import annotations

import datetime as dt

import pytest

from speechwriter.validate.period import Period, parse_period

from .review_helpers import applied, codes, facts, findings


@pytest.mark.parametrize(("text", "want"), [
    ("四年来", Period(4, (), "四年来")), ("今年以来", Period(0, (), "今年以来")), ("一年来", Period(1, (), "一年来")),
    ("2022年", Period(1, (2022,), "2022年")), ("2019—2022年", Period(4, (2019, 2020, 2021, 2022), "2019—2022年")),
    ("5年来", Period(5, (), "5年来")),
])
def test_parse_period(text: str, want: Period) -> None:
    assert parse_period(text) == want


def test_a_heading_year_over_the_facts_of_another_year() -> None:
    text = "一、2010年主要工作成效\n\n一是抓学习。二是抓落实。\n\n二、2011年工作打算\n\n（一）继续努力。"
    got = [f for f in findings(text, facts(period="2009年")) if f.code == "P802"]
    assert [f.excerpt for f in got] == ["2010", "2011"] or [f.excerpt for f in got][:1] == ["2010"]
    assert got[0].replacement == "2009" and got[0].span is None
    assert "P802" not in codes(text.replace("2010", "2009").replace("2011", "2010"), facts(period="2009年"))


def test_early_plans_in_a_four_year_review() -> None:
    text = "四年来，对照年初的打算，各项工作全面完成。"
    [f] = [f for f in findings(text, facts(period="四年来")) if f.code == "P803"]
    assert f.excerpt == "年初的打算" and f.severity == "error"
    assert "P803" not in codes(text, facts(period="2023年"))


def test_one_year_where_the_facts_say_since_new_year() -> None:
    text = "同志们：\n\n一年来，全市安全生产形势总体平稳。"
    [f] = [f for f in findings(text, facts(period="今年以来")) if f.code == "P801"]
    assert f.replacement == "今年以来" and applied(text, f).startswith("今年以来，")


def test_one_year_in_a_four_year_review_and_back() -> None:
    assert "P801" in codes("一年来，工作扎实推进。", facts(period="四年来"))
    assert "P801" in codes("四年来，工作扎实推进。", facts(period="2023年"))
    assert codes("四年来，工作扎实推进。", facts(period="四年来")) == []
    assert codes("改革开放四十年来，变化巨大。", facts(period="2023年")) == []  # history, not the period


def test_heading_years_against_the_date() -> None:
    text = "一、2019年工作回顾\n\n一是抓学习。\n\n二、2024年工作安排\n\n（一）继续努力。"
    got = [f.excerpt for f in findings(text, facts(date=dt.date(2024, 1, 10))) if f.code == "P802"]
    assert got == ["2019"]


def test_without_years_in_the_facts_review_and_plan_headings_must_agree() -> None:
    base = "一、2021年工作回顾\n\n2021年，我们抓学习。\n\n二、2022年工作安排\n\n2022年要继续努力。"
    assert codes(base) == []
    wrong = base.replace("一、2021年", "一、2020年")
    [f] = [f for f in findings(wrong) if f.code == "P802"]
    assert f.excerpt == "2020" and f.replacement == "2021"
