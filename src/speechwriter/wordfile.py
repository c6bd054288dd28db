"""Read a speech back from a Word document (the round trip: a writer edits the .docx, we check it again).

The text is read with python-docx, paragraph by paragraph. Headings are recognised by their outline
level (the 公文 styles this package writes, Word's built-in heading styles, or a level set on the
paragraph) and returned as Markdown headings, so the plain-text splitter treats them as headings even
when a writer has changed their numbering. The byline under the title (speaker, date) is left out.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from .errors import InputError

__all__ = ["docx_lines", "read_docx_text"]

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_DATE_LINE = re.compile(r"^[（(]\s*\d{4}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日\s*[）)]$")
BYLINE_STYLES = ("公文署名",)
MAX_BYTES = 32 * 1024 * 1024


def _outline_level(paragraph: Any) -> int | None:
    style = paragraph.style
    for ppr in (paragraph._p.pPr, *(_style_chain(style))):
        el = ppr.find(f"{_W}outlineLvl") if ppr is not None else None
        if el is not None:
            level = int(el.get(f"{_W}val"))
            return level if level < 9 else None  # 9 is Word's "body text"
    name = (style.name or "").lower() if style is not None else ""
    m = re.fullmatch(r"heading (\d)", name)
    return int(m.group(1)) - 1 if m else None


def _style_chain(style: Any) -> list[Any]:
    out = []
    while style is not None and len(out) < 10:
        out.append(style.element.pPr)
        style = style.base_style
    return out


def docx_lines(path: str | Path) -> list[str]:
    """The document's non-empty paragraphs as lines; level-one headings start with ``# ``, the title first."""
    from docx import Document

    p = Path(path)
    if not p.is_file():
        raise InputError("文件不存在", path=str(p))
    if p.stat().st_size > MAX_BYTES:
        raise InputError("Word 文件过大（超过 32 MB）", path=str(p))
    try:
        doc = Document(str(p))
    except Exception as exc:  # a zip that is not a Word document, a corrupt file, …
        raise InputError(f"无法读取 Word 文件（{type(exc).__name__}）", path=str(p)) from None
    lines: list[str] = []
    after_title = True
    for paragraph in doc.paragraphs:
        text = paragraph.text.strip()
        if not text:
            continue
        style = paragraph.style.name if paragraph.style is not None else ""
        if style in BYLINE_STYLES or (after_title and lines and _DATE_LINE.match(text)):
            continue
        level = _outline_level(paragraph)
        if lines and level == 0:
            text = "# " + text
        if lines:
            after_title = after_title and (style in BYLINE_STYLES or _DATE_LINE.match(text) is not None)
        lines.append(text)
    if not lines:
        raise InputError("Word 文件中没有文字", path=str(p))
    return lines


def read_docx_text(path: str | Path) -> str:
    """The document as plain text, one paragraph a line."""
    return "\n".join(docx_lines(path)) + "\n"
