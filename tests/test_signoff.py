"""The sign-off sheet (核稿单) and the commented Word document: every figure traced, none dropped."""

from __future__ import annotations

import os
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest
from docx import Document

from speechwriter import Workspace, load_facts, validate_draft
from speechwriter.extract import extract_facts
from speechwriter.figures import find_quantities
from speechwriter.signoff import build_signoff, export_with_comments, trace, write_signoff

from .conftest import FIXTURES, REFERENCE_FACTS, ROOT, shared_path

SOURCES = ROOT / "fixtures" / "sources"
FIXTURE_FILES = sorted(FIXTURES.glob("*.yaml"))


def _draft(facts, tmp_path):
    return Workspace(tmp_path).draft(facts, record=False, use_cache=False).draft


def _figure_mentions(draft, facts) -> list[str]:
    declared = {ref.figure.raw for ref in facts.figure_refs()}
    names = []
    for s in draft.sections:
        names += [m.text for m in find_quantities(s.body) if not m.weak or m.text in declared]
    return names


@pytest.mark.parametrize("path", FIXTURE_FILES, ids=lambda p: p.stem)
def test_every_figure_of_the_draft_is_in_the_sheet_once_with_its_fact(path, tmp_path):
    facts = load_facts(path)
    draft = _draft(facts, tmp_path)
    sheet = build_signoff(draft, facts, validate_draft(draft, facts))
    figures = [r for r in sheet.rows if r.kind == "数字"]
    mentions = _figure_mentions(draft, facts)
    # names are traced first and their numerals are not figures; every other figure is a row
    assert len(figures) <= len(mentions)
    assert len(figures) >= len(mentions) - sum(1 for r in sheet.rows if r.kind == "名称" and any(
        ch.isdigit() or ch in "一二三四五六七八九十百千万" for ch in r.text))
    declared = {ref.figure.raw for ref in facts.figure_refs() if ref.figure.required}
    traced = {r.declared for r in figures if r.state != "未溯源"}
    assert declared <= traced, declared - traced
    # the facts files here are written by hand: matched, but with no source material
    assert {r.state for r in figures} <= {"无来源材料", "未溯源"}
    out = write_signoff(sheet, tmp_path / "核稿单.docx")
    doc = Document(str(out))
    table = doc.tables[0]
    assert [c.text for c in table.rows[0].cells][:3] == ["序号", "类别", "稿件写法"]
    assert len(table.rows) == len(sheet.rows) + 1
    text = "\n".join(p.text for p in doc.paragraphs)
    assert facts.sha256 in text and "核稿人" in text and "签发人" in text


def test_an_invented_figure_is_listed_as_untraced_never_dropped(tmp_path):
    facts = load_facts(REFERENCE_FACTS)
    draft = _draft(facts, tmp_path)
    section = next(s for s in draft.sections if s.role not in ("salutation", "opening") and s.body)
    section.body = section.body.rstrip() + "另外新建了29个服务站。"
    rows = trace(draft, facts)
    invented = [r for r in rows if r.text == "29个"]
    assert len(invented) == 1 and invented[0].state == "未溯源"
    assert "29个" in write_signoff(build_signoff(draft, facts), tmp_path / "s.html").read_text(encoding="utf-8")


def test_extracted_facts_trace_figures_to_the_source_line(tmp_path):
    result = extract_facts([SOURCES / "市总工会.txt", SOURCES / "团市委.md", SOURCES / "市妇联.txt"],
                           orgs=["union=市总工会,工会", "youth=团市委,团委,共青团", "women=市妇联,妇联"])
    facts = result.facts
    draft = _draft(facts, tmp_path)
    rows = [r for r in trace(draft, facts) if r.kind == "数字" and r.state in ("已溯源", "待核")]
    assert rows, "no figure traced to its source"
    for r in rows:
        file, _, line = r.source.rpartition(":")
        assert file in {"市总工会.txt", "团市委.md", "市妇联.txt"} and int(line) >= 1
        source_text = (SOURCES / file).read_text(encoding="utf-8")
        assert r.source_sentence in source_text
        assert r.declared in r.source_sentence or r.declared in r.fact


def test_a_real_report_extracted_then_drafted_is_traced_to_its_lines(tmp_path):
    text = shared_path("reference", "work-report-clean.txt")
    facts = extract_facts([text], orgs=["union=**市总工会,工会", "youth=团市委,团委", "women=**市妇联,妇联"]).facts
    draft = _draft(facts, tmp_path)
    rows = [r for r in trace(draft, facts) if r.kind == "数字"]
    traced = [r for r in rows if r.source]
    assert len(traced) >= 10
    lines = text.read_text(encoding="utf-8").splitlines()
    for r in traced:
        line = int(r.source.rpartition(":")[2])
        assert r.source_sentence.strip()[:10] in lines[line - 1]


def test_cli_signoff_for_a_speech_not_drafted_here(cli, tmp_path):
    speech = shared_path("reference", "work-report-clean.txt")
    result = cli("export", speech, "--format", "signoff", "--facts", REFERENCE_FACTS, "-o", tmp_path / "核稿单")
    assert result.exit_code == 0, result.stderr
    doc = Document(str(tmp_path / "核稿单.docx"))
    states = [row.cells[-1].text for row in doc.tables[0].rows[1:]]
    assert states and all(s for s in states)
    html = cli("export", speech, "--format", "signoff-html", "--facts", REFERENCE_FACTS, "-o", tmp_path / "s.html")
    assert html.exit_code == 0 and "1500余万元" in (tmp_path / "s.html").read_text(encoding="utf-8")


def test_cli_without_facts_for_a_plain_speech_is_one_chinese_line(cli, tmp_path):
    speech = tmp_path / "讲话.md"
    speech.write_text("# 讲话\n\n同志们：\n\n今天开会。\n", encoding="utf-8")
    result = cli("export", speech, "--format", "signoff", "-o", tmp_path / "x.docx")
    assert result.exit_code == 2 and "--facts" in result.stderr and "Traceback" not in result.stderr


def _comments_xml(path: Path) -> str:
    with zipfile.ZipFile(path) as zf:
        return zf.read("word/comments.xml").decode("utf-8")


def test_comments_name_the_source_of_each_figure_and_leave_the_text_alone(tmp_path):
    facts = load_facts(REFERENCE_FACTS)
    draft = _draft(facts, tmp_path)
    plain = Document(str(_export_plain(draft, tmp_path)))
    out = export_with_comments(draft, facts, tmp_path / "批注.docx")
    doc = Document(str(out))
    assert [p.text for p in doc.paragraphs] == [p.text for p in plain.paragraphs]  # text untouched
    comments = list(doc.comments)
    figures = [r for r in trace(draft, facts) if r.kind == "数字"]
    assert len(comments) >= len(figures) * 0.9
    xml = _comments_xml(out)
    assert "1500余万元" in xml and "对应事实" in xml


def _export_plain(draft, tmp_path) -> Path:
    from speechwriter.export import export_draft

    return export_draft(draft, "docx", tmp_path / "plain.docx")


def test_libreoffice_reads_the_comments(tmp_path):
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        if os.environ.get("SPEECHWRITER_REQUIRE_LIBREOFFICE"):
            pytest.fail("CI must have LibreOffice (.ci/run installs it)")
        pytest.skip("LibreOffice (soffice) not installed")
    facts = load_facts(REFERENCE_FACTS)
    out = export_with_comments(_draft(facts, tmp_path), facts, tmp_path / "批注.docx")
    subprocess.run([soffice, "--headless", f"-env:UserInstallation=file://{tmp_path}/lo", "--convert-to", "odt",
                    "--outdir", str(tmp_path), str(out)], check=True, capture_output=True, timeout=180)
    with zipfile.ZipFile(tmp_path / "批注.odt") as zf:
        content = zf.read("content.xml").decode("utf-8")
    assert content.count("<office:annotation") >= 10
    assert "1500余万元" in content and "对应事实" in content
