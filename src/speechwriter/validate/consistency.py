"""Figures that fight each other (数据打架): checks that need no facts, only the figures of one text.

A senior reviewer circles figures that cannot all be true: parts that add up to more than the total
stated beside them (其中…), a share over 100% or shares of one whole summing past it, a growth written
with a negative value or a change whose direction contradicts its two values (由 8% 下降到 9%), and the
same indicator given two values in one speech (one of them often a 万元 written for 亿元).

The same functions read a draft (the ``consistency`` check of ``validate``) and a facts file
(``facts check``), so a conflict is caught where it is first written. Codes:

========  ========  ==========================================================================
D401      error     其中 parts add up to more than the total beside them
D402      error     a share (占…%, 比重, 覆盖率 …) over 100%, or shares of one total summing past it
D403      error     增长/提高 with a negative value, or 由 A … 到 B whose direction contradicts A, B
D404      warning   one indicator (the same words right before the figure) given two values
D405      warning   one indicator given values 10 000 or 100 000 000 times apart (万元 vs 亿元)
========  ========  ==========================================================================
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from ..figures.quantities import Mention, find_quantities

if TYPE_CHECKING:
    from ..facts.model import Facts
    from .checks import Finding, _Context

__all__ = ["CHECK_NAME", "Conflict", "check", "conflicts", "facts_conflicts", "indicator_conflicts"]

CHECK_NAME = "consistency"


@dataclass(frozen=True)
class Conflict:
    """One conflict inside a text: the span of the figure to look at, and what is wrong."""

    code: str
    severity: str
    start: int
    end: int
    excerpt: str
    message: str
    suggestion: str


# --- one sentence at a time: parts, shares, signs -------------------------------------------------

_SENTENCE = re.compile(r"[^。！？；;!?\n]+")
_RATE_UNITS = frozenset({"%", "‰", "百分点", "倍"})
# How far parts may run past a total written with a qualifier (1500余万元 may be 1599万元).
_SLACK = {"": Decimal("0.005"), "约": Decimal("0.05"), "余": Decimal("0.15"), "超": Decimal("0.15"),
          "上": Decimal("0.15"), "数": Decimal("1"), "近": Decimal("0.005"), "不足": Decimal("0.005")}
# A clause that states a new total or another period ends the parts of 其中.
_NEW_TOTAL = re.compile(r"全年|累计|合计|总计|总量|总额|共计|明年|今年|预计|力争|计划|目标")
_SHARE_BEFORE = re.compile(r"(?:占比|比重|占[^，。；、]{0,12}?(?:的)?|覆盖率|普及率|达标率|合格率|优良率|入学率|参保率|"
                           r"参合率|受益率|知晓率|满意度|达标比例|比例)(?:达到|提高到|提升到|上升到|保持在|稳定在|达|为|是|超过)?$")
_PLAN_WORDS = re.compile(r"计划|目标|任务|预算|指标|上年|去年|同期")
_GROWTH = re.compile(r"(?:同比|比上年|较上年|比去年|年均)?(?:增长|增加|提高|上升|提升|增幅为?|增速为?)了?\s?$")
_DECLINE = re.compile(r"(?:同比|比上年|较上年|比去年|年均)?(?:下降|降低|减少|回落)了?\s?$")
_UP_WORDS = ("提高", "增长", "增加", "上升", "提升", "扩大", "增至", "升至", "跃升")
_DOWN_WORDS = ("下降", "降低", "减少", "缩小", "降至", "减至", "回落", "压缩", "压减")
_MINUS = frozenset("-－—负")
_CHANGE = re.compile(r"(?P<verb>" + "|".join(_UP_WORDS + _DOWN_WORDS) + r")(?:了)?(?:到|至|为)?$")


def conflicts(text: str, mentions: Sequence[Mention] | None = None) -> list[Conflict]:
    """The conflicts that one text holds sentence by sentence (D401, D402, D403).

    ``mentions`` are the text's figures when the caller has found them already (validate has)."""
    found = [m for m in (mentions if mentions is not None else find_quantities(text)) if not m.weak]
    out: list[Conflict] = []
    i = 0
    for sentence in _SENTENCE.finditer(text):
        a, b = sentence.span()
        while i < len(found) and found[i].start < a:
            i += 1
        j = i
        while j < len(found) and found[j].start < b:
            j += 1
        here = found[i:j]
        if here:
            out += _parts_over_total(text, a, b, here)
            out += _shares(text, a, here)
            out += _signs(text, a, here)
    return out


def _clause_start(text: str, pos: int, floor: int) -> int:
    return max(floor, *(text.rfind(ch, floor, pos) + 1 for ch in "，,、：:"))


def _parts_over_total(text: str, a: int, b: int, here: list[Mention]) -> list[Conflict]:
    at = text.find("其中", a, b)
    if at < 0:
        return []
    totals: dict[str, Mention] = {}
    for m in here:
        if m.start < at and m.quantity.unit and m.quantity.unit not in _RATE_UNITS and m.quantity.high is None:
            totals[m.quantity.unit] = m  # the last one of each unit before 其中
    if not totals:
        return []
    parts: dict[str, list[Mention]] = {}
    clause_end = at
    for m in here:
        if m.start < at:
            continue
        if m.start > clause_end:
            clause_end = min((e for e in (text.find(ch, m.start, b) for ch in "，,；") if e >= 0), default=b)
            if _NEW_TOTAL.search(text, _clause_start(text, m.start, at), m.start):
                break  # 全年…, 明年…: a new total or another period, no longer a part
        q = m.quantity
        if q.unit not in totals or q.high is not None or q.qualifier in ("超", "不足", "数"):
            continue  # 500万元以上的: a class of the parts, not a part
        if text[m.end:m.end + 1] == "的" or _SHARE_BEFORE.search(text, max(a, m.start - 16), m.start):
            continue
        parts.setdefault(q.unit, []).append(m)
    out = []
    for unit, ms in parts.items():
        total = totals[unit]
        tq = total.quantity
        whole = tq.value * (1 + _SLACK.get(tq.qualifier, Decimal("0.15")))
        summed = sum((m.quantity.value for m in ms), Decimal(0))
        if tq.value <= 0 or summed <= whole:
            continue
        worst = max(ms, key=lambda m: m.quantity.value)
        what = "" if len(ms) == 1 else f"（{'、'.join(m.text for m in ms)}合计 {_in_form_of(total, summed)}）"
        out.append(Conflict(
            "D401", "error", worst.start, worst.end, worst.text,
            f"“其中”所列的部分{what}超过了总数「{total.text}」",
            f"核对「{total.text}」与其中各项，部分之和不能大于总数"))
    return out


def _plain(value: Decimal) -> str:
    return format(value.normalize(), "f")


def _in_form_of(total: Mention, value: Decimal) -> str:
    """``value`` written with the total's magnitude and unit (13000000000 元 beside 120亿元 → 130亿元)."""
    unit = total.quantity.unit
    for word, scale in (("万亿", 10**12), ("亿", 10**8), ("万", 10**4)):
        if word in total.text:
            return f"{_plain(value / scale)}{word}{unit}"
    return f"{_plain(value)}{unit}"


def _shares(text: str, a: int, here: list[Mention]) -> list[Conflict]:
    out = []
    shares: list[Mention] = []
    at = text.find("其中", a, here[-1].end)
    for m in here:
        if m.quantity.unit != "%" or m.quantity.high is not None:
            continue
        share = _SHARE_BEFORE.search(text, max(a, m.start - 16), m.start)
        if not share or _PLAN_WORDS.search(share.group()):
            continue  # 占年计划的116%: a plan can be overfulfilled
        if m.quantity.value > 100 and m.quantity.qualifier not in ("近", "不足"):
            out.append(Conflict("D402", "error", m.start, m.end, m.text,
                                f"占比「{m.text}」超过了100%", f"核对「{m.text}」：一个部分所占的比例不能超过100%"))
        elif at >= 0 and m.start > at and text[max(a, m.start - 16):m.start].count("占"):
            shares.append(m)
    total = sum((m.quantity.value for m in shares), Decimal(0))
    if len(shares) >= 2 and total > Decimal("100.5"):
        last = shares[-1]
        out.append(Conflict("D402", "error", last.start, last.end, last.text,
                            f"“其中”各部分所占比例（{'、'.join(m.text for m in shares)}）合计 {_plain(total)}%，超过了100%",
                            "核对各部分的比例：同一总数的各部分合计不能超过100%"))
    return out


def _signs(text: str, a: int, here: list[Mention]) -> list[Conflict]:
    out = []
    for k, m in enumerate(here):
        sign = m.start - 1 if m.start > a and text[m.start - 1] in _MINUS else -1
        if sign >= 0:  # the finder reads the number; the minus sign before it is ours to see
            before = text[max(a, sign - 8):sign]
            written = text[sign:m.end]
            growth, decline = _GROWTH.search(before), _DECLINE.search(before)
            if growth:
                out.append(Conflict("D403", "error", sign, m.end, written,
                                    f"「{growth.group().strip()}」后面是负数「{written}」：增长不会是负值",
                                    f"若是减少，请写作「下降{m.text}」；若是增长，请去掉负号"))
            elif decline:
                out.append(Conflict("D403", "warning", sign, m.end, written,
                                    f"「{decline.group().strip()}」后面又是负数「{written}」，读者无法判断是升是降",
                                    f"写作「下降{m.text}」或「增长{m.text}」之一"))
        turned = _changes(text, a, here[k - 1], m) if k else None
        if turned is not None:
            out.append(turned)
    return out


def _changes(text: str, a: int, first: Mention, second: Mention) -> Conflict | None:
    """由 A …(提高|下降)到 B: the verb's direction must agree with A and B."""
    if first.quantity.unit != second.quantity.unit or first.quantity.high is not None or second.quantity.high is not None:
        return None
    between = text[first.end:second.start]
    if len(between) > 12 or any(ch in between for ch in "，,；"):
        return None
    verb = _CHANGE.search(between)
    if verb is None or not re.search(r"[由从][^，。；]{0,12}$", text[max(a, first.start - 14):first.start]):
        return None
    up = verb.group("verb") in _UP_WORDS
    x, y = first.quantity.value, second.quantity.value
    if (up and y < x) or (not up and y > x):
        said = "提高" if up else "下降"
        return Conflict("D403", "error", second.start, second.end, second.text,
                        f"由「{first.text}」{verb.group('verb')}到「{second.text}」，数字与“{said}”的方向相反",
                        f"核对两个数字，或把「{verb.group('verb')}」改为「{'下降' if up else '提高'}」")
    return None


# --- across a whole text: one indicator, two values -------------------------------------------------

# The words that name an indicator end in one of these verbs right before its figure.
_INDICATOR = re.compile(r"([\u4e00-\u9fff]{4,12}?)(?:达到|完成|实现|总额为?|总量为?|共计|累计|为|达)$")
# Words that make a sentence speak of another period, a target or a comparison base.
_OTHER_TIME = re.compile(r"年|月|预计|目标|力争|计划|将|今后|未来|以上|以下|末|初|期间|上年|去年|同比|较|比|分别|增长|下降")


def _indicators(text: str, mentions: Iterable[Mention]) -> list[tuple[str, Mention]]:
    out = []
    for m in mentions:
        q = m.quantity
        if m.weak or not q.unit or q.unit in _RATE_UNITS or q.high is not None or q.qualifier:
            continue
        clause = text[_clause_start(text, m.start, max(0, m.start - 30)):m.start]
        found = _INDICATOR.search(clause)
        if found is None or _OTHER_TIME.search(clause) or text[m.end:m.end + 1] == "的":
            continue
        out.append((found.group(1), m))
    return out


def indicator_conflicts(texts: Sequence[tuple[Any, str, Sequence[Mention] | None]]) -> list[tuple[Any, Conflict]]:
    """D404/D405 over several texts (a draft's sections, a facts file's fields): ``(where, text,
    mentions or None)`` each. The first value an indicator is given is taken as the one to keep."""
    first: dict[tuple[str, str], tuple[Any, Mention]] = {}
    out: list[tuple[Any, Conflict]] = []
    for where, text, mentions in texts:
        ms = mentions if mentions is not None else find_quantities(text)
        for name, m in _indicators(text, ms):
            key = (name, m.quantity.unit)
            if key not in first:
                first[key] = (where, m)
                continue
            _, seen = first[key]
            x, y = seen.quantity.value, m.quantity.value
            if x == y or not x or not y:
                continue
            ratio = max(x, y) / min(x, y)
            if ratio in (10**4, 10**8):
                out.append((where, Conflict(
                    "D405", "warning", m.start, m.end, m.text,
                    f"「{name}」先写作「{seen.text}」，这里写作「{m.text}」，相差{'一万' if ratio == 10**4 else '一亿'}倍，"
                    "疑为万元、亿元等数量级写错",
                    f"核对数量级，两处应写作同一个数：「{seen.text}」")))
            else:
                out.append((where, Conflict(
                    "D404", "warning", m.start, m.end, m.text,
                    f"「{name}」先写作「{seen.text}」，这里又写作「{m.text}」：同一指标出现两个数值",
                    "核对后统一为一个数值；若是不同时期或不同口径，请写明")))
    return out


# --- the validate check and the facts side ------------------------------------------------------------

def check(ctx: _Context) -> list[Finding]:
    """数据打架 in a draft: every section's body, then indicators across sections."""
    from .checks import Finding

    out: list[Finding] = []
    texts = []
    for s in ctx.draft.sections:
        mentions = ctx.mentions.get(s.id)
        texts.append((s.id, s.body, mentions))
        for c in conflicts(s.body, mentions):
            out.append(_finding(Finding, s.id, c))
    for sid, c in indicator_conflicts(texts):
        out.append(_finding(Finding, sid, c))
    return out


def _finding(cls: type[Finding], sid: str | None, c: Conflict) -> Finding:
    return cls(code=c.code, severity=c.severity, section=sid, span=(c.start, c.end),  # type: ignore[arg-type]
               message=c.message, suggestion=c.suggestion, excerpt=c.excerpt)


def facts_conflicts(facts: Facts) -> list[tuple[str, str, Conflict]]:
    """数据打架 inside a facts file: each statement, summary and measure, then indicators across them.
    Returns ``(field path, the field's text, conflict)``, the path written as ``facts check`` names fields."""
    texts: list[tuple[str, str, None]] = []
    if facts.summary:
        texts.append(("summary", facts.summary, None))
    for h, hl in enumerate(facts.highlights):
        for i, item in enumerate(hl.items):
            texts.append((f"highlights[{h}].items[{i}].statement", item.statement, None))
    if facts.summing_up:
        texts.append(("summing_up", facts.summing_up, None))
    for p, plan in enumerate(facts.plans):
        for k, measure in enumerate(plan.measures):
            texts.append((f"plans[{p}].measures[{k}]", measure, None))
    by_path = {where: text for where, text, _ in texts}
    out = [(where, text, c) for where, text, _ in texts for c in conflicts(text)]
    return out + [(where, by_path[where], c) for where, c in indicator_conflicts(texts)]
