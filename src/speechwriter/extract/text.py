"""Sentences, clauses and the numbering of Chinese official text.

``split_spans`` cuts a paragraph at sentence ends (or at semicolons, for clauses) that stand
outside quotes and brackets, so 「他说：“……。”」 and 「（含……。）」 stay whole. A bracket that never
closes (text lost in copying) stops protecting after a few hundred characters instead of
swallowing the paragraph.

``heading_of`` recognises the layers of GB/T 9704 numbering (一、 （一） 1. （1）) at the start of a
paragraph and ``runin_of`` the run-in enumerators (一是 第一， 首先， ——) at the start of a clause.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["Heading", "clip_theme", "heading_of", "runin_of", "split_clauses", "split_sentences", "split_spans", "strip_note_marks"]

_OPENERS = "“‘「『《（(【〔［"
_CLOSERS = "”’」』》）)】〕］"
_MATCH = dict(zip(_CLOSERS, _OPENERS, strict=True))
SENTENCE_ENDS = "。！？!?"
CLAUSE_ENDS = "；;"
_TOKENS = {ends: re.compile("[" + re.escape(ends + _OPENERS + _CLOSERS) + '"]')
           for ends in (SENTENCE_ENDS, CLAUSE_ENDS)}
_MAX_OPEN = 300  # a quote open longer than this is taken as unbalanced


def split_spans(text: str, ends: str = SENTENCE_ENDS) -> list[tuple[int, int]]:
    """Spans of the pieces of ``text`` ending at one of ``ends`` outside quotes and brackets.

    Whitespace around pieces is left out; the terminator stays with its piece.
    """
    token = _TOKENS.get(ends) or re.compile("[" + re.escape(ends + _OPENERS + _CLOSERS) + '"]')
    spans: list[tuple[int, int]] = []
    stack: list[tuple[str, int]] = []
    ascii_quote = -1
    start = 0
    cut_after = -1  # end of a quotation that closed right after its own full stop
    n = len(text)
    for m in token.finditer(text):
        ch = m.group()
        i = m.start()
        if cut_after >= 0 and i > cut_after:
            spans.append((start, cut_after))
            start = cut_after
        cut_after = -1
        if ch in _OPENERS:
            stack.append((ch, i))
        elif ch in _CLOSERS:
            opener = _MATCH[ch]
            for k in range(len(stack) - 1, -1, -1):
                if stack[k][0] == opener:
                    del stack[k:]
                    break
            if not stack and ascii_quote < 0 and i > 0 and text[i - 1] in ends:
                cut_after = i + 1  # 「……。」 ends its sentence, unless more closers follow
        elif ch == '"':
            ascii_quote = i if ascii_quote < 0 else -1
        else:  # a terminator
            if stack and i - stack[0][1] > _MAX_OPEN:
                stack.clear()
            if ascii_quote >= 0 and i - ascii_quote > _MAX_OPEN:
                ascii_quote = -1
            if stack or ascii_quote >= 0:
                continue
            end = i + 1
            while end < n and (text[end] in ends or text[end] in "…"):
                end += 1
            spans.append((start, end))
            start = end
    if cut_after >= 0:
        spans.append((start, cut_after))
        start = cut_after
    if start < n:
        spans.append((start, n))
    out = []
    for a, b in spans:
        while a < b and text[a].isspace():
            a += 1
        while b > a and text[b - 1].isspace():
            b -= 1
        if a < b:
            out.append((a, b))
    return out


def split_sentences(text: str) -> list[str]:
    """Sentences of a paragraph (see :func:`split_spans`)."""
    return [text[a:b] for a, b in split_spans(text)]


def split_clauses(sentence: str) -> list[tuple[int, int]]:
    """Spans of the semicolon-separated clauses of a sentence."""
    return split_spans(sentence, CLAUSE_ENDS)


_CN = "一二三四五六七八九十"
_NUMBERED = (
    (1, re.compile(rf"^([{_CN}]{{1,3}})\s*[、．]\s*")),
    (2, re.compile(rf"^[（(]\s*([{_CN}]{{1,3}})\s*[）)]\s*[、，,]?\s*")),
    (3, re.compile(r"^([0-9]{1,2})\s*(?:[、．]|\.(?![0-9]))\s*")),
    (4, re.compile(r"^[（(]([0-9]{1,2})[）)]\s*")),
)
# 「第一、二、三产业」 lists ordinals (the three sectors); it marks no point.
# 「三 是」「第 二，」 (a stray space from page copy) still mark a point.
_RUNIN = re.compile(rf"^\s*(?:[{_CN}]{{1,3}}[ \u3000]?是|第[ \u3000]?[{_CN}]{{1,3}}\s*(?:[，,：:]|、(?![{_CN}]{{1,3}}(?:[、和及]|产业)))|(?:首先|其次|再次)\s*[，,、：:]|——|—(?!—)|－－)\s*")
_TERMINATORS = "。！？!?；;"
_INNER_POINT = re.compile(rf"[：:](?=\s*(?:[{_CN}]{{1,3}}是|第[{_CN}]{{1,3}}[，、,]))")
_THEME_CUT = re.compile(r"[，：]|[,:](?![0-9])")  # not the comma of 1,234 or the colon of 8:30
_YEAR = re.compile(r"(?<![0-9])[0-9]{4}年")
_DATA = re.compile(r"[0-9%％]")  # a short line with figures is data, not a heading


@dataclass(frozen=True, slots=True)
class Heading:
    """A heading found at the start of a paragraph: level, its text, and the body run in after it."""

    level: int
    text: str
    rest: str
    rest_offset: int


def heading_of(text: str, explicit_level: int | None = None, *, unnumbered: bool = False) -> Heading | None:
    """The heading a paragraph opens with, if any.

    ``explicit_level`` comes from the file's markup (Markdown ``#``, a Word heading style): the
    whole paragraph is then the heading. Otherwise a numbered paragraph (一、 （一） 1. （1）) is a
    heading of that layer; when it runs on into a body (（一）着力……。全年……), the heading is its
    first sentence. With ``unnumbered`` a short line without a full stop is a heading above the
    numbered layers (level 0), as in reports that write 「2004年工作回顾」 on a line of its own.
    """
    if explicit_level is not None:
        for _level, pattern in _NUMBERED:
            m = pattern.match(text)
            if m and _trim(text[m.end():]):
                return Heading(explicit_level, _trim(text[m.end():]), "", len(text))
        return Heading(explicit_level, _trim(text), "", len(text)) if _trim(text) else None
    for level, pattern in _NUMBERED:
        m = pattern.match(text)
        if not m:
            continue
        body = text[m.end():]
        if level == 3 and re.match(r"[0-9%％]", body):
            return None  # 3.5% is a number, not a heading
        spans = split_spans(body)
        if not spans:
            return None
        first_end = spans[0][1]
        inner = _INNER_POINT.search(body, 0, first_end)
        if inner:  # （一）两个站位：一是……，二是…… — the points run on after the colon
            first_end = inner.start() + 1
        rest = body[first_end:]
        offset = m.end() + first_end + (len(rest) - len(rest.lstrip()))
        if not _trim(body[:first_end]):
            return None  # a number and punctuation: no words to be a heading
        return Heading(level, _trim(body[:first_end]), rest.strip(), offset)
    if unnumbered and 2 <= len(_trim(text)) <= 30 and not any(ch in _TERMINATORS for ch in text) \
            and not text.endswith(("：", ":", "，", ",")) and not _DATA.search(_YEAR.sub("", text)):
        return Heading(0, _trim(text), "", len(text))
    return None


def runin_of(clause: str) -> int:
    """Length of the run-in enumerator (一是 第一， 首先， ——) that opens ``clause``, or 0."""
    m = _RUNIN.match(clause)
    return m.end() if m else 0


def _trim(text: str) -> str:
    return text.strip().rstrip("。：:；;，,！!？? ").strip()


def clip_theme(text: str, limit: int = 32) -> tuple[str, str]:
    """A theme from the start of a clause, and what follows it.

    A short clause is all theme; a long one gives its first comma-part (当…时 / 为了… stay whole
    only up to ``limit``), and the rest is the body that the theme introduces.
    """
    text = text.strip()
    inner = _INNER_POINT.search(text)
    if inner and inner.start() >= 2:  # 两个站位：一是…… — the points are the body
        return _trim(text[:inner.start()]), text[inner.end():].strip()
    body = _trim(text)
    if len(body) <= limit:
        return body, ""
    for m in _THEME_CUT.finditer(text):
        if 4 <= m.start() <= limit * 2:
            return _trim(text[:m.start()]), text[m.end():].strip()
        if m.start() > limit * 2:
            break
    return body, ""


# A footnote mark after a word (“双减”［3］, 12家[4], 攻坚”①, 工程”注1): the reader's pointer to a
# note, not part of the statement. A mark at the start of a line is the note itself and stays. The
# spaces a typesetter put round it (“3689” ［1］ 、) go with it: Chinese text has none between words.
_AFTER_MARK = r"(?:\s+(?=[\u4e00-\u9fff“‘《（、，。；：！？”’》）])|\s+$)?"
_NOTE_MARK = re.compile(r"(?:(?<=[\u4e00-\u9fff”’》）)A-Za-z%％])\s*(?:［\d{1,3}］|\[\d{1,3}\]|〔\d{1,3}〕|【\d{1,3}】|[①-⑳])"
                        r"|(?<=[”’》）)])\s*注\d{1,2}(?![0-9])"
                        r"|(?<=[\u4e00-\u9fff])(?<![关备投专贯倾标批下浇灌加赌])注\d{1,2}(?=[\u4e00-\u9fff]{2})(?![0-9]))"
                        + _AFTER_MARK)


# 「城建工程10项：①……②……」: circled numbers that open a list (① after a colon or a clause's start)
# number its items; there they are the text, not footnote marks.
_CIRCLED_LIST = re.compile(r"(?:^|[：:；;，,、（(\s])①")
_NOTE_MARK_NO_CIRCLED = re.compile(_NOTE_MARK.pattern.replace("|[①-⑳]", ""))


def strip_note_marks(text: str) -> str:
    """``text`` without the footnote marks that follow its words (［4］ [4] ① 注1); circled numbers
    that number a list (……：①……②……) stay."""
    if not (any(ch in text for ch in "［[〔【注①②③④⑤⑥⑦⑧⑨⑩") or re.search("[⑪-⑳]", text)):
        return text
    return (_NOTE_MARK_NO_CIRCLED if _CIRCLED_LIST.search(text) else _NOTE_MARK).sub("", text)
