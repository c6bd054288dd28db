"""Gaps are first-class: the draft records them, ``draft`` prints the shortfall, ``validate`` warns
(G701), L401 treats the target as a budget, and ``export`` refuses a draft that still has one."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from docx import Document

from speechwriter.draft import Draft, DraftSection
from speechwriter.errors import InputError
from speechwriter.export import export_draft
from speechwriter.facts import load_facts
from speechwriter.gaps import find_gaps, gap_marker
from speechwriter.prompts import PromptLibrary
from speechwriter.validate import validate
from speechwriter.workspace import draft_speech

from .conftest import REFERENCE_FACTS


def _two_gap_draft() -> Draft:
    body = "一是成绩。" + gap_marker("典型事例", 150) + "\n\n二是成绩。" + gap_marker("群众评价", 80)
    return Draft(title="标题", genre="work_report",
                 sections=[DraftSection(id="opening", role="opening", body="开场白。"),
                           DraftSection(id="achievements", role="achievements", heading="一、成绩", body=body)])


def test_the_draft_model_records_each_gap_with_section_position_wanted_and_size() -> None:
    draft = _two_gap_draft()
    gaps = draft.gaps
    assert [(g.section, g.wanted, g.chars) for g in gaps] == [("achievements", "典型事例", 150),
                                                              ("achievements", "群众评价", 80)]
    body = draft.section("achievements").body
    assert body[gaps[1].start:gaps[1].end] == "【待补：群众评价，约80字】"
    # a marker is a note to the writer, not text of the speech: it is not counted as length
    assert draft.section("achievements").chars == len("一、成绩") + len("一是成绩。二是成绩。")
    assert draft.shortfall(4000) == "全文 18 字，目标 4,000 字；待补 2 处，约 230 字"
    # the gaps are read from the text, so the JSON round trip holds and an edit cannot leave them stale
    again = Draft.model_validate_json(draft.to_json())
    assert again == draft and len(again.gaps) == 2
    filled = draft.model_copy(update={"sections": [draft.sections[0], draft.sections[1].model_copy(
        update={"body": "一是成绩。\n\n二是成绩。"})]})
    assert filled.gaps == [] and filled.shortfall(4000) == "全文 18 字，目标 4,000 字"


@pytest.fixture(scope="module")
def offline() -> Draft:
    return draft_speech(load_facts(REFERENCE_FACTS))


def test_validate_warns_once_per_gap_with_its_section_and_span(offline: Draft) -> None:
    report = validate(offline, load_facts(REFERENCE_FACTS), PromptLibrary().blueprint("work_report"))
    g701 = [f for f in report.findings if f.code == "G701"]
    assert len(g701) == len(offline.gaps) > 0
    assert all(f.severity == "warning" for f in g701) and report.errors == []
    for f, g in zip(g701, offline.gaps, strict=True):
        assert f.section == g.section and f.span == (g.start, g.end)
        assert offline.section(f.section).body[f.span[0]:f.span[1]] == f.excerpt
    # a marker's 约N字 is no figure of the speech, and two alike markers are no repeated sentence
    assert not [f for f in report.findings if f.code in ("F204", "T503") and "待补" in f.excerpt]


def test_l401_is_a_budget_that_counts_what_the_gaps_would_add(offline: Draft) -> None:
    report = validate(offline, load_facts(REFERENCE_FACTS), PromptLibrary().blueprint("work_report"))
    l401 = next(f for f in report.findings if f.code == "L401")
    owed = sum(g.chars or 0 for g in offline.gaps)
    assert f"全文 {offline.chars:,} 字，比目标 {report.target_chars:,} 字少 {report.target_chars - offline.chars:,} 字" \
        in l401.message
    assert f"待补 {len(offline.gaps)} 处，约 {owed:,} 字，补齐后约 {offline.chars + owed:,} 字" in l401.message
    assert "扩写" not in l401.suggestion and "不要为凑字数" in l401.suggestion


def test_draft_prints_the_shortfall_and_its_json_lists_the_gaps(cli, tmp_path: Path) -> None:
    result = cli("draft", REFERENCE_FACTS, "-o", tmp_path / "d", "-q")
    assert result.exit_code == 0, result.stderr
    line = re.search(r"全文 ([\d,]+) 字，目标 ([\d,]+) 字；待补 (\d+) 处，约 ([\d,]+) 字", result.stderr)
    assert line, result.stderr
    draft = Draft.model_validate_json((tmp_path / "d.json").read_text(encoding="utf-8"))
    assert int(line.group(1).replace(",", "")) == draft.chars and int(line.group(3)) == len(draft.gaps)
    assert int(line.group(4).replace(",", "")) == sum(g.chars or 0 for g in draft.gaps)
    as_json = cli("draft", REFERENCE_FACTS, "-o", tmp_path / "e", "--json")
    gaps = json.loads(as_json.stdout)["gaps"]
    assert [(g["section"], g["wanted"], g["chars"]) for g in gaps] == [(g.section, g.wanted, g.chars)
                                                                       for g in draft.gaps]


def test_export_refuses_a_draft_with_gaps_unless_allowed(cli, offline: Draft, tmp_path: Path) -> None:
    for fmt in ("docx", "reading", "md", "txt"):
        with pytest.raises(InputError, match="--allow-gaps"):
            export_draft(offline, fmt, tmp_path / f"x.{fmt}")
    assert not list(tmp_path.iterdir())  # nothing written, not even a temporary file
    src = offline.save(tmp_path / "d.json")
    refused = cli("export", src, "--format", "docx", "-o", tmp_path / "a.docx")
    assert refused.exit_code == 2 and "待补" in refused.stderr and "--allow-gaps" in refused.stderr
    assert "Traceback" not in refused.output and not (tmp_path / "a.docx").exists()
    allowed = cli("export", src, "--format", "docx", "-o", tmp_path / "a.docx", "--allow-gaps")
    assert allowed.exit_code == 0, allowed.stderr
    text = "\n".join(p.text for p in Document(str(tmp_path / "a.docx")).paragraphs)
    assert text.count("【待补：") == len(offline.gaps)  # carried visibly, never silently dropped


def test_a_title_and_role_the_sources_do_not_state_are_gaps_to_export(tmp_path) -> None:
    """facts extract makes up neither: the title and the speaker's role become gap markers, the draft
    carries the title's gap (Draft.gaps, G701) and export refuses it until it is filled."""
    from speechwriter.export.writers import check_gaps
    from speechwriter.extract import extract_facts
    from speechwriter.extract.sources import read_source
    from speechwriter.workspace import Workspace

    text = tmp_path / "材料.txt"
    text.write_text("同志们：\n\n今年以来，全年新建村级服务站12个，培训骨干320人次。\n\n一、主要工作\n\n"
                    "（一）抓服务。新建服务站12个，覆盖率达到85%。\n\n（二）抓培训。培训骨干320人次。\n\n"
                    "二、下一步打算\n\n一是继续建站，计划再建8个。二是扩大培训。\n\n谢谢大家！\n", encoding="utf-8")
    facts = extract_facts([read_source(text)], output_name=str(tmp_path / "f.yaml")).facts
    assert find_gaps(facts.meta.title) and find_gaps(facts.meta.speaker.role)
    draft = Workspace(tmp_path).draft(facts, record=False, use_cache=False).draft
    assert draft.gaps[0].section == "title" and "标题" in draft.gaps[0].wanted
    assert any(f.code == "G701" and "标题" in f.message for f in validate(draft, facts, PromptLibrary().blueprint(draft.genre)).findings)
    with pytest.raises(InputError, match="第一处在「标题」"):
        check_gaps(draft)
    filled = draft.model_copy(update={"title": "关于服务站建设的工作汇报"})
    assert all(g.section != "title" for g in filled.gaps)
