"""Claims beyond figures (A9xx): firsts, honours, influence, data talk, claims under the wrong body."""

from __future__ import annotations

import pytest

from speechwriter.validate.claims import find_claims

from .review_helpers import codes, facts, findings

WITH_HONOURS = dict(honours=["先进单位"], organisations=[{"id": "a", "name": "团市委", "short": "团市委"},
                                                         {"id": "b", "name": "市妇联", "short": "妇联"}],
                    items=[{"org": "a", "statement": "团市委组建全国首支青年志愿服务队"},
                           {"org": "b", "statement": "妇联开展家庭教育讲座"}])


def _claims(text: str, **kw):
    return [f for f in findings(text, facts(**{**WITH_HONOURS, **kw})) if f.code.startswith("A")]


@pytest.mark.parametrize(("text", "kind"), [
    ("有的填补了空白。", "空白"), ("我们的影响不断扩大。", "影响"), ("建成全省首个服务中心。", "首创"),
    ("综合评价位居全市第一。", "排名"), ("被评为全国文明单位。", "荣誉"), ("荣获五一劳动奖状。", "荣誉"),
])
def test_unsupported_claims_are_warned(text: str, kind: str) -> None:
    [f] = _claims(text)
    assert f.code == "A901" and f.severity == "warning" and kind in f.message and f.span is not None


def test_a_claim_the_facts_hold_is_not_warned() -> None:
    assert _claims("团市委组建了全国首支青年志愿服务队。") == []
    assert _claims("妇联被评为先进单位。") == []  # the honour is listed


def test_a_claim_under_another_organisations_name() -> None:
    [f] = _claims("妇联组建了全国首支青年志愿服务队。")
    assert f.code == "A903" and "团市委" in f.message


def test_goals_are_no_claims() -> None:
    assert find_claims("对标国际一流水平，力争走在全国前列，争创全国文明城市。") == []


def test_data_talk_without_data() -> None:
    [f] = _claims("工作很扎实。这些数字表明，大家付出很多。")
    assert f.code == "A902" and f.severity == "warning"
    assert _claims("完成投资120万元，覆盖35个社区。这些数字表明，大家付出很多。") == []


def test_facts_that_list_no_honours_only_hint() -> None:
    got = [f for f in findings("被评为全国文明单位。", facts()) if f.code == "A901"]
    assert [f.severity for f in got] == ["info"]
    assert codes("被评为全国文明单位。", facts()) == ["A901"]
