"""Counts against enumerations (E701): the issue's defects and lists that match."""

from __future__ import annotations

import pytest

from .review_helpers import applied, codes, findings

EIGHT_NINE = ("今年要着重抓好以下八个方面。\n\n（一）抓学习。\n\n（二）抓项目。\n\n（三）抓招商。\n\n（四）抓环境。\n\n"
              "（五）抓民生。\n\n（六）抓安全。\n\n（七）抓作风。\n\n（八）抓党建。")


def _count_findings(text: str):
    return [f for f in findings(text) if f.code == "E701"]


def test_five_highlights_over_a_list_of_four() -> None:
    text = "四年来，我们主要有五大亮点：一是学习深入。二是服务到位。三是活动丰富。四是队伍过硬。"
    [f] = _count_findings(text)
    assert f.severity == "error" and f.excerpt == "五大亮点" and f.replacement == "四"
    assert "主要有四大亮点" in applied(text, f)


def test_eight_announced_nine_announced_one_list() -> None:
    text = EIGHT_NINE.replace("着重抓好以下八个方面", "重点抓好以下九个方面的工作")
    [f] = _count_findings(text)
    assert "9 项" in f.message or "8 项" in f.message
    assert f.replacement == "八"
    assert _count_findings(EIGHT_NINE) == []


def test_run_in_and_numbered_lists() -> None:
    assert codes("我讲三点意见：第一，要提高认识。第二，要抓好落实。") == ["E701"]
    assert codes("我讲两点意见：第一，要提高认识。第二，要抓好落实。") == []
    text = "同志们：\n重点做好以下3项工作：\n1. 抓规划。\n2. 抓建设。\n3. 抓管理。\n4. 抓服务。"
    [f] = _count_findings(text)
    assert f.replacement == "4"


def test_a_count_in_the_heading_over_its_points() -> None:
    text = ("一、抓好以下三个方面的工作\n\n（一）抓学习。\n\n（二）抓落实。\n\n"
            "二、今后打算\n\n（一）继续努力。")
    [f] = _count_findings(text)
    assert f.span is None and f.replacement == "两"  # 2 written after 三's system: Chinese


@pytest.mark.parametrize("text", [
    "实现了三大突破，发展势头良好。",  # no list announced
    "打好三大攻坚战：坚决打好防范化解重大风险攻坚战。",  # announced but not enumerated
    "主要有四个方面：一是学习。二是服务。三是活动。四是队伍。（一）下一步。",
    "党的二十大报告指出：一是坚持。",
])
def test_counts_that_are_right_or_unchecked(text: str) -> None:
    assert codes(text) == []


def test_a_new_list_of_the_same_style_ends_the_first() -> None:
    text = "主要有两个方面：一是学习。二是服务。\n\n此外还有三项任务：一是甲。二是乙。三是丙。"
    assert _count_findings(text) == []
