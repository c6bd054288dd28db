"""Export a draft: a Word document laid out to GB/T 9704-2012, a speaker's reading copy, Markdown, text.

GB/T 9704 layout: A4; margins top 37 mm, bottom 35 mm, left 28 mm, right 26 mm; title 2号
方正小标宋简体 centred; body 3号 仿宋_GB2312 with a two-character first-line indent on a grid of 22
lines of 28 characters; level-one headings (一、) 黑体, level two (（一）) 楷体_GB2312, levels three and
four 仿宋 (level three bold); page numbers "— 1 —" in 4号 宋体 at the foot, on the outside edge
(right on odd pages, left on even). East Asian font names are set on every run (``w:eastAsia``);
:class:`Fonts` holds them, and ``Fonts.fallback()`` uses 宋体/仿宋/黑体/楷体 for machines without the
official fonts.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..draft import Draft
from ..errors import InputError
from ..files import write_bytes_atomic, write_text_atomic

__all__ = ["FORMATS", "SIZES", "Fonts", "breath_groups", "build_docx", "build_reading_copy", "export_draft",
           "fonts_from_option", "plan_exports"]

FORMATS = ("docx", "reading", "md", "txt")
SUFFIX = {"docx": ".docx", "reading": ".docx", "md": ".md", "txt": ".txt"}

# Chinese type sizes (号) in points.
SIZES = {"初号": 42, "小初": 36, "一号": 26, "小一": 24, "二号": 22, "小二": 18, "三号": 16, "小三": 15,
         "四号": 14, "小四": 12, "五号": 10.5}

PAGE_MM = (210, 297)
MARGINS_MM = {"top": 37, "bottom": 35, "left": 28, "right": 26}
LINES_PER_PAGE = 22
CHARS_PER_LINE = 28


@dataclass(frozen=True)
class Fonts:
    """East Asian font names for each role."""

    title: str = "方正小标宋简体"
    body: str = "仿宋_GB2312"
    heading1: str = "黑体"
    heading2: str = "楷体_GB2312"
    page_number: str = "宋体"
    latin: str = "Times New Roman"

    @classmethod
    def fallback(cls) -> Fonts:
        """Fonts every Chinese Windows/Office install has."""
        return cls(title="宋体", body="仿宋", heading1="黑体", heading2="楷体", page_number="宋体")


def _target(path: Path, fmt: str, force: bool) -> Path:
    if fmt not in FORMATS:
        raise InputError(f"不支持的导出格式「{fmt}」，可选：{'、'.join(FORMATS)}")
    if not path.suffix:
        path = path.with_suffix(SUFFIX[fmt])
    if path.is_dir():
        raise InputError("这是一个目录，请给出文件路径", path=str(path))
    if not path.parent.exists() and str(path.parent):
        raise InputError("输出目录不存在", path=str(path.parent))
    if path.exists() and not force:
        raise InputError("文件已存在，如需覆盖请加 --force", path=str(path))
    return path


def plan_exports(formats: str | None, base: Path, force: bool = False) -> dict[str, Path]:
    """``docx,reading`` -> {format: OUT.docx, OUT.reading.docx}, every target checked (nothing written)."""
    if not formats:
        return {}
    chosen = [f.strip() for f in formats.split(",") if f.strip()]
    plan = {}
    for fmt in chosen:
        if fmt not in FORMATS:
            raise InputError(f"不支持的导出格式「{fmt}」，可选：{'、'.join(FORMATS)}")
        plan[fmt] = _target(Path(f"{base}{'.reading' if fmt == 'reading' else ''}{SUFFIX[fmt]}"), fmt, force)
    return plan


def export_draft(draft: Draft, fmt: str, path: Path, *, force: bool = False, fonts: Fonts | None = None,
                 chars_per_minute: int = 240) -> Path:
    """Write ``draft`` as ``fmt`` to ``path`` atomically; never overwrites without ``force``."""
    target = _target(Path(path), fmt, force)
    if fmt == "md":
        return write_text_atomic(target, draft.to_markdown())
    if fmt == "txt":
        return write_text_atomic(target, draft.to_text())
    doc = build_docx(draft, fonts or Fonts()) if fmt == "docx" else \
        build_reading_copy(draft, fonts or Fonts(), chars_per_minute)
    buffer = io.BytesIO()
    doc.save(buffer)
    return write_bytes_atomic(target, buffer.getvalue())


# --- docx building blocks -----------------------------------------------------------------------

CONDENSE_TWIPS = -5  # -0.25 pt a character: 28 characters of 3号 fit the 156 mm text width


def _set_fonts(run: Any, east_asian: str, latin: str, size: float, bold: bool = False,
               spacing: int | None = None) -> None:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Pt

    run.font.size = Pt(size)
    run.font.bold = bold
    run.font.name = latin
    rpr = run._element.get_or_add_rPr()
    rfonts = rpr.find(qn("w:rFonts"))
    if rfonts is None:
        rfonts = rpr.makeelement(qn("w:rFonts"), {})
        rpr.insert(0, rfonts)
    for attr in ("w:ascii", "w:hAnsi", "w:cs"):
        rfonts.set(qn(attr), latin)
    rfonts.set(qn("w:eastAsia"), east_asian)
    if spacing is not None:
        el = OxmlElement("w:spacing")
        el.set(qn("w:val"), str(spacing))
        rpr.append(el)


def _page_setup(doc: Any, line_pitch_pt: float, char_space: int | None) -> None:
    from docx.oxml.ns import qn
    from docx.shared import Mm

    section = doc.sections[0]
    section.page_width, section.page_height = Mm(PAGE_MM[0]), Mm(PAGE_MM[1])
    section.top_margin, section.bottom_margin = Mm(MARGINS_MM["top"]), Mm(MARGINS_MM["bottom"])
    section.left_margin, section.right_margin = Mm(MARGINS_MM["left"]), Mm(MARGINS_MM["right"])
    section.footer_distance = Mm(28 - 7)  # the page number sits 7 mm below the text block
    sect = section._sectPr
    grid = sect.find(qn("w:docGrid"))
    if grid is None:
        grid = sect.makeelement(qn("w:docGrid"), {})
        sect.append(grid)
    grid.set(qn("w:type"), "linesAndChars" if char_space is not None else "lines")
    grid.set(qn("w:linePitch"), str(round(line_pitch_pt * 20)))
    if char_space is not None:
        grid.set(qn("w:charSpace"), str(char_space))


def _document_defaults(doc: Any, fonts: Fonts, size: float) -> None:
    """Body font and size as the document default: Word and LibreOffice derive the character grid from it."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Pt

    normal = doc.styles["Normal"]
    normal.font.size = Pt(size)
    normal.font.name = fonts.latin
    normal.element.get_or_add_rPr()
    styles = doc.styles.element
    defaults = styles.find(qn("w:docDefaults"))
    rpr = defaults.find(qn("w:rPrDefault")).find(qn("w:rPr"))
    for tag in ("w:sz", "w:szCs"):
        el = rpr.find(qn(tag))
        if el is None:
            el = OxmlElement(tag)
            rpr.append(el)
        el.set(qn("w:val"), str(round(size * 2)))
    rfonts = rpr.find(qn("w:rFonts"))
    if rfonts is None:
        rfonts = OxmlElement("w:rFonts")
        rpr.insert(0, rfonts)
    for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        rfonts.attrib.pop(qn(attr), None)
    rfonts.set(qn("w:ascii"), fonts.latin)
    rfonts.set(qn("w:hAnsi"), fonts.latin)
    rfonts.set(qn("w:eastAsia"), fonts.body)


def _line_spacing(paragraph: Any, points: float) -> None:
    from docx.enum.text import WD_LINE_SPACING
    from docx.shared import Pt

    fmt = paragraph.paragraph_format
    fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    fmt.line_spacing = Pt(points)
    fmt.space_before = Pt(0)
    fmt.space_after = Pt(0)


def _page_number_footer(doc: Any, fonts: Fonts, size: float) -> None:
    """'— N —' at the foot: right-aligned on odd pages, left-aligned on even pages."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    settings = doc.settings.element
    if settings.find(qn("w:evenAndOddHeaders")) is None:
        settings.append(OxmlElement("w:evenAndOddHeaders"))
    section = doc.sections[0]
    section.odd_and_even_pages_header_footer = True
    for footer, align in ((section.footer, WD_ALIGN_PARAGRAPH.RIGHT),
                          (section.even_page_footer, WD_ALIGN_PARAGRAPH.LEFT)):
        footer.is_linked_to_previous = False
        p = footer.paragraphs[0]
        p.alignment = align
        _set_fonts(p.add_run("— "), fonts.page_number, fonts.page_number, size)
        run = p.add_run()
        _set_fonts(run, fonts.page_number, fonts.page_number, size)
        for kind, instr in (("begin", None), (None, " PAGE "), ("separate", None), (None, "1"), ("end", None)):
            if kind:
                el = OxmlElement("w:fldChar")
                el.set(qn("w:fldCharType"), kind)
                run._element.append(el)
            elif instr == "1":
                t = OxmlElement("w:t")
                t.text = "1"
                run._element.append(t)
            else:
                el = OxmlElement("w:instrText")
                el.set(qn("xml:space"), "preserve")
                el.text = instr
                run._element.append(el)
        _set_fonts(p.add_run(" —"), fonts.page_number, fonts.page_number, size)


_RUN_IN = re.compile(r"^(（[一二三四五六七八九十]+）[^。！？]{1,60}?[。！？])")
_LEVEL_OF_MARKER = [
    (re.compile(r"^[一二三四五六七八九十]+、"), 1),
    (re.compile(r"^（[一二三四五六七八九十]+）"), 2),
    (re.compile(r"^[0-9]+[.．]"), 3),
    (re.compile(r"^（[0-9]+）"), 4),
]


def heading_level(text: str) -> int | None:
    """GB/T 9704 level of a heading by its number: 一、 → 1, （一） → 2, 1. → 3, （1） → 4."""
    for pattern, level in _LEVEL_OF_MARKER:
        if pattern.match(text):
            return level
    return None


def build_docx(draft: Draft, fonts: Fonts | None = None) -> Any:
    """The 公文 Word document."""
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH

    fonts = fonts or Fonts()
    body_pt = SIZES["三号"]
    text_height_pt = (PAGE_MM[1] - MARGINS_MM["top"] - MARGINS_MM["bottom"]) / 25.4 * 72
    pitch = text_height_pt / LINES_PER_PAGE  # 22 lines a page
    text_width_pt = (PAGE_MM[0] - MARGINS_MM["left"] - MARGINS_MM["right"]) / 25.4 * 72
    # 28 characters a line: each 3号 character is condensed by the few hundredths of a point the
    # text width lacks (w:spacing on the runs), which Word and LibreOffice both honour, unlike a
    # character grid narrower than the glyphs.
    assert (body_pt + CONDENSE_TWIPS / 20) * CHARS_PER_LINE <= text_width_pt
    doc = Document()
    _document_defaults(doc, fonts, body_pt)
    _page_setup(doc, pitch, None)
    _page_number_footer(doc, fonts, SIZES["四号"])

    title = doc.add_paragraph()
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _set_fonts(title.add_run(draft.title), fonts.title, fonts.latin, SIZES["二号"])
    _line_spacing(title, pitch)
    doc.add_paragraph()  # one blank line under the title, as in the standard

    for section in draft.sections:
        if section.heading:
            _body_paragraph(doc, section.heading, fonts, pitch, heading_level(section.heading) or 1)
        for text in section.paragraphs:
            if section.role == "salutation":
                p = doc.add_paragraph()
                _set_fonts(p.add_run(text), fonts.body, fonts.latin, body_pt, spacing=CONDENSE_TWIPS)
                _line_spacing(p, pitch)
                continue
            _body_paragraph(doc, text, fonts, pitch, None)
    for p in doc.paragraphs:
        if not p.runs and p.text == "":
            _line_spacing(p, pitch)
    doc.core_properties.title = draft.title
    return doc


def _body_paragraph(doc: Any, text: str, fonts: Fonts, pitch: float, level: int | None) -> Any:
    from docx.shared import Pt

    size = SIZES["三号"]
    sp = CONDENSE_TWIPS
    p = doc.add_paragraph()
    p.paragraph_format.first_line_indent = Pt((size + sp / 20) * 2)
    _line_spacing(p, pitch)
    if level == 1:
        _set_fonts(p.add_run(text), fonts.heading1, fonts.latin, size, spacing=sp)
        return p
    if level == 2:
        _set_fonts(p.add_run(text), fonts.heading2, fonts.latin, size, spacing=sp)
        return p
    if level in (3, 4):
        _set_fonts(p.add_run(text), fonts.body, fonts.latin, size, bold=level == 3, spacing=sp)
        return p
    m = _RUN_IN.match(text)
    if m:  # a run-in level-two heading: （一）发挥…表率。 then the body
        _set_fonts(p.add_run(m.group(1)), fonts.heading2, fonts.latin, size, spacing=sp)
        rest = text[m.end():]
        if rest:
            _set_fonts(p.add_run(rest), fonts.body, fonts.latin, size, spacing=sp)
        return p
    _set_fonts(p.add_run(text), fonts.body, fonts.latin, size, spacing=sp)
    return p


# --- reading copy -------------------------------------------------------------------------------

def breath_groups(paragraph: str, limit: int = 40) -> list[str]:
    """Split a paragraph into what a speaker reads in one breath: sentences, long ones at commas."""
    sentences = re.findall(r"[^。！？；]+[。！？；]?", paragraph)
    groups: list[str] = []
    for s in (x.strip() for x in sentences if x.strip()):
        if len(s) <= limit:
            groups.append(s)
            continue
        current = ""
        for piece in re.findall(r"[^，、：]+[，、：]?", s):
            if current and len(current) + len(piece) > limit:
                groups.append(current)
                current = ""
            current += piece
        if current:
            groups.append(current)
    return groups


def format_minutes(chars: int, chars_per_minute: int) -> str:
    seconds = round(chars / chars_per_minute * 60)
    return f"{seconds // 60} 分 {seconds % 60:02d} 秒"


def build_reading_copy(draft: Draft, fonts: Fonts | None = None, chars_per_minute: int = 240) -> Any:
    """Large type, one paragraph per breath group, cumulative speaking time at each section."""
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Pt, RGBColor

    fonts = fonts or Fonts()
    size = SIZES["二号"]
    pitch = size * 2
    doc = Document()
    _page_setup(doc, pitch, None)
    _page_number_footer(doc, fonts, SIZES["三号"])
    title = doc.add_paragraph()
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _set_fonts(title.add_run(draft.title), fonts.title, fonts.latin, SIZES["一号"])
    _line_spacing(title, SIZES["一号"] * 2)
    elapsed = 0
    for section in draft.sections:
        if section.role == "salutation":
            p = doc.add_paragraph()
            _set_fonts(p.add_run(section.body.strip()), fonts.body, fonts.latin, size)
            _line_spacing(p, pitch)
            elapsed += section.chars
            continue
        mark = doc.add_paragraph()
        label = section.heading or section.title or section.id
        run = mark.add_run(f"【{label} · 已讲约 {format_minutes(elapsed, chars_per_minute)}】")
        _set_fonts(run, fonts.heading1, fonts.latin, SIZES["四号"])
        run.font.color.rgb = RGBColor(0x80, 0x80, 0x80)
        _line_spacing(mark, SIZES["四号"] * 2)
        if section.heading:
            p = doc.add_paragraph()
            _set_fonts(p.add_run(section.heading), fonts.heading1, fonts.latin, size, bold=True)
            _line_spacing(p, pitch)
        for paragraph in section.paragraphs:
            for group in breath_groups(paragraph):
                p = doc.add_paragraph()
                _set_fonts(p.add_run(group), fonts.body, fonts.latin, size)
                _line_spacing(p, pitch)
                p.paragraph_format.space_after = Pt(size / 2)
        elapsed += section.chars
    end = doc.add_paragraph()
    _set_fonts(end.add_run(f"【全文约 {format_minutes(elapsed, chars_per_minute)}】"), fonts.heading1, fonts.latin,
               SIZES["四号"])
    doc.core_properties.title = draft.title
    return doc


def fonts_from_option(fallback: bool) -> Fonts:
    return Fonts.fallback() if fallback else Fonts()
