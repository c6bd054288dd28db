"""Reading source materials (.txt, .md, .docx) into numbered paragraphs.

A source is a list of :class:`Block` — one paragraph each, with the line it starts on (for a
.docx, the paragraph's position among the document's paragraphs) and, when the file says so
itself, its heading level: a Markdown ``#``, a Word heading style (标题 1, Heading 2 …) or a
Word numbered paragraph that reads like a heading. Numbering written into the text (一、 （一）
一是) is recognised later, the same way for every format.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import InputError
from ..files import read_text

__all__ = ["SOURCE_SUFFIXES", "Block", "Source", "read_source", "read_sources"]

SOURCE_SUFFIXES = (".txt", ".md", ".markdown", ".docx")
MAX_SOURCE_BYTES = 8 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class Block:
    """One paragraph of a source."""

    line: int
    text: str
    level: int | None = None  # heading level given by the file's own markup (md #, Word style)


@dataclass
class Source:
    """A source file read into paragraphs. ``name`` is the path as the user gave it."""

    name: str
    blocks: list[Block] = field(default_factory=list)

    @property
    def chars(self) -> int:
        return sum(len(b.text) for b in self.blocks)

    @property
    def stem(self) -> str:
        return Path(self.name).stem

    def line_text(self, line: int) -> str | None:
        """The paragraph that starts on ``line``, if any."""
        for block in self.blocks:
            if block.line == line:
                return block.text
        return None


_MD_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")


_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\ufeff\ufffe\uffff\ud800-\udfff]")


def _clean(text: str) -> str:
    """A paragraph's text without control characters (copy-paste residue, not words) or ideographic spaces."""
    return _CONTROL.sub("", text).replace("\u3000", " ").strip()


def _from_text(name: str, text: str, markdown: bool) -> Source:
    blocks = []
    for lineno, raw in enumerate(text.split("\n"), start=1):
        line = _clean(raw)
        if not line:
            continue
        level = None
        if markdown:
            m = _MD_HEADING.match(line)
            if m:
                level, line = len(m.group(1)), m.group(2)
            elif line.startswith(("- ", "* ", "+ ", "> ")):
                line = line[2:].strip()
            elif line.startswith("|"):  # a Markdown table row; the |---| rule carries no text
                cells = [c.strip() for c in line.strip("|").split("|")]
                line = "" if all(set(c) <= set("-: ") for c in cells) else _row_text(cells)
        if line:
            blocks.append(Block(lineno, line, level))
    return Source(name, _join_broken_lines(blocks))


_ENDS = tuple("。！？!?；;：:”’」』）)…】]》")
_CONTINUES = tuple("。，、；：！？!?,;:）)》”’」』")
_NUMBERED = re.compile(r"^(?:[一二三四五六七八九十]{1,3}[、．]|[（(][一二三四五六七八九十0-9]{1,3}[）)]|[0-9]{1,2}[、．.]|——)")


def _unfinished(text: str) -> bool:
    """Body text that stops mid-sentence: no full stop at the end, and too long or too comma-ridden
    for a heading (a numbered heading line is short; a numbered paragraph runs on)."""
    if text.endswith(_ENDS):
        return False
    if len(text) >= 40 or any(ch in text for ch in "。！？"):  # long, or sentences already run on
        return True
    return not _NUMBERED.match(text) and ("，" in text or "," in text)


def _join_broken_lines(blocks: list[Block]) -> list[Block]:
    """Paragraphs that copying broke over several lines (「……产量保持」「全国第一」「。农村……」) made whole.

    A line continues the one before when it starts with punctuation that cannot open a
    sentence, or when the one before is body text that stopped without ending its sentence
    (:func:`_unfinished`). The paragraph keeps the line it starts on.
    """
    out: list[Block] = []
    for block in blocks:
        prev = out[-1] if out else None
        if prev is not None and prev.level is None and block.level is None and not _NUMBERED.match(block.text) and (
                block.text.startswith(_CONTINUES) or _unfinished(prev.text)):
            out[-1] = Block(prev.line, prev.text + block.text, None)
            continue
        out.append(block)
    return out


_STYLE_LEVEL = re.compile(r"(?:heading|标题)\s*(\d)", re.I)


def _from_docx(path: Path, name: str) -> Source:
    from ..wordfile import open_docx

    document = open_docx(path, "材料文件")  # the bounded reader every command uses
    blocks = []
    index = 0
    for part in document.iter_inner_content():
        if hasattr(part, "rows"):  # a table: each row is a paragraph of its cells (统计表)
            for row in part.rows:
                index += 1
                text = _row_text([_clean(cell.text) for cell in row.cells])
                if text:
                    blocks.append(Block(index, text))
            continue
        index += 1
        text = _clean(part.text)
        if text:
            blocks.append(Block(index, text, _docx_level(part, text)))
    return Source(name, blocks)


def _row_text(cells: list[str]) -> str:
    """A table row as one line: merged cells once, cells joined by 「，」, ended by 「。」."""
    unique = [c for i, c in enumerate(cells) if c and (i == 0 or c != cells[i - 1])]
    return "，".join(unique) + "。" if unique else ""


def _docx_level(para: object, text: str) -> int | None:
    style = getattr(getattr(para, "style", None), "name", "") or ""
    if style.lower() == "title" or style == "标题":
        return None  # the document title is not a section
    m = _STYLE_LEVEL.search(style)
    if m:
        return max(1, int(m.group(1)))
    # Word's automatic numbering (w:numPr) keeps the number out of the text: a short numbered
    # paragraph without a full stop is a heading at its list level.
    numpr = _numpr(getattr(para, "_p", None))
    if numpr is None:  # numbering may come with the paragraph's style (List Number)
        numpr = _numpr(getattr(getattr(para, "style", None), "element", None))
    if numpr is not None and len(text) <= 40 and not any(ch in text for ch in "。；！？"):
        ilvl = getattr(numpr, "ilvl", None)
        level = int(ilvl.val) if ilvl is not None and ilvl.val is not None else 0
        return level + 1
    return None


def _numpr(element: object) -> object:
    ppr = getattr(element, "pPr", None) if element is not None else None
    return getattr(ppr, "numPr", None) if ppr is not None else None


def read_source(path: str | Path) -> Source:
    """Read one source file; every problem becomes an :class:`InputError` naming the file."""
    p = Path(path)
    name = str(path)
    suffix = p.suffix.lower()
    if suffix == ".doc":
        raise InputError("不支持 .doc 旧格式，请在 Word 中另存为 .docx", path=name)
    if suffix not in SOURCE_SUFFIXES:
        raise InputError(f"不支持的材料类型「{p.suffix or '无扩展名'}」，请使用 .txt、.md 或 .docx", path=name)
    if suffix == ".docx":
        source = _from_docx(p, name)
    else:
        text = read_text(p, what="材料文件", max_bytes=MAX_SOURCE_BYTES)
        source = _from_text(name, text, markdown=suffix in (".md", ".markdown"))
    if not source.blocks:
        raise InputError("材料为空（没有任何文字）", path=name)
    return source


def read_sources(paths: list[str | Path]) -> list[Source]:
    """Read every source, in order; the same file twice is an error (its facts would double)."""
    if not paths:
        raise InputError("请至少给出一个材料文件")
    seen: dict[Path, str] = {}
    out = []
    for path in paths:
        try:
            key = Path(path).resolve()
        except (OSError, RuntimeError):  # a link loop: read_source names it
            key = Path(path).absolute()
        if key in seen:
            raise InputError(f"材料重复给出（与「{seen[key]}」是同一个文件）", path=str(path))
        seen[key] = str(path)
        out.append(read_source(path))
    return out
