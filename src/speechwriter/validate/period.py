"""Time and period: the years and period words of a speech against ``meta.period`` and ``meta.date``.

Codes P801–P803:

- P801 a period word that contradicts the facts' period (一年来 in a four-year review, 一年来 where
  the facts say 今年以来, 五年来 in a one-year report);
- P802 a year in a review or plan heading that does not fit the period (一、2010年主要工作成效 over the
  facts of 2009); without years in the facts, the review and plan headings must agree with each other
  (回顾 of year Y, 安排 of Y+1), and the one the body does not bear out is blamed;
- P803 「年初的打算」 and the like in a review of more than one year.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from ._review import Text, texts, to_int
from .checks import Finding, _Context

CHECK_NAME = "period"

__all__ = ["CHECK_NAME", "Period", "check", "parse_period"]


@dataclass(frozen=True)
class Period:
    """What a review covers: its length in years (0: part of this year, 今年以来) and its years if named."""

    years: int
    named: tuple[int, ...] = ()
    words: str = ""


_YEAR = re.compile(r"((?:19|20)\d{2})\s*年")
_YEAR_RANGE = re.compile(r"((?:19|20)\d{2})\s*年?\s*(?:[—\-–～~至到]|—)\s*((?:19|20)\d{2})\s*年")
_N_YEARS = re.compile(r"([一二两三四五六七八九十]{1,2}|\d{1,2})\s*年(?:来|以来|中|间)?")


def parse_period(text: str | None) -> Period | None:
    """四年来 → 4 years; 今年以来 → part of a year; 2022年 → 1 year (2022); 2019—2022年 → 4 years."""
    if not text:
        return None
    t = text.strip()
    m = _YEAR_RANGE.search(t)
    if m:
        a, b = int(m.group(1)), int(m.group(2))
        if a <= b:
            return Period(b - a + 1, tuple(range(a, b + 1)), t)
    years = tuple(int(y) for y in _YEAR.findall(t))
    if years:
        return Period(len(set(years)), tuple(sorted(set(years))), t)
    if "今年以来" in t or "年初以来" in t:
        return Period(0, (), t)
    if t in ("一年来", "全年", "过去一年", "这一年"):
        return Period(1, (), t)
    m = _N_YEARS.search(t)
    if m and to_int(m.group(1)):
        return Period(to_int(m.group(1)) or 1, (), t)
    return None


# A period word opening a clause: 四年来，… / 一年来，… / 今年以来，… (not 改革开放四十年来).
_PERIOD_WORD = re.compile(r"(?:(?<=^)|(?<=[，。；！？：\n“]))\s*((?:过去|这)?([一二两三四五六七八九十]|\d)年(?:来|以来)|今年以来)")


def _period_word_matches(text: str) -> list[re.Match[str]]:
    """Period words, found from their 年来/以来 (a literal search is fast) and matched from a few characters back."""
    out = []
    last = -1
    for m in re.finditer("年来|年以来|今年以来", text):
        lo = max(0, m.start() - 6)
        for w in _PERIOD_WORD.finditer(text, lo, m.end()):
            if w.end(1) == m.end() and w.start() > last:
                out.append(w)
                last = w.start()
    return out


def _period_words(t: Text, period: Period) -> list[Finding]:
    out = []
    for m in _period_word_matches(t.text):
        word = m.group(1)
        said = 0 if word == "今年以来" else to_int(m.group(2) or "")
        if said is None or said == period.years or (period.years == 0 and said == 0):
            continue
        if period.years == 1 and said == 0:
            continue  # 今年以来 in a year's review that is given at year's end is still this year
        fix = period.words if re.fullmatch(r"(?:[一二两三四五六七八九十]|\d)年来|今年以来|一年来", period.words) else None
        want = fix or ("今年以来" if period.years == 0 else f"{period.years}年来")
        out.append(Finding(code="P801", severity="error", section=t.sid, span=t.span(*m.span(1)), excerpt=word,
                           message=f"「{word}」与事实中的时期「{period.words}」不符",
                           suggestion=f"改为「{want}」", replacement=fix))
    return out


_EARLY_PLAN = re.compile(r"年初(?:的|所)?(?:打算|计划|目标|部署|安排|确定|提出|制定)")


def _early_plan(t: Text, period: Period) -> list[Finding]:
    if period.years < 2:
        return []
    return [Finding(code="P803", severity="error", section=t.sid, span=t.span(*m.span()), excerpt=m.group(),
                    message=f"「{m.group()}」只适用于一年的总结，事实中的时期是「{period.words}」",
                    suggestion="改为“对照任期之初（或规划）确定的目标”等与时期相符的说法")
            for m in _EARLY_PLAN.finditer(t.text)]


_REVIEW = re.compile(r"回顾|成效|成绩|总结|进展|完成情况")
_PLAN = re.compile(r"打算|计划|安排|目标|思路|展望|任务|要求|部署")
_HEADING_LINE = re.compile(r"\s*([一二三四五六七八九十]{1,3}、[^\n]{2,40})$")


def _heading_lines(text: str) -> list[tuple[int, int]]:
    """Spans of the heading lines (一、…) inside a body: lines holding 、 are the only candidates."""
    out = []
    pos = 0
    for line in text.split("\n"):
        if "、" in line[:6]:
            m = _HEADING_LINE.match(line)
            if m:
                out.append((pos + m.start(1), pos + m.end(1)))
        pos += len(line) + 1
    return out


@dataclass(frozen=True)
class _Heading:
    t: Text
    start: int
    end: int
    year: int
    kind: str  # review | plan


def _year_headings(ctx: _Context) -> list[_Heading]:
    """Level-one headings (and heading lines inside bodies) that name one year and are a review or a plan."""
    out = []
    for t in texts(ctx):
        lines = [(0, len(t.text))] if t.heading else _heading_lines(t.text)
        for a, b in lines:
            line = t.text[a:b]
            years = _YEAR.findall(line)
            if len(set(years)) != 1:
                continue
            ym = _YEAR.search(line)
            kind = "plan" if _PLAN.search(line) else "review" if _REVIEW.search(line) else ""
            if ym and kind:
                out.append(_Heading(t, a + ym.start(1), a + ym.end(1), int(ym.group(1)), kind))
    return out


def _heading_finding(h: _Heading, message: str, want: int | None) -> Finding:
    line = h.t.text if h.t.heading else h.t.text[h.start:h.t.text.find("\n", h.start) % (len(h.t.text) + 1)]
    return Finding(code="P802", severity="error", section=h.t.sid, span=h.t.span(h.start, h.end), excerpt=str(h.year),
                   message=message + f"：{line.strip()[:30]}",
                   suggestion=f"把「{h.year}」改为「{want}」" if want else "核对标题中的年份",
                   replacement=str(want) if want else None)


def _heading_years(ctx: _Context, period: Period | None) -> list[Finding]:
    heads = _year_headings(ctx)
    if not heads:
        return []
    date = getattr(ctx.facts.meta, "date", None)
    out = []
    if period and period.named:
        last = max(period.named)
        for h in heads:
            if h.kind == "review" and h.year not in period.named:
                out.append(_heading_finding(h, f"标题中的年份 {h.year} 年不在事实的时期「{period.words}」内",
                                            last if period.years == 1 else None))
            elif h.kind == "plan" and h.year < last:
                out.append(_heading_finding(h, f"打算中的年份 {h.year} 年早于所总结的时期「{period.words}」", last + 1))
        return out
    if date is not None:
        for h in heads:
            ok = {date.year, date.year - 1} if h.kind == "review" else {date.year, date.year + 1}
            if h.year not in ok:
                out.append(_heading_finding(h, f"标题中的年份 {h.year} 年与讲话日期 {date.isoformat()} 不符", None))
        return out
    return _headings_agree(ctx, heads)


def _headings_agree(ctx: _Context, heads: list[_Heading]) -> list[Finding]:
    """No years in the facts: a review of year Y goes with plans for Y+1.

    When some review and plan headings agree, every heading off that pair is wrong. When none
    agree, the side whose year the body speaks of less is blamed (a changed heading is rarely
    repeated in the text).
    """
    reviews = [h for h in heads if h.kind == "review"]
    plans = [h for h in heads if h.kind == "plan"]
    if not reviews or not plans:
        return []
    plan_years = {h.year for h in plans}
    anchors = sorted({r.year for r in reviews if r.year + 1 in plan_years})
    if anchors:
        y = anchors[-1]
        out = [_heading_finding(r, f"回顾的年份 {r.year} 年与打算的年份 {y + 1} 年不衔接", y)
               for r in reviews if r.year != y]
        return out + [_heading_finding(p, f"打算的年份 {p.year} 年与回顾的年份 {y} 年不衔接", y + 1)
                      for p in plans if p.year != y + 1]
    said: Counter[int] = Counter()
    for t in texts(ctx, headings=False):
        heads = _heading_lines(t.text)
        said.update(int(x) for x in _YEAR.findall(t.text))
        said.subtract(int(x) for a, b in heads for x in _YEAR.findall(t.text, a, b))
    r_year = Counter(r.year for r in reviews).most_common(1)[0][0]
    p_year = Counter(p.year for p in plans).most_common(1)[0][0]
    if said[r_year] <= said[p_year - 1]:
        return [_heading_finding(r, f"回顾的年份 {r.year} 年与打算的年份 {p_year} 年不衔接", p_year - 1)
                for r in reviews]
    return [_heading_finding(p, f"打算的年份 {p.year} 年与回顾的年份 {r_year} 年不衔接", r_year + 1) for p in plans]


def check(ctx: _Context) -> list[Finding]:
    """Period words and heading years against the facts' period and date."""
    period = parse_period(ctx.facts.meta.period)
    out: list[Finding] = []
    if period is not None:
        for t in texts(ctx):
            out += _period_words(t, period)
            out += _early_plan(t, period)
    out += _heading_years(ctx, period)
    return out
