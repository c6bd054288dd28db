"""Export: the 公文 docx read back and measured, the reading copy, md/txt, and safe writing."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from docx import Document
from docx.oxml.ns import qn
from docx.shared import Pt

from speechwriter.draft import Draft
from speechwriter.export import Fonts, breath_groups, export_draft
from speechwriter.facts import load_facts
from speechwriter.workspace import draft_speech

from .conftest import REFERENCE_FACTS


@pytest.fixture(scope="module")
def draft() -> Draft:
    return draft_speech(load_facts(REFERENCE_FACTS))


@pytest.fixture(scope="module")
def docx_path(draft: Draft, tmp_path_factory) -> Path:
    return export_draft(draft, "docx", tmp_path_factory.mktemp("docx") / "汇报.docx")


def _east_asia(run) -> str | None:
    rfonts = run._element.rPr.find(qn("w:rFonts"))
    return rfonts.get(qn("w:eastAsia")) if rfonts is not None else None


def test_page_size_and_margins(docx_path: Path) -> None:
    section = Document(str(docx_path)).sections[0]
    measured = [section.page_width, section.page_height, section.top_margin, section.bottom_margin,
                section.left_margin, section.right_margin]
    # docx stores twentieths of a point, so millimetres come back within a hundredth
    assert [round(x.mm, 1) for x in measured] == [210, 297, 37, 35, 28, 26]


def test_line_grid_gives_22_lines_of_28_characters(docx_path: Path) -> None:
    doc = Document(str(docx_path))
    grid = doc.sections[0]._sectPr.find(qn("w:docGrid"))
    pitch_pt = int(grid.get(qn("w:linePitch"))) / 20
    text_height_pt = (297 - 37 - 35) / 25.4 * 72
    assert round(text_height_pt / pitch_pt) == 22
    body = next(p for p in doc.paragraphs if "政协首次" in p.text)
    assert body.paragraph_format.line_spacing == Pt(pitch_pt) or abs(body.paragraph_format.line_spacing.pt - pitch_pt) < 0.05
    run = body.runs[0]
    condense = int(run._element.rPr.find(qn("w:spacing")).get(qn("w:val"))) / 20
    text_width_pt = (210 - 28 - 26) / 25.4 * 72
    assert int(text_width_pt // (16 + condense)) == 28


def test_title_body_and_heading_fonts(docx_path: Path) -> None:
    doc = Document(str(docx_path))
    title = doc.paragraphs[0]
    assert title.text == "工青妇组织的工作汇报" and title.alignment == 1  # centred
    assert title.runs[0].font.size == Pt(22) and _east_asia(title.runs[0]) == "方正小标宋简体"
    body = next(p for p in doc.paragraphs if "政协首次" in p.text)
    assert body.runs[0].font.size == Pt(16) and _east_asia(body.runs[0]) == "仿宋_GB2312"
    assert abs(body.paragraph_format.first_line_indent.pt - 2 * (16 - 0.25)) < 0.01  # two characters
    h1 = next(p for p in doc.paragraphs if p.text == "一、四年来的主要工作成效")
    assert _east_asia(h1.runs[0]) == "黑体" and h1.runs[0].font.size == Pt(16)
    point = next(p for p in doc.paragraphs if p.text.startswith("（一）发挥聚合作用"))
    assert point.runs[0].text == "（一）发挥聚合作用，在促进发展上争做表率。"
    assert _east_asia(point.runs[0]) == "楷体_GB2312" and _east_asia(point.runs[1]) == "仿宋_GB2312"
    salutation = next(p for p in doc.paragraphs if p.text == "尊敬的光源主席、同志们：")
    assert salutation.paragraph_format.first_line_indent is None


def test_page_numbers_at_the_outside_edge(docx_path: Path) -> None:
    doc = Document(str(docx_path))
    assert doc.settings.element.find(qn("w:evenAndOddHeaders")) is not None
    section = doc.sections[0]
    for footer, align in ((section.footer, 2), (section.even_page_footer, 0)):  # right on odd, left on even
        p = footer.paragraphs[0]
        assert p.alignment == align
        xml = p._element.xml
        assert "PAGE" in "".join(t.text for t in p._element.iter(qn("w:instrText")))
        assert xml.count('w:fldCharType="begin"') == 1 and xml.count('w:fldCharType="end"') == 1
        assert p.text.startswith("— ") and p.text.endswith(" —")
        assert all(r.font.size == Pt(14) and _east_asia(r) == "宋体" for r in p.runs)


def test_fallback_fonts(draft: Draft, tmp_path: Path) -> None:
    path = export_draft(draft, "docx", tmp_path / "f.docx", fonts=Fonts.fallback())
    doc = Document(str(path))
    assert _east_asia(doc.paragraphs[0].runs[0]) == "宋体"
    body = next(p for p in doc.paragraphs if "政协首次" in p.text)
    assert _east_asia(body.runs[0]) == "仿宋"


def test_reading_copy(draft: Draft, tmp_path: Path) -> None:
    path = export_draft(draft, "reading", tmp_path / "r.docx", chars_per_minute=200)
    doc = Document(str(path))
    texts = [p.text for p in doc.paragraphs]
    marks = [t for t in texts if t.startswith("【")]
    assert marks[0].startswith("【开场 · 已讲约 0 分 04 秒】")  # the salutation: 12 characters at 200 a minute
    assert any(t.startswith("【一、四年来的主要工作成效 · 已讲约") for t in marks)
    assert texts[-1].startswith("【全文约")
    body = [p for p in doc.paragraphs if p.text and not p.text.startswith("【")][1:]
    assert all(r.font.size >= Pt(22) for p in body for r in p.runs)
    assert max(len(p.text) for p in body) <= 60
    assert sum(len(p.text) for p in body) >= draft.chars * 0.95


def test_breath_groups_split_long_sentences_at_commas() -> None:
    groups = breath_groups("短句。" + "这是一个很长的句子，" * 8 + "到此结束。")
    assert groups[0] == "短句。" and all(len(g) <= 40 for g in groups)
    assert "".join(groups) == "短句。" + "这是一个很长的句子，" * 8 + "到此结束。"


def test_md_and_txt(draft: Draft, tmp_path: Path) -> None:
    assert export_draft(draft, "md", tmp_path / "a.md").read_text(encoding="utf-8") == draft.to_markdown()
    assert export_draft(draft, "txt", tmp_path / "a").read_text(encoding="utf-8") == draft.to_text()
    assert (tmp_path / "a.txt").is_file()


def test_never_overwrites_and_clear_errors(cli, draft: Draft, tmp_path: Path) -> None:
    src = draft.save(tmp_path / "d.json")
    out = tmp_path / "x.docx"
    out.write_bytes(b"precious")
    result = cli("export", src, "--format", "docx", "-o", out)
    assert result.exit_code == 2 and "--force" in result.stderr and out.read_bytes() == b"precious"
    assert cli("export", src, "--format", "docx", "-o", out, "--force").exit_code == 0
    assert out.read_bytes().startswith(b"PK")
    missing = cli("export", src, "--format", "docx", "-o", tmp_path / "nope" / "x.docx")
    assert missing.exit_code == 2 and "输出目录不存在" in missing.stderr
    bad = cli("export", src, "--format", "pdf", "-o", tmp_path / "x.pdf")
    assert bad.exit_code == 2 and "不支持的导出格式「pdf」" in bad.stderr
    if os.geteuid() != 0:  # root ignores permissions
        ro = tmp_path / "ro"
        ro.mkdir(mode=0o500)
        denied = cli("export", src, "--format", "md", "-o", ro / "x.md")
        assert denied.exit_code == 2 and "不可写" in denied.stderr
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


def test_draft_export_option(cli, tmp_path: Path) -> None:
    result = cli("draft", REFERENCE_FACTS, "-o", tmp_path / "demo", "-q", "--export", "docx,reading,txt")
    assert result.exit_code == 0, result.stderr
    for name in ("demo.docx", "demo.reading.docx", "demo.txt"):
        assert (tmp_path / name).is_file()
    again = cli("draft", REFERENCE_FACTS, "-o", tmp_path / "demo", "-q", "--export", "docx")
    assert again.exit_code == 2 and "demo.docx" in again.stderr and "--force" in again.stderr


def test_libreoffice_renders_the_first_page(docx_path: Path, tmp_path: Path) -> None:
    """Visual check: docx -> PDF -> PNG of the first page (make preview does the same)."""
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None or shutil.which("pdftoppm") is None:
        if os.environ.get("SPEECHWRITER_REQUIRE_LIBREOFFICE"):
            pytest.fail("CI must have LibreOffice and pdftoppm (.ci/run installs them)")
        pytest.skip("LibreOffice (soffice) or pdftoppm not installed: apt-get install libreoffice-writer-nogui "
                    "poppler-utils")
    subprocess.run([soffice, "--headless", f"-env:UserInstallation=file://{tmp_path}/lo", "--convert-to", "pdf",
                    "--outdir", str(tmp_path), str(docx_path)], check=True, capture_output=True, timeout=180)
    pdf = tmp_path / (docx_path.stem + ".pdf")
    assert pdf.is_file()
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True).stdout
    assert "(A4)" in info
    subprocess.run(["pdftoppm", "-png", "-r", "40", "-f", "1", "-l", "1", str(pdf), str(tmp_path / "p")], check=True)
    png = next(tmp_path.glob("p*.png"))
    assert png.stat().st_size > 2000
