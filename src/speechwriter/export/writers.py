"""Export a draft: a Word document laid out to GB/T 9704-2012, a speaker's reading copy, Markdown, text.

GB/T 9704 layout: A4; margins top 37 mm, bottom 35 mm, left 28 mm, right 26 mm; title 2号
方正小标宋简体 centred; body 3号 仿宋_GB2312 with a two-character first-line indent on a grid of 22
lines of 28 characters; level-one headings (一、) 黑体, level two (（一）) 楷体_GB2312, levels three and
four 仿宋 (level three bold); page numbers "— 1 —" in 4号 宋体 at the foot, on the outside edge
(right on odd pages, left on even), one character in from that edge. East Asian font names are set on
every run (``w:eastAsia``) and in named paragraph styles (公文标题, 公文一级标题 … with outline levels, so
Word's navigation pane lists the headings); the language is zh-CN, so quotation marks take full-width
glyphs. :class:`Fonts` holds the names, and ``Fonts.fallback()`` uses 宋体/仿宋/黑体/楷体 for machines
without the official fonts. A unit's own Word file (红头, styles, page) can be the base document
(``template=``); PDF goes through LibreOffice when it is installed.
"""

from __future__ import annotations

import io
import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..draft import TITLE_GAP, Draft
from ..errors import InputError
from ..files import ensure_parent, write_bytes_atomic, write_text_atomic

__all__ = ["FORMATS", "SIZES", "STYLES", "Fonts", "breath_groups", "build_docx", "build_reading_copy",
           "docx_to_pdf", "export_draft", "fonts_from_option", "heading_level", "plan_exports"]

FORMATS = ("docx", "reading", "pdf", "md", "txt")
SUFFIX = {"docx": ".docx", "reading": ".docx", "pdf": ".pdf", "md": ".md", "txt": ".txt"}

# Chinese type sizes (号) in points.
SIZES = {"初号": 42, "小初": 36, "一号": 26, "小一": 24, "二号": 22, "小二": 18, "三号": 16, "小三": 15,
         "四号": 14, "小四": 12, "五号": 10.5}

PAGE_MM = (210, 297)
MARGINS_MM = {"top": 37, "bottom": 35, "left": 28, "right": 26}
LINES_PER_PAGE = 22
CHARS_PER_LINE = 28
TEXT_HEIGHT_TWIPS = (PAGE_MM[1] - MARGINS_MM["top"] - MARGINS_MM["bottom"]) / 25.4 * 1440  # 12,755.9
# Whole twips, rounded down: 580 (the rounded 12,756 / 22) gives 22 lines of 12,760 twips, which do not
# fit, and LibreOffice then sets 21 lines a page.
LINE_PITCH_TWIPS = int(TEXT_HEIGHT_TWIPS // LINES_PER_PAGE)  # 579


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
    if any(p.exists() and not p.is_dir() for p in path.parents):
        raise InputError("输出目录不是目录（路径中有一段是文件）", path=str(path.parent))
    if path.exists() and not force:
        raise InputError("文件已存在，如需覆盖请加 --force", path=str(path))
    return path


def plan_exports(formats: str | None, base: Path, force: bool = False,
                 written: tuple[Path, ...] = ()) -> dict[str, Path]:
    """``docx,reading`` -> {format: OUT.docx, OUT.reading.docx}, every target checked (nothing written).

    ``written`` are files the caller writes itself (``draft`` writes OUT.md): not refused as existing.
    """
    if not formats:
        return {}
    chosen = [f.strip() for f in formats.split(",") if f.strip()]
    plan = {}
    for fmt in chosen:
        if fmt not in FORMATS:
            raise InputError(f"不支持的导出格式「{fmt}」，可选：{'、'.join(FORMATS)}")
        path = Path(f"{base}{'.reading' if fmt == 'reading' else ''}{SUFFIX[fmt]}")
        plan[fmt] = path if path in written else _target(path, fmt, force)
    return plan


def check_gaps(draft: Draft, allow_gaps: bool = False) -> None:
    """Refuse to export a draft that still has 【待补】 markers, unless ``allow_gaps``: a document
    handed on must never carry a gap silently."""
    gaps = draft.gaps
    if gaps and not allow_gaps:
        first = gaps[0]
        where = "标题" if first.section == TITLE_GAP else \
            next((s.heading or s.title or s.id for s in draft.sections if s.id == first.section), first.section)
        raise InputError(f"稿件还有 {len(gaps)} 处待补（第一处在「{where}」：{first.wanted}），未导出；"
                         "补齐后再导出，或加 --allow-gaps 连同待补标记一起导出")


def export_draft(draft: Draft, fmt: str, path: Path, *, force: bool = False, fonts: Fonts | None = None,
                 chars_per_minute: int = 240, template: Path | None = None, allow_gaps: bool = False) -> Path:
    """Write ``draft`` as ``fmt`` to ``path`` atomically; never overwrites without ``force``.

    ``template`` is a unit's own .docx (红头, styles, page set-up) used as the base of docx and pdf.
    A draft with gap markers is refused (:func:`check_gaps`) unless ``allow_gaps``.
    """
    check_gaps(draft, allow_gaps)
    target = ensure_parent(_target(Path(path), fmt, force))  # ``-o build/x.docx`` creates build/
    if fmt == "md":
        return write_text_atomic(target, draft.to_markdown())
    if fmt == "txt":
        return write_text_atomic(target, draft.to_text())
    if fmt in ("pdf", "docx"):
        doc = build_docx(draft, fonts or Fonts(), template=template)
        # After the user's own template is checked (its fault is theirs to fix either way), before the
        # slow conversion: a clear message when LibreOffice is missing.
        soffice = _soffice() if fmt == "pdf" else ""
    else:
        doc = build_reading_copy(draft, fonts or Fonts(), chars_per_minute)
    buffer = io.BytesIO()
    doc.save(buffer)
    if fmt == "pdf":
        return write_bytes_atomic(target, docx_to_pdf(buffer.getvalue(), soffice))
    return write_bytes_atomic(target, buffer.getvalue())


def _soffice() -> str:
    import shutil

    found = shutil.which("soffice") or shutil.which("libreoffice")
    if found is None:
        raise InputError("导出 PDF 需要 LibreOffice，但没有找到 soffice：请安装 LibreOffice"
                         "（如 apt-get install libreoffice-writer），或导出 docx 后在 Word 中另存为 PDF")
    return found


def docx_to_pdf(docx: bytes, soffice: str | None = None) -> bytes:
    """Render a Word document to PDF with LibreOffice (headless, with a throwaway profile)."""
    import subprocess
    import tempfile

    soffice = soffice or _soffice()
    with tempfile.TemporaryDirectory(prefix="speechwriter-pdf-") as tmp:
        folder = Path(tmp)
        (folder / "doc.docx").write_bytes(docx)
        env = {**os.environ, "FONTCONFIG_FILE": str(_fontconfig_file(folder))}
        try:
            done = subprocess.run([soffice, "--headless", "--norestore",
                                   f"-env:UserInstallation={(folder / 'profile').as_uri()}",
                                   "--convert-to", "pdf", "--outdir", str(folder), str(folder / "doc.docx")],
                                  capture_output=True, text=True, timeout=300, check=False, env=env)
        except subprocess.TimeoutExpired:
            raise InputError("LibreOffice 转换 PDF 超时（300 秒）") from None
        pdf = folder / "doc.pdf"
        if done.returncode != 0 or not pdf.is_file():
            why = (done.stderr or done.stdout).strip().splitlines()
            raise InputError(f"LibreOffice 未能生成 PDF（退出码 {done.returncode}）" + (f"：{why[-1]}" if why else ""))
        return pdf.read_bytes()


FONT_MAP = Path(__file__).resolve().parent / "data" / "fonts.conf"
# Where fontconfig's own configuration usually lives (Debian and most Linux, then Homebrew on macOS).
_SYSTEM_FONTCONFIG = ("/etc/fonts/fonts.conf", "/usr/local/etc/fonts/fonts.conf", "/opt/homebrew/etc/fonts/fonts.conf")


def _fontconfig_file(folder: Path) -> Path:
    """A fontconfig file for LibreOffice: the system's configuration, then the shipped 公文 font map.

    Without the map LibreOffice falls back to one sans face for every CJK font name, so the title, 仿宋,
    黑体 and 楷体 all look alike; with it each role gets its own free face (see data/fonts.conf).
    """
    from xml.sax.saxutils import escape

    own = os.environ.get("FONTCONFIG_FILE")
    candidates = ([own] if own else []) + list(_SYSTEM_FONTCONFIG)
    system = next((c for c in candidates if Path(c).is_file()), None)
    includes = [system, str(FONT_MAP)] if system else [str(FONT_MAP)]
    body = "".join(f'  <include ignore_missing="yes">{escape(path)}</include>\n' for path in includes)
    conf = folder / "fonts.conf"
    conf.write_text('<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "urn:fontconfig:fonts.dtd">\n'
                    f"<fontconfig>\n{body}</fontconfig>\n", encoding="utf-8")
    return conf


# --- docx building blocks -----------------------------------------------------------------------

# Child order of w:rPr and w:pPr in the OOXML schema, from each element we insert onwards (Word
# refuses a document whose properties are out of order).
_RPR_AFTER_SPACING = ("w:w", "w:kern", "w:position", "w:sz", "w:szCs", "w:highlight", "w:u", "w:effect", "w:bdr",
                      "w:shd", "w:fitText", "w:vertAlign", "w:rtl", "w:cs", "w:em", "w:lang", "w:eastAsianLayout",
                      "w:specVanish", "w:oMath")
_RPR_AFTER_LANG = ("w:eastAsianLayout", "w:specVanish", "w:oMath")
_PPR_AFTER_OUTLINE = ("w:divId", "w:cnfStyle", "w:rPr", "w:sectPr", "w:pPrChange")
_PPR_AFTER_OVERFLOW = ("w:topLinePunct", "w:autoSpaceDE", "w:autoSpaceDN", "w:bidi", "w:adjustRightInd",
                       "w:snapToGrid", "w:spacing", "w:ind", "w:contextualSpacing", "w:mirrorIndents",
                       "w:suppressOverlap", "w:jc", "w:textDirection", "w:textAlignment", "w:textboxTightWrap",
                       "w:outlineLvl", *_PPR_AFTER_OUTLINE)

CONDENSE_TWIPS = -5  # -0.25 pt a character: 28 characters of 3号 fit the 156 mm text width


def _set_fonts(run: Any, east_asian: str, latin: str, size: float, bold: bool = False,
               spacing: int | None = None) -> None:
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
        _condense(rpr, spacing)


def _condense(rpr: Any, spacing: int) -> None:
    """``w:spacing`` in its place in the schema's order (Word rejects run properties out of order)."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    old = rpr.find(qn("w:spacing"))
    if old is not None:
        rpr.remove(old)
    el = OxmlElement("w:spacing")
    el.set(qn("w:val"), str(spacing))
    rpr.insert_element_before(el, *_RPR_AFTER_SPACING)


def _chinese_language(doc: Any) -> None:
    """zh-CN as the East Asian language everywhere styles declare one (quotes render full width)."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    styles = doc.styles.element
    rpr = styles.find(qn("w:docDefaults")).find(qn("w:rPrDefault")).find(qn("w:rPr"))
    if rpr.find(qn("w:lang")) is None:
        rpr.insert_element_before(OxmlElement("w:lang"), *_RPR_AFTER_LANG)
    for lang in styles.iter(qn("w:lang")):
        lang.set(qn("w:eastAsia"), "zh-CN")
        if lang.get(qn("w:val")) is None:
            lang.set(qn("w:val"), "en-US")


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
    """'— N —' at the foot: right-aligned on odd pages, left-aligned on even pages, one character
    (of the page number's size) in from that edge, as GB/T 9704 7.5 puts it (单页码居右空一字)."""
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
        _indent_one_character(p, "right" if align == WD_ALIGN_PARAGRAPH.RIGHT else "left", size)
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


def _indent_one_character(paragraph: Any, side: str, size: float) -> None:
    """An indent of one character on ``side``: in points for every renderer, in characters for Word."""
    from docx.oxml.ns import qn
    from docx.shared import Pt

    fmt = paragraph.paragraph_format
    if side == "right":
        fmt.right_indent = Pt(size)
    else:
        fmt.left_indent = Pt(size)
    ind = paragraph._p.get_or_add_pPr().find(qn("w:ind"))
    ind.set(qn(f"w:{side}Chars"), "100")


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


# Named paragraph styles: (style id, name, font role, bold, outline level, first-line indent, alignment).
# The outline levels make Word's navigation pane (and LibreOffice's navigator and PDF bookmarks) list
# the headings; the names let a writer restyle every heading of a level at once.
STYLES: dict[str, tuple[str, str, str, bool, int | None, bool, str]] = {
    "title": ("GongwenTitle", "公文标题", "title", False, None, False, "center"),
    "byline": ("GongwenByline", "公文署名", "heading2", False, None, False, "center"),
    "salutation": ("GongwenSalutation", "公文称呼", "body", False, None, False, "justify"),
    "body": ("GongwenBody", "公文正文", "body", False, None, True, "justify"),
    "1": ("GongwenHeading1", "公文一级标题", "heading1", False, 0, True, "justify"),
    "2": ("GongwenHeading2", "公文二级标题", "heading2", False, 1, True, "justify"),
    "3": ("GongwenHeading3", "公文三级标题", "body", True, 2, True, "justify"),
    "4": ("GongwenHeading4", "公文四级标题", "body", False, 3, True, "justify"),
}


def _no_hanging_punctuation(ppr: Any) -> None:
    """Keep a mark that follows a full line of 28 characters on the page in LibreOffice.

    Word hangs such a mark in the margin (its default, ``w:overflowPunct`` on) and prints it; LibreOffice
    hangs it too but leaves it out of the PDF. LibreOffice (7.4) reads the element inverted: ``val="1"``
    becomes ``punctuation-wrap="simple"``, so the mark moves to the next line with the character before
    it. ``val="1"`` is also Word's own default, so Word's page does not change. The rendered-page test
    (tests/test_export.py) counts every mark and catches a LibreOffice that reads it otherwise.
    """
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    for old in ppr.findall(qn("w:overflowPunct")):
        ppr.remove(old)
    el = OxmlElement("w:overflowPunct")
    el.set(qn("w:val"), "1")
    ppr.insert_element_before(el, *_PPR_AFTER_OVERFLOW)


def _outline_level(ppr: Any, level: int) -> None:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    for old in ppr.findall(qn("w:outlineLvl")):
        ppr.remove(old)
    el = OxmlElement("w:outlineLvl")
    el.set(qn("w:val"), str(level))
    ppr.insert_element_before(el, *_PPR_AFTER_OUTLINE)


def _define_styles(doc: Any, fonts: Fonts, pitch: float) -> dict[str, Any]:
    """The 公文 paragraph styles; a style the base document already has (a unit's template) is kept."""
    from docx.enum.style import WD_STYLE_TYPE
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Pt

    size = SIZES["三号"]
    existing = {s.name: s for s in doc.styles if s.type == WD_STYLE_TYPE.PARAGRAPH}
    out: dict[str, Any] = {}
    for key, (style_id, name, role, bold, level, indent, align) in STYLES.items():
        if name in existing:
            out[key] = existing[name]
            continue
        style = doc.styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
        style.style_id = style_id
        style.base_style = doc.styles["Normal"]
        style.next_paragraph_style = out.get("body") or style
        style.quick_style = True
        pt = SIZES["二号"] if key == "title" else size
        style.font.size = Pt(pt)
        style.font.bold = bold
        style.font.name = fonts.latin
        style.element.get_or_add_rPr().get_or_add_rFonts().set(
            "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}eastAsia", getattr(fonts, role))
        if key != "title":
            _condense(style.element.get_or_add_rPr(), CONDENSE_TWIPS)
        fmt = style.paragraph_format
        fmt.alignment = {"center": WD_ALIGN_PARAGRAPH.CENTER, "justify": WD_ALIGN_PARAGRAPH.JUSTIFY}[align]
        from docx.enum.text import WD_LINE_SPACING

        fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
        fmt.line_spacing = Pt(pitch)
        fmt.space_before = Pt(0)
        fmt.space_after = Pt(0)
        fmt.widow_control = True
        if indent:
            fmt.first_line_indent = Pt((size + CONDENSE_TWIPS / 20) * 2)
        if level is not None:
            fmt.keep_with_next = True  # a heading never ends a page
            _outline_level(style.element.get_or_add_pPr(), level)
        _no_hanging_punctuation(style.element.get_or_add_pPr())
        out[key] = style
    out["body"].next_paragraph_style = out["body"]
    return out


def _byline(draft: Draft) -> list[str]:
    """What a 讲话稿 prints under its title: the speaker, then the date in parentheses (GB/T 15835 digits)."""
    lines = []
    if draft.speaker:
        lines.append(draft.speaker)
    if draft.date:
        lines.append(f"（{draft.date.year}年{draft.date.month}月{draft.date.day}日）")
    return lines



class _Appender:
    """Adds paragraphs at the end of a document's body in constant time.

    python-docx's ``add_paragraph`` looks for the body's ``w:sectPr`` among all its children, and its
    paragraph-style setter walks every style for the default, on every call: 40,000 paragraphs took
    80 s. This keeps the ``w:sectPr`` and each style's id, and :meth:`repeat` copies a body paragraph
    formatted once instead of formatting every one anew; the XML written is the same.
    """

    def __init__(self, doc: Any) -> None:
        from docx.oxml.ns import qn

        self.doc = doc
        self.body = doc.element.body
        self.sect_pr = self.body.find(qn("w:sectPr"))
        self.style_ids: dict[str, str | None] = {}
        self.protos: dict[str, Any] = {}

    def add_paragraph(self, style: Any = None) -> Any:
        from docx.enum.style import WD_STYLE_TYPE
        from docx.oxml.parser import OxmlElement
        from docx.text.paragraph import Paragraph

        p = OxmlElement("w:p")
        if self.sect_pr is not None:
            self.sect_pr.addprevious(p)
        else:
            self.body.append(p)
        paragraph = Paragraph(p, self.doc._body)
        if style is not None:
            if style.name not in self.style_ids:
                self.style_ids[style.name] = self.doc.part.get_style_id(style, WD_STYLE_TYPE.PARAGRAPH)
            p.style = self.style_ids[style.name]
        return paragraph

    def repeat(self, kind: str, text: str, build: Callable[[str], Any]) -> Any:
        """A one-run paragraph of ``kind`` holding ``text``: ``build(text)`` the first time, then a copy of it.

        Every paragraph of one kind is formatted alike, so only its run's text differs (set as
        python-docx sets it: tabs and line breaks become their elements).
        """
        import copy

        from docx.text.paragraph import Paragraph

        proto = self.protos.get(kind)
        if proto is None:
            paragraph = build(text)
            if len(paragraph._p.r_lst) == 1:
                proto = copy.deepcopy(paragraph._p)
                proto.r_lst[0].text = ""
                self.protos[kind] = proto
            return paragraph
        p = copy.deepcopy(proto)
        if self.sect_pr is not None:
            self.sect_pr.addprevious(p)
        else:
            self.body.append(p)
        p.r_lst[0].text = text
        return Paragraph(p, self.doc._body)


def build_docx(draft: Draft, fonts: Fonts | None = None, template: Path | None = None) -> Any:
    """The 公文 Word document; with ``template``, built on a unit's own .docx (its 红头, page and styles).

    Without a template every run also carries its fonts directly, so the page looks right in any
    renderer; with one, the styles carry them, so the unit's own style definitions take effect.
    """
    from docx.enum.text import WD_ALIGN_PARAGRAPH

    fonts = fonts or Fonts()
    body_pt = SIZES["三号"]
    pitch = LINE_PITCH_TWIPS / 20  # 22 lines a page
    text_width_pt = (PAGE_MM[0] - MARGINS_MM["left"] - MARGINS_MM["right"]) / 25.4 * 72
    # 28 characters a line: each 3号 character is condensed by the few hundredths of a point the
    # text width lacks (w:spacing on the runs), which Word and LibreOffice both honour, unlike a
    # character grid narrower than the glyphs.
    assert (body_pt + CONDENSE_TWIPS / 20) * CHARS_PER_LINE <= text_width_pt
    doc = _base_document(template)
    direct = template is None
    if direct:
        _document_defaults(doc, fonts, body_pt)
        _page_setup(doc, pitch, None)
        _page_number_footer(doc, fonts, SIZES["四号"])
    elif not _has_page_numbers(doc):
        _page_number_footer(doc, fonts, SIZES["四号"])
    _chinese_language(doc)
    styles = _define_styles(doc, fonts, pitch)
    body = _Appender(doc)

    def add(text: str, key: str, role: str | None = None, size: float = body_pt, bold: bool = False) -> Any:
        p = body.add_paragraph(style=styles[key])
        _no_hanging_punctuation(p._p.get_or_add_pPr())  # also over a unit template's own styles
        run = p.add_run(text)
        if direct:
            _set_fonts(run, getattr(fonts, role or STYLES[key][2]), fonts.latin, size, bold=bold,
                       spacing=None if key == "title" else CONDENSE_TWIPS)
            _direct_layout(p, pitch, STYLES[key][5])
            if STYLES[key][6] == "center":
                p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        return p

    title = add(draft.title, "title", size=SIZES["二号"])
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    byline = _byline(draft)
    for line in byline:
        add(line, "byline")
    blank = body.add_paragraph(style=styles["body"])  # one blank line under the title block, as in the standard
    if direct:
        _direct_layout(blank, pitch, False)

    for section in draft.sections:
        if section.heading:
            level = heading_level(section.heading) or 1
            add(section.heading, str(level), bold=level == 3)
        for text in section.paragraphs:
            if section.role == "salutation":
                add(text, "salutation")
                continue
            _plain_paragraph(doc, body, text, fonts, styles, direct, pitch)
    doc.core_properties.title = draft.title
    doc.core_properties.language = "zh-CN"
    if draft.speaker:
        doc.core_properties.author = draft.speaker
    return doc


def _base_document(template: Path | None) -> Any:
    from docx import Document

    if template is None:
        return Document()
    path = Path(template)
    if not path.is_file():
        raise InputError("模板文件不存在", path=str(path))
    if path.suffix.lower() != ".docx":
        raise InputError("模板应为 .docx 文件（.dotx/.doc 请先在 Word 中另存为 .docx）", path=str(path))
    from ..wordfile import open_docx

    doc = open_docx(path, "Word 模板")  # bounded: a template can be a zip bomb too
    _require_a4(doc, path)
    body = doc.element.body
    # trailing empty paragraphs of the template (where a writer would type) are dropped; its 红头 stays
    from docx.oxml.ns import qn

    for child in reversed(list(body)):
        if child.tag == qn("w:p") and not "".join(t.text or "" for t in child.iter(qn("w:t"))).strip() \
                and child.find(f".//{qn('w:drawing')}") is None and child.find(f".//{qn('w:pict')}") is None:
            body.remove(child)
        elif child.tag != qn("w:sectPr"):
            break
    return doc


def _require_a4(doc: Any, path: Path) -> None:
    """GB/T 9704 prints on A4: a unit template on another paper (Word's US default is Letter) is refused,
    rather than turned into a Letter PDF without a word."""
    section = doc.sections[0]
    if section.page_width is None or section.page_height is None:
        return  # no size in the file: Word and LibreOffice use their default, and we set nothing either
    size = sorted((round(section.page_width.mm, 1), round(section.page_height.mm, 1)))
    if abs(size[0] - PAGE_MM[0]) > 1 or abs(size[1] - PAGE_MM[1]) > 1:
        raise InputError(f"模板的纸张是 {size[0]:g}×{size[1]:g} 毫米，不是 A4（210×297 毫米）：公文用 A4 纸"
                         "（GB/T 9704），请在 Word 的「布局 → 纸张大小」中改为 A4 后再导出", path=str(path))


def _has_page_numbers(doc: Any) -> bool:
    from docx.oxml.ns import qn

    for section in doc.sections:
        for footer in (section.footer, section.even_page_footer):
            if footer.is_linked_to_previous and section is not doc.sections[0]:
                continue
            if any("PAGE" in (t.text or "") for t in footer._element.iter(qn("w:instrText"))):
                return True
            if footer._element.find(f".//{qn('w:fldSimple')}") is not None:
                return True
    return False


def _direct_layout(p: Any, pitch: float, indent: bool) -> None:
    """The style's line pitch and indent repeated on the paragraph, for renderers that skip styles."""
    from docx.shared import Pt

    _line_spacing(p, pitch)
    if indent:
        p.paragraph_format.first_line_indent = Pt((SIZES["三号"] + CONDENSE_TWIPS / 20) * 2)


def _body_paragraph(doc: Any, body: _Appender, text: str, fonts: Fonts, styles: dict[str, Any], direct: bool,
                    pitch: float) -> Any:
    size = SIZES["三号"]
    sp = CONDENSE_TWIPS
    p = body.add_paragraph(style=styles["body"])
    _no_hanging_punctuation(p._p.get_or_add_pPr())  # also over a unit template's own styles
    if direct:
        _direct_layout(p, pitch, True)
    m = _RUN_IN.match(text)
    if m:  # a run-in level-two heading: （一）发挥…表率。 then the body; the paragraph is on the outline
        run = p.add_run(m.group(1))
        if direct:
            _set_fonts(run, fonts.heading2, fonts.latin, size, spacing=sp)
        else:
            run.style = _char_style(doc, styles["2"])
        _outline_level(p._p.get_or_add_pPr(), 1)
        rest = text[m.end():]
        if rest:
            run = p.add_run(rest)
            if direct:
                _set_fonts(run, fonts.body, fonts.latin, size, spacing=sp)
        return p
    run = p.add_run(text)
    if direct:
        _set_fonts(run, fonts.body, fonts.latin, size, spacing=sp)
    return p


def _plain_paragraph(doc: Any, body: _Appender, text: str, fonts: Fonts, styles: dict[str, Any], direct: bool,
                     pitch: float) -> Any:
    """A body paragraph without a run-in heading: formatted once, copied after (see :meth:`_Appender.repeat`)."""
    if _RUN_IN.match(text):
        return _body_paragraph(doc, body, text, fonts, styles, direct, pitch)
    return body.repeat("body", text, lambda t: _body_paragraph(doc, body, t, fonts, styles, direct, pitch))


def _char_style(doc: Any, paragraph_style: Any) -> Any:
    """A character style with the fonts of a heading style (for a run-in heading on a template)."""
    from docx.enum.style import WD_STYLE_TYPE

    name = paragraph_style.name + "（段首）"
    existing = next((s for s in doc.styles if s.name == name), None)
    if existing is not None:
        return existing
    style = doc.styles.add_style(name, WD_STYLE_TYPE.CHARACTER)
    rpr = paragraph_style.element.rPr
    if rpr is not None:
        import copy

        style.element.append(copy.deepcopy(rpr))
    return style


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
    _chinese_language(doc)
    _page_setup(doc, pitch, None)
    _page_number_footer(doc, fonts, SIZES["三号"])
    body = _Appender(doc)
    title = body.add_paragraph()
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _set_fonts(title.add_run(draft.title), fonts.title, fonts.latin, SIZES["一号"])
    _line_spacing(title, SIZES["一号"] * 2)
    title.paragraph_format.keep_with_next = True
    for line in _byline(draft):
        p = body.add_paragraph()
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        _set_fonts(p.add_run(line), fonts.heading2, fonts.latin, SIZES["三号"])
        _line_spacing(p, SIZES["三号"] * 2)
        p.paragraph_format.keep_with_next = True
    elapsed = 0
    groups: list[Any] = []

    def breath_group(text: str) -> Any:
        p = body.add_paragraph()
        _set_fonts(p.add_run(text), fonts.body, fonts.latin, size)
        _line_spacing(p, pitch)
        p.paragraph_format.space_after = Pt(size / 2)
        # a breath group is never split by a page turn
        p.paragraph_format.keep_together = True
        p.paragraph_format.widow_control = True
        return p
    for section in draft.sections:
        if section.role == "salutation":
            p = body.add_paragraph()
            _set_fonts(p.add_run(section.body.strip()), fonts.body, fonts.latin, size)
            _line_spacing(p, pitch)
            p.paragraph_format.keep_together = p.paragraph_format.keep_with_next = True
            elapsed += section.chars
            continue
        mark = body.add_paragraph()
        label = section.heading or section.title or section.id
        run = mark.add_run(f"【{label} · 已讲约 {format_minutes(elapsed, chars_per_minute)}】")
        _set_fonts(run, fonts.heading1, fonts.latin, SIZES["四号"])
        run.font.color.rgb = RGBColor(0x80, 0x80, 0x80)
        _line_spacing(mark, SIZES["四号"] * 2)
        mark.paragraph_format.keep_with_next = True  # the time mark and the heading stay with the text
        if section.heading:
            p = body.add_paragraph()
            _set_fonts(p.add_run(section.heading), fonts.heading1, fonts.latin, size, bold=True)
            _line_spacing(p, pitch)
            p.paragraph_format.keep_with_next = p.paragraph_format.keep_together = True
            _outline_level(p._p.get_or_add_pPr(), 0)
        for paragraph in section.paragraphs:
            for group in breath_groups(paragraph):
                groups.append(body.repeat("breath group", group, breath_group))
        elapsed += section.chars
    if len(groups) >= 2:  # the last page never holds a single sentence
        groups[-2].paragraph_format.keep_with_next = True
        groups[-1].paragraph_format.keep_with_next = True
    end = body.add_paragraph()
    _set_fonts(end.add_run(f"【全文约 {format_minutes(elapsed, chars_per_minute)}】"), fonts.heading1, fonts.latin,
               SIZES["四号"])
    doc.core_properties.title = draft.title
    return doc


def fonts_from_option(fallback: bool) -> Fonts:
    return Fonts.fallback() if fallback else Fonts()
