"""How much of a source its extracted facts keep: the round-trip measure of ``facts extract``.

A sentence of the source *carries content* when it states a fact (a figure, a quoted name) or a
measure or requirement (要 / 将 / 坚持 / 推进 … / 希望 / 请); sentences of pure address or
evaluation do not, nor do the sentences about the meeting itself. A content sentence is
*represented* when at least ``threshold`` of its character bigrams appear in one text of the facts
(a statement, a measure, a theme, an opening or closing line …): containment, not equality, so a
statement cut at its run-in enumerator still counts, and two texts that merely share words do not.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field

from ..facts import Facts
from .figures import figures_in, quoted_spans
from .outline import outline_of
from .sources import Source
from .text import runin_of

__all__ = ["Coverage", "carries_content", "coverage_of", "facts_texts"]

_ACTION = re.compile(r"要|将|必须|坚持|推进|推动|加强|加快|实施|开展|完善|建设|建立|健全|深化|落实|确保|力争|提高|提升|"
                     r"优化|强化|促进|保障|支持|鼓励|引导|希望|请|努力|着力|抓好|做好|实现|完成|发挥|扩大|稳定|防范|"
                     r"培育|打造|发展|改革|创新|保护|治理|整治|增加|减少|增长|下降|新增|累计|达到|投入|争取|组织|举办")
_MEETING = re.compile(r"^(?:刚才|刚刚)|出席(?:今天|这次|本次)|作了(?:很好的|重要|精彩的)?(?:发言|讲话|报告)")
_HAN = re.compile(r"[\u4e00-\u9fff]")
_NOISE = re.compile(r"[\s，。、；：！？,.;:!?“”‘’\"'（）()《》【】\[\]—―－\-…·]")


def _bigrams(text: str) -> set[str]:
    t = _NOISE.sub("", text[runin_of(text):])  # 一是 / —— say where a point starts, not what it says
    return {t[i:i + 2] for i in range(len(t) - 1)}


def carries_content(sentence: str) -> bool:
    """A fact (figure, quoted name) or a measure or requirement, not address or the meeting itself."""
    if len(_HAN.findall(sentence)) < 8 or _MEETING.search(sentence):
        return False
    if figures_in(sentence)[0]:
        return True
    if any(sentence[a] != "《" for a, _ in quoted_spans(sentence)):
        return True
    return bool(_ACTION.search(sentence))


def facts_texts(facts: Facts) -> list[str]:
    """Every text of the facts a draft may state, one entry per field value."""
    # One text per point (its theme with all its statements), since a sentence 一是A，B becomes
    # the theme A and the statement B; and one per other field value.
    texts = [hl.theme + "。" + "。".join(i.statement for i in hl.items) for hl in facts.highlights]
    texts += [p.theme + "。" + "。".join(p.measures) for p in facts.plans]
    texts += [*facts.opening, facts.summary or "", facts.summing_up or "", facts.shortcomings_lead or "",
              *facts.shortcomings, *facts.context, *facts.headings.values(), facts.closing.call or "",
              *facts.closing.wishes, *facts.closing.requests, *facts.closing.thanks, facts.meta.title,
              *facts.notes]  # a glossary is kept for the writer as notes
    for part in getattr(facts, "parts", []):
        texts += [part.heading, *(p.theme + "。" + "。".join(p.measures) for p in part.points)]
    return [t for t in texts if t]


@dataclass
class Coverage:
    """Content sentences of a source and which of them the facts keep."""

    content: list[tuple[int, str]] = field(default_factory=list)  # (line, sentence)
    missing: list[tuple[int, str]] = field(default_factory=list)

    @property
    def share(self) -> float:
        return 1.0 if not self.content else 1 - len(self.missing) / len(self.content)


def coverage_of(source: Source, facts: Facts, threshold: float = 0.8) -> Coverage:
    """Which content sentences of ``source`` are represented in ``facts`` (see the module docstring)."""
    texts = facts_texts(facts)
    grams = [_bigrams(t) for t in texts]
    index: dict[str, list[int]] = defaultdict(list)
    for k, g in enumerate(grams):
        for b in g:
            index[b].append(k)
    out = Coverage()
    for s in outline_of(source).sentences:
        if not carries_content(s.text):
            continue
        out.content.append((s.line, s.text))
        mine = _bigrams(s.text)
        hits: dict[int, int] = defaultdict(int)
        for b in mine:
            for k in index.get(b, ()):
                hits[k] += 1
        best = max(hits.values(), default=0)
        if not mine or best / len(mine) < threshold:
            out.missing.append((s.line, s.text))
    return out
