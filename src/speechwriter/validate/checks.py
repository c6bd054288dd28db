"""Validators: structure, figures, names, length and style, each returning structured findings.

``validate(draft, facts, blueprint)`` runs every check and returns a :class:`Report`. Each
:class:`Finding` has a code, a severity, the section, a character span inside that section's
body, a Chinese message and a concrete suggestion that a repair prompt can hand to an LLM.

A plain ``.md``/``.txt`` speech is turned into a Draft by :func:`draft_from_text`, which splits it
into the blueprint's sections by its headings.
"""

from __future__ import annotations

import bisect
import functools
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field

from ..blueprint import Blueprint, SectionSpec, cn_ordinal
from ..draft import Draft, DraftSection, load_draft
from ..errors import InputError
from ..facts.model import Facts
from ..figures.quantities import Lexicon, Mention, Quantity, find_quantities, load_lexicon
from ..files import read_text
from ..gaps import find_gaps

__all__ = ["CHECKS", "Finding", "Report", "ValidatorConfig", "draft_from_text", "find_headings", "load_speech", "validate"]

Severity = Literal["error", "warning", "info"]


class Finding(BaseModel):
    """One problem in a draft."""

    code: str
    severity: Severity
    section: str | None = None
    span: tuple[int, int] | None = Field(None, description="在该章节正文中的字符位置 [start, end)")
    message: str
    suggestion: str = ""
    excerpt: str = ""
    replacement: str | None = Field(None, description="可照原样应用的修改：把 span 处的文字替换为此文本"
                                    "（None 表示无法机械修改）")


class ValidatorConfig(BaseModel):
    """Tunable limits. Defaults suit a speech read aloud."""

    chars_per_minute: int | None = Field(None, description="语速；默认取蓝图的设置（通常 240）")
    length_tolerance: float = 0.3
    section_tolerance: float = 0.6
    max_sentence_chars: int = 120
    prompts_dirs: list[str] = Field(default_factory=list, description="用户提示词目录：其中的 "
                                    "common/fixed_phrases.txt 扩充固定提法词库")
    banned_phrases: list[str] = Field(default_factory=lambda: [
        "众所周知", "不言而喻", "毋庸置疑", "非常非常", "完美收官", "史无前例", "绝对", "作为一个AI"])
    checks: dict[str, str] = Field(default_factory=dict, description="按代码（如 U604）或检查族（如 claims）"
                                   "关闭或改级别：off、error、warning、info；优先于提示词目录中的 checks.yaml")


class Report(BaseModel):
    """All findings for one draft, with the numbers a reader wants first."""

    findings: list[Finding]
    chars: int
    target_chars: int
    speaking_minutes: float
    sections: dict[str, str] = Field(default_factory=dict, description="章节 id → 标题或名称")
    texts: dict[str, str] = Field(default_factory=dict, description="章节 id → 正文（用于高亮）")

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "error"]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "warning"]

    def ok(self, strict: bool = False) -> bool:
        """No errors (and, when strict, no warnings)."""
        return not self.errors and not (strict and self.warnings)

    def by_section(self) -> dict[str | None, list[Finding]]:
        out: dict[str | None, list[Finding]] = {}
        for f in self.findings:
            out.setdefault(f.section, []).append(f)
        return out

    def to_json(self) -> str:
        return self.model_dump_json(indent=2, exclude={"texts"}) + "\n"

    def _repr_html_(self) -> str:
        """Jupyter shows a report as a table of findings with the summary line above it."""
        import html

        label = {"error": "错误", "warning": "警告", "info": "提示"}
        colour = {"error": "#cf222e", "warning": "#9a6700", "info": "#0969da"}
        head = (f"<p><b style='color:{'#cf222e' if self.errors else '#1a7f37'}'>{len(self.errors)} 个错误</b>，"
                f"{len(self.warnings)} 个警告 · 全文 {self.chars} 字（目标 {self.target_chars} 字）· "
                f"预计讲话 {self.speaking_minutes:.1f} 分钟</p>")
        if not self.findings:
            return head + "<p style='color:#1a7f37'>✔ 未发现问题</p>"
        rows = "".join(
            f"<tr><td style='color:{colour[f.severity]}'>{label[f.severity]}</td><td>{html.escape(f.code)}</td>"
            f"<td>{html.escape(self.sections.get(f.section or '', f.section or '全文'))}</td>"
            f"<td>{html.escape(f.message)}</td><td>{html.escape(f.excerpt)}</td><td>{html.escape(f.suggestion)}</td></tr>"
            for f in self.findings)
        return (head + "<table><thead><tr><th>级别</th><th>代码</th><th>章节</th><th>问题</th><th>原文</th>"
                "<th>建议</th></tr></thead><tbody>" + rows + "</tbody></table>")

    def _repr_markdown_(self) -> str:
        lines = [f"**{len(self.errors)} 个错误**，{len(self.warnings)} 个警告 · 全文 {self.chars} 字", ""]
        lines += [f"- {f.severity} `{f.code}` {self.sections.get(f.section or '', f.section or '全文')}：{f.message}"
                  for f in self.findings] or ["✔ 未发现问题"]
        return "\n".join(lines) + "\n"

    def __rich__(self) -> Any:
        from rich.console import Group
        from rich.text import Text

        style = {"error": "bold red", "warning": "yellow", "info": "cyan"}
        label = {"error": "错误", "warning": "警告", "info": "提示"}
        parts: list[Any] = []
        for section, findings in self.by_section().items():
            title = self.sections.get(section or "", section or "全文")
            parts.append(Text(f"■ {title}", style="bold"))
            body = self.texts.get(section or "", "")
            for f in findings:
                line = Text("  ")
                line.append(f"{label[f.severity]} {f.code}", style=style[f.severity])
                line.append(f"  {f.message}")
                parts.append(line)
                if f.span and body:
                    a, b = f.span
                    b = min(b, a + 40)
                    lo, hi = max(0, a - 12), min(len(body), b + 12)
                    ctx = Text("      …")
                    ctx.append(body[lo:a])
                    ctx.append(body[a:b], style="reverse " + style[f.severity])
                    ctx.append(body[b:hi] + "…")
                    parts.append(ctx)
                if f.suggestion:
                    parts.append(Text(f"      建议：{f.suggestion}", style="dim"))
        summary = Text()
        n_err, n_warn = len(self.errors), len(self.warnings)
        summary.append(f"{n_err} 个错误", style="bold red" if n_err else "bold green")
        summary.append(f"，{n_warn} 个警告 · 全文 {self.chars} 字（目标 {self.target_chars} 字）"
                       f" · 预计讲话 {self.speaking_minutes:.1f} 分钟")
        if not self.findings:
            parts.append(Text("✔ 未发现问题", style="green"))
        return Group(*parts, Text(), summary)


# --- context shared by the checks ---------------------------------------------------------------

@dataclass
class _Context:
    draft: Draft
    facts: Facts
    blueprint: Blueprint
    config: ValidatorConfig
    mentions: dict[str, list[Mention]] = field(default_factory=dict)
    heading_mentions: dict[str, list[Mention]] = field(default_factory=dict)
    explained: list[Quantity] = field(default_factory=list)
    counts: set[int] = field(default_factory=set)
    period: list[Quantity] = field(default_factory=list)
    explained_by_value: dict[Any, list[Quantity]] = field(default_factory=dict)
    explained_units: dict[tuple[Any, str, Any], set[str]] = field(default_factory=dict)
    explained_sources: dict[tuple[Any, str, Any, str], list[str]] = field(default_factory=dict)

    def body(self, w: Any) -> str:
        """The text a seen figure sits in: its section's heading or body."""
        section = self.draft.section(w.sid)
        if section is None:
            return ""
        return (section.heading or "") if w.heading else section.body

    def heading(self, sid: str) -> str:
        section = self.draft.section(sid)
        return (section.heading or "") if section else ""

    @property
    def cpm(self) -> int:
        return self.config.chars_per_minute or self.blueprint.chars_per_minute


def _name_spans(text: str, names: Iterable[str]) -> list[tuple[int, int]]:
    spans = []
    for name in names:
        if any(ch.isdigit() or ch in "零一二两三四五六七八九十百千万" for ch in name):
            for m in re.finditer(re.escape(name), text):
                spans.append(m.span())
    return spans


def _explained_quantities(facts: Facts, lexicon: Lexicon) -> tuple[list[Quantity], dict[Any, list[Quantity]]]:
    """Every quantity the facts state (figures and numbers in their prose), indexed by value."""
    names = [n.text for n in [*facts.names, *facts.honours]]
    explained: list[Quantity] = []
    for text in facts.prose():
        explained += [m.quantity for m in find_quantities(text, skip_spans=_name_spans(text, names),
                                                          lexicon=lexicon)]
    explained += [q for r in facts.figure_refs() for q in r.figure.parts]
    by_value: dict[Any, list[Quantity]] = {}
    for q in explained:
        by_value.setdefault(q.value, []).append(q)
    return explained, by_value


def _sources_index(facts: Facts, lexicon: Lexicon) -> dict[tuple[Any, str, Any, str], list[str]]:
    """(value, qualifier, high, unit) -> the facts' texts that state it: a mention explained by value
    and unit must also share words with one of them."""
    names = [n.text for n in [*facts.names, *facts.honours]]
    out: dict[tuple[Any, str, Any, str], list[str]] = {}
    for text in facts.prose():
        for m in find_quantities(text, skip_spans=_name_spans(text, names), lexicon=lexicon):
            q = m.quantity
            out.setdefault((q.value, q.qualifier, q.high, q.unit), []).append(text)
    for r in facts.figure_refs():
        for q in r.figure.parts:
            out.setdefault((q.value, q.qualifier, q.high, q.unit), []).append(r.text)
    return out


def _units_index(quantities: list[Quantity]) -> dict[tuple[Any, str, Any], set[str]]:
    """(value, qualifier, high) -> the units stated with it: explaining a mention is one lookup."""
    out: dict[tuple[Any, str, Any], set[str]] = {}
    for q in quantities:
        out.setdefault((q.value, q.qualifier, q.high), set()).add(q.unit)
    return out


def _build_context(draft: Draft, facts: Facts, blueprint: Blueprint, config: ValidatorConfig) -> _Context:
    ctx = _Context(draft, facts, blueprint, config)
    names = [n.text for n in [*facts.names, *facts.honours]]
    lexicon = load_lexicon(tuple(config.prompts_dirs))
    ctx.explained, ctx.explained_by_value = facts.memo(
        f"validate.explained:{config.prompts_dirs}", lambda: _explained_quantities(facts, lexicon))
    ctx.explained_units = facts.memo(f"validate.explained_units:{config.prompts_dirs}",
                                     lambda: _units_index(ctx.explained))
    ctx.explained_sources = facts.memo(f"validate.explained_sources:{config.prompts_dirs}",
                                       lambda: _sources_index(facts, lexicon))
    # A plan marked ``lead`` (the targets before the points) is not one of the points a count counts.
    ctx.counts = {len(facts.highlights), sum(not p.lead for p in facts.plans),
                  len(facts.speaking_orgs()) or len(facts.organisations), len(facts.shortcomings),
                  len(facts.organisations), *(sum(not x.lead for x in p.points) for p in facts.parts),
                  # a section that writes only some highlights (述职报告's 廉洁自律 apart) counts its own
                  *(sum(s.takes_highlight(h.theme) for h in facts.highlights) for s in blueprint.sections
                    if "highlights" in s.feeds)} - {0}
    if facts.meta.period:
        ctx.period = [m.quantity for m in find_quantities(facts.meta.period)]
    for s in draft.sections:
        text = s.body
        # A gap marker's 约N字 is an instruction to the writer, not a figure of the speech.
        skip = _name_spans(text, names) + [(g.start, g.end) for g in find_gaps(text)]
        ctx.mentions[s.id] = find_quantities(text, skip_spans=sorted(skip), lexicon=lexicon)
        if s.heading:
            ctx.heading_mentions[s.id] = find_quantities(s.heading, skip_spans=_name_spans(s.heading, names),
                                                         lexicon=lexicon)
    return ctx


# --- checks -----------------------------------------------------------------------------------

_ENUM_PATTERNS = {
    "yishi": re.compile(r"(?:^|[。；！？：，,\n])\s*([一二三四五六七八九十]+)是"),  # 财税工作，一是……
    "paren": re.compile(r"(?:^|\n)\s*[（(]([一二三四五六七八九十]+)[）)]"),
    "diyi": re.compile(r"(?:^|[。；！？：\n])\s*第([一二三四五六七八九十]+)[，,、：]"),
    "arabic": re.compile(r"(?:^|\n)\s*([0-9]+)[.．]"),
}
_CN_ORDER = {cn_ordinal(n): n for n in range(1, 100)}


def check_structure(ctx: _Context) -> list[Finding]:
    """Sections present and in order, heading numbers, enumerators, salutation and closing."""
    out: list[Finding] = []
    bp, draft = ctx.blueprint, ctx.draft
    present = [s.id for s in draft.sections if s.body.strip() or s.heading]
    for spec in bp.sections:
        if spec.required and spec.id not in present:
            out.append(Finding(code="S101", severity="error", section=spec.id,
                               message=f"缺少必需章节「{spec.title}」",
                               suggestion=f"补写「{spec.title}」部分" + (f"，标题为“{spec.heading}”" if spec.heading
                                                                  and "{" not in spec.heading else "")))
    order = [s.id for s in bp.sections]
    seen = [sid for sid in present if sid in order]
    if seen != sorted(seen, key=order.index):
        out.append(Finding(code="S102", severity="error", section=None,
                           message=f"章节顺序与文种要求不符：{' → '.join(seen)}",
                           suggestion=f"按 {' → '.join(s for s in order if s in seen)} 的顺序调整章节"))
    out += _check_heading_numbers(draft, bp)
    for s in draft.sections:
        spec = next((x for x in bp.sections if x.id == s.id), None)
        out += _check_enumerators(s, spec)
    out += _check_salutation(ctx)
    closing = draft.section("closing")
    reported = {f.section for f in out if f.code == "S101"}
    if any(x.id == "closing" and x.required for x in bp.sections) and closing is not None \
            and not closing.body.strip() and "closing" not in reported:
        out.append(Finding(code="S106", severity="error", section="closing", message="结束语为空",
                           suggestion="补写结束语：表达希望或请求指导"))
    return out


def _heading_marker(heading: str) -> tuple[int, int] | None:
    """(level, number) of a heading such as 一、… （二）… 3. …"""
    m = re.match(r"\s*([一二三四五六七八九十]+)、", heading)
    if m and m.group(1) in _CN_ORDER:
        return 1, _CN_ORDER[m.group(1)]
    m = re.match(r"\s*[（(]([一二三四五六七八九十]+)[）)]", heading)
    if m and m.group(1) in _CN_ORDER:
        return 2, _CN_ORDER[m.group(1)]
    m = re.match(r"\s*([0-9]+)[.．、]", heading)
    if m:
        return 3, int(m.group(1))
    m = re.match(r"\s*[（(]([0-9]+)[）)]", heading)
    if m:
        return 4, int(m.group(1))
    return None


def _check_heading_numbers(draft: Draft, bp: Blueprint) -> list[Finding]:
    out: list[Finding] = []
    expected_level = {s.id: s.level for s in bp.sections}
    counters: dict[int, int] = {}
    for s in draft.sections:
        if not s.heading:
            continue
        marker = _heading_marker(s.heading)
        if marker is None:
            out.append(Finding(code="S103", severity="error", section=s.id, message=f"标题「{s.heading}」缺少序号",
                               suggestion="按“一、”“（一）”“1.”“（1）”的层次给标题编号"))
            continue
        level, number = marker
        want = expected_level.get(s.id)
        if want and level != want:
            out.append(Finding(code="S103", severity="error", section=s.id,
                               message=f"标题「{s.heading}」层次不对：应为第 {want} 层",
                               suggestion="一级标题用“一、”，二级标题用“（一）”"))
        expected = counters.get(level, 0) + 1
        if number != expected:
            kind = "重复" if number < expected else "跳号"
            out.append(Finding(code="S103", severity="error", section=s.id,
                               message=f"标题序号{kind}：「{s.heading}」应为第 {expected} 个",
                               suggestion=f"把序号改为“{_marker_text(level, expected)}”"))
        counters[level] = number
        for deeper in [lv for lv in counters if lv > level]:
            counters[deeper] = 0
    return out


def _marker_text(level: int, n: int) -> str:
    from ..blueprint import level_marker

    return level_marker(level, n)


# What ends the text right before a list that starts again at 一: an announcement of it
# (……以下几个方面： / 我提几点希望。) — the source's own new list, not a numbering slip.
# 「完善四大体系。一是……」「实施三项工程。一是……」: a sentence naming how many follow announces the list too.
_NEW_LIST = re.compile(r"(?:[：:]|(?:几|[两二三四五六七八九十])(?:点|个方面|项|条|件|大|个|种|类)[^。！\n]{0,12}[。！]|"
                       r"以下[^。！\n]{0,12}[。！])\s*[（(第]?$")


# A paragraph that opens a point of a higher layer (（二）……, 2.……) between two lists inside points.
_NEW_POINT = re.compile(r"\n\s*(?:[（(][一二三四五六七八九十]+[）)]|[0-9]{1,2}[.．])")
# 一是 lists inside 第一、第二 points: the next 第N， paragraph opens a point of the outer list too.
_NEW_OUTER = {"diyi": _NEW_POINT,
              "yishi": re.compile(r"\n\s*(?:[（(][一二三四五六七八九十]+[）)]|[0-9]{1,2}[.．]|第[一二三四五六七八九十]+[，、,])")}


def _check_enumerators(section: DraftSection, spec: SectionSpec | None) -> list[Finding]:
    out: list[Finding] = []
    styles = {"yishi", "paren", "diyi"}
    if spec is not None and spec.enumerator in _ENUM_PATTERNS:
        styles.add(spec.enumerator)
    for style in sorted(styles):
        pattern = _ENUM_PATTERNS[style]
        found = [(m.group(1), m.start(1), m.end(0)) for m in pattern.finditer(section.body)]
        numbers = [(int(g) if g.isdigit() else _CN_ORDER.get(g, 0), a, b) for g, a, b in found]
        if len(numbers) < 2 and not (numbers and numbers[0][0] != 1):
            continue
        expected = 1
        last = 0
        for n, a, b in numbers:
            if n == expected:
                expected += 1
                last = b
                continue
            if n == 1 and (_NEW_LIST.search(section.body, max(0, a - 60), a) or (style in _NEW_OUTER and _NEW_OUTER[style].search(section.body, last, a))):
                # 「……我提几点希望。第一，……」, or a list inside the next （二）/2./第二 point: counts afresh
                expected, last = 2, b
                continue
            last = b
            word = {"yishi": "{}是", "paren": "（{}）", "diyi": "第{}", "arabic": "{}."}[style]
            want = word.format(cn_ordinal(expected) if style != "arabic" else expected)
            got = word.format(cn_ordinal(n) if style != "arabic" and n else n)
            kind = "重复" if n < expected else "跳号"
            out.append(Finding(code="S104", severity="error", section=section.id, span=(a - (1 if style == "paren" else 0), b),
                               message=f"序数词{kind}：「{got}」处应为「{want}」",
                               suggestion=f"把「{got}」改为「{want}」，并顺延其后的序号", excerpt=got))
            expected = n + 1
    return out


def _check_salutation(ctx: _Context) -> list[Finding]:
    spec = next((s for s in ctx.blueprint.sections if s.role == "salutation"), None)
    if spec is None:
        return []
    want = ctx.facts.meta.salutation_line
    section = ctx.draft.section(spec.id)
    got = section.body.strip() if section else ""
    if not got:
        return [Finding(code="S105", severity="error", section=spec.id, message="缺少称呼",
                        suggestion=f"在正文前加称呼行“{want}”")]
    norm = got.replace(":", "：").replace(",", "、").replace("，", "、")
    if norm.rstrip("：") != want.rstrip("：") and not all(a in norm for a in ctx.facts.meta.addressees):
        missing = [a for a in ctx.facts.meta.addressees if a not in norm]
        return [Finding(code="S105", severity="error", section=spec.id, span=(0, len(got)),
                        message=f"称呼与称呼对象不符，缺少：{'、'.join(missing)}",
                        suggestion=f"称呼改为“{want}”", excerpt=got)]
    return []


@dataclass(frozen=True)
class _Seen:
    """A figure written in the draft: its section, whether it is in the heading, the mention."""

    sid: str
    heading: bool
    mention: Mention

    @property
    def key(self) -> tuple[str, bool, int]:
        return self.sid, self.heading, self.mention.start


def check_figures(ctx: _Context) -> list[Finding]:
    """Required figures stated (by value, unit and qualifier), none invented, none misattributed.

    Headings are read like the body. A required figure that is missing is first looked for as a
    wrongly written figure: the unexplained mention that most plausibly replaces it (same unit,
    same value with another qualifier or a close value, most similar context) is blamed once.
    """
    out: list[Finding] = []
    seen = [_Seen(sid, True, m) for sid, ms in ctx.heading_mentions.items() for m in ms]
    seen += [_Seen(sid, False, m) for sid, ms in ctx.mentions.items() for m in ms]
    used: set[tuple[str, bool, int]] = set()
    blamed: set[tuple[str, bool, int]] = set()
    by_value: dict[Any, list[_Seen]] = {}
    exact: dict[tuple[Any, str, str, Any], list[_Seen]] = {}
    for w in seen:  # indexed so coverage stays linear in draft length
        mq = w.mention.quantity
        by_value.setdefault(mq.value, []).append(w)
        exact.setdefault((mq.value, mq.unit, mq.qualifier, mq.high), []).append(w)
    for bucket in exact.values():
        # popped from the end: figures before articles (一个 before a noun), then first written first
        bucket.reverse()
        bucket.sort(key=lambda w: not w.mention.weak)
    missing: list[tuple[Any, Quantity]] = []
    required = ctx.facts.memo("validate.required_parts", lambda: [
        (r, q) for r in ctx.facts.figure_refs() if r.figure.required for q in r.figure.parts])
    for ref, q in required:
        # The same unit first: a declared 11 (no unit) must not take an invented 十一艘.
        bucket = exact.get((q.value, q.unit, q.qualifier, q.high), [])
        while bucket and bucket[-1].key in used:
            bucket.pop()
        hit = bucket.pop() if bucket and not bucket[-1].mention.weak else next(
            (w for w in [*reversed(bucket), *by_value.get(q.value, ())] if w.key not in used
             and q.matches(w.mention.quantity) and (not w.mention.weak or _article_may_state(ctx, w, ref))), None)
        if hit is None:
            missing.append((ref, q))
        else:
            used.add(hit.key)
    explained = {w.key for w in seen if w.key in used or _explained(ctx, w)}
    # Candidates to blame: unused mentions, by value (a lost qualifier) and by unit in value order
    # (a changed figure is within ±50%), so blaming stays cheap when many figures are missing.
    free = [w for w in seen if w.key not in used and not w.mention.weak]
    by_unit: dict[str, list[tuple[Any, int]]] = {}
    for i, w in enumerate(free):
        if w.key not in explained and w.mention.quantity.unit:
            by_unit.setdefault(w.mention.quantity.unit, []).append((w.mention.quantity.value, i))
    for bucket in by_unit.values():
        bucket.sort()
    free_by_value: dict[Any, list[_Seen]] = {}
    for w in free:
        free_by_value.setdefault(w.mention.quantity.value, []).append(w)
    pairs = []
    for n, (ref, q) in enumerate(missing):
        candidates = list(free_by_value.get(q.value, ()))
        if q.unit and q.value:
            bucket = by_unit.get(q.unit, [])
            lo, hi = sorted((q.value * Decimal("0.5"), q.value * Decimal("1.5")))
            a = bisect.bisect_left(bucket, (lo, -1))
            b = bisect.bisect_right(bucket, (hi, len(free)))
            candidates += [free[i] for _, i in bucket[a:b] if free[i].mention.quantity.value != q.value]
        for w in candidates:
            mq = w.mention.quantity
            if mq.high != q.high:
                continue
            near = mq.value == q.value and (mq.unit == q.unit or not mq.unit or not q.unit)
            if not near and (not q.unit or mq.unit != q.unit or w.key in explained or not _close(mq, q)):
                continue
            # Same value with another qualifier first, then the most similar context, then the closest value.
            closeness = 0.0 if near or not q.value else float(1 - min(1, abs(mq.value - q.value) / abs(q.value)))
            score = (2.0 if near else 1.0) + _similarity(ref.text, _sentence_at(ctx.body(w), w.mention.start)) \
                + 0.25 * closeness
            pairs.append((score, n, w))
    pairs.sort(key=lambda p: (-p[0], p[1], p[2].key))
    blame: dict[int, _Seen] = {}
    for _score, n, w in pairs:
        if n not in blame and w.key not in blamed:
            blame[n] = w
            blamed.add(w.key)
    for n, (ref, q) in enumerate(missing):
        org = ctx.facts.org(ref.org)
        who = f"（{org.short_name}）" if org else ""
        w = blame.get(n)
        if w is not None:  # the figure is there but written wrong
            m = w.mention
            code, what = ("F202", "的限定词不一致") if m.quantity.value == q.value else ("F203", "不符")
            where = "标题中的" if w.heading else ""
            end, written = _figure_as_written(ctx.body(w), m.start, m.end, ref.figure.raw)
            out.append(Finding(code=code, severity="error", section=w.sid, span=None if w.heading else (m.start, end),
                               excerpt=written, message=f"{where}数字「{written}」与事实「{ref.figure.raw}」{who}{what}",
                               suggestion=f"把「{written}」改为「{ref.figure.raw}」",
                               replacement=None if w.heading else ref.figure.raw))
            continue
        out.append(Finding(code="F201", severity="error", section=_section_for_ref(ctx, ref.path),
                           message=f"缺少事实中的数字「{ref.figure.raw}」{who}",
                           suggestion=f"写出：{ref.text}（数字照原样写作「{ref.figure.raw}」）"))
    for w in seen:
        m = w.mention
        if w.key in blamed or w.key in used or m.weak or w.key in explained:
            continue
        sentence = w.mention.text if w.heading else _sentence_at(ctx.body(w), m.start)
        where = f"标题「{ctx.heading(w.sid)}」中的" if w.heading else ""
        out.append(Finding(code="F204", severity="error", section=w.sid, span=None if w.heading else (m.start, m.end),
                           excerpt=m.text, message=f"{where}数字「{m.text}」在事实文件中找不到出处：{sentence}",
                           suggestion=f"删除「{m.text}」或改为事实文件中的数字；不得自行编造数字"))
    out += _check_attribution(ctx)
    return out


def _similarity(a: str, b: str) -> float:
    """Share of ``a``'s character bigrams (digits left out) that ``b`` also has: 0 … 1."""
    def grams(text: str) -> set[str]:
        text = re.sub(r"[\d\s.,%]+", "", text)
        return {text[i:i + 2] for i in range(len(text) - 1)}

    ga, gb = grams(a), grams(b)
    return len(ga & gb) / len(ga) if ga else 0.0


_CONTEXT_CHARS = 8
_CLAUSE_BREAK = re.compile(r"[，。；：！？、,;:!?\n]")
_NOT_CONTEXT = re.compile(r"[^\u4e00-\u9fff]+")


def _bigrams(text: str) -> set[str]:
    text = _NOT_CONTEXT.sub("", text)
    return {text[i:i + 2] for i in range(len(text) - 1)}


def _in_context(ctx: _Context, w: _Seen) -> bool:
    """A mention explained by value and unit is explained only when the words around it meet a text
    of the facts that states that quantity: a declared 29个党群服务中心 does not excuse an invented
    二十九个养老驿站."""
    q = w.mention.quantity
    keys = [(q.value, q.qualifier, q.high, q.unit)] if q.unit else [
        k for k in ctx.explained_sources if k[:3] == (q.value, q.qualifier, q.high)]
    sources = [t for k in keys for t in ctx.explained_sources.get(k, ())]
    if q.unit and not sources:
        sources = ctx.explained_sources.get((q.value, q.qualifier, q.high, ""), [])
    if not sources:
        return True
    body = ctx.body(w)
    m = w.mention
    # The words of its own clause only: the clause before may be the declared figure's.
    before = _CLAUSE_BREAK.split(body[max(0, m.start - _CONTEXT_CHARS):m.start])[-1]
    after = _CLAUSE_BREAK.split(body[m.end:m.end + _CONTEXT_CHARS])[0]
    around = _bigrams(before) | _bigrams(after) | _bigrams(before[-1:] + after[:1])
    # The characters touching the figure, with its own first and last (这五年 meets a fact's 这五年).
    edges = {before[-1:] + m.text[:1], m.text[-1:] + after[:1]}
    edges = {e for e in edges if len(e) == 2}
    return not around or any(around & _bigrams(t) or any(e in t for e in edges) for t in sources)


def _article_may_state(ctx: _Context, w: _Seen, ref: Any) -> bool:
    """一个/一次 before a noun is usually an article: it states a declared figure written in Chinese
    (开展一次调研), but an Arabic 1个 only in a clause that shares words with the figure's fact."""
    if not ref.figure.raw.strip()[:1].isdigit():
        return True
    body = ctx.body(w)
    m = w.mention
    before = _CLAUSE_BREAK.split(body[max(0, m.start - _CONTEXT_CHARS):m.start])[-1]
    after = _CLAUSE_BREAK.split(body[m.end:m.end + _CONTEXT_CHARS])[0]
    return bool((_bigrams(before) | _bigrams(after)) & _bigrams(ref.text))


def _close(a: Quantity, b: Quantity) -> bool:
    if b.value == 0:
        return False
    return abs(a.value - b.value) / abs(b.value) <= 0.5


def _explained(ctx: _Context, w: _Seen) -> bool:
    q = w.mention.quantity
    # A declared figure without a unit does not excuse the same value in some unit (四 → 四栋).
    units = ctx.explained_units.get((q.value, q.qualifier, q.high))
    if units is not None and (not q.unit or q.unit in units) and _in_context(ctx, w):
        return True
    if q.value in ctx.counts and not q.qualifier and q.unit in ("个", "大", "家", "项", "条", "点", "方面", "支"):
        return True  # 五大亮点, 四个方面, 三家
    return any(q.value == p.value and q.unit == p.unit for p in ctx.period)


def _figure_as_written(body: str, start: int, end: int, raw: str) -> tuple[int, str]:
    """The end and text of a wrong figure, taken far enough that replacing it with ``raw`` is right.

    The finder reads 「58个」 out of 「58个项目」; the fact is 「56个项目」. Replacing 「58个」 with it
    would write 「56个项目项目」, so the span is widened over the words after the figure that
    ``raw`` ends with (「项目」): 「把「58个项目」改为「56个项目」」 applies as written.
    """
    for j in range(min(len(raw), len(body) - end), 0, -1):
        tail = body[end:end + j]
        if raw.endswith(tail) and not tail[0].isdigit():
            return end + j, body[start:end + j]
    return end, body[start:end]

def _section_for_ref(ctx: _Context, path: str) -> str | None:
    field = path.split("[", 1)[0]
    spec = next((s for s in ctx.blueprint.sections if field in s.feeds), None)
    return spec.id if spec else None


def _sentence_at(text: str, pos: int) -> str:
    start = max(text.rfind(ch, 0, pos) for ch in "。！？\n") + 1
    ends = [i for i in (text.find(ch, pos) for ch in "。！？\n") if i >= 0]
    end = min(ends) + 1 if ends else len(text)
    sentence = text[start:end].strip()
    return sentence if len(sentence) <= 80 else sentence[:78] + "…"


def _check_attribution(ctx: _Context) -> list[Finding]:
    """A figure stated right after another organisation's name is attributed to the wrong body."""
    out: list[Finding] = []
    spellings = [(sp, o.id) for o in ctx.facts.organisations for sp in o.spellings]
    if len(ctx.facts.organisations) < 2:
        return out
    owners: dict[Any, list[tuple[Quantity, set[str | None]]]] = {}
    for ref in ctx.facts.figure_refs():
        bucket = owners.setdefault(ref.figure.quantity.value, [])
        for q, orgs in bucket:
            if q.matches(ref.figure.quantity):
                orgs.add(ref.org)
                break
        else:
            bucket.append((ref.figure.quantity, {ref.org}))
    for sid, mentions in ctx.mentions.items():
        section = ctx.draft.section(sid)
        body = section.body if section else ""
        for m in mentions:
            if m.weak:
                continue  # 一次检阅, 一项工作: an article, not a figure anyone owns
            candidates = [o for q, o in owners.get(m.quantity.value, ()) if q.matches(m.quantity)]
            orgs: set[str | None] = set().union(*candidates) if candidates else set()
            if not orgs or None in orgs:
                continue
            para_start = body.rfind("\n", 0, m.start) + 1
            nearest = None
            best = -1
            for sp, oid in spellings:
                i = body.rfind(sp, para_start, m.start)
                if i > best:
                    best, nearest = i, oid
            if nearest is not None and nearest not in orgs:
                said = ctx.facts.org(nearest)
                real = "、".join(o.short_name for o in ctx.facts.organisations if o.id in orgs)
                out.append(Finding(code="F205", severity="error", section=sid, span=(m.start, m.end), excerpt=m.text,
                                   message=f"数字「{m.text}」属于{real}，却写在{said.short_name if said else nearest}名下",
                                   suggestion=f"把「{m.text}」写到{real}的事项中"))
    return out


# Full-width punctuation folded to half-width, one character for one so spans carry over: a name
# given as 青年(大学生)创业园 is the same name written 青年（大学生）创业园 under the full-width rule.
_WIDTH_FOLD = str.maketrans("（）［］，：；！？“”‘’　", "()[],:;!?\"\"'' ")


def _fold_width(text: str) -> str:
    return text.translate(_WIDTH_FOLD)


def check_names(ctx: _Context) -> list[Finding]:
    """Organisations and must-appear names present and spelled exactly (punctuation width aside)."""
    out: list[Finding] = []
    bodies = [(s.id, _fold_width(s.body), s.body) for s in ctx.draft.sections]
    text = "\n".join(folded for _, folded, _ in bodies)
    for org in ctx.facts.speaking_orgs():
        if not any(_fold_width(sp) in text for sp in org.spellings):
            out.append(Finding(code="N301", severity="error", message=f"稿件中没有出现组织「{org.short_name}」",
                               suggestion=f"写出{org.short_name}的工作"))
    for name in ctx.facts.required_names():
        if _fold_width(name.text) in text:
            continue
        near = _near_spelling(text, _fold_width(name.text))
        section = _section_for_ref(ctx, "names" if name.kind != "honour" else "honours")
        if near:
            sid, a, b, written = next(((i, f.find(near), f.find(near) + len(near), body[f.find(near):][:len(near)])
                                       for i, f, body in bodies if near in f), (None, 0, 0, near))
            out.append(Finding(code="N302", severity="error", section=sid, span=(a, b), excerpt=written,
                               message=f"名称「{written}」与事实中的「{name.text}」不一致",
                               suggestion=f"改为「{name.text}」（逐字照写）", replacement=name.text))
        else:
            quoted = f"“{name.text}”" if name.quoted else name.text
            out.append(Finding(code="N303", severity="error", section=section,
                               message=f"缺少必须出现的名称「{name.text}」",
                               suggestion=f"在相关内容中写出{quoted}"))
    return out


def _near_spelling(text: str, name: str) -> str | None:
    """A span of ``text`` that is one or two characters off ``name`` (a misspelling)."""
    import difflib

    n = len(name)
    if n < 3:
        return None
    best, best_ratio = None, 0.0
    anchors = {name[:2], name[-2:]}
    for anchor in anchors:
        for m in re.finditer(re.escape(anchor), text):
            for start in (m.start(), m.start() - (n - 2)):
                for length in (n - 1, n, n + 1):
                    if start < 0:
                        continue
                    cand = text[start:start + length]
                    ratio = difflib.SequenceMatcher(None, cand, name).ratio()
                    if ratio > best_ratio:
                        best, best_ratio = cand, ratio
    return best if best_ratio >= 0.75 else None


def _locate(draft: Draft, needle: str) -> tuple[str | None, int, int]:
    for s in draft.sections:
        i = s.body.find(needle)
        if i >= 0:
            return s.id, i, i + len(needle)
    return None, 0, 0


def check_length(ctx: _Context) -> list[Finding]:
    """Total and per-section length against the blueprint's targets; speaking time.

    The target is a budget, not a floor: L401 says how far the text is from it and how much the
    draft's gap markers would add (a short draft with honest gaps is not padded to length)."""
    out: list[Finding] = []
    target = ctx.facts.meta.target.resolved_chars(ctx.cpm)
    total = ctx.draft.chars
    tol = ctx.config.length_tolerance
    if total < target * (1 - tol) or total > target * (1 + tol):
        gaps = ctx.draft.gaps
        owed = sum(g.chars or 0 for g in gaps)
        if total > target:
            message = f"全文 {total:,} 字，比目标 {target:,} 字多 {total - target:,} 字（允许 ±{round(tol * 100)}%）"
            suggestion = f"压缩到约 {target:,} 字"
        else:
            message = f"全文 {total:,} 字，比目标 {target:,} 字少 {target - total:,} 字"
            if gaps:
                message += f"；待补 {len(gaps)} 处，约 {owed:,} 字，补齐后约 {total + owed:,} 字"
            suggestion = ("先补齐待补处；" if gaps else "") + "篇幅是上限而非下限，不要为凑字数加套话"
        out.append(Finding(code="L401", severity="warning", message=message, suggestion=suggestion))
    for s in ctx.draft.sections:
        spec = next((x for x in ctx.blueprint.sections if x.id == s.id), None)
        if spec is None or spec.role == "salutation":
            continue
        want = round(target * spec.share)
        stol = ctx.config.section_tolerance
        if want >= 100 and (s.chars < want * (1 - stol) or s.chars > want * (1 + stol)):
            out.append(Finding(code="L402", severity="info", section=s.id,
                               message=f"「{spec.title}」{s.chars} 字，目标约 {want} 字",
                               suggestion=f"压缩到约 {want} 字" if s.chars > want else "据实补写（先补齐待补处），不要为凑字数加套话"))
    return out


_HALF_WIDTH_CANDIDATE = re.compile(r"[,:;?!(]")
_NOT_WORD = re.compile(r"[\W\d_]+")


def _half_width_marks(body: str) -> list[tuple[int, int]]:
    """Half-width punctuation touching Chinese text (a "(" only between two Chinese characters)."""
    def han(i: int) -> bool:
        return 0 <= i < len(body) and "\u4e00" <= body[i] <= "\u9fff"

    out = []
    for m in _HALF_WIDTH_CANDIDATE.finditer(body):
        i = m.start()
        if (han(i - 1) and han(i + 1)) if body[i] == "(" else (han(i - 1) or han(i + 1)):
            out.append((i, i + 1))
    return out
_LEFTOVER = re.compile(r"\{\{|\}\}|\{%|%\}|</?(?:facts|section)>|TODO|XXX|\[\[|\]\]|(?<![A-Za-z])[a-z]{3,}(?:\s+[a-z]+)*")
_SENTENCE = re.compile(r"[^。！？\n]+[。！？]?")


def mask_gaps(text: str) -> str:
    """``text`` with every gap marker blanked out by line breaks of the same length (spans hold)."""
    for g in find_gaps(text):
        text = text[:g.start] + "\n" * (g.end - g.start) + text[g.end:]
    return text


def check_style(ctx: _Context) -> list[Finding]:
    """Repetition, half-width punctuation, long sentences, banned phrases, leftovers."""
    out: list[Finding] = []
    seen: dict[str, tuple[str, int]] = {}
    for s in ctx.draft.sections:
        body = mask_gaps(s.body)  # markers are reported by the gaps check, not as prose
        hw = _half_width_marks(body)
        if hw:
            a, b = hw[0]
            out.append(Finding(code="T501", severity="warning", section=s.id, span=(a, b), excerpt=body[a:b],
                               message=f"中文中使用了半角标点（{len(hw)} 处，如「{body[a:b]}」）",
                               suggestion="改用全角标点：，：；？！（）"))
        for m in _SENTENCE.finditer(body):
            sentence = m.group().strip()
            if len(sentence) > ctx.config.max_sentence_chars:
                out.append(Finding(code="T502", severity="warning", section=s.id, span=m.span(),
                                   excerpt=sentence[:20] + "…",
                                   message=f"句子过长（{len(sentence)} 字），不便朗读",
                                   suggestion=f"拆成几个短句，每句不超过 {ctx.config.max_sentence_chars} 字"))
            key = _NOT_WORD.sub("", sentence)
            if len(key) >= 10:
                if key in seen:
                    out.append(Finding(code="T503", severity="warning", section=s.id, span=m.span(),
                                       excerpt=sentence[:20],
                                       message=f"句子与「{seen[key][0]}」部分重复",
                                       suggestion="删去重复的句子或换一种说法"))
                else:
                    seen[key] = (s.title or s.id, m.start())
        for phrase in ctx.config.banned_phrases:
            i = body.find(phrase)
            if i >= 0:
                out.append(Finding(code="T504", severity="warning", section=s.id, span=(i, i + len(phrase)),
                                   excerpt=phrase, message=f"使用了不宜使用的说法「{phrase}」",
                                   suggestion=f"删去或改写「{phrase}」"))
        lm = _LEFTOVER.search(body)
        if lm:
            out.append(Finding(code="T505", severity="warning", section=s.id, span=lm.span(), excerpt=lm.group(),
                               message=f"残留模板标记或英文「{lm.group()}」",
                               suggestion="删去模板标记，英文改为中文表述"))
    return out


CHECKS: dict[str, Callable[[_Context], list[Finding]]] = {
    "structure": check_structure,
    "figures": check_figures,
    "names": check_names,
    "length": check_length,
    "style": check_style,
}

# The review family (核稿): one module per concern in this package, each exposing
# ``CHECK_NAME`` and ``check(ctx) -> list[Finding]``. They are imported on first use, so a module
# of the family may import this one for Finding and _Context without a cycle.
FAMILY_MODULES: tuple[str, ...] = (
    "repeats",
    "gaps",
    "masking",
    "consistency",
    "usage",
    "counts",
    "period",
    "claims",
)


def all_checks() -> dict[str, Callable[[_Context], list[Finding]]]:
    """The core checks and the review family, by name, in the order they run."""
    from importlib import import_module

    out = dict(CHECKS)
    for name in FAMILY_MODULES:
        module = import_module(f"{__package__}.{name}")
        out[module.CHECK_NAME] = module.check
    return out


def validate(draft: Draft, facts: Facts, blueprint: Blueprint, config: ValidatorConfig | None = None,
             checks: Iterable[str] | None = None) -> Report:
    """Run the checks (all by default) and return the report."""
    from ..outline import with_facts_parts

    config = config or ValidatorConfig()
    blueprint = with_facts_parts(blueprint, facts)  # the facts' own parts are sections of the draft
    ctx = _build_context(draft, facts, blueprint, config)
    found: list[tuple[str, Finding]] = []
    registry = all_checks()
    for name in checks or registry:
        found += [(name, f) for f in registry[name](ctx)]
    findings = _switch(found, {**load_check_settings(tuple(config.prompts_dirs)), **config.checks})
    order = {s.id: i for i, s in enumerate(draft.sections)}
    findings.sort(key=lambda f: (order.get(f.section or "", -1), f.span[0] if f.span else -1))
    return Report(
        findings=findings,
        chars=draft.chars,
        target_chars=facts.meta.target.resolved_chars(ctx.cpm),
        speaking_minutes=round(draft.chars / ctx.cpm, 1),
        sections={s.id: (s.heading or s.title or s.id) for s in draft.sections},
        texts={s.id: s.body for s in draft.sections},
    )


# --- switching findings off by code or family ----------------------------------------------------------

CHECK_SETTINGS_FILE = "checks.yaml"
_SWITCHES = ("off", "error", "warning", "info")


def check_switch_error(key: object, value: object) -> str | None:
    """Why ``key: value`` is no valid switch (None when it is one)."""
    if not isinstance(key, str) or not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", key):
        return f"「{key}」应为检查代码（如 U604）或检查族名（如 claims）"
    if value is False:
        return None  # YAML reads a bare off as false
    if value not in _SWITCHES:
        return f"「{key}」的值应为 {'、'.join(_SWITCHES)} 之一，而不是「{value}」"
    return None


@functools.lru_cache(maxsize=16)
def load_check_settings(dirs: tuple[str, ...] = ()) -> dict[str, str]:
    """``checks.yaml`` of the prompts folders (the first folder wins, as for every prompt file)."""
    import yaml

    out: dict[str, str] = {}
    for d in reversed(dirs):
        path = Path(d) / CHECK_SETTINGS_FILE
        if not path.is_file():
            continue
        try:
            data = yaml.safe_load(read_text(path, what="检查设置")) or {}
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            raise InputError(f"检查设置格式错误（第 {mark.line + 1} 行）" if mark else "检查设置格式错误",
                             path=str(path)) from None
        if isinstance(data, dict) and isinstance(data.get("checks"), dict):
            data = data["checks"]
        if not isinstance(data, dict):
            raise InputError("检查设置应为“代码或检查族: off/error/warning/info”的映射", path=str(path))
        for key, value in data.items():
            problem = check_switch_error(key, value)
            if problem:
                raise InputError(f"检查设置有误：{problem}", path=str(path))
            out[key] = "off" if value is False else value
    return out


def _switch(found: list[tuple[str, Finding]], switches: dict[str, str]) -> list[Finding]:
    """Apply the switches: by code first, then by family; ``off`` drops a finding, a level sets its severity."""
    if not switches:
        return [f for _, f in found]
    out = []
    for family, f in found:
        setting = switches.get(f.code) or switches.get(family)
        if setting in (None, False):
            out.append(f)
        elif setting != "off":
            out.append(f.model_copy(update={"severity": setting}))
    return out


# --- reading plain speeches -------------------------------------------------------------------

_HEADING_LINE = re.compile(r"^\s*(?:#+\s*)?([一二三四五六七八九十]+、\S.{0,40})$")
_MD_HEADING = re.compile(r"^\s*#+\s*")


def find_headings(text: str) -> list[str]:
    """Level-one headings (一、…) of a plain speech, in order."""
    out = []
    for line in text.splitlines():
        m = _HEADING_LINE.match(line.strip().replace("\u3000", ""))
        if m:
            out.append(m.group(1))
    return out


def draft_from_text(text: str, blueprint: Blueprint, *, title: str | None = None, facts: Facts | None = None) -> Draft:
    """Split a plain speech into the blueprint's sections by its level-one headings.

    The first line is the title when it has a title's shape (see :func:`_looks_like_title`); a
    short line ending in a colon is the salutation; what comes
    before the first heading is the opening. Each heading starts the next headed section of the
    blueprint. The paragraphs after the last enumerated point of a headed section go to the
    unheaded section(s) the blueprint puts after it (summing-up, closing).
    """
    lines = [ln.strip().replace("\u3000", "").strip() for ln in text.splitlines()]
    lines = [ln for ln in lines if ln]
    if not lines:
        raise InputError("稿件为空")
    doc_title = title or ""
    if title is None and _looks_like_title(lines):
        doc_title = _MD_HEADING.sub("", lines[0])
        lines = lines[1:]
    specs = blueprint.sections
    buckets: dict[str, list[str]] = {s.id: [] for s in specs}
    headings: dict[str, str] = {}
    sal = next((s for s in specs if s.role == "salutation"), None)
    # A salutation line ends in a colon; a long one (各国领导人，各位国际组织负责人，……朋友们：) is known by
    # the facts' addressees it names.
    long_salutation = facts is not None and "。" not in lines[0] and \
        sum(a in lines[0] for a in facts.meta.addressees) >= max(1, len(facts.meta.addressees) // 2) if lines else False
    if sal and lines and (len(lines[0]) <= 40 or long_salutation) and lines[0].endswith(("：", ":")):
        buckets[sal.id].append(lines.pop(0))
    headed = [s for s in specs if s.heading]
    current = next((s for s in specs if s.role == "opening"), specs[0])
    h = 0
    for line in lines:
        m = _HEADING_LINE.match(line)
        if m and h < len(headed):
            current = headed[h]
            headings[current.id] = m.group(1)
            h += 1
            continue
        buckets[current.id].append(_MD_HEADING.sub("", line))
    if not headed and facts is not None:
        _split_unheaded(specs, buckets, facts)
    _move_tails(specs, buckets, headings, facts)
    sections = [DraftSection(id=s.id, title=s.title, role=s.role, heading=headings.get(s.id),
                             level=s.level if s.id in headings else None, body="\n\n".join(buckets[s.id]))
                for s in specs]
    return Draft(title=doc_title, genre=blueprint.id, blueprint_sha256=blueprint.sha256, sections=sections)


_SENTENCE_MARKS = re.compile(r"[。！？!?；;]")


def _looks_like_title(lines: list[str]) -> bool:
    """A title is short, is not the salutation, a heading or a sentence, and is not the whole text."""
    first = _MD_HEADING.sub("", lines[0])
    if len(lines) < 2 or len(first) > 60 or first.endswith(("：", ":", "，", ",", "、")):
        return False
    if _HEADING_LINE.match(first) or _SENTENCE_MARKS.search(first.rstrip("。")):
        return False
    return not first.endswith("。") or lines[0].startswith("#")


_POINT_STARTS = {
    "yishi": re.compile(r"^[一二三四五六七八九十]+是"),
    "paren": re.compile(r"^[（(][一二三四五六七八九十]+[）)]"),
    "diyi": re.compile(r"^第[一二三四五六七八九十]+[，、]"),
    "shouxian": re.compile(r"^(?:首先|其次|再次)"),  # 最后 also opens a closing paragraph: not a point
    "arabic": re.compile(r"^[0-9]+[.．]"),
}
_GAP_ONLY = re.compile(r"^【待补[^】]*】$")
_ANY_POINT = re.compile("|".join(p.pattern for k, p in _POINT_STARTS.items() if k != "shouxian"))


def _move_tails(specs: list[SectionSpec], buckets: dict[str, list[str]], headings: dict[str, str],
                facts: Facts | None = None) -> None:
    for i, spec in enumerate(specs):
        if spec.id not in headings:
            continue
        followers = []
        for nxt in specs[i + 1:]:
            if nxt.heading:
                break
            followers.append(nxt)
        paras = buckets[spec.id]
        if not followers or not paras:
            continue
        point = _POINT_STARTS.get(spec.enumerator, _ANY_POINT)
        last_point = max((k for k, p in enumerate(paras) if point.match(p)), default=-1)
        if last_point < 0:  # no numbered points: a paragraph that is only a gap stands for them (提出要求)
            last_point = max((k for k, p in enumerate(paras) if _GAP_ONLY.match(p)), default=-1)
        if last_point < 0 and facts is not None:  # plain paragraphs: the facts tell whose a paragraph is
            _move_tail_by_facts(spec.id, followers, buckets, facts)
            continue
        if last_point < 0:
            continue
        tail = paras[last_point + 1:]
        buckets[spec.id] = paras[: last_point + 1]
        if len(followers) == 1:
            buckets[followers[0].id] = tail + buckets[followers[0].id]
        else:  # e.g. assessment then closing: the last paragraphs close the speech
            buckets[followers[-1].id] = tail[-2:] + buckets[followers[-1].id]
            buckets[followers[0].id] = tail[:-2] + buckets[followers[0].id]


_PUNCT = re.compile(r"[\s，。；：、！？,.;:!?“”‘’\"'（）()《》【】—]")


def _fed_texts(facts: Facts, spec: SectionSpec) -> list[str]:
    """The facts' sentences a section is written from, without punctuation (for finding them again)."""
    data = facts.model_dump(mode="json")
    out: list[str] = []

    def walk(value: Any) -> None:
        if isinstance(value, str):
            out.append(_PUNCT.sub("", value))
        elif isinstance(value, dict):
            for key, v in value.items():
                if key not in ("figures", "provenance", "org", "id"):
                    walk(v)
        elif isinstance(value, list):
            for v in value:
                walk(v)

    for name in spec.feeds:
        if name != "meta":
            walk(data.get(name))
    return [t for t in out if len(t) >= 6]


def _move_tail_by_facts(section_id: str, followers: list[SectionSpec], buckets: dict[str, list[str]],
                        facts: Facts) -> None:
    """The last paragraphs of a headed section of plain paragraphs that say what an unheaded
    section after it is fed (the summing-up, the shortcomings, the closing's wishes) are that section's."""
    paras = buckets[section_id]
    texts = [_fed_texts(facts, f) for f in followers]

    def owner(para: str) -> int | None:
        bare = _PUNCT.sub("", para)
        return next((j for j, ts in enumerate(texts) if any(t[:12] in bare for t in ts)), None)

    start = len(paras)
    while start > 1 and (owner(paras[start - 1]) is not None or len(_PUNCT.sub("", paras[start - 1])) <= 8):
        start -= 1  # 谢谢！ and the like close the speech with it
    j = 0
    moved: list[list[str]] = [[] for _ in followers]
    for para in paras[start:]:
        k = owner(para)
        j = max(j, k if k is not None else len(followers) - 1)
        moved[j].append(para)
    buckets[section_id] = paras[:start]
    for f, paragraphs in zip(followers, moved, strict=True):
        buckets[f.id] = paragraphs + buckets[f.id]


def _split_unheaded(specs: list[SectionSpec], buckets: dict[str, list[str]], facts: Facts) -> None:
    """A speech with no heading at all (an address, a speech not divided into parts) read back
    with its facts: each paragraph goes, in order, to the section whose facts it states; one that
    states none stays with the section before it."""
    order = [s for s in specs if s.role != "salutation"]
    if len(order) < 2:
        return
    texts = [_fed_texts(facts, s) for s in order]
    paras = buckets[order[0].id] + [p for s in order[1:] for p in buckets[s.id]]
    moved: list[list[str]] = [[] for _ in order]
    j = 0
    for para in paras:
        bare = _PUNCT.sub("", para)
        if not any(t[:12] in bare for t in texts[j]):
            j = next((k for k in range(j + 1, len(order)) if any(t[:12] in bare for t in texts[k])), j)
        moved[j].append(para)
    for spec, paragraphs in zip(order, moved, strict=True):
        buckets[spec.id] = paragraphs


def load_speech(path: str | Path, blueprint: Blueprint, facts: Facts | None = None) -> Draft:
    """A draft JSON, a ``.docx`` (as edited in Word), or a ``.md``/``.txt`` speech split into the blueprint's sections.

    With ``facts``, the parts of the source's own that the facts keep (``facts.parts``) are
    sections too, so a plain speech's 「三、加强政府自身建设」 is read as that part, not as missing."""
    from ..files import is_stdio, read_stdin

    if facts is not None:
        from ..outline import with_facts_parts

        blueprint = with_facts_parts(blueprint, facts)

    if is_stdio(path):  # ``-``: a draft JSON or a plain speech on standard input
        text = read_stdin(what="稿件", max_bytes=4 * 1024 * 1024)
        if text.lstrip().startswith("{"):
            try:
                return Draft.model_validate_json(text)
            except ValueError:
                raise InputError("不是 speechwriter 稿件 JSON", path="<标准输入>") from None
        return draft_from_text(text, blueprint, facts=facts)
    p = Path(path)
    if p.suffix.lower() == ".json":
        return load_draft(p)
    if p.suffix.lower() == ".docx":
        from ..wordfile import read_docx_text

        return draft_from_text(read_docx_text(p), blueprint, facts=facts)
    if p.suffix.lower() not in (".md", ".txt", ".markdown"):
        raise InputError("稿件应为 .json（speechwriter 稿件）、.docx、.md 或 .txt", path=str(path))
    return draft_from_text(read_text(p, what="稿件文件", max_bytes=4 * 1024 * 1024), blueprint, facts=facts)
