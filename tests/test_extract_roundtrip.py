"""Round trip on real texts: source → facts extract → offline draft, nothing of the speech lost.

For each text: the share of its content sentences (a fact, a measure or a requirement) that the
facts keep (``extract.coverage``) is at least 90%; title, speaker, addressees and period are read
from the text where it states them; every part (plan point, review point, closing) is kept and
the offline draft writes the plan points in the source's order.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from speechwriter.extract import extract_facts, read_source
from speechwriter.extract.coverage import carries_content, coverage_of
from speechwriter.extract.meta import date_of, read_preamble, split_inline_preamble
from speechwriter.extract.outline import outline_of

from .conftest import SHARED

CORPUS = SHARED / "corpus"

# file prefix, genre, title, role, name, addressees, period, plan themes that must be kept (start of each)
TEXTS = [
    ("work-report-clean", "work_report", "工青妇组织的工作汇报", "市委分管领导", None, ["光源主席", "同志们"], "四年来",
     ["发挥聚合作用", "发挥桥梁纽带作用", "发挥服务保障作用", "发挥教育引导作用"]),
    ("01_", "government_report", "2022年政府工作报告", "国务院", "李克强", ["各位代表"], "2021年", []),
    ("02_", "government_report", None, "保定市人民政府市长", "闫继红", ["各位代表"], "2021年", []),
    ("13_", "government_report", None, "徐水县人民政府县长", "李保森", ["各位代表"], "2009年", []),
    ("14_", "government_report", None, "容城县第十四届人民政府", None, ["各位代表"], "过去五年", []),
    ("16_", "government_report", "政府工作报告", "保定市满城区人民政府区长", "晏中亚", ["各位代表"], "2021年", []),
    ("26_", "government_report", None, "河北省人民政府省长", "许勤", ["各位代表"], "2018年", []),
    ("29_", "government_report", None, "河北省人民政府省长", "王正谱", ["各位代表"], "2023年", []),
    ("31_", "speech", None, None, None, ["女士们", "先生们", "同志们"], None, []),
    ("32_", "speech", None, None, None, None, None, []),
    ("33_", "opening_address", "在2020年中国国际服务贸易交易会全球服务贸易峰会上的致辞", "中华人民共和国主席", "习近平",
     ["各国领导人", "各位国际组织负责人", "各代表团团长", "各位来宾", "女士们", "先生们", "朋友们"], None, []),
    ("34_", "speech", None, None, None, None, None, []),
]


def _path(prefix: str) -> Path:
    if prefix == "work-report-clean":
        return SHARED / "reference" / "work-report-clean.txt"
    return next(CORPUS.glob(f"{prefix}*.txt"))


@pytest.mark.shared
@pytest.mark.parametrize("row", TEXTS, ids=[t[0].strip("_") for t in TEXTS])
def test_round_trip_keeps_the_speech(row: tuple, tmp_path: Path) -> None:
    prefix, genre, title, role, name, addressees, period, plans = row
    path = _path(prefix)
    source = read_source(path)
    result = extract_facts([source], genre=genre, output_name=str(tmp_path / "f.yaml"))
    facts = result.facts
    cov = coverage_of(source, facts)
    assert len(cov.content) >= 20
    assert cov.share >= 0.9, f"{cov.share:.1%} kept; lost: {cov.missing[:5]}"
    meta = facts.meta
    if title:
        assert meta.title == title
    if role:
        assert meta.speaker.role == role
    if name:
        assert meta.speaker.name == name
    if addressees:
        assert meta.addressees == addressees
    if period:
        assert meta.period == period
    # As long as the speech, not a fraction: room for everything the facts keep of it (a glossary
    # printed with it, 名词解释, is not read out and not counted).
    assert meta.target.resolved_chars() >= max(source.chars * 0.7, sum(map(len, facts.prose())) * 0.95)
    closing = facts.closing
    assert closing.wishes or closing.requests or closing.thanks, "the closing is lost"
    # Every point of the source (a heading under one of its parts) is kept as a theme or in the text.
    outline = outline_of(source)
    themes = {h.theme for h in facts.highlights} | {p.theme for p in facts.plans} | \
        {x.theme for part in facts.parts for x in part.points} | {part.heading for part in facts.parts}
    said = "\n".join(facts.prose())
    points = [n.theme for n in outline.nodes[1:] if not n.runin and n.parent and outline.nodes[n.parent].parent == 0]
    assert [t for t in points if t not in themes and t not in said] == []
    themes = [p.theme for p in facts.plans]
    for start in plans:
        assert any(t.startswith(start) for t in themes), f"plan point {start} lost"
    # The offline draft writes the plan points in the source's order.
    from speechwriter.workspace import Workspace

    ws = Workspace(tmp_path)
    draft = ws.draft(facts, engine=ws.engine("offline"), record=False, use_cache=False).draft
    text = "\n".join(s.body for s in draft.sections)
    start, in_order = 0, 0
    for plan in facts.plans:
        at = text.find(plan.theme[:8], start)
        if at >= 0:
            start, in_order = at, in_order + 1
    assert in_order >= len(facts.plans) * 0.8, f"{in_order} of {len(facts.plans)} plan points in order"


def test_the_meeting_itself_is_context_not_an_achievement(tmp_path: Path) -> None:
    src = tmp_path / "座谈会.txt"
    src.write_text("同志们：\n今天召开座谈会。刚才，5位同志作了很好的发言，我都赞成。\n一、去年的工作\n全县新建厂房12万平方米，"
                   "引进企业30家。\n二、今后的任务\n要加快园区建设，年内新建标准厂房5万平方米。\n同志们！希望大家再接再厉。"
                   "请各部门抓好落实。\n", encoding="utf-8")
    facts = extract_facts([src], genre="leader_speech").facts
    statements = [i.statement for h in facts.highlights for i in h.items]
    assert not any("发言" in s for s in statements)
    assert any("发言" in s for s in facts.opening)
    assert facts.closing.wishes == ["希望大家再接再厉"] and facts.closing.requests == ["请各部门抓好落实"]
    assert facts.meta.addressees == ["同志们"]


def test_preamble_lines_give_date_occasion_role_and_name() -> None:
    meta = read_preamble(["政 府 工 作 报 告", "——2026年1月5日在某县第九届人民代表大会第二次会议上", "某县人民政府县长 王 五",
                          "王五作报告。记者某某摄"])
    assert (meta.title, meta.date, meta.occasion) == ("政府工作报告", dt.date(2026, 1, 5), "某县第九届人民代表大会第二次会议")
    assert (meta.speaker_role, meta.speaker_name, meta.role_stated) == ("某县人民政府县长", "王五", True)
    assert date_of("二〇二六年一月十四日") == dt.date(2026, 1, 14)


def test_a_one_line_text_gives_its_title_and_salutation_and_parts(tmp_path: Path) -> None:
    body = "在某某论坛上的致辞（2026年3月1日）某某协会会长 张三尊敬的各位来宾，朋友们：大家好！" + "今年论坛规模扩大到300人。" * 3
    meta, salutation, start = split_inline_preamble(body)
    assert meta.title == "在某某论坛上的致辞" and meta.date == dt.date(2026, 3, 1)
    assert (meta.speaker_role, meta.speaker_name) == ("某某协会会长", "张三")
    assert salutation == "尊敬的各位来宾，朋友们：" and body[start:].startswith("大家好")
    text = ("开场的话说在前面，要把工作做好。" * 20 + "一、抓好产业发展我们要新建园区3个，引进项目20个。" + "要抓好落实。" * 30
            + "二、抓好民生保障我们要新增就业500人。" + "要抓好落实。" * 30)
    src = tmp_path / "一行.txt"
    src.write_text(text, encoding="utf-8")
    facts = extract_facts([src], genre="leader_speech").facts
    themes = [h.theme for h in facts.highlights] + [p.theme for p in facts.plans]
    assert "抓好产业发展" in themes and "抓好民生保障" in themes


def test_content_sentences_are_facts_measures_or_requirements() -> None:
    assert carries_content("全年新建标准厂房12万平方米，同比增长10%。")
    assert carries_content("要加快推进园区基础设施建设，提升承载能力。")
    assert not carries_content("刚才，5位同志作了很好的发言，讲得很好。")
    assert not carries_content("同志们！")


@pytest.mark.shared
@pytest.mark.parametrize(("prefix", "genre", "heading"), [
    ("13_", "government_report", "加强政府自身建设"),
    ("30_", "government_report", "加强政府自身建设"),
    ("16_", "government_report", "全面加强政府自身建设"),
    ("34_", "speech", "需要说明的几个重点问题"),
    ("32_", "speech", "弘扬企业家精神"),
])
def test_a_part_of_the_sources_own_is_drafted_where_the_source_had_it(prefix: str, genre: str, heading: str,
                                                                      tmp_path: Path) -> None:
    from speechwriter.validate import validate
    from speechwriter.workspace import Workspace

    result = extract_facts([_path(prefix)], genre=genre, output_name=str(tmp_path / "f.yaml"))
    facts = result.facts
    part = next(p for p in facts.parts if p.heading == heading)
    assert len(part.points) >= 3 and all(p.measures or p.theme for p in part.points)
    ws = Workspace(tmp_path)
    draft = ws.draft(facts, engine=ws.engine("offline"), record=False, use_cache=False).draft
    ids = [s.id for s in draft.sections]
    at = next(i for i, s in enumerate(draft.sections) if s.heading and heading in s.heading)
    plans_at = next(i for i, s in enumerate(draft.sections) if s.role == "plans" and s.id != ids[at])
    assert plans_at < at < ids.index(draft.sections[-1].id)  # after the plans, before the closing
    body = draft.sections[at].body
    assert sum(p.theme[:6] in body for p in part.points) >= len(part.points) * 0.8
    report = validate(draft, facts, ws.library().blueprint(genre))
    assert [f"{f.code} {f.message}" for f in report.errors if f.code.startswith("F")] == []


def test_an_unheaded_address_opens_with_its_welcome_and_a_list_intro_is_no_heading(tmp_path: Path) -> None:
    src = tmp_path / "致辞.txt"
    src.write_text("各位来宾：大家好！值此论坛开幕之际，我代表主办单位表示热烈欢迎。今年论坛吸引了300家企业参会，"
                   "签约项目25个。希望大家深入交流、共谋发展。预祝论坛圆满成功！谢谢大家。", encoding="utf-8")
    facts = extract_facts([src], genre="opening_address").facts
    assert facts.opening[:2] == ["大家好！", "值此论坛开幕之际，我代表主办单位表示热烈欢迎"]  # the greeting keeps its ！
    assert all(h.theme != "大家好" for h in facts.highlights)
    assert facts.closing.thanks == ["谢谢大家"] and "预祝论坛圆满成功！" in facts.closing.wishes
    plan = tmp_path / "目标.txt"
    plan.write_text("一、去年工作回顾\n全县生产总值增长8%。\n二、今年的任务\n今年经济社会发展的主要预期目标是：生产总值增长7%；"
                    "新增就业2000人。\n", encoding="utf-8")
    plans = extract_facts([plan], genre="government_report").facts.plans
    # A plain paragraph is no heading: kept whole, as the source wrote it, and drafted unnumbered.
    assert [(p.theme, p.style) for p in plans] == [("今年经济社会发展的主要预期目标是：生产总值增长7%；新增就业2000人", "none")]
