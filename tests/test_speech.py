"""Drafts that read as speeches: outline in every prompt, style guides, exemplars, and the
offline composer's prose (length, copying, grammar traps, genre placement, fidelity)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from speechwriter.blueprint import enumerator_word
from speechwriter.draft import Draft
from speechwriter.engines.offline import OfflineComposer
from speechwriter.facts import load_facts, parse_facts
from speechwriter.metrics import copy_ratio, repeated_sentences, sentence_overlap, sentences, style_lints
from speechwriter.pipeline import DraftOptions
from speechwriter.prompts import PromptLibrary, parse_data_block
from speechwriter.testing.fakeserver import FakeLLMServer
from speechwriter.validate import validate
from speechwriter.workspace import Workspace

from .conftest import ALL_FIXTURES, REFERENCE_FACTS, composer_brain, section_of, shared_path

GENRES = ["work_report", "leader_speech", "duty_report", "annual_summary"]


@pytest.fixture(scope="module")
def library() -> PromptLibrary:
    return PromptLibrary()


def _draft(facts, genre: str | None = None, ws: Workspace | None = None, **kwargs) -> Draft:
    return (ws or Workspace()).draft(facts, genre=genre, record=False, use_cache=False, **kwargs).draft


@pytest.fixture(scope="module")
def drafts() -> dict[tuple[str, str], Draft]:
    """Every fixture drafted in every genre by the offline composer."""
    ws = Workspace()
    return {(p.stem, g): _draft(load_facts(p), g, ws) for p in ALL_FIXTURES for g in GENRES}


def _body(draft: Draft) -> str:
    return "\n".join(s.body for s in draft.sections)


def _own(drafts: dict[tuple[str, str], Draft]) -> list[tuple[Path, Draft]]:
    return [(p, drafts[(p.stem, load_facts(p).meta.genre)]) for p in ALL_FIXTURES]


# --- metrics ------------------------------------------------------------------------------------

def test_copy_ratio_counts_only_long_verbatim_runs() -> None:
    facts = ["工会培训数千名农民工和新市民并扶持百余名创业带头人"]
    assert copy_ratio("工会培训数千名农民工和新市民并扶持百余名创业带头人", facts) == 1.0
    # The same facts in short pieces (< 12 characters each) are not a copy.
    assert copy_ratio("工会培训数千名农民工，还扶持百余名创业带头人。", facts) == 0.0
    half = copy_ratio("这是我们自己写的一段评价和过渡的话语。工会培训数千名农民工和新市民并扶持", facts)
    assert 0.4 < half < 0.6


def test_sentence_metrics() -> None:
    a = "成绩来之不易，值得倍加珍惜。问题不容忽视，必须认真解决。谢谢大家！"
    b = "成绩来之不易，值得倍加珍惜。我们将继续努力把工作做好。"
    assert sentences(a) == ["成绩来之不易值得倍加珍惜", "问题不容忽视必须认真解决"]  # 谢谢大家 is too short
    assert sentence_overlap(a, b) == 0.5
    assert repeated_sentences([a, b, "另一段完全不同的正文内容在这里。"]) == ["成绩来之不易值得倍加珍惜"]


def test_qieshi_lint_wants_a_verb() -> None:
    assert [x.code for x in style_lints("要切实粮食播种面积稳定在42万亩以上。")] == ["T506"]
    assert len(style_lints("要切实严格落实党政同责。")) == 1
    assert style_lints("要切实加强组织领导，切实把责任扛在肩上，切实加以解决。") == []


# --- the numbers the issue asks for ---------------------------------------------------------------

@pytest.mark.parametrize("fixture", ALL_FIXTURES, ids=lambda p: p.stem)
def test_offline_draft_is_grounded_within_budget_and_says_what_is_missing(fixture: Path, drafts) -> None:
    """The target is a budget, not a floor: the draft stays within it, fills no shortfall with
    filler (≤ 3 ungrounded sentences per 1,000 characters) and marks what is missing instead."""
    from speechwriter.engines.offline import OfflineComposer
    from speechwriter.metrics import grounding

    facts = load_facts(fixture)
    draft = drafts[(fixture.stem, facts.meta.genre)]
    report = validate(draft, facts, PromptLibrary().blueprint(draft.genre))
    assert report.chars <= 1.2 * report.target_chars, (report.chars, report.target_chars)
    owed = sum(g.chars or 0 for g in draft.gaps)
    # what is written plus what the gaps ask for comes near the target: the shortfall is accounted for
    assert 0.6 * report.target_chars <= report.chars + owed <= 1.2 * report.target_chars, (report.chars, owed)
    measured = grounding(_body(draft), facts, OfflineComposer.from_prompts().structural_templates())
    assert measured.per_thousand <= 3 and measured.share <= 0.08, measured.ungrounded
    assert repeated_sentences([s.body for s in draft.sections]) == []
    assert report.errors == []


@pytest.mark.parametrize("fixture", ALL_FIXTURES, ids=lambda p: p.stem)
def test_four_genres_from_one_facts_file_are_four_structures(fixture: Path, drafts) -> None:
    """The facts are the same, so the fact sentences are too; what differs is the speech around
    them: each genre has its own parts and its own announcement of them."""
    headings = {g: tuple(s.heading for s in drafts[(fixture.stem, g)].sections if s.heading) for g in GENRES}
    assert len(set(headings.values())) == len(GENRES), headings
    announced = OfflineComposer.from_prompts().phrases["announced_by"]
    if not any(w in o for o in load_facts(fixture).opening for w in announced):  # else the facts' opening announces
        openings = {g: drafts[(fixture.stem, g)].section("opening").body for g in GENRES}
        announce = {g: re.findall(r"[^。]*(?:汇报|意见|报告|总结如下)[^。]*。", openings[g])[-1:] for g in GENRES}
        assert len({tuple(a) for a in announce.values()}) == len(GENRES), announce


def test_every_draft_is_free_of_style_lints_and_validates(drafts, library) -> None:
    for (stem, genre), draft in drafts.items():
        facts = load_facts(next(p for p in ALL_FIXTURES if p.stem == stem))
        assert style_lints(_body(draft)) == [], (stem, genre)
        assert validate(draft, facts, library.blueprint(genre)).errors == [], (stem, genre)


# --- grammar traps --------------------------------------------------------------------------------

BARE = """
meta:
  genre: {genre}
  title: 区政府2018年度工作总结
  speaker: {{role: 区长}}
  occasion: 区政府2018年度工作总结会
  addressees: [同志们]
  period: 2018年
  target: {{chars: 1500}}
highlights:
  - theme: 民生事业提标升级
    items:
      - statement: 新增城镇就业5661人
        figures: [5661人]
honours:
  - {{text: 自治区禁毒工作通报表彰, quoted: false}}
shortcomings: [财力紧张, 营商环境有待优化]
plans:
  - theme: 推动经济平稳健康发展
    measures: [粮食播种面积稳定在42万亩以上, 严格落实安全生产责任]
    figures: [42万亩以上]
closing:
  wishes: [全区上下团结一心、苦干实干]
"""


@pytest.fixture(scope="module")
def bare_drafts() -> dict[str, Draft]:
    ws = Workspace()
    return {g: _draft(parse_facts(BARE.format(genre=g)), g, ws) for g in GENRES}


def test_occasion_is_never_a_verbless_clause(bare_drafts) -> None:
    for genre, draft in bare_drafts.items():
        opening = draft.section("opening").body
        assert "区政府2018年度工作总结会" in opening, genre
        assert not re.search(r"(?:^|[。，])区政府2018年度工作总结会[，。]", opening), opening
        assert re.search(r"(?:召开|在|借|这次)[^。，]{0,4}区政府2018年度工作总结会", opening), opening


def test_one_honour_takes_no_deng(bare_drafts) -> None:
    for draft in bare_drafts.values():
        text = _body(draft)
        assert "自治区禁毒工作通报表彰" in text
        assert "通报表彰等" not in text


def test_two_points_are_shouxian_qici_not_zuihou(bare_drafts) -> None:
    assert [enumerator_word("shouxian", n, 2) for n in (1, 2)] == ["首先", "其次"]
    assert [enumerator_word("shouxian", n, 3) for n in (1, 2, 3)] == ["首先", "其次", "最后"]
    situation = bare_drafts["leader_speech"].section("situation").body
    assert re.search(r"^首先", situation, re.M) and re.search(r"^其次", situation, re.M)
    assert not re.search(r"^最后", situation, re.M)


def test_measures_with_their_own_subject_get_a_verb(bare_drafts) -> None:
    for genre, draft in bare_drafts.items():
        plans = draft.section("plans").body
        assert "粮食播种面积稳定在42万亩以上" in plans
        assert not re.search(r"(?:要|将|切实|着力|坚持|进一步)粮食播种面积", plans), (genre, plans)
        assert "要切实" not in plans


def test_no_goal_no_weirao_shangshu_mubiao(bare_drafts, drafts) -> None:
    for draft in [*bare_drafts.values(), *drafts.values()]:
        assert "上述目标" not in draft.section("plans").body


def test_closing_never_opens_with_a_word_that_needs_something_before(drafts, bare_drafts) -> None:
    for draft in [*bare_drafts.values(), *drafts.values()]:
        first = draft.section("closing").paragraphs[0]
        assert not first.startswith(("同时", "也", "此外", "最后", "另外")), first


def test_no_three_sentences_in_a_row_open_with_one_organisation(drafts) -> None:
    for (stem, _genre), draft in drafts.items():
        facts = load_facts(next(p for p in ALL_FIXTURES if p.stem == stem))
        names = sorted({sp for o in facts.organisations for sp in o.spellings}, key=len, reverse=True)
        for paragraph in (p for s in draft.sections for p in s.paragraphs):
            openers = []
            for sentence in re.findall(r"[^。！？]+[。！？]", paragraph):
                openers.append(next((n for n in names if sentence.startswith(n)), None))
            for a, b, c in zip(openers, openers[1:], openers[2:], strict=False):
                assert not (a and a == b == c), paragraph


# --- genre placement and register -----------------------------------------------------------------

def test_summing_up_ends_part_one(drafts) -> None:
    for stem in ("annual_summary_agri", "annual_summary_hailar"):
        draft = drafts[(stem, "annual_summary")]
        facts = load_facts(next(p for p in ALL_FIXTURES if p.stem == stem))
        key = facts.summing_up[:10]
        assert key in draft.section("achievements").paragraphs[-1]
        assert key not in draft.section("problems").body


def test_duty_report_asks_for_evaluation_in_its_closing_and_speaks_as_i(drafts) -> None:
    for stem in (p.stem for p in ALL_FIXTURES):
        draft = drafts[(stem, "duty_report")]
        assert "请予评议" not in draft.section("opening").body
        closing = draft.section("closing").body
        # one request for evaluation: the facts' own (批评指正) or the genre's (请予评议), never both
        assert len(re.findall(r"请予评议|批评指正|给予指导", closing)) == 1, closing
        assert "我" in draft.section("performance").body
        assert "我将" in draft.section("plans").body
        assert "要切实" not in _body(draft)


def test_leader_speech_has_its_requirements_part(drafts) -> None:
    """No facts feed the requirements: the part is there, with its heading, and asks the writer
    for them with one gap instead of stock points."""
    from speechwriter.gaps import find_gaps

    for stem in (p.stem for p in ALL_FIXTURES):
        part = drafts[(stem, "leader_speech")].section("requirements")
        assert part.heading and part.heading.startswith("四、")
        gaps = find_gaps(part.body)
        # one thing is missing, so one gap asks for it (not three identical ones under 一是/二是/三是)
        assert len(gaps) == 1 and "要求" in gaps[0].wanted and gaps[0].chars
        assert not re.search(r"^[一二三]是", part.body, re.M)


def test_composer_adds_no_action_the_facts_do_not_state(drafts) -> None:
    """牵头, 率先, 首创 … only where the facts themselves say so."""
    for (stem, genre), draft in drafts.items():
        facts = load_facts(next(p for p in ALL_FIXTURES if p.stem == stem))
        prose = "\n".join([*facts.prose(), *(n.text for n in facts.required_names())])
        for word in ("牵头", "率先", "首创", "首支", "获评", "表彰", "排名"):
            assert _body(draft).count(word) <= prose.count(word), (stem, genre, word)


# --- prompts --------------------------------------------------------------------------------------

INTERNAL = ("stated_elsewhere", '"kind"', '"target"', '"required"', '"qualifier"', '"honorific"')


@pytest.mark.parametrize("genre", GENRES)
@pytest.mark.parametrize("fixture", ALL_FIXTURES, ids=lambda p: p.stem)
def test_every_prompt_carries_the_outline_and_no_internals(genre: str, fixture: Path, library) -> None:
    facts = load_facts(fixture)
    bp = library.blueprint(genre)
    headings = library.headings(facts, bp)
    for spec in bp.sections:
        if spec.role == "salutation":
            continue
        system, user = (m["content"] for m in library.render(facts, bp, spec).messages)
        for text in (system, user):
            assert not re.search(r"：[、，]|、、|、\s*$|、，", text, re.M), (spec.id, text)
            assert not any(word in text for word in INTERNAL), spec.id
        # The whole outline: every heading, and every point theme of every part.
        assert all(h in user for h in headings.values()), spec.id
        assert all(h.theme in user for h in facts.highlights) and all(p.theme in user for p in facts.plans)
        section = parse_data_block(user, "section")
        assert [p["id"] for p in section["outline"]] == [s.id for s in bp.sections if s.role != "salutation"]
        assert all(p["chars"] > 0 for p in section["outline"]) and all(pt["chars"] > 0 for pt in section["points"])
        # budgets in the outline block too (the outline is data: it carries the facts' themes)
        outline = parse_data_block(user, "outline")
        assert [p["标题"] for p in outline] == [p["heading"] or p["title"] for p in library.plan(facts, bp).outline_data]
        assert all(p["篇幅上限"] > 0 for p in outline) and [p.get("本部分") for p in outline].count(True) == 1
        assert re.search(r"约 \d+ 字", user[:user.index("\n<section>\n")])
        assert "不得增加任何数字" in system and "突破" in system and "左右" in system


def test_section_logic_gets_the_facts_it_needs(library) -> None:
    facts = load_facts(REFERENCE_FACTS)
    bp = library.blueprint("work_report")
    assessment = library.render(facts, bp, bp.section("assessment")).messages[1]["content"]
    assert all(h.theme in assessment[:assessment.index("\n<section>\n")] for h in facts.highlights)  # the outline
    duty = library.blueprint("duty_report")
    plans = library.render(facts, duty, duty.section("plans")).messages[1]["content"]
    assert "前面指出的不足" in plans and all(s in plans for s in facts.shortcomings)
    closing = parse_data_block(library.render(facts, bp, bp.section("closing")).messages[1]["content"], "section")
    assert closing["links"]["occasion"] == facts.meta.occasion
    assert closing["links"]["addressees"] == facts.meta.addressees


def test_style_guides_are_data_a_user_can_extend(tmp_path: Path) -> None:
    (tmp_path / "styles").mkdir()
    (tmp_path / "styles" / "work_report.yaml").write_text(
        "register: [每段不超过五句话。]\nroles: {plans: [措施后面写清完成时限。]}\n", encoding="utf-8")
    library = PromptLibrary([tmp_path])
    facts = load_facts(REFERENCE_FACTS)
    bp = library.blueprint("work_report")
    system, user = (m["content"] for m in library.render(facts, bp, bp.section("plans")).messages)
    assert "每段不超过五句话" in system and "第一人称" not in system  # genre lines of work_report only
    assert "措施后面写清完成时限" in user
    builtin = PromptLibrary().render(facts, bp, bp.section("plans"))
    assert builtin.template_sha256 != library.render(facts, bp, bp.section("plans")).template_sha256


# --- exemplars ------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def corpus() -> Path:
    return shared_path("corpus")


def test_exemplars_are_retrieved_by_role_and_marked_as_style_only(corpus: Path) -> None:
    library = PromptLibrary(examples=[corpus])
    roles = library.exemplar_index.roles()
    assert roles.get("achievements", 0) > 50 and roles.get("plans", 0) > 50 and roles.get("opening", 0) > 0
    corpus_text = "".join(p.read_text(encoding="utf-8", errors="replace") for p in corpus.glob("*.txt"))
    facts = load_facts(REFERENCE_FACTS)
    bp = library.blueprint("work_report")
    for sid, role in (("achievements", "achievements"), ("plans", "plans")):
        user = library.render(facts, bp, bp.section(sid)).messages[1]["content"]
        examples = parse_data_block(user, "examples")
        assert 1 <= len(examples) <= 2
        assert "不是事实来源" in user
        for text in examples:
            assert text.rstrip("…") in corpus_text.replace("\u3000", "")  # real paragraphs, trimmed
        hits = library.exemplars_for(facts, bp, bp.section(sid), {})
        assert all(h["role"] in (role, "plans") for h in hits)


def test_a_figure_copied_from_an_exemplar_is_caught(corpus: Path) -> None:
    """A model that lifts a sentence with a figure out of an exemplar gets an F204 error."""
    brain = composer_brain()
    lifted: list[str] = []

    def respond(request):
        step = brain(request)
        if section_of(request) == "achievements":
            user = request["messages"][-1]["content"]
            examples = parse_data_block(user, "examples") or []
            sentence = next(s for e in examples for s in re.findall(r"[^。；]*\d[^。；]*[。；]", e))
            lifted.append(sentence)
            step.reply += "\n\n" + sentence
        return step

    from speechwriter.config import Profile
    from speechwriter.engines.openai import OpenAIEngine

    facts = load_facts(REFERENCE_FACTS)
    ws = Workspace(examples=[corpus])
    with FakeLLMServer(respond) as server:
        engine = OpenAIEngine(Profile(name="t", base_url=server.base_url, model="fake-model", api_key="k", backoff_base=0.01))
        draft = _draft(facts, ws=ws, engine=engine, options=DraftOptions(repair_rounds=0))
    assert lifted and lifted[0] in draft.section("achievements").body
    report = validate(draft, facts, ws.library().blueprint("work_report"))
    invented = [f for f in report.errors if f.code == "F204"]
    assert invented and all(f.section == "achievements" for f in invented)


def test_draft_command_takes_examples_from_the_command_line_and_the_config(cli, tmp_path: Path, corpus: Path,
                                                                           monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    out = tmp_path / "稿"
    result = cli("draft", REFERENCE_FACTS, "-o", out, "-q", "--examples", corpus)
    assert result.exit_code == 0, result.stderr
    runs = sorted((tmp_path / ".speechwriter" / "runs").iterdir())
    meta = json.loads((runs[-1] / "run.json").read_text(encoding="utf-8"))
    assert meta["examples"] == [str(corpus)]
    (tmp_path / "speechwriter.toml").write_text(f'examples = ["{corpus}"]\n', encoding="utf-8")
    from speechwriter.config import load_settings

    assert load_settings().examples == [str(corpus.resolve())]
    shown = cli("templates", "show", "work_report", "achievements", "--facts", REFERENCE_FACTS)
    assert shown.exit_code == 0 and "范文数据块" in shown.stdout  # from the config file now
    missing = cli("draft", REFERENCE_FACTS, "-o", out, "-q", "--force", "--examples", tmp_path / "没有")
    assert missing.exit_code == 2 and "范文目录不存在" in missing.stderr


def test_a_single_point_is_not_announced_as_one_aspect() -> None:
    """一个方面 / 一是 with nothing after it read as if the rest were missing."""
    facts = parse_facts("""
meta: {title: 测试, speaker: {role: 局长}, addressees: [同志们]}
highlights: [{theme: 工作有序推进}]
shortcomings: [调查研究不够深入]
plans: [{theme: 继续努力, measures: [完善工作机制]}]
""")
    ws = Workspace()
    for genre in GENRES:
        text = _draft(facts, genre, ws).to_text()
        assert "一个方面" not in text, genre
        assert not re.search(r"(?:一是|第一，|首先，)调查研究", text), genre
