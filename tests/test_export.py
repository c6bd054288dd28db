"""Export: the 公文 docx read back and measured, the reading copy, md/txt, and safe writing."""

from __future__ import annotations

import os
import re
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
from speechwriter.gaps import GAP_PATTERN
from speechwriter.workspace import draft_speech

from .conftest import REFERENCE_FACTS


def finished(draft: Draft) -> Draft:
    """The draft as a writer hands it on: every 【待补】 dealt with (here: the markers removed)."""
    return draft.model_copy(update={"sections": [s.model_copy(update={"body": GAP_PATTERN.sub("", s.body)})
                                                 for s in draft.sections]})


@pytest.fixture(scope="module")
def draft() -> Draft:
    return finished(draft_speech(load_facts(REFERENCE_FACTS)))


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
    assert missing.exit_code == 0 and (tmp_path / "nope" / "x.docx").is_file()  # parents are made, as mkdir -p
    bad = cli("export", src, "--format", "rtf", "-o", tmp_path / "x.rtf")
    assert bad.exit_code == 2 and "不支持的导出格式「rtf」" in bad.stderr
    if os.geteuid() != 0:  # root ignores permissions
        ro = tmp_path / "ro"
        ro.mkdir(mode=0o500)
        denied = cli("export", src, "--format", "md", "-o", ro / "x.md")
        assert denied.exit_code == 2 and "不可写" in denied.stderr
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


def test_draft_export_option(cli, tmp_path: Path) -> None:
    refused = cli("draft", REFERENCE_FACTS, "-o", tmp_path / "demo", "-q", "--export", "docx")
    # the offline draft has gaps: it is written, the export is refused with one clear line
    assert refused.exit_code == 2 and "--allow-gaps" in refused.stderr and "Traceback" not in refused.output
    assert (tmp_path / "demo.json").is_file() and not (tmp_path / "demo.docx").exists()
    result = cli("draft", REFERENCE_FACTS, "-o", tmp_path / "demo", "-q", "--export", "docx,reading,txt",
                 "--allow-gaps")
    assert result.exit_code == 0, result.stderr
    for name in ("demo.docx", "demo.reading.docx", "demo.txt"):
        assert (tmp_path / name).is_file()
    again = cli("draft", REFERENCE_FACTS, "-o", tmp_path / "demo", "-q", "--export", "docx", "--allow-gaps")
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


# --- styles, byline, page numbers, reading copy, PDF, templates, round trip ------------------------

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def _outline(paragraph) -> int | None:
    """The outline level Word's navigation pane uses: the paragraph's own, else its style's."""
    for ppr in (paragraph._p.pPr, paragraph.style.element.pPr):
        el = ppr.find(qn("w:outlineLvl")) if ppr is not None else None
        if el is not None:
            return int(el.get(qn("w:val")))
    return None


@pytest.fixture(scope="module")
def signed_draft() -> Draft:
    import datetime as dt

    facts = load_facts(REFERENCE_FACTS)
    meta = facts.meta.model_copy(update={"date": dt.date(2024, 3, 5), "speaker": facts.meta.speaker.model_copy(
        update={"name": "王建国"})})
    signed = facts.model_copy(update={"meta": meta})
    signed._source = facts.source
    return finished(draft_speech(signed))


def test_styles_declare_chinese_and_headings_have_outline_levels(docx_path: Path, draft: Draft) -> None:
    doc = Document(str(docx_path))
    langs = list(doc.styles.element.iter(qn("w:lang")))
    assert langs and all(el.get(qn("w:eastAsia")) == "zh-CN" for el in langs)
    h1 = next(p for p in doc.paragraphs if p.text == "一、四年来的主要工作成效")
    assert h1.style.name == "公文一级标题" and _outline(h1) == 0 and h1.style.paragraph_format.keep_with_next
    assert h1.style.element.rPr.find(qn("w:rFonts")).get(qn("w:eastAsia")) == "黑体"
    point = next(p for p in doc.paragraphs if p.text.startswith("（一）发挥聚合作用"))
    assert _outline(point) == 1
    body = next(p for p in doc.paragraphs if p.text.startswith("政协首次"))
    assert body.style.name == "公文正文" and _outline(body) is None
    assert doc.paragraphs[0].style.name == "公文标题"
    outline = [p.text for p in doc.paragraphs if _outline(p) == 0]
    assert outline == [s.heading for s in draft.sections if s.heading and s.heading[0] in "一二三四五六七八九十"]
    assert len(outline) >= 2
    # run properties in schema order: Word refuses a file with w:spacing after w:sz
    for run in body.runs:
        tags = [child.tag.removeprefix(W) for child in run._element.rPr]
        assert tags.index("spacing") < tags.index("sz")


def test_speaker_and_date_under_the_title(signed_draft: Draft, tmp_path: Path) -> None:
    doc = Document(str(export_draft(signed_draft, "docx", tmp_path / "s.docx")))
    texts = [p.text for p in doc.paragraphs[:4]]
    assert texts == ["工青妇组织的工作汇报", "王建国", "（2024年3月5日）", ""]
    assert all(p.alignment == 1 for p in doc.paragraphs[1:3])
    assert _east_asia(doc.paragraphs[1].runs[0]) == "楷体_GB2312"
    reading = Document(str(export_draft(signed_draft, "reading", tmp_path / "r.docx")))
    assert [p.text for p in reading.paragraphs[1:3]] == ["王建国", "（2024年3月5日）"]


def test_page_number_one_character_in_from_the_outside_edge(docx_path: Path) -> None:
    section = Document(str(docx_path)).sections[0]
    odd, even = section.footer.paragraphs[0], section.even_page_footer.paragraphs[0]
    assert odd.paragraph_format.right_indent == Pt(14) and not odd.paragraph_format.left_indent
    assert even.paragraph_format.left_indent == Pt(14) and not even.paragraph_format.right_indent
    assert odd._p.pPr.find(qn("w:ind")).get(qn("w:rightChars")) == "100"


def test_reading_copy_keeps_headings_with_text_and_sentences_whole(draft: Draft, tmp_path: Path) -> None:
    doc = Document(str(export_draft(draft, "reading", tmp_path / "r.docx")))
    paragraphs = doc.paragraphs
    for p in paragraphs:
        if (p.text.startswith("【") and "已讲约" in p.text) or p.text == "一、四年来的主要工作成效":
            assert p.paragraph_format.keep_with_next, p.text
    groups = [p for p in paragraphs if p.text and not p.text.startswith("【")][1:]
    assert all(p.paragraph_format.keep_together for p in groups)
    assert groups[-2].paragraph_format.keep_with_next  # the last page holds at least two sentences


def test_pdf_through_libreoffice_and_a_clear_message_without_it(cli, signed_draft: Draft, tmp_path: Path,
                                                                monkeypatch) -> None:
    src = signed_draft.save(tmp_path / "d.json")
    monkeypatch.setenv("PATH", str(tmp_path / "empty-bin"))
    missing = cli("export", src, "--format", "pdf", "-o", tmp_path / "x.pdf")
    assert missing.exit_code == 2 and "LibreOffice" in missing.stderr and "Traceback" not in missing.stderr
    assert not (tmp_path / "x.pdf").exists()
    monkeypatch.undo()
    _require_libreoffice()
    result = cli("export", src, "--format", "pdf", "-o", tmp_path / "x.pdf")
    assert result.exit_code == 0, result.stderr
    pdf = tmp_path / "x.pdf"
    assert pdf.read_bytes().startswith(b"%PDF")
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True).stdout
    lines = [re.sub(r"\s+", "", ln) for ln in text.splitlines() if ln.strip()]  # pdftotext spaces digits out
    assert lines[:3] == ["工青妇组织的工作汇报", "王建国", "（2024年3月5日）"]
    assert "—1—" in lines
    # the outline levels reach the rendered document: LibreOffice writes them as the PDF's bookmarks
    xml = subprocess.run(["pdftohtml", "-xml", "-i", "-stdout", str(pdf)], capture_output=True, text=True).stdout
    top = re.search(r"<outline>(.*?)<outline>", xml, re.S)
    assert top is not None
    level_one = re.findall(r"<item page=\"\d+\">([^<]+)</item>", top.group(1))
    assert level_one == [s.heading for s in signed_draft.sections if s.heading and s.level == 1]
    # rendered: the page number sits one 4号 character (14 pt) in from the text block's outside edge
    bbox = subprocess.run(["pdftotext", "-f", "1", "-l", "2", "-bbox", str(pdf), "-"], capture_output=True,
                          text=True).stdout
    pages = bbox.split("<page ")[1:]
    foot = (297 - 35) / 25.4 * 72  # below the text block
    dashes = [[(float(a), float(c)) for a, b, c in re.findall(
        r'xMin="([0-9.]+)" yMin="([0-9.]+)" xMax="([0-9.]+)"[^>]*>—<', page) if float(b) > foot] for page in pages]
    text_right = (210 - 26) / 25.4 * 72
    text_left = 28 / 25.4 * 72
    assert abs((text_right - dashes[0][-1][1]) - 14) < 1.5  # odd page: right, one character in
    assert abs((dashes[1][0][0] - text_left) - 14) < 1.5  # even page: left, one character in


def _require_libreoffice() -> str:
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None or shutil.which("pdftoppm") is None:
        if os.environ.get("SPEECHWRITER_REQUIRE_LIBREOFFICE"):
            pytest.fail("CI must have LibreOffice and pdftoppm (.ci/run installs them)")
        pytest.skip("LibreOffice (soffice) or pdftoppm not installed")
    return soffice


def _unit_template(path: Path) -> Path:
    """A unit's Word template: a red 红头 line and its own level-one heading style."""
    from docx.enum.style import WD_STYLE_TYPE
    from docx.shared import RGBColor

    doc = Document()
    head = doc.add_paragraph()
    run = head.add_run("某某市示范单位文件")
    run.font.color.rgb = RGBColor(0xFF, 0, 0)
    run.font.size = Pt(26)
    doc.add_paragraph()
    style = doc.styles.add_style("公文一级标题", WD_STYLE_TYPE.PARAGRAPH)
    style.font.size = Pt(18)
    from docx.shared import Mm

    doc.sections[0].page_width, doc.sections[0].page_height = Mm(210), Mm(297)  # python-docx's default is Letter
    doc.sections[0].left_margin = doc.sections[0].right_margin = Pt(80)
    doc.save(str(path))
    return path


def test_unit_template_is_the_base_document(cli, draft: Draft, tmp_path: Path) -> None:
    template = _unit_template(tmp_path / "unit.docx")
    src = draft.save(tmp_path / "d.json")
    result = cli("export", src, "--format", "docx", "-o", tmp_path / "t.docx", "--template", template)
    assert result.exit_code == 0, result.stderr
    doc = Document(str(tmp_path / "t.docx"))
    assert doc.paragraphs[0].text == "某某市示范单位文件"
    assert doc.paragraphs[0].runs[0].font.color.rgb == (0xFF, 0, 0)
    assert doc.paragraphs[1].text == "工青妇组织的工作汇报"  # the template's empty typing line is gone
    h1 = next(p for p in doc.paragraphs if p.text == "一、四年来的主要工作成效")
    assert h1.style.name == "公文一级标题" and h1.style.font.size == Pt(18)  # the unit's own style
    assert h1.runs[0].font.size is None  # no direct formatting: the unit's style decides
    assert doc.sections[0].left_margin == Pt(80)  # the unit's page
    footer = doc.sections[0].footer.paragraphs[0]
    assert "PAGE" in "".join(t.text for t in footer._element.iter(qn("w:instrText")))
    bad = cli("export", src, "--format", "docx", "-o", tmp_path / "u.docx", "--template", tmp_path / "nope.docx")
    assert bad.exit_code == 2 and "模板文件不存在" in bad.stderr


def test_docx_round_trip_through_validate_and_refine(cli, draft: Draft, tmp_path: Path, monkeypatch) -> None:
    from speechwriter.refine import open_target
    from speechwriter.workspace import Workspace

    path = export_draft(draft, "docx", tmp_path / "w.docx")
    doc = Document(str(path))
    edited = next(p for p in doc.paragraphs if p.text.startswith("政协首次"))
    edited.runs[0].text = edited.runs[0].text + "今年再投入386万元。"  # a writer adds an unsupported figure in Word
    doc.save(str(path))
    result = cli("validate", path, "--facts", REFERENCE_FACTS, "--json")
    import json

    findings = json.loads(result.stdout)["findings"]
    assert result.exit_code == 1 and any(f["code"] == "F204" and "386" in f["excerpt"] for f in findings)
    clean = export_draft(draft, "docx", tmp_path / "c.docx")
    assert cli("validate", clean, "--facts", REFERENCE_FACTS).exit_code == 0
    monkeypatch.chdir(tmp_path)
    back, _, _ = open_target(str(path), Workspace(tmp_path), REFERENCE_FACTS)
    assert back is not None and back.title == draft.title
    assert [s.heading for s in back.sections] == [s.heading for s in draft.sections]
    assert "386万元" in back.section("opening").body
    with pytest.raises(Exception) as err:
        open_target(str(path), Workspace(tmp_path))
    assert "--facts" in str(err.value)


# --- the rendered page: 22 lines of 28 characters, every mark kept, four distinct faces ---------

PUNCTUATION = "。，、；：？！“”‘’（）《》…—"
TEXT_TOP_PT = 37 / 25.4 * 72
TEXT_BOTTOM_PT = (297 - 35) / 25.4 * 72


def _render(draft: Draft, folder: Path, **options) -> Path:
    _require_libreoffice()
    return export_draft(draft, "pdf", folder / "d.pdf", **options)


@pytest.fixture(scope="module")
def rendered(draft: Draft, tmp_path_factory) -> Path:
    return _render(draft, tmp_path_factory.mktemp("pdf"))


def _page_lines(pdf: Path) -> list[list[str]]:
    """The text lines inside the text block of every page, as pdftotext places them (not as we computed)."""
    xml = subprocess.run(["pdftotext", "-bbox-layout", str(pdf), "-"], capture_output=True, text=True,
                         check=True).stdout
    pages = []
    for page in xml.split("<page ")[1:]:
        lines = []
        for y_min, y_max, body in re.findall(r'<line xMin="[0-9.]+" yMin="([0-9.]+)" xMax="[0-9.]+" '
                                             r'yMax="([0-9.]+)">(.*?)</line>', page, re.S):
            if float(y_min) >= TEXT_TOP_PT - 2 and float(y_max) <= TEXT_BOTTOM_PT + 2:
                lines.append("".join(re.findall(r">([^<]*)</word>", body)))
        pages.append(lines)
    return pages


def test_rendered_pages_hold_22_lines_of_28_characters(rendered: Path) -> None:
    pages = _page_lines(rendered)
    assert len(pages) >= 3
    counts = [len(lines) for lines in pages]
    # a page of body text is full at 22 lines, counted on the rendered page (the first holds the title
    # block and its blank line; a heading kept with its text may end a page a line early)
    assert max(counts) == 22, counts
    assert counts.count(22) >= (len(pages) - 1) // 2, counts
    # a line of full-width characters only that runs to the right edge holds 28 of them
    full_width = [ln for page in pages for ln in page if ln and all(ord(c) > 0x2000 for c in ln)]
    lengths = [len(ln) for ln in full_width]
    assert max(lengths) == 28
    # (paragraphs end short: with the grounded drafts' shorter paragraphs about half the lines are full)
    assert lengths.count(28) >= len(lengths) // 3, lengths


def _marks(pdf: Path) -> dict[str, int]:
    from collections import Counter

    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    # the page numbers' dashes are not the text's
    text = "\n".join(ln for ln in text.splitlines() if not re.fullmatch(r"\s*—\s*\d+\s*—\s*", ln))
    return Counter(c for c in text if c in PUNCTUATION)


def test_every_punctuation_mark_reaches_the_pdf(draft: Draft, rendered: Path, tmp_path: Path) -> None:
    from collections import Counter

    source = "".join([draft.title, *(s.heading or "" for s in draft.sections),
                      *(p for s in draft.sections for p in s.paragraphs)])
    wanted = Counter(c for c in source if c in PUNCTUATION)
    assert sum(wanted.values()) > 100
    assert _marks(rendered) == wanted
    # on a unit's template too, whose own body style says nothing about hanging punctuation
    from docx.enum.style import WD_STYLE_TYPE

    template = Document(str(_unit_template(tmp_path / "unit.docx")))
    body = template.styles.add_style("公文正文", WD_STYLE_TYPE.PARAGRAPH)
    body.font.size = Pt(16)
    template.save(str(tmp_path / "unit.docx"))
    unit = _render(draft, tmp_path, template=tmp_path / "unit.docx")
    assert _marks(unit) == wanted


def _faces(pdf: Path) -> dict[str, str]:
    """Font family (subset prefix dropped; '+bold' when pdftohtml sees a bold face) of each text line."""
    xml = subprocess.run(["pdftohtml", "-xml", "-i", "-stdout", "-f", "1", "-l", "6", str(pdf)],
                         capture_output=True, text=True, check=True).stdout
    fonts = {i: fam.split("+", 1)[-1] for i, fam in re.findall(r'<fontspec id="(\d+)" size="[0-9.]+" '
                                                                 r'family="([^"]+)"', xml)}
    faces: dict[str, str] = {}
    for font, body in re.findall(r'<text [^>]*font="(\d+)">(.*?)</text>', xml):
        text = re.sub(r"<[^>]+>", "", body)
        faces.setdefault(text, fonts[font] + ("+bold" if "<b>" in body else ""))
    return faces


def test_pdf_maps_the_gongwen_fonts_to_distinct_free_faces(draft: Draft, rendered: Path, tmp_path: Path) -> None:
    faces = _faces(rendered)
    title = faces["工青妇组织的工作汇报"]
    heading1 = faces["一、四年来的主要工作成效"]
    heading2 = next(f for t, f in faces.items() if t.startswith("（一）发挥聚合作用"))
    body = next(f for t, f in faces.items() if t.startswith("政协首次专题视察"))
    assert "Serif" in body and "bold" not in body  # 仿宋_GB2312 -> a serif SC face
    assert "Serif" in title and "bold" in title  # 方正小标宋简体 -> the serif face, bold
    assert "Sans" in heading1  # 黑体 -> a sans face
    assert "Kai" in heading2  # 楷体_GB2312 -> a Kai face
    assert len({title, heading1, heading2, body}) == 4
    # --fallback-fonts names 宋体 for the title, which is a regular Song face: the title changes
    fallback = _faces(_render(draft, tmp_path, fonts=Fonts.fallback()))
    assert "bold" not in fallback["工青妇组织的工作汇报"] and "Serif" in fallback["工青妇组织的工作汇报"]
    assert "Kai" in next(f for t, f in fallback.items() if t.startswith("（一）发挥聚合作用"))


def test_a_template_that_is_not_a4_is_refused(cli, draft: Draft, tmp_path: Path) -> None:
    letter = Document()  # python-docx's own default page is US Letter
    letter.save(str(tmp_path / "letter.docx"))
    src = draft.save(tmp_path / "d.json")
    for fmt in ("docx", "pdf"):
        result = cli("export", src, "--format", fmt, "-o", tmp_path / f"x.{fmt}", "--template", tmp_path / "letter.docx")
        assert result.exit_code == 2 and "A4" in result.stderr and "215.9" in result.stderr, result.stderr
        assert "Traceback" not in result.stderr and not (tmp_path / f"x.{fmt}").exists()
