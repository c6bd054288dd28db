"""Gap markers: one form, read back by every part of the tool."""

from speechwriter.gaps import find_gaps, gap_marker


def test_marker_round_trip_with_and_without_size():
    text = "一是……。" + gap_marker("典型事例或群众评价", 150) + "二是……。" + gap_marker("工会的具体做法")
    gaps = find_gaps(text)
    assert [(g.wanted, g.chars) for g in gaps] == [("典型事例或群众评价", 150), ("工会的具体做法", None)]
    assert text[gaps[0].start:gaps[0].end] == "【待补：典型事例或群众评价，约150字】"
    assert gaps[1].text == "【待补：工会的具体做法】"


def test_half_width_colon_and_comma_a_model_may_write_are_read():
    gaps = find_gaps("前文【待补:数据来源, 约 80 字】后文")
    assert [(g.wanted, g.chars) for g in gaps] == [("数据来源", 80)]


def test_ordinary_brackets_are_not_gaps():
    assert find_gaps("【1】脚注；【说明】不是待补标记；待补：不在括号里") == []
