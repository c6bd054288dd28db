"""What the offline composer may say, and who says it: no claim the facts do not make, no stock
sentence twice, the speaker's own unit and level, plans that answer the shortcomings they can.

The facts below are written for these tests; every asserted phrase is our own wording."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from speechwriter.draft import Draft
from speechwriter.engines.offline import _match_shortcomings, item_subjects, speaker_model, theme_topic
from speechwriter.facts import load_facts, parse_facts
from speechwriter.metrics import sentences
from speechwriter.resources import builtin_prompts_dir
from speechwriter.workspace import Workspace

from .conftest import ALL_FIXTURES

GENRES = ["work_report", "leader_speech", "duty_report", "annual_summary"]


def _draft(facts, genre: str | None = None, ws: Workspace | None = None) -> Draft:
    return (ws or Workspace()).draft(facts, genre=genre, record=False, use_cache=False).draft


def _fixture(stem: str) -> Path:
    return next(p for p in ALL_FIXTURES if p.stem == stem)


@pytest.fixture(scope="module")
def own() -> dict[str, Draft]:
    """Every fixture in its own genre."""
    ws = Workspace()
    return {p.stem: _draft(load_facts(p), None, ws) for p in ALL_FIXTURES}


def _body(draft: Draft) -> str:
    return "\n".join(s.body for s in draft.sections)


def _part(draft: Draft, role: str) -> str:
    return "\n".join(s.body for s in draft.sections if s.role == role)


# A small duty report whose points are single results, one of them the speaker's integrity, and
# whose shortcomings name what stock praise likes to claim (调查研究, 办法). Several periods give
# several seeds, so a phrase the bank holds is sure to be tried.
DUTY = """
meta:
  genre: duty_report
  title: 述职报告
  speaker: {{role: 东湖镇镇长}}
  occasion: 县委组织部年度考核述职会
  addressees: [各位领导, 同志们]
  period: {period}
  target: {{chars: 1800}}
organisations:
  - {{id: town, name: 东湖镇人民政府, short: 东湖镇}}
highlights:
  - theme: 坚持学习在先，提高履职本领
    items:
      - statement: 参加镇党委理论学习中心组学习12次
        figures: [12次]
  - theme: 集体经济稳步壮大
    items:
      - org: town
        statement: 东湖镇村级集体经济收入达到860万元
        figures: [860万元]
  - theme: 坚持廉洁自律，守住纪律底线
    items:
      - statement: 严格遵守中央八项规定精神，个人有关事项如实报告
shortcomings:
  - 调查研究还不够深入
  - 推动产业发展的办法不多
plans:
  - theme: 在产业发展上找办法
    measures: [引进一批农产品加工项目]
  - theme: 在作风转变上下功夫
    measures: [每月到村组蹲点调研]
closing:
  requests: [请予评议]
"""


@pytest.fixture(scope="module")
def duty_drafts() -> list[Draft]:
    ws = Workspace()
    return [_draft(parse_facts(DUTY.format(period=p)), "duty_report", ws)
            for p in ("2021年", "2022年", "2023年", "2024年", "2025年", "一年来")]


# --- 1. nothing the facts do not say ------------------------------------------------------------

INVENTED = ("早谋划", "倒排工期", "全年重点", "带有普遍性", "看似是小问题", "前所未有", "金字招牌", "质量稳步提升",
            "基础较好", "遗憾", "总体考虑", "越叫越响", "根子上还是")


def test_no_stock_sentence_invents_a_method_a_scope_or_a_verdict(own) -> None:
    for stem, draft in own.items():
        for word in INVENTED:
            assert word not in _body(draft), (stem, word)


def test_praise_never_claims_what_a_shortcoming_admits(duty_drafts) -> None:
    for draft in duty_drafts:
        performance = _part(draft, "achievements")
        assert "调查研究" not in performance and "抓重点、破难点" not in performance, performance


def test_achievements_are_told_in_the_past(own, duty_drafts) -> None:
    for draft in [*own.values(), *duty_drafts]:
        # 述廉 ends with a commitment (今后，我将…): that is its form, not a slip of tense
        part = "\n".join(p for s in draft.sections if s.role == "achievements" for p in s.paragraphs
                         if "八项规定" not in p)
        for word in ("明年", "开好局", "开了好头", "将继续", "还将", "我将继续"):
            assert word not in part, (draft.title, word)


def test_integrity_is_affirmed_never_praised_or_credited(duty_drafts) -> None:
    for draft in duty_drafts:
        para = next(p for p in draft.section("performance").paragraphs if "八项规定" in p)
        for word in ("成效", "遗憾", "共同努力", "做实做细", "心血", "抓的重点"):
            assert word not in para, para


def test_phrases_that_need_several_items_or_actions_follow_them(duty_drafts) -> None:
    """Every point here is one result: no 这些举措, 亮点纷呈, 各具特色, 环环相扣 after it, in any genre."""
    ws = Workspace()
    others = [_draft(parse_facts(DUTY.format(period=p).replace("genre: duty_report", f"genre: {g}")), g, ws)
              for g in ("annual_summary", "work_report", "leader_speech") for p in ("2023年", "2024年", "2025年")]
    for draft in [*duty_drafts, *others]:
        performance = _part(draft, "achievements")
        for word in ("这些举措", "这些做法", "亮点纷呈", "各具特色", "环环相扣", "各展所长", "件件"):
            assert word not in performance, (word, performance)


def test_credit_to_others_once_and_only_for_collective_work(duty_drafts) -> None:
    credit = re.compile(r"共同努力的结果|同事们的默默付出|凝聚着大家|靠的是组织的信任和大家|成绩属于集体")
    for draft in duty_drafts:
        assert len(credit.findall(_part(draft, "achievements"))) <= 1
        study = draft.section("performance").paragraphs[1]  # 学习: the speaker's own, nobody's credit
        assert not credit.search(study), study


# --- 2. less filler ------------------------------------------------------------------------------

def _templates() -> list[re.Pattern[str]]:
    bank = yaml.safe_load((builtin_prompts_dir() / "offline" / "phrases.yaml").read_text(encoding="utf-8"))
    bank.pop("words", None)

    def strings(node):
        if isinstance(node, str):
            yield node
        elif isinstance(node, dict):
            if "t" in node and isinstance(node["t"], str):
                yield node["t"]
            else:
                for v in node.values():
                    yield from strings(v)
        elif isinstance(node, list):
            for v in node:
                yield from strings(v)

    out = []
    for text in set(strings(bank)):
        if len(re.sub(r"\{\w+\}", "", text)) >= 8:
            out.append(re.compile(".+?".join(re.escape(p) for p in re.split(r"\{\w+\}", text.rstrip("。！")))))
    return out


def test_no_stock_sentence_serves_twice_in_one_draft(own) -> None:
    """However its slots are filled: a template heard twice is the same sentence to a listener."""
    templates = _templates()
    for stem, draft in own.items():
        said = re.findall(r"[^。！？\n]+[。！？]", _body(draft))
        for t in templates:
            assert sum(1 for s in said if t.search(s)) <= 1, (stem, t.pattern)


def test_no_two_sentences_of_a_paragraph_open_alike(own) -> None:
    for stem, draft in own.items():
        for section in draft.sections:
            for para in section.paragraphs:
                # the composer's own sentences (no figure in them); a fact may open like its 小结
                openers = [s[:4] for s in re.findall(r"[^。！？]+[。！？]", para)
                           if len(s) > 8 and not re.search(r"\d", s)]
                repeated = {o for o in openers if openers.count(o) > 1 and not o.startswith(("全", "我们", "我"))}
                assert not repeated, (stem, repeated, para)


def test_two_reports_of_one_genre_do_not_share_the_phrase_bank() -> None:
    """The two annual summaries share fewer sentences than before (46 of ~130) — the bank is
    drawn by the facts file, and sentences name each point's own field."""
    ws = Workspace()
    a = _body(_draft(load_facts(_fixture("annual_summary_agri")), None, ws))
    b = _body(_draft(load_facts(_fixture("annual_summary_hailar")), None, ws))
    shared = set(sentences(a)) & set(sentences(b))
    assert len(shared) <= 0.4 * len(set(sentences(a))), len(shared)


def test_points_are_summed_up_in_the_facts_own_words(own) -> None:
    subjects = item_subjects([
        {"org_name": "镇政府", "statement": "镇政府新建村级养老服务站6个，服务老人2300余人次"},
        {"org_name": None, "statement": "全镇自来水普及率达到99%"},
    ])
    assert subjects[:2] == ["新建村级养老服务站", "自来水普及率"]
    # a subject never carries a number of its own or half a quotation: the validator would read 十二项 as a figure
    assert item_subjects([{"org_name": None, "statement": "启动首批“十二项民生工程、修缮道路4条"},
                          {"org_name": None, "statement": "完成二期安置房建设，交付住房300套"}]) == ["交付住房"]
    assert theme_topic("集体经济稳步壮大") == "集体经济" and theme_topic("坚持学习在先，提高本领") == ""
    agri = own["annual_summary_agri"].section("achievements").body
    # 新建高标准农田 is stated once in its fact; the 小结 and the closing 排比 say it again, in our words.
    assert agri.count("新建高标准农田") >= 2, agri


# --- 3. the speaker ------------------------------------------------------------------------------

def test_speaker_model_from_meta() -> None:
    orgs = [{"name": "青禾县农业农村局", "short": "农业农村局"}, {"name": "青禾县农技站", "short": "农技站"}]
    bureau = speaker_model({"speaker": {"role": "县农业农村局局长"}, "occasion": "年度总结会"}, orgs)
    assert bureau.own == ("青禾县农业农村局", "农业农村局") and bureau.dept and not bureau.deputy
    district = speaker_model({"speaker": {"role": "区人民政府代区长"}},
                             [{"name": "海拉尔区人民政府", "short": "区政府"}])
    assert district.own and not district.dept
    deputy = speaker_model({"speaker": {"role": "副市长"}, "occasion": "全市安全生产工作会议"}, orgs)
    assert deputy.deputy and deputy.sober and not deputy.own


def test_own_unit_is_we_and_region_figures_have_no_unit(own) -> None:
    agri = _body(own["annual_summary_agri"])
    assert "农业农村局方面" not in agri
    assert "我们" in own["annual_summary_agri"].section("achievements").body
    assert not re.search(r"[\u4e00-\u9fff]{2,8}方面，全(?:县|区|市)", _body(own["leader_speech_safety"]))
    assert "南湖街道方面" not in _body(own["duty_report_street"])


def test_level_words_follow_the_speaker(own) -> None:
    hailar = _body(own["annual_summary_hailar"])  # a district head: not a department
    assert "全系统" not in hailar and "科室" not in hailar
    duty = _body(own["duty_report_street"])  # a principal: 主持, never 分管
    assert "分管" not in duty


def test_a_safety_speech_keeps_a_sober_tone(own) -> None:
    speech = _body(own["leader_speech_safety"])
    for word in ("没有干不成的事", "前所未有", "蓝图已经绘就", "过得硬"):
        assert word not in speech, word
    assert speech.count("充分肯定") <= 1


def test_reports_commit_and_speeches_direct(own) -> None:
    """A report to visitors or superiors says 我们将; 要 as a lead is for a speech."""
    for stem in ("work_report_gongqingfu", "annual_summary_agri", "annual_summary_hailar"):
        facts = load_facts(_fixture(stem))
        own_leads = [m for p in facts.plans for m in p.measures if m.startswith("要")]
        plans = own[stem].section("plans").body
        assert len(re.findall(r"[。；]要", plans)) <= len(own_leads), (stem, plans)
        assert not re.search(r"进一步围绕|全力再建|坚决严格|确保[^。；]{0,20}左右", plans), plans


# --- 4. plans that answer the shortcomings ---------------------------------------------------------

def test_dui_zheng_xia_yao_only_when_every_shortcoming_has_a_plan(own, duty_drafts) -> None:
    # 部分合作社运行不够规范 has no plan in this file
    assert "对症下药" not in own["annual_summary_agri"].section("plans").body
    for draft in duty_drafts:  # both shortcomings answered: the claim may be made, and each is named
        plans = draft.section("plans").body
        assert "调查研究还不够深入" in plans or "调查研究" in plans
        assert "办法不多" in plans


def test_a_plan_quotes_the_clause_it_answers_and_weak_links_are_dropped() -> None:
    plans = [{"theme": "打好三大攻坚战", "measures": ["稳妥处置政府债务，多渠道化债"]},
             {"theme": "强化队伍建设", "measures": ["开展干部作风专项整治"]},
             {"theme": "办好民生实事", "measures": ["新建社区食堂"]}]
    shortcomings = ["可用财力偏紧，历史债务偿还压力不小", "个别干部担当精神不够", "工作推进还不够平衡"]
    links = _match_shortcomings(plans, shortcomings)
    assert links[0] == "历史债务偿还压力不小"  # the clause that shares words, not the first one
    assert links[1] == "个别干部担当精神不够"  # same field of work (作风 / 担当)
    assert 2 not in links  # 工作/推进 are shared by everything: no link


def test_shortcomings_point_to_their_plans(own) -> None:
    duty = own["duty_report_street"].section("shortcomings").body
    assert "在作风建设上作表率" in duty or "努力方向中专门作了安排" in duty


def test_an_annual_summary_opens_with_one_announcement_and_no_weaker_restatement(own) -> None:
    for stem in ("annual_summary_agri", "annual_summary_hailar"):
        opening = own[stem].section("opening").body
        assert len(re.findall(r"作个汇报|作个总结|总结如下|报告如下", opening)) == 1, opening
        assert "取得了新的进展" not in opening, opening
