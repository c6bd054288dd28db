"""A source's outline: its headings (with what each section is about) and its sentences.

Both extractors read sources through this: the offline one groups the sentences by their
headings, the LLM one sends them numbered and cites them back by id.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .meta import SourceMeta, date_of, is_meta_line, read_preamble, split_inline_preamble
from .sources import Block, Source
from .text import clip_theme, heading_of, runin_of, split_clauses, split_spans

__all__ = ["Clause", "Node", "Outline", "Sentence", "outline_of", "section_kind"]

Kind = str  # "achievements" | "plans" | "shortcomings"

_PLANS = re.compile(r"今后|下一步|打算|安排|思路|任务|计划|目标|展望|部署|重点工作|努力方向|工作要点|总体要求|主要要求|"
                    r"明年|新的一年|新一年|建议|措施")
_SHORTCOMINGS = re.compile(r"不足|问题|差距|短板|弱项|困难|教训")
_DONE = re.compile(r"圆满完成|全面完成|顺利完成|取得了|取得(?:重大|明显|显著|积极|新的|长足)|成效|成绩|成就|回顾|显著|明显")
_EXPLAINED = re.compile(r"需要说明|说明的|几个重点问题|若干问题|几个问题|补短板|补齐短板|强弱项|解决.{0,8}问题")  # questions explained, not problems admitted
_SALUTATION = re.compile(r"同志|代表|领导|各位|女士|先生|朋友|主席|书记|大家|委员|老师|同学")


def section_kind(heading: str) -> Kind:
    """What a section is about, from its heading's words."""
    if _SHORTCOMINGS.search(heading) and len(heading) <= 20 and not _EXPLAINED.search(heading):
        return "shortcomings"
    if _DONE.search(heading):
        return "achievements"  # 三年行动计划圆满完成: a plan carried out is a result
    if _PLANS.search(heading) or (re.match(r"^[0-9]{4}年", heading) and "主要工作" in heading
                                  and not re.search(r"回顾|成就|成绩|情况|完成", heading)):
        return "plans"  # 2021年主要工作: the year's tasks
    return "achievements"


@dataclass
class Node:
    """A heading (or a run-in point such as 一是…) and the section it opens."""

    index: int
    level: int
    theme: str
    line: int
    sentence: str
    kind: Kind
    parent: int | None
    runin: bool = False
    from_paragraph: bool = False  # a theme taken from a paragraph's first sentence, not a heading
    style: str | None = None  # how the source marks this point (see facts.PointStyle); None: unknown


@dataclass
class Clause:
    """A semicolon-separated part of a sentence, with the section it belongs to."""

    start: int
    end: int
    node: int
    theme: bool = False  # the clause is (the start of) a run-in point's theme


@dataclass
class Sentence:
    """A sentence of a source: its text exactly as written, where it is, and its clauses."""

    index: int
    text: str
    line: int
    paragraph: int
    node: int
    clauses: list[Clause] = field(default_factory=list)


@dataclass
class Outline:
    """Headings and sentences of one source, in order."""

    source: Source
    title: str | None
    salutation: str | None
    nodes: list[Node]
    sentences: list[Sentence]
    meta: SourceMeta = field(default_factory=SourceMeta)

    def chain(self, node: int | None) -> list[Node]:
        """The node and its ancestors, innermost first."""
        out = []
        while node is not None:
            out.append(self.nodes[node])
            node = self.nodes[node].parent
        return out


def outline_of(source: Source) -> Outline:
    """Headings and sentences of ``source`` (see the module docstring)."""
    nodes: list[Node] = [Node(0, -1, "", 0, "", "achievements", None)]
    sentences: list[Sentence] = []
    stack: list[int] = [0]
    title = salutation = None
    seen_heading = False
    preamble: list[str] = []
    inline = SourceMeta()
    blocks = _blocks(source)
    # Everything above a salutation line near the top is preamble (title, date line, role and name).
    above = next((p for p, b in enumerate(blocks[:12]) if len(b.text) <= 80 and b.text.endswith(("：", ":"))
                  and _SALUTATION.search(b.text) and heading_of(b.text) is None), -1)
    for p, block in enumerate(blocks):
        text = block.text
        if p == 0 and block.level is None and len(source.blocks[0].text) > 200:  # before any cut
            # A text copied as one line: title, date, role and salutation run into its first sentence.
            inline, inline_salutation, start = split_inline_preamble(text)
            salutation = inline_salutation or salutation
            text = text[start:].strip()
            if not text:
                continue
        if not seen_heading and salutation is None and not sentences and len(preamble) < 8 and len(text) <= 60 \
                and (p == 0 or p < above or (block.level is None and is_meta_line(text))) \
                and heading_of(text) is None and not any(ch in "。！？；" for ch in text) \
                and not (text.endswith(("：", ":")) and _SALUTATION.search(text)):
            preamble.append(text)  # above the salutation: title, date line, role and name, caption
            if title is None and p == 0:
                title = text.strip("#").strip()
            continue
        if not seen_heading and salutation is None and len(text) <= 80 and text.endswith(("：", ":")) \
                and _SALUTATION.search(text):
            salutation = re.split(r"[。！？]|摄", text)[-1].strip()  # not a photo caption run into it
            continue
        if not seen_heading and salutation is None and not sentences:
            m = _INLINE_SALUTATION.match(text)  # 女士们，先生们，同志们：今天，……
            if m and _SALUTATION.search(m.group(1)):
                salutation = m.group(1)
                text = text[m.end():].strip()
        heading = heading_of(text, block.level, unnumbered=block.level is None)
        body = text
        if heading is not None and heading.level >= 3 and block.level is None \
                and (len(heading.text) > 24 or (re.search(r"[，,]", heading.text) and re.search(r"[0-9%％]", heading.text))):
            # 「2、新建污水管道22.3公里，……。」 is an item of a list, not a heading: its words are content.
            body, heading = text[_ITEM_NUMBER.match(text).end():], None  # type: ignore[union-attr]
        if heading is not None:
            seen_heading = True
            while len(stack) > 1 and nodes[stack[-1]].level >= heading.level:
                stack.pop()
            parent = stack[-1]
            inherited = nodes[parent].kind
            kind = inherited if inherited != "achievements" else section_kind(heading.text)
            node = Node(len(nodes), heading.level, heading.text, block.line, heading.text, kind, parent,
                        style=None if block.level is not None else _HEADING_STYLES.get(heading.level))
            nodes.append(node)
            stack.append(node.index)
            if not heading.rest:
                continue
            body = heading.rest
        _add_paragraph(body, block.line, p, stack[-1], nodes, sentences)
    meta = read_preamble(preamble)
    for name in ("title", "occasion", "date", "speaker_name", "speaker_role"):
        if getattr(meta, name) is None and getattr(inline, name) is not None:
            setattr(meta, name, getattr(inline, name))
    meta.role_stated = meta.role_stated or inline.role_stated
    if meta.title is None and title and not preamble[1:] and date_of(title) is None:
        meta.title = title
    return Outline(source, meta.title, salutation, nodes, sentences, meta)


# The heading layers of GB/T 9704 as point styles: （一） and 1.; （1） is drawn as 1. (no style of its own).
_HEADING_STYLES = {0: "none", 2: "paren", 3: "arabic", 4: "arabic"}


def runin_style(marker: str) -> str:
    """The point style of a run-in enumerator as written (一是 → yishi, 第一， → diyi, 首先， → shouxian, —— → dash)."""
    marker = marker.strip()
    if marker.startswith(("—", "－")):
        return "dash"
    if marker.startswith("第"):
        return "diyi"
    if marker.startswith(("首先", "其次", "再次")):
        return "shouxian"
    return "yishi"


_ITEM_NUMBER = re.compile(r"^\s*[（(]?\s*[0-9]{1,2}\s*[）)]?\s*[、．.]?\s*")
_INLINE_SALUTATION = re.compile(r"^((?:尊敬的|亲爱的|各位|女士们|先生们|同志们|朋友们)[^。！？：:]{0,100}?)[：:]")
# A run-in part heading inside a one-line text: 「……。二、弘扬企业家精神改革开放以来，……」.
_RUNIN_PART = re.compile(r"(?<=[。！？”])\s*([一二三四五六七八九十]{1,2})、")
# Where such a heading ends: it has no full stop, so the next sentence's usual first words mark it.
_PART_BODY_START = re.compile(r"“|我们|我在|我国|我|改革开放以来|近年来|当前|今年|建议稿|党的|这")
_CN_ORDER = "一二三四五六七八九十"
_CALLS = r"(?:女士们|先生们|朋友们|同志们|各位代表|各位委员|各位来宾|各位嘉宾)"
_RUNIN_CALL = re.compile(rf"(?<=[。！？”])\s*({_CALLS}(?:[、，,]{_CALLS})*[！!])")


def _blocks(source: Source) -> list[Block]:
    """The source's paragraphs, with a long paragraph cut where a run-in part heading starts
    (一、 … 二、 … counted in order), so one-line texts get their parts, and any paragraph cut
    before a call standing alone (同志们！), which opens a new one."""
    out: list[Block] = []
    for block in source.blocks:
        if block.level is not None:
            out.append(block)
            continue
        cuts: list[int] = []
        expected = 1
        for m in _RUNIN_PART.finditer(block.text) if len(block.text) >= 600 else ():
            if m.group(1) == _CN_ORDER[expected - 1:expected]:
                cuts.append(m.start(1))
                expected += 1
        if len(cuts) < 2:
            cuts = []
        # A call to the audience standing alone (女士们、先生们、朋友们！) opens a new paragraph.
        cuts = sorted({*cuts, *(m.start(1) for m in _RUNIN_CALL.finditer(block.text) if m.start(1) > 0)})
        if not cuts:
            out.append(block)
            continue
        pieces = [block.text[a:b] for a, b in zip([0, *cuts], [*cuts, len(block.text)], strict=True)]
        for piece in pieces:
            piece = piece.strip()
            if not piece:
                continue
            if re.match(r"[一二三四五六七八九十]{1,2}、", piece):
                head_end = _heading_end(piece)
                if head_end:
                    out.append(Block(block.line, piece[:head_end]))
                    piece = piece[head_end:]
            out.append(Block(block.line, piece))
    return out


def _heading_end(piece: str) -> int:
    """Where a run-in heading without its own full stop ends (0: it has one, or none is found)."""
    first = re.search(r"[。！？，,：:；]", piece)
    limit = min(first.start() if first else len(piece), 40)
    for m in _PART_BODY_START.finditer(piece, 4, limit):
        return m.start()
    return 0


_INNER_POINT = re.compile(r"[：:，,](?=\s*(?:[一二三四五六七八九十]{1,3}是|第[一二三四五六七八九十]{1,3}[，、,]))")


def _points(body: str, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Clauses cut again where a run-in point starts inside one (……三件事：一是……，二是……)."""
    out = []
    for a, b in spans:
        start = a
        for m in _INNER_POINT.finditer(body, a, b):
            if m.end() - start > 1:
                out.append((start, m.end()))
            start = m.end()
        out.append((start, b))
    return out


def _add_paragraph(text: str, line: int, paragraph: int, node: int, nodes: list[Node],
                   sentences: list[Sentence]) -> None:
    current = node
    for a, b in split_spans(text):
        sentence = Sentence(len(sentences), text[a:b], line, paragraph, current)
        body = sentence.text
        for ca, cb in _points(body, split_clauses(body)):
            n = runin_of(body[ca:cb])
            if n:
                theme, rest = clip_theme(body[ca + n:cb])
                parent = nodes[node]
                runin = Node(len(nodes), 99, theme, line, body, parent.kind, node, runin=True,
                             style=runin_style(body[ca:ca + n]))
                nodes.append(runin)
                current = runin.index
                rest_start = cb - len(rest)  # clauses carry no trailing space, so the rest ends at cb
                sentence.clauses.append(Clause(ca, rest_start, current, theme=True))
                if rest:
                    sentence.clauses.append(Clause(rest_start, cb, current))
                continue
            sentence.clauses.append(Clause(ca, cb, current))
        sentence.node = sentence.clauses[0].node if sentence.clauses else current
        sentences.append(sentence)
