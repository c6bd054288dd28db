"""Counts against enumerations: 「以下八个方面」 or 「五大亮点」 over a list of another length.

Code E701. A stated count is checked only where it announces a list — the sentence ends in a
colon or a full stop right after it and the next text opens an enumeration (一是 …, （一）…,
第一，…, 1. …). The items are counted in sequence (1, 2, 3 … in one style) up to the next list of
the same style or a heading of a higher level. The fix changes the count to the items counted;
when the list is what is wrong, the user edits the list instead.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ._review import Text, same_system, texts, to_int
from .checks import Finding, _Context

CHECK_NAME = "counts"

__all__ = ["CHECK_NAME", "check"]

_NUM = r"[一二两三四五六七八九十]{1,3}|\d{1,2}"
_NOUN = (r"个方面|方面|大(?:亮点|任务|工程|行动|战略|举措|突破|目标|重点|成果|变化|特点|优势|体系|板块|攻坚战|专项行动|产业|"
         r"平台|基地|重点工程|民生工程|计划)|个亮点|个重点|个问题|个特点|个转变|个突破|点(?:意见|体会|要求|建议|认识|打算|希望)?|"
         r"项(?:重点|主要|具体)?(?:工作|任务|措施|举措|要求|内容|行动)|件(?:大)?(?:事|实事)|条(?:措施|意见|经验|建议)")
_COUNT = re.compile(rf"({_NUM})({_NOUN})")
# Searched from the noun (a literal start is fast), the numeral read back from there.
_NOUN_RE = re.compile(_NOUN)
_NUM_BACK = re.compile(rf"(?:{_NUM})$")
_ANNOUNCE_WORDS = ("以下", "如下", "下面", "主要有", "主要是", "包括", "有")

# One marker style each: the pattern finds the marker with its ordinal in group 1.
_STYLES: dict[str, re.Pattern[str]] = {
    "yishi": re.compile(r"(?:^|(?<=[。；！？：:;\n]))\s*([一二三四五六七八九十]{1,3})是"),
    "paren": re.compile(r"(?:^|(?<=[\n：:。]))\s*[（(]([一二三四五六七八九十]{1,3})[）)]"),
    "diyi": re.compile(r"(?:^|(?<=[。；！？：:;\n]))\s*第([一二三四五六七八九十]{1,3})[，,、：]"),
    "arabic": re.compile(r"(?:^|(?<=[\n：:]))\s*(\d{1,2})[.．、](?!\d)"),
    "heading": re.compile(r"(?:^|(?<=\n))\s*([一二三四五六七八九十]{1,3})、"),
}
# The same markers where a list opens (the point after the announcing colon).
_OPENERS = {style: re.compile(p.pattern.split(r"\s*", 1)[1]) for style, p in _STYLES.items()}
# What ends a list of each style: a marker of a higher level on a new line.
_HIGHER = {
    "yishi": re.compile(r"\n\s*(?:[（(][一二三四五六七八九十]+[）)]|[一二三四五六七八九十]+、)"),
    "paren": re.compile(r"\n\s*[一二三四五六七八九十]+、"),
    "diyi": re.compile(r"\n\s*(?:[（(][一二三四五六七八九十]+[）)]|[一二三四五六七八九十]+、)"),
    "arabic": re.compile(r"\n\s*(?:[（(][一二三四五六七八九十]+[）)]|[一二三四五六七八九十]+、)"),
    "heading": re.compile(r"(?!)"),
}


@dataclass(frozen=True)
class _Count:
    numeral: str
    start: int  # of the numeral
    end: int  # of the whole phrase
    value: int


def _announced(text: str, m: re.Match[str]) -> int | None:
    """Where the list announced by the count at ``m`` begins, or None when it announces none."""
    rest = text[m.end():m.end() + 16]
    stop = re.search(r"[：:。]", rest)
    if stop is None or re.search(r"[，,；;]", rest[:stop.start()]):
        return None
    lead = text[max(0, m.start() - 8):m.start()]
    if rest[stop.start()] != "：" and not any(w in lead for w in _ANNOUNCE_WORDS):
        return None
    return m.end() + stop.end()


def _items(text: str, at: int) -> tuple[str, int] | None:
    """The style of the enumeration that opens at ``at`` and how many items it has in sequence."""
    for style, pattern in _STYLES.items():
        first = _OPENERS[style].match(text, at)
        if first is None or to_int(first.group(1)) != 1:
            continue
        end = len(text)
        higher = _HIGHER[style].search(text, first.end())
        if higher:
            end = higher.start()
        n = 1
        for m in pattern.finditer(text, first.end(), end):
            k = to_int(m.group(1))
            if k == 1:
                break  # a new list of the same style
            if k == n + 1:
                n = k
        return style, n
    return None


def _count_phrases(text: str) -> list[re.Match[str]]:
    out = []
    for noun in _NOUN_RE.finditer(text):
        num = _NUM_BACK.search(text, max(0, noun.start() - 3), noun.start())
        if num:
            m = _COUNT.match(text, num.start())
            if m:
                out.append(m)
    return out


def _counts_in(text: str) -> list[tuple[_Count, int]]:
    out = []
    for m in _count_phrases(text):
        value = to_int(m.group(1))
        if value is None or value < 2 or value > 30:
            continue
        if m.start() and text[m.start() - 1] in "第十零〇一二两三四五六七八九0123456789":
            continue  # 第三点, 二十三项 (a longer numeral)
        at = _announced(text, m)
        if at is not None:
            out.append((_Count(m.group(1), m.start(), m.end(), value), at))
    return out


def _finding(t: Text, c: _Count, style: str, n: int, phrase: str) -> Finding:
    right = same_system(n, c.numeral)
    marker = {"yishi": "“一是……”", "paren": "“（一）……”", "diyi": "“第一……”", "arabic": "“1. ……”",
              "heading": "“一、……”"}[style]
    return Finding(code="E701", severity="error", section=t.sid, span=t.span(c.start, c.start + len(c.numeral)),
                   excerpt=phrase,
                   message=f"「{phrase}」说有 {c.value} 项，其后{marker}列出的是 {n} 项",
                   suggestion=f"把「{c.numeral}」改为「{right}」，或补齐、删减所列各项使二者一致",
                   replacement=right)


def check(ctx: _Context) -> list[Finding]:
    """A stated count that announces a list of another length."""
    out: list[Finding] = []
    for t in texts(ctx):
        if t.heading:
            section = ctx.draft.section(t.sid)
            body = section.body if section else ""
            for c, _at in _counts_in(t.text + "：") if not t.text.endswith(("：", ":")) else _counts_in(t.text):
                found = _items(body, len(body) - len(body.lstrip()))
                if found and found[1] >= 2 and found[1] != c.value:
                    out.append(_finding(t, c, *found, t.text[c.start:c.end]))
            continue
        for c, at in _counts_in(t.text):
            while at < len(t.text) and t.text[at] in " \u3000\n\t":
                at += 1
            found = _items(t.text, at)
            if found and found[1] >= 2 and found[1] != c.value:
                out.append(_finding(t, c, *found, t.text[c.start:c.end]))
    return out

