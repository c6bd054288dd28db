"""Where a sentence of the source lands in the facts: by what it says, not by where it stands.

Each text here is invented for the test (shaped like the forms real reports use), so a rule that
passes only by knowing one published text fails.
"""

from __future__ import annotations

from pathlib import Path

from speechwriter.extract import extract_facts, read_source

from .conftest import within_a_longer_speech


def _facts(tmp_path: Path, text: str, genre: str = "government_report"):
    path = tmp_path / "src.txt"
    path.write_text(text, encoding="utf-8")
    return extract_facts([read_source(path)], genre=genre, output_name=str(tmp_path / "f.yaml")).facts


def _statements(facts) -> list[str]:
    return [item.statement for hl in facts.highlights for item in hl.items]


REVIEW_WITH_CONCESSION = """各位代表：
现在，我代表县人民政府作报告。
一、2023年工作回顾
一年来，我们抓项目、促发展，全县生产总值增长6.1%。新建道路12公里，新增就业2400人。
一年来，我们惠民生、保稳定，民生支出占比达80%。改造老旧小区15个。
各位代表！行百里者半九十。我们清楚，虽然取得了一些成绩，但前进路上仍有不少难关。一是产业转型进入“爬坡期”。传统产业占比偏高，新兴产业规模偏小；二是公共服务进入“补课期”。学位和床位供给仍然不足。对此，我们将迎难而上，认真加以解决。
各位代表！面对困难和挑战，我们坚信：办法总比困难多。
二、2024年工作安排
（一）抓好项目建设
全年实施重点项目30个，完成投资50亿元。
各位代表，让我们团结一心，为全面完成今年目标任务而努力奋斗！
"""


def test_problems_after_a_concession_are_shortcomings_not_achievements(tmp_path: Path) -> None:
    facts = _facts(tmp_path, REVIEW_WITH_CONCESSION)
    said = "".join(_statements(facts))
    for words in ("传统产业占比偏高", "学位和床位供给仍然不足", "爬坡期", "虽然取得了一些成绩", "办法总比困难多"):
        assert words not in said, f"{words} filed as an achievement"
    shortcomings = "".join(facts.shortcomings)
    assert "传统产业占比偏高" in shortcomings and "学位和床位供给仍然不足" in shortcomings
    # each numbered problem with all its sentences; the 二是 after ； opens the next one
    assert facts.shortcomings == ["产业转型进入“爬坡期”。传统产业占比偏高，新兴产业规模偏小",
                                  "公共服务进入“补课期”。学位和床位供给仍然不足"]
    assert "新建道路12公里" in said  # the results before it stay results


def test_a_problems_heading_run_in_a_paragraph_is_shortcomings(tmp_path: Path) -> None:
    text = REVIEW_WITH_CONCESSION.replace(
        "各位代表！行百里者半九十。我们清楚，虽然取得了一些成绩，但前进路上仍有不少难关。",
        "在肯定成绩的同时，我们也要看到，工作中还存在一些困难和挑战。")
    facts = _facts(tmp_path, text)
    said = "".join(_statements(facts))
    assert "传统产业占比偏高" not in said and "传统产业占比偏高" in "".join(facts.shortcomings)


def test_footnote_marks_are_stripped_from_statements(tmp_path: Path) -> None:
    text = """各位代表：
一、2023年工作回顾
全面落实“双减”［3］政策，建成托育机构12家[4]。开展“百日攻坚”①行动，整治隐患86处。推进“三个一”注1工程，新建公园5个。
二、2024年工作安排
（一）抓好项目建设
实施“五大工程”［12］，完成投资50亿元。
"""
    facts = _facts(tmp_path, text)
    written = _statements(facts) + [m for p in facts.plans for m in p.measures]
    joined = "".join(written)
    for mark in ("［3］", "[4]", "①", "注1", "［12］"):
        assert mark not in joined, f"{mark} left in {written}"
    assert "建成托育机构12家" in joined and "实施“五大工程”，完成投资50亿元" in joined


def test_the_speakers_own_voice_is_no_achievement(tmp_path: Path) -> None:
    text = """同志们：
今天召开全市民营经济座谈会。
一、发展民营经济成效明显
全市民营企业达到3.2万户，贡献了60%的税收。我说过，民营企业是我们自己人。我在去年的调研中讲过，办企业的人最怕朝令夕改。我曾讲过，营商环境就是生产力。
二、下一步工作
要落实减税降费政策，全年减负10亿元。
同志们，让我们共同努力！
"""
    facts = _facts(tmp_path, text, genre="work_report")
    said = "".join(_statements(facts))
    assert "贡献了60%的税收" in said
    for voice in ("我说过", "我在去年的调研中讲过", "我曾讲过"):
        assert voice not in said


def test_a_long_semicolon_list_becomes_one_item_or_measure_per_clause(tmp_path: Path) -> None:
    text = """各位代表：
一、2023年工作回顾
（一）城乡建设
新建道路12公里；改造供水管网30公里；新增停车位800个；建成口袋公园6个。
二、2024年工作安排
（一）抓好城市更新
改造老旧小区20个；新建学校3所；新增养老床位500张；整治背街小巷40条。
"""
    facts = _facts(tmp_path, text)
    assert _statements(facts) == ["新建道路12公里", "改造供水管网30公里", "新增停车位800个", "建成口袋公园6个"]
    plan = next(p for p in facts.plans if p.theme == "抓好城市更新")
    assert plan.measures == ["改造老旧小区20个", "新建学校3所", "新增养老床位500张", "整治背街小巷40条"]


def test_two_clauses_that_make_one_statement_stay_together(tmp_path: Path) -> None:
    text = """各位代表：
一、2023年工作回顾
（一）城乡建设
新建道路12公里，全部通车；其中农村公路8公里。
二、2024年工作安排
（一）抓好城市更新
改造老旧小区20个。
"""
    facts = _facts(tmp_path, text)
    assert _statements(facts) == ["新建道路12公里，全部通车；其中农村公路8公里"]


def _offline_draft(tmp_path: Path, facts) -> str:
    from speechwriter.workspace import Workspace

    ws = Workspace(tmp_path)
    return ws.draft(facts, engine=ws.engine("offline"), record=False, use_cache=False).draft.to_markdown()


PLANS_WITH_TARGETS = """各位代表：
一、2023年工作回顾
（一）城乡建设
新建道路12公里，新增就业2400人。
二、2024年工作安排
今年是攻坚之年，全县有40万群众期盼更好的生活。
今年经济社会发展的主要预期目标是：生产总值增长6%左右；一般公共预算收入增长5%；城乡居民收入增长7%。
（一）抓好项目建设
全年实施重点项目30个，完成投资50亿元。
（二）抓好城市更新
改造老旧小区20个，新建学校3所。
（三）抓好乡村振兴
新建高标准农田5万亩。
各位代表，让我们团结一心，为全面完成今年目标任务而努力奋斗！
"""


def test_a_count_in_the_draft_counts_the_sources_points_not_its_lead_paragraphs(tmp_path: Path) -> None:
    facts = within_a_longer_speech(_facts(tmp_path, PLANS_WITH_TARGETS))
    assert [p.theme for p in facts.plans if not p.lead] == ["抓好项目建设", "抓好城市更新", "抓好乡村振兴"]
    assert any(p.lead and "6%左右" in p.figures[0].raw for p in facts.plans)
    draft = _offline_draft(tmp_path, facts)
    assert "三个方面" in draft and "五个方面" not in draft
    assert "（一）抓好项目建设" in draft and "（四）" not in draft
    assert draft.index("生产总值增长6%左右") < draft.index("（一）抓好项目建设")


SPEECH_WITH_HOPES = """同志们：
今天召开全市企业家座谈会。
一、稳住经济基本盘
全市企业达到3.2万户，贡献了60%的税收。要落实减税降费政策，全年减负10亿元。
二、弘扬企业家精神
企业家是经济活动的重要主体，全市有5000多位企业家。这里，我提两点希望。第一，希望大家敢闯敢试。要在新领域开拓市场。第二，希望大家守法经营。要依法办企业、诚信做生意。
三、营造良好环境
要推进简政放权，办事时间压减50%。
同志们，让我们共同努力！
"""


def test_hopes_are_not_numbered_as_work_items(tmp_path: Path) -> None:
    facts = _facts(tmp_path, SPEECH_WITH_HOPES, genre="speech")
    part = next(p for p in facts.parts if p.heading == "弘扬企业家精神")
    assert [p.theme for p in part.points if not p.lead] == ["希望大家敢闯敢试", "希望大家守法经营"]
    draft = _offline_draft(tmp_path, facts)
    section = draft[draft.index("## 二、弘扬企业家精神"):draft.index("## 三、")]
    assert "工作" not in section and "两点希望" in section
    # The source numbers its hopes 第一，第二，: the draft keeps its marking, and counts nothing more.
    assert "第一，希望大家敢闯敢试" in section and "第二，希望大家守法经营" in section and "第三" not in section
