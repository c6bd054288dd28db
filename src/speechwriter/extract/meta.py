"""What a source says about itself: title, occasion, date, speaker, addressees, period.

A published speech carries its metadata in the lines above the salutation (a title, a dash
line 「——2022年1月23日在……会议上」, a role-and-name line 「××县人民政府县长 ×××」, a photo
caption) or, in a text copied as one line, run into its first sentence. These functions read
them; anything they cannot find is left ``None`` for the extractor to mark 待核.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

__all__ = ["SourceMeta", "date_of", "is_meta_line", "period_of", "read_preamble", "role_in_body", "split_inline_preamble"]

_CN_DIGITS = {"〇": 0, "零": 0, "○": 0, "Ｏ": 0, "一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7,
              "八": 8, "九": 9}
_DATE = re.compile(r"([0-9]{4}|[〇零○Ｏ一二三四五六七八九]{4})\s*年\s*([0-9]{1,2}|[一二三四五六七八九十]{1,2})\s*月\s*"
                   r"([0-9]{1,2}|[一二三四五六七八九十]{1,3})\s*日")
_OCCASION = re.compile(r"在([^。！？；，,：:（）()]{4,60}?)上(?:的(?:讲话|致辞|发言|报告|说明|主持词))?")
_ROLE_WORDS = r"(?:总理|副总理|主席|副主席|书记|副书记|省长|市长|县长|区长|州长|旗长|镇长|乡长|局长|会长|院长|校长|理事长|董事长|总经理|行长|社长|所长|主任|部长|厅长|委员|代表|负责人)"
_ROLE_NAME = re.compile(rf"^([\u4e00-\u9fff*＊]{{1,30}}?{_ROLE_WORDS})[\s?？　]*((?:[\u4e00-\u9fff][\s?？　]*){{2,4}})$")
_NAME_ONLY = re.compile(r"^[\u4e00-\u9fff]{2,4}$")
_CAPTION = re.compile(r"摄$|记者|图片|来源[：:]|浏览|www\.|http|发布时间|点击|【.*】|编辑[：:]")
_SALUTATION_WORDS = re.compile(r"同志|代表|领导|各位|女士|先生|朋友|主席|书记|大家|委员|老师|同学|来宾|嘉宾")
_BODY_ROLE = re.compile(r"作为([\u4e00-\u9fff*＊]{2,20}?)(?:，|,|、|我|的一员|来)")
_ON_BEHALF = re.compile(r"我(?:谨)?代表([\u4e00-\u9fff*＊]{2,30}?)(?:，|,|向|对|表示|作)")
_PERIOD = re.compile(r"(?:(?:近|过去)?[0-9一二三四五六七八九十两几]+年(?:来|以来)|[0-9]{4}年(?=工作|的工作|主要工作|度)|"
                     r"“[^”]{2,8}”时期|一年来|近年来|过去一年|过去五年|本届政府以来)")
_DASHES = "—―－-─ 　"


@dataclass
class SourceMeta:
    """What the preamble lines and the opening say; ``None`` where they are silent."""

    title: str | None = None
    occasion: str | None = None
    date: dt.date | None = None
    speaker_name: str | None = None
    speaker_role: str | None = None
    role_stated: bool = False  # the role is written out (a role line, 作为……), not inferred from 我代表……


def _cn_number(text: str) -> int:
    if text.isdigit():
        return int(text)
    if len(text) == 4:  # a year written digit by digit: 二〇一九
        return int("".join(str(_CN_DIGITS.get(ch, 0)) for ch in text))
    if "十" in text:
        tens, _, ones = text.partition("十")
        return (_CN_DIGITS.get(tens, 1) if tens else 1) * 10 + (_CN_DIGITS.get(ones, 0) if ones else 0)
    return _CN_DIGITS.get(text, 0)


def date_of(text: str) -> dt.date | None:
    """The first full date in ``text`` (2022年1月23日, 二〇一九年一月十四日), or None."""
    m = _DATE.search(text)
    if not m:
        return None
    try:
        return dt.date(_cn_number(m.group(1)), _cn_number(m.group(2)), _cn_number(m.group(3)))
    except ValueError:
        return None


def _clean(line: str) -> str:
    return line.strip().strip(_DASHES).strip()


def _squeeze(text: str) -> str:
    """「政 府 工 作 报 告」 → 「政府工作报告」: spaces between Chinese characters are layout."""
    return re.sub(r"(?<=[\u4e00-\u9fff])[\s　]+(?=[\u4e00-\u9fff])", "", text)


def is_meta_line(line: str) -> bool:
    """A line above the salutation that says who, when or where (a date and occasion line, a role
    and name, a name alone, a photo caption or page residue), as opposed to a heading of the body."""
    line = _clean(line)
    inner = line.strip("（）() ")
    return bool(date_of(inner) or (_OCCASION.match(inner)) or _ROLE_NAME.match(line) or _NAME_ONLY.match(line)
                or _CAPTION.search(line))


def read_preamble(lines: list[str]) -> SourceMeta:
    """Read the lines above the salutation (title, date and occasion, role and name, captions)."""
    meta = SourceMeta()
    title_at = -1
    for at, raw in enumerate(lines):
        line = _clean(raw)
        if not line or _CAPTION.search(line):
            continue
        inner = line.strip("（）() ")
        date = date_of(inner)
        occasion = _OCCASION.search(inner)
        if date or (occasion and occasion.start() <= 12):
            meta.date = meta.date or date
            if occasion and meta.occasion is None:
                meta.occasion = occasion.group(1).strip()
            rest = _DATE.sub("", inner)
            rest = _OCCASION.sub("", rest).strip(" ，,")
            if _NAME_ONLY.match(rest) and meta.speaker_name is None:  # （2011年1月12日 陈全国）
                meta.speaker_name = rest
            if meta.title is None and occasion and re.search(r"上的(?:讲话|致辞|发言|报告|说明|主持词)", inner) \
                    and occasion.start() == 0:
                meta.title = occasion.group(0)
            continue
        role = _ROLE_NAME.match(line)
        if role and meta.speaker_role is None:
            meta.speaker_role = _squeeze(role.group(1)).replace("?", "").replace("？", "")
            meta.speaker_name = re.sub(r"[\s?？　]", "", role.group(2))
            meta.role_stated = True
            continue
        if _NAME_ONLY.match(line) and title_at == at - 1 and meta.speaker_name is None:
            meta.speaker_name = line  # a name line right under the title
            continue
        title = re.sub(r"[（(]全文[）)]$", "", _squeeze(line)).strip()
        if meta.title is None and 4 <= len(title) <= 60 and not any(ch in "。！？；" for ch in line):
            meta.title, title_at = title, at  # (a shorter line is a fragment of a title broken by the page)
    return meta


_INLINE_HEAD = re.compile(
    rf"^(?P<title>在[^。！？；：]{{4,60}}?上的(?:讲话|致辞|发言|报告|说明|主持词))?"
    rf"\s*(?P<when>[（(][^（）()]{{4,30}}[）)])?"
    rf"\s*(?:(?P<role>[\u4e00-\u9fff]{{2,20}}?{_ROLE_WORDS})\s*(?P<name>[\u4e00-\u9fff]{{2,3}}?)"
    rf"(?=尊敬|各位|女士|同志|亲爱|朋友))?"
    rf"\s*(?P<salutation>(?:尊敬的|亲爱的|各位|女士们|同志们|朋友们)[^。！？：:]{{0,100}}?[：:])?")


def split_inline_preamble(text: str) -> tuple[SourceMeta, str | None, int]:
    """A one-line text that runs title, date, role and name and salutation into its first sentence.

    Returns what it says, the salutation (or None) and where the body starts.
    """
    meta = SourceMeta()
    m = _INLINE_HEAD.match(text)
    if not m or not m.group(0).strip():
        return meta, None, 0
    if m.group("title"):
        meta.title = m.group("title")
        occasion = _OCCASION.search(m.group("title"))
        meta.occasion = occasion.group(1) if occasion else None
    if m.group("when"):
        meta.date = date_of(m.group("when"))
    if m.group("role"):
        meta.speaker_role, meta.speaker_name, meta.role_stated = m.group("role"), m.group("name"), True
    salutation = m.group("salutation")
    if salutation and not _SALUTATION_WORDS.search(salutation):
        salutation = None
    end = m.end() if salutation else (m.start("salutation") if m.group("salutation") else m.end())
    return meta, salutation, end


def role_in_body(sentences: list[str]) -> tuple[str | None, bool]:
    """The speaker's role as the opening says it: 作为市委分管领导 (stated) or 我代表县人民政府
    (the body spoken for: a hint, to be checked)."""
    for s in sentences:
        m = _BODY_ROLE.search(s)
        if m and not m.group(1).startswith(("一名", "一个", "我们")):
            return m.group(1), True
    for s in sentences:
        m = _ON_BEHALF.search(s)
        if m:
            return m.group(1), False
    return None, False


def period_of(headings: list[str], opening: list[str]) -> str | None:
    """The period a review covers: from the first review heading (一、2009年工作回顾, 四年来的主要
    工作成效, 过去五年工作回顾), else from the opening's first words (2019年，……)."""
    for text in headings:
        m = _PERIOD.search(text)
        if m and m.start() <= 4:
            return m.group().removesuffix("度")
        y = re.match(r"^([0-9]{4}年)", text)
        if y:
            return y.group(1)
    for text in opening:
        m = re.match(r"^((?:近|过去)?[0-9一二三四五六七八九十两]+年(?:来|以来)|[0-9]{4}年|一年来|近年来)[，,]", text)
        if m:
            return m.group(1)
    return None
