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

__all__ = ["MAX_PARAGRAPHS", "MAX_UNPACKED_BYTES", "docx_lines", "open_docx", "read_docx_text"]

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_DATE_LINE = re.compile(r"^[（(]\s*\d{4}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日\s*[）)]$")
BYLINE_STYLES = ("公文署名",)
MAX_BYTES = 32 * 1024 * 1024
MAX_UNPACKED_BYTES = 200 * 1024 * 1024
"""A zip bomb dressed as a .docx stops here (a long report unpacks to a few MB)."""
MAX_PARAGRAPHS = 50_000
"""Far beyond any speech or report (a 30-page report has about a thousand paragraphs)."""


def open_docx(path: str | Path, what: str = "Word 文件") -> Any:
    """The one way a .docx is opened: a python-docx ``Document``, every problem one Chinese line.

    Bounded before anything is unpacked: a regular file of at most :data:`MAX_BYTES`, whose members
    unpack to at most :data:`MAX_UNPACKED_BYTES` (the sizes a zip declares are the most it yields)
    and whose body holds at most :data:`MAX_PARAGRAPHS` paragraphs. Used by validate, refine,
    ``export --template`` and ``facts extract``.
    """
    import os
    import stat
    import zipfile

    from .files import read_problem, special_kind

    name = str(path)
    try:
        info = os.stat(path)
    except FileNotFoundError:
        raise InputError(f"{what}不存在", path=name) from None
    except OSError as exc:
        raise InputError(f"无法读取{what}：{read_problem(exc)}", path=name) from None
    if stat.S_ISDIR(info.st_mode):
        raise InputError(f"这是一个目录，不是{what}", path=name)
    if not stat.S_ISREG(info.st_mode):
        raise InputError(f"这是{special_kind(info.st_mode)}，不是普通文件，拒绝读取", path=name)
    if info.st_size > MAX_BYTES:
        raise InputError(f"{what}过大（{info.st_size} 字节，上限 {MAX_BYTES} 字节）", path=name)
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
            unpacked = sum(m.file_size for m in members)
            names = {m.filename for m in members}
    except zipfile.BadZipFile:
        raise InputError("不是有效的 .docx 文件（不是 zip 格式或压缩包已损坏；.doc 旧格式请先另存为 .docx）",
                         path=name) from None
    except OSError as exc:
        raise InputError(f"无法读取{what}：{read_problem(exc)}", path=name) from None
    if unpacked > MAX_UNPACKED_BYTES:
        raise InputError(f"不是正常的 .docx 文件（解压后 {unpacked} 字节，上限 {MAX_UNPACKED_BYTES} 字节，"
                         f"疑似压缩炸弹）", path=name)
    if "[Content_Types].xml" not in names:
        raise InputError("不是 Word 文件：压缩包中没有 [Content_Types].xml（可能是普通 zip 或其他格式）", path=name)
    if "word/document.xml" not in names and not any(n.endswith("document.xml") for n in names):
        raise InputError("不是 Word 文件：压缩包中没有正文部件 word/document.xml", path=name)
    document = _parse_docx(path, name, what)
    count = sum(1 for _ in document.element.body.iter(f"{_W}p"))
    if count > MAX_PARAGRAPHS:
        raise InputError(f"{what}段落过多（{count} 段，上限 {MAX_PARAGRAPHS} 段）", path=name)
    return document


def _parse_docx(path: str | Path, name: str, what: str) -> Any:
    """python-docx's Document, its exceptions named for what they mean (not just a class name)."""
    import zipfile

    from docx import Document
    from docx.opc.exceptions import PackageNotFoundError
    from lxml.etree import XMLSyntaxError

    try:
        return Document(str(path))
    except XMLSyntaxError as exc:
        where = f"第 {exc.lineno} 行" if getattr(exc, "lineno", None) else ""
        raise InputError(f"{what}中的 XML 格式错误（{where}，文件可能已损坏或被改坏）", path=name) from None
    except PackageNotFoundError:
        raise InputError("不是 Word 文件（找不到 Word 文档包结构）", path=name) from None
    except KeyError as exc:
        raise InputError(f"{what}缺少必需的部件（{exc.args[0] if exc.args else '未知部件'}），文件可能已损坏",
                         path=name) from None
    except zipfile.BadZipFile:
        raise InputError(f"{what}的压缩包已损坏", path=name) from None
    except (ValueError, TypeError, AttributeError) as exc:
        raise InputError(f"{what}内容无效，python-docx 无法解析（{type(exc).__name__}：{str(exc)[:80]}）",
                         path=name) from None
    except RecursionError:
        raise InputError(f"{what}的 XML 嵌套过深，拒绝读取", path=name) from None


def _outline_level(paragraph: Any, style: Any, chain: list[Any]) -> int | None:
    for ppr in (paragraph._p.pPr, *chain):
        el = ppr.find(f"{_W}outlineLvl") if ppr is not None else None
        if el is not None:
            value = el.get(f"{_W}val")
            # A missing or bad value (hand-edited XML) is no heading level, not a crash
            level = int(value) if value is not None and value.strip().isdigit() else None
            return level if level is not None and level < 9 else None  # 9 is Word's "body text"
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
    p = Path(path)
    doc = open_docx(p)
    lines: list[str] = []
    after_title = True
    styles: dict[str | None, tuple[Any, str, list[Any]]] = {}  # style id -> (style, name, pPr chain)
    for paragraph in doc.paragraphs:
        text = paragraph.text.strip()
        if not text:
            continue
        # Resolving a style walks the style table: once per style id, so a long document stays linear.
        pstyle = paragraph._p.pPr.pStyle if paragraph._p.pPr is not None else None
        key = pstyle.val if pstyle is not None else None
        if key not in styles:
            resolved = paragraph.style
            styles[key] = (resolved, resolved.name if resolved is not None else "", _style_chain(resolved))
        resolved, style, chain = styles[key]
        if style in BYLINE_STYLES or (after_title and lines and _DATE_LINE.match(text)):
            continue
        level = _outline_level(paragraph, resolved, chain)
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
