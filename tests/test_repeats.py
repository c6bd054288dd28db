"""Speech-level repeats (validate/repeats.py): the quoted defects, real text, and mutants of it."""

from __future__ import annotations

import re

import pytest

from speechwriter.blueprint import load_blueprint
from speechwriter.draft import Draft, DraftSection
from speechwriter.facts import load_facts
from speechwriter.validate import validate
from speechwriter.validate.checks import FAMILY_MODULES, Finding

from .conftest import REFERENCE_FACTS, shared_path
from .corpus.loader import CorpusCase, fact_files, load_case

REPEAT_CODES = {"R801", "R802", "R803"}  # R804 (register) is not a repeat


def _draft(genre: str, bodies: dict[str, str], title: str = "测试稿") -> Draft:
    bp = load_blueprint(genre)
    return Draft(title=title, genre=genre, sections=[
        DraftSection(id=s.id, title=s.title, role=s.role, heading=None, level=s.level, body=bodies[s.id])
        for s in bp.sections if s.id in bodies])


def _repeats(draft: Draft, genre: str = "work_report") -> list[Finding]:
    facts = load_facts(REFERENCE_FACTS)
    return validate(draft, facts, load_blueprint(genre), checks=["repeats"]).findings


def _apply(draft: Draft, findings: list[Finding]) -> Draft:
    """Every mechanical fix applied as written, last span first."""
    out = draft.model_copy(deep=True)
    for f in sorted(findings, key=lambda f: -(f.span[0] if f.span else 0)):
        if f.replacement is None or f.span is None:
            continue
        section = out.section(f.section)
        a, b = f.span
        section.body = section.body[:a] + f.replacement + section.body[b:]
    return out


def test_repeats_is_a_member_of_the_review_family() -> None:
    assert "repeats" in FAMILY_MODULES


def test_request_in_opening_and_closing() -> None:
    draft = _draft("work_report", {
        "opening": "光源主席一行来我市视察工青妇组织工作，我代表市委表示欢迎。不妥之处，请批评指正。",
        "achievements": "四年来，工青妇组织取得明显成效。",
        "closing": "恳请光源主席一行对我们的工作给予指导，请批评指正。"})
    found = _repeats(draft)
    assert [(f.code, f.section) for f in found] == [("R801", "opening")]
    f = found[0]
    assert draft.section("opening").body[f.span[0]:f.span[1]] == "不妥之处，请批评指正。"
    assert f.replacement == "" and f.severity == "warning"
    assert not _repeats(_apply(draft, found))


def test_summing_up_twice_and_a_sentence_in_two_sections() -> None:
    summing = "这些成绩的取得，是市委正确领导的结果，是全市群团干部共同努力的结果。"
    shared = "工青妇组织发挥各自优势，在服务大局中找准了位置。"
    draft = _draft("work_report", {
        "opening": "今天，光源主席一行来我市视察。",
        "achievements": f"一是争先创优取得了领先地位。{shared}\n\n{summing}",
        "assessment": f"{summing}同时也要看到，我们的工作还有不足。{shared}",
        "closing": "恳请光源主席一行给予指导。"})
    found = _repeats(draft)
    assert {(f.code, f.section) for f in found} == {("R801", "assessment"), ("R802", "assessment")}
    fixed = _apply(draft, found)
    assert not _repeats(fixed)
    assert fixed.section("assessment").body == "同时也要看到，我们的工作还有不足。"


def test_two_endings_stacked_in_the_closing() -> None:
    draft = _draft("duty_report", {
        "opening": "根据区委安排，我报告一年来的履职情况。",
        "performance": "一年来，我坚持学习在先。",
        "closing": "恳请各位领导和同志们批评指正。以上报告，请予评议。"})
    found = _repeats(draft, "duty_report")
    assert [(f.code, f.excerpt) for f in found] == [("R803", "以上报告，请予评议。")]
    calls = _draft("leader_speech", {
        "opening": "今天召开全市安全生产工作会议。",
        "achievements": "过去一年，全市安全形势总体平稳。",
        "closing": "同志们，安全生产责任重于泰山。\n\n同志们，让我们坚定信心，奋力开创新局面。"})
    stacked = [f for f in _repeats(calls, "leader_speech") if f.code == "R803"]
    assert len(stacked) == 1 and stacked[0].excerpt.startswith("同志们，让我们")
    fixed = _apply(calls, stacked)
    assert fixed.section("closing").body.endswith("\n\n让我们坚定信心，奋力开创新局面。")


@pytest.mark.parametrize(("genre", "title", "closing", "said", "wanted"), [
    ("duty_report", "述职报告", "以上报告，请予审议。", "请予审议", "请予评议"),
    ("work_report", "2024年政府工作报告", "以上报告，请批评指正。", "批评指正", "请予审议"),
    ("work_report", "工作汇报", "以上汇报，请予审议。", "请予审议", "请批评指正"),
    ("leader_speech", "讲话", "我就讲这些，请大家批评指正。", "批评指正", None),
])
def test_closing_register_against_the_genre(genre: str, title: str, closing: str, said: str,
                                             wanted: str | None) -> None:
    first = load_blueprint(genre).sections[1].id
    draft = _draft(genre, {first: "今天我讲几点意见。", "closing": closing}, title=title)
    found = [f for f in _repeats(draft, genre) if f.code == "R804"]
    assert len(found) == 1, found
    f = found[0]
    if wanted:
        assert draft.section("closing").body[f.span[0]:f.span[1]] == said and f.replacement == wanted
        assert not [g for g in _repeats(_apply(draft, found), genre) if g.code == "R804"]
    else:
        assert f.replacement == ""


def test_a_well_formed_speech_raises_nothing() -> None:
    draft = _draft("work_report", {
        "opening": "今天，光源主席一行来我市视察工青妇组织工作，我代表市委表示热烈欢迎和衷心感谢。",
        "achievements": "四年来，工青妇组织凝聚力量、推动发展。这些成绩的取得，是市委正确领导的结果。",
        "assessment": "同时也要看到，我们的工作还存在一些不足。",
        "plans": "今后，我们将进一步发挥群团组织的桥梁纽带作用。",
        "closing": "恳请光源主席一行对我们的工作给予指导。"})
    assert _repeats(draft) == []


# --- real text --------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def cases() -> list[CorpusCase]:
    shared_path("corpus", "SOURCES.md")
    return [load_case(p) for p in fact_files()]


def test_precision_on_the_corpus(cases: list[CorpusCase]) -> None:
    """Published speeches repeat nothing across parts: ≤ 1 error per 10,000 characters, ≤ 3 warnings."""
    chars = sum(c.chars for c in cases)
    found = [(c.name, f) for c in cases for f in validate(c.draft, c.facts, c.blueprint, checks=["repeats"]).findings]
    errors = [f for _, f in found if f.severity == "error"]
    warnings = [(n, f.code, f.excerpt) for n, f in found if f.severity == "warning"]
    print(f"\n语料 {len(cases)} 篇 {chars} 字：重复类错误 {len(errors)} 个，警告 {len(warnings)} 个")
    assert len(errors) / chars * 10_000 <= 1.0
    assert len(warnings) <= 3, warnings


def _mutants(case: CorpusCase) -> list[tuple[str, int, int, Draft]]:
    """An ending (a formula sentence, or the text's last sentence) copied into another section.

    Returns (target section, start, end of the copy, mutated draft); the copy goes at the start,
    the middle paragraph boundary and the end of each other non-empty section.
    """
    from speechwriter.validate.repeats import sentences

    bodies = [s for s in case.draft.sections if s.body.strip() and s.role != "salutation"]
    sources = [x for s in bodies for x in sentences(s.id, s.body) if x.kind]
    if bodies:
        last = sentences(bodies[-1].id, bodies[-1].body)
        if last and len(last[-1].key) >= 12:
            sources.append(last[-1])
    out = []
    for src in sources[:4]:
        for target in bodies:
            if target.id == src.section:
                continue
            body = target.body
            breaks = [m.end() for m in re.finditer(r"\n\n", body)]
            for pos in dict.fromkeys([0, breaks[len(breaks) // 2] if breaks else len(body), len(body)]):
                sep_before = "" if pos == 0 or body[:pos].endswith("\n") else "\n\n"
                sep_after = "\n\n" if pos < len(body) and not body[pos:].startswith("\n") else ""
                insert = sep_before + src.text + sep_after
                mutated = case.draft.model_copy(deep=True)
                mutated.section(target.id).body = body[:pos] + insert + body[pos:]
                start = pos + len(sep_before)
                out.append((target.id, start, start + len(src.text), mutated, src))
    return out


def test_mutants_an_ending_duplicated_into_another_section(cases: list[CorpusCase]) -> None:
    total = caught = 0
    missed = []
    for case in cases:
        for target, a, b, mutated, src in _mutants(case):
            total += 1
            findings = validate(mutated, case.facts, case.blueprint, checks=["repeats"]).findings
            hit = any(f.code in REPEAT_CODES and f.span and (
                (f.section == target and f.span[0] < b and a < f.span[1])
                or (f.section == src.section and f.span[0] < src.end and src.start < f.span[1]))
                for f in findings)
            caught += hit
            if not hit:
                missed.append((case.name, target, src.text[:30]))
    print(f"\n变体 {total} 个：查出 {caught} 个（{caught / total:.1%}）")
    assert total >= 300
    assert caught / total >= 0.98, missed[:10]


def test_a_repeated_request_goes_but_what_its_sentence_announces_stays() -> None:
    draft = _draft("work_report", {
        "opening": "下面，我把主要工作成效以及今后的打算作个简要汇报，不妥之处，请批评指正。",
        "achievements": "四年来，工青妇组织取得明显成效。",
        "closing": "恳请光源主席一行对我们的工作给予指导，请批评指正。"})
    found = _repeats(draft)
    assert [(f.code, f.section, f.replacement) for f in found] == [
        ("R801", "opening", "下面，我把主要工作成效以及今后的打算作个简要汇报。")]
    assert not _repeats(_apply(draft, found))


def test_a_report_to_a_congress_keeps_its_request_and_drops_the_copy() -> None:
    draft = _draft("work_report", {
        "opening": "现在，我代表市人民政府向大会报告工作，请予审议，并请市政协委员提出意见。",
        "achievements": "过去一年，全市经济稳中有进。",
        "closing": "各位代表，让我们奋发有为。以上报告，请予审议。"}, title="2024年政府工作报告")
    found = _repeats(draft)
    assert [(f.code, f.section, f.excerpt, f.replacement) for f in found] == [
        ("R801", "closing", "以上报告，请予审议。", "")]
    fixed = _apply(draft, found)
    assert "请予审议" in fixed.section("opening").body and "请予审议" not in fixed.section("closing").body


def test_the_formula_lexicon_is_data_extended_from_the_users_prompts_folder(tmp_path) -> None:
    from speechwriter.errors import InputError
    from speechwriter.validate.checks import ValidatorConfig
    from speechwriter.validate.repeats import load_formulas

    draft = _draft("work_report", {
        "opening": "今天向各位领导作个汇报，敬请斧正。",
        "achievements": "四年来，工青妇组织取得明显成效。",
        "closing": "恳请光源主席一行对我们的工作给予指导，敬请斧正。"})
    facts, bp = load_facts(REFERENCE_FACTS), load_blueprint("work_report")
    assert not validate(draft, facts, bp, checks=["repeats"]).findings  # 斧正 is not in the built-in list
    (tmp_path / "common").mkdir()
    (tmp_path / "common" / "repeats.yaml").write_text("kinds:\n  request:\n    - 敬请斧正\n", encoding="utf-8")
    config = ValidatorConfig(prompts_dirs=[str(tmp_path)])
    found = validate(draft, facts, bp, config=config, checks=["repeats"]).findings
    assert [(f.code, f.section) for f in found] == [("R801", "opening")]
    (tmp_path / "common" / "repeats.yaml").write_text("kinds:\n  request:\n    - 敬请(斧正\n", encoding="utf-8")
    load_formulas.cache_clear()
    with pytest.raises(InputError) as err:
        validate(draft, facts, bp, config=ValidatorConfig(prompts_dirs=[str(tmp_path)]), checks=["repeats"])
    assert "repeats.yaml" in str(err.value) and "正则表达式" in str(err.value)
