"""A source's outline: its headings (with what each section is about) and its sentences.

Both extractors read sources through this: the offline one groups the sentences by their
headings, the LLM one sends them numbered and cites them back by id.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .sources import Source
from .text import clip_theme, heading_of, runin_of, split_clauses, split_spans

__all__ = ["Clause", "Node", "Outline", "Sentence", "outline_of", "section_kind"]

Kind = str  # "achievements" | "plans" | "shortcomings"

_PLANS = re.compile(r"今后|下一步|打算|安排|思路|任务|计划|目标|展望|部署|重点工作|努力方向|工作要点|总体要求|主要要求|"
                    r"明年|新的一年|新一年|建议|措施")
_SHORTCOMINGS = re.compile(r"不足|问题|差距|短板|弱项|困难|教训")
_SALUTATION = re.compile(r"同志|代表|领导|各位|女士|先生|朋友|主席|书记|大家|委员|老师|同学")


def section_kind(heading: str) -> Kind:
    """What a section is about, from its heading's words."""
    if _SHORTCOMINGS.search(heading) and len(heading) <= 20:
        return "shortcomings"
    if _PLANS.search(heading):
        return "plans"
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
    for p, block in enumerate(source.blocks):
        text = block.text
        if p == 0 and block.level in (None, 1) and len(text) <= 40 and heading_of(text) is None \
                and not any(ch in "。！？；" for ch in text):
            title = text.strip("#").strip()
            continue
        if not seen_heading and salutation is None and len(text) <= 40 and text.endswith(("：", ":")) \
                and _SALUTATION.search(text):
            salutation = text
            continue
        heading = heading_of(text, block.level, unnumbered=block.level is None)
        body = text
        if heading is not None:
            seen_heading = True
            while len(stack) > 1 and nodes[stack[-1]].level >= heading.level:
                stack.pop()
            parent = stack[-1]
            inherited = nodes[parent].kind
            kind = inherited if inherited != "achievements" else section_kind(heading.text)
            node = Node(len(nodes), heading.level, heading.text, block.line, heading.text, kind, parent)
            nodes.append(node)
            stack.append(node.index)
            if not heading.rest:
                continue
            body = heading.rest
        _add_paragraph(body, block.line, p, stack[-1], nodes, sentences)
    return Outline(source, title, salutation, nodes, sentences)


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
                runin = Node(len(nodes), 99, theme, line, body, parent.kind, node, runin=True)
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
