"""The sign-off sheet (核稿单): every figure and name of a draft traced to its fact and its source line.

Before a speech goes to the leader, somebody checks every number against its source. speechwriter
already knows where each one comes from: the fact it matches in the facts file and, after
``facts extract``, the file, line and sentence of the source material (the facts' provenance). The
sheet lays that out in draft order, with what ``validate`` still finds, for whoever signs it off::

    from speechwriter.signoff import build_signoff, write_signoff
    sheet = build_signoff(draft, facts, report)
    write_signoff(sheet, "核稿单.docx")           # or .html

A figure that matches no fact is listed as 未溯源, never dropped. ``export_with_comments`` writes
the 公文 Word document with a Word comment on each figure naming its source (the text untouched).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import html
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from .draft import Draft
    from .facts.model import Facts, FigureRef
    from .figures.quantities import Mention, Quantity
    from .validate.checks import Report

__all__ = ["SignoffRow", "SignoffSheet", "build_signoff", "export_with_comments", "write_signoff"]

State = Literal["已溯源", "待核", "无来源材料", "未溯源"]
STATE_NOTE = {
    "已溯源": "与事实文件一致，来源材料中有原句",
    "待核": "与事实文件一致，但抽取时标为待核",
    "无来源材料": "与事实文件一致；事实文件为人工填写，没有记录来源材料",
    "未溯源": "事实文件中没有这个数字或名称，请核实",
}


@dataclass(frozen=True)
class SignoffRow:
    """One figure or name as the draft writes it, and where it comes from."""

    kind: Literal["数字", "名称"]
    text: str
    sentence: str
    section: str
    state: State
    fact: str = ""
    org: str = ""
    declared: str = ""
    source: str = ""
    source_sentence: str = ""
    review: str = ""


@dataclass
class SignoffSheet:
    """The whole sheet: identity of what was checked, the rows, and the findings left."""

    title: str
    facts_sha256: str
    draft_sha256: str
    engine: str
    prompts: list[str]
    made_at: str
    rows: list[SignoffRow] = field(default_factory=list)
    findings: list[tuple[str, str, str, str]] = field(default_factory=list)  # severity, code, place, message

    @property
    def counts(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for row in self.rows:
            out[row.state] = out.get(row.state, 0) + 1
        return out


# --- tracing ------------------------------------------------------------------------------------

def _same(a: Quantity, b: Quantity) -> bool:
    return (a.value, a.unit, a.qualifier, a.high) == (b.value, b.unit, b.qualifier, b.high)


def _grams(text: str) -> set[str]:
    text = re.sub(r"[\d\s.,%，。；、]+", "", text)
    return {text[i:i + 2] for i in range(len(text) - 1)}


def _similarity(a: str, b: str) -> float:
    ga, gb = _grams(a), _grams(b)
    return len(ga & gb) / len(ga) if ga else 0.0


def _sentence_at(text: str, start: int, end: int) -> str:
    left = max(text.rfind(ch, 0, start) for ch in "。！？；\n") + 1
    rights = [i for i in (text.find(ch, end) for ch in "。！？；\n") if i >= 0]
    return text[left:(min(rights) + 1 if rights else len(text))].strip()


def _candidates(mention: Mention, refs: list[FigureRef]) -> list[FigureRef]:
    q = mention.quantity
    return [r for r in refs if _same(q, r.figure.quantity) or any(_same(q, p) for p in r.figure.parts)]


def _source(ref_provenance: list[Any], raw: str = "") -> tuple[str, str, str]:
    """file:line, sentence and review note of the provenance entry that states ``raw`` (else the first)."""
    if not ref_provenance:
        return "", "", ""
    p = next((p for p in ref_provenance if raw and raw in p.sentence), ref_provenance[0])
    return f"{Path(p.file).name}:{p.line}", p.sentence, p.review or ""


def _fact_text(ref: FigureRef, facts: Facts) -> str:
    """The statement a figure belongs to; for a plan, the measure that states it."""
    m = re.match(r"plans\[(\d+)\]", ref.path)
    if m:
        plan = facts.plans[int(m.group(1))]
        return next((x for x in plan.measures if ref.figure.raw in x), plan.theme)
    return ref.text


def _provenance_of(facts: Facts, path: str) -> list[Any]:
    """The provenance of the item or plan a figure path (highlights[0].items[1].figures[2]) points into."""
    m = re.match(r"highlights\[(\d+)\]\.items\[(\d+)\]", path)
    if m:
        return facts.highlights[int(m.group(1))].items[int(m.group(2))].provenance
    m = re.match(r"plans\[(\d+)\]", path)
    return facts.plans[int(m.group(1))].provenance if m else []


def _row_for(ref: FigureRef | None, facts: Facts, kind: Literal["数字", "名称"], text: str, sentence: str,
             section: str, provenance: list[Any] | None = None) -> SignoffRow:
    if ref is None and provenance is None:
        return SignoffRow(kind, text, sentence, section, "未溯源")
    prov = provenance if provenance is not None else _provenance_of(facts, ref.path)  # type: ignore[union-attr]
    source, source_sentence, review = _source(prov, ref.figure.raw if ref is not None else text)
    state: State = "待核" if review else ("已溯源" if source else "无来源材料")
    org = facts.org(ref.org) if ref is not None and ref.org else None
    return SignoffRow(kind, text, sentence, section, state,
                      fact=(_fact_text(ref, facts) if ref is not None else text), org=org.short_name if org else "",
                      declared=(ref.figure.raw if ref is not None else text), source=source,
                      source_sentence=source_sentence, review=review)


def _list_count(q: Quantity, facts: Facts) -> list[str]:
    """五个方面 over five plans: a count that restates the length of one of the facts' lists."""
    if q.qualifier or q.unit not in ("个", "大", "项", "条", "点", "方面", "家", "件"):
        return []
    lists = {"成效亮点": len(facts.highlights), "工作打算": len(facts.plans), "存在的不足": len(facts.shortcomings)}
    return [f"事实文件中的{name}共 {n} 条" for name, n in lists.items() if n and q.value == n]


def _prose_quantities(facts: Facts, lexicon: Any) -> list[tuple[Quantity, str]]:
    from .figures.quantities import find_quantities

    texts = [*facts.prose(), facts.meta.period or ""]
    return [(m.quantity, t) for t in texts if t for m in find_quantities(t, lexicon=lexicon)]


def _names(facts: Facts) -> list[tuple[str, str]]:
    """(name as it must be written, its organisation) for every name, honour and organisation."""
    out = [(n.text, n.org or "") for n in [*facts.names, *facts.honours]]
    out += [(o.name, o.id) for o in facts.organisations]
    return sorted(set(out), key=lambda t: -len(t[0]))


def trace(draft: Draft, facts: Facts, lexicon: Any = None) -> list[SignoffRow]:
    """Every figure and name in the draft, in draft order, with the fact and source it comes from."""
    from .figures.quantities import find_quantities

    refs = list(facts.figure_refs())
    prose = _prose_quantities(facts, lexicon)
    names = _names(facts)
    rows: list[tuple[int, int, SignoffRow]] = []
    for s_index, section in enumerate(draft.sections):
        title = section.heading or section.title or section.id
        body = section.body
        taken: list[tuple[int, int]] = []
        for name, _org in names:
            for m in re.finditer(re.escape(name), body):
                if any(a <= m.start() < b for a, b in taken):
                    continue
                taken.append(m.span())
                sentence = _sentence_at(body, m.start(), m.end())
                rows.append((s_index, m.start(), _row_for(None, facts, "名称", name, sentence, title, provenance=[])))
        for m in find_quantities(body, skip_spans=taken, lexicon=lexicon):
            found = _candidates(m, refs)
            if m.weak and not found:
                continue  # 一个, 一次 as an article, unless the facts declare it as a figure
            sentence = _sentence_at(body, m.start, m.end)
            best = max(found, key=lambda r: _similarity(sentence, r.text), default=None)
            if best is None:  # a number the facts' own words state (a period, a count) without declaring it
                said = [t for q, t in prose if _same(m.quantity, q)] or _list_count(m.quantity, facts)
                if said:
                    rows.append((s_index, m.start, SignoffRow(
                        "数字", m.text, sentence, title, "无来源材料",
                        fact=max(said, key=lambda t: _similarity(sentence, t)), declared=m.text)))
                    continue
            rows.append((s_index, m.start, _row_for(best, facts, "数字", m.text, sentence, title)))
    rows.sort(key=lambda t: (t[0], t[1]))
    return [r for _, _, r in rows]


def build_signoff(draft: Draft, facts: Facts, report: Report | None = None, *,
                  made_at: dt.datetime | None = None, lexicon: Any = None) -> SignoffSheet:
    """The sheet for ``draft`` checked against ``facts`` (and the findings of ``report``, if given)."""
    draft_hash = hashlib.sha256(draft.to_json().encode("utf-8")).hexdigest()
    engine = draft.engine.name + (f"（{draft.engine.model}）" if draft.engine.model else "")
    sheet = SignoffSheet(title=draft.title, facts_sha256=facts.sha256, draft_sha256=draft_hash, engine=engine,
                         prompts=[f"{p.section}：{p.template_sha256[:12]}" for p in draft.prompts],
                         made_at=(made_at or dt.datetime.now()).strftime("%Y-%m-%d %H:%M"),
                         rows=trace(draft, facts, lexicon))
    if report is not None:
        for f in report.findings:
            place = report.sections.get(f.section or "", f.section or "全文")
            sheet.findings.append((f.severity, f.code, place, f.message + (f"（{f.excerpt}）" if f.excerpt else "")))
    return sheet


# --- writing ------------------------------------------------------------------------------------

COLUMNS = ("序号", "类别", "稿件写法", "所在句子", "章节", "对应事实", "单位", "事实文件写法", "来源（文件:行）",
           "来源原句", "核对状态")
SEVERITY = {"error": "错误", "warning": "警告", "info": "提示"}


def _cells(i: int, row: SignoffRow) -> list[str]:
    state = row.state + (f"：{row.review}" if row.review else "")
    return [str(i), row.kind, row.text, row.sentence, row.section, row.fact, row.org, row.declared, row.source,
            row.source_sentence, state]


def _header_lines(sheet: SignoffSheet) -> list[str]:
    counts = "，".join(f"{k} {v} 处" for k, v in sheet.counts.items()) or "没有数字和名称"
    return [f"稿件：{sheet.title}", f"事实文件 SHA-256：{sheet.facts_sha256}", f"稿件 SHA-256：{sheet.draft_sha256}",
            f"引擎：{sheet.engine}", "提示词：" + ("；".join(sheet.prompts) or "（未记录）"),
            f"生成时间：{sheet.made_at}", f"共 {len(sheet.rows)} 处：{counts}"]


def signoff_html(sheet: SignoffSheet) -> str:
    """The sheet as one self-contained HTML page (prints on A4 landscape)."""
    esc = html.escape
    head = "".join(f"<li>{esc(line)}</li>" for line in _header_lines(sheet))
    body = "".join("<tr class='{}'>{}</tr>".format(
        "untraced" if r.state == "未溯源" else "", "".join(f"<td>{esc(c)}</td>" for c in _cells(i, r)))
        for i, r in enumerate(sheet.rows, 1))
    findings = "".join(f"<tr><td>{esc(SEVERITY.get(s, s))}</td><td>{esc(c)}</td><td>{esc(p)}</td><td>{esc(m)}</td></tr>"
                       for s, c, p, m in sheet.findings) or "<tr><td colspan='4'>无</td></tr>"
    return f"""<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>核稿单：{esc(sheet.title)}</title>
<style>@page{{size:A4 landscape;margin:15mm}}body{{font-family:"Noto Serif CJK SC","SimSun",serif;font-size:10.5pt}}
table{{border-collapse:collapse;width:100%}}td,th{{border:1px solid #888;padding:3px;vertical-align:top}}
tr.untraced td{{background:#fde2e1}}h1{{font-size:16pt;text-align:center}}</style></head><body>
<h1>核稿单</h1><ul>{head}</ul>
<h2>数字与名称</h2><table><thead><tr>{"".join(f"<th>{c}</th>" for c in COLUMNS)}</tr></thead><tbody>{body}</tbody></table>
<h2>校验遗留问题</h2><table><thead><tr><th>级别</th><th>代码</th><th>位置</th><th>问题</th></tr></thead><tbody>{findings}</tbody></table>
<p>核稿人：__________　　日期：__________</p><p>签发人：__________　　日期：__________</p></body></html>
"""


def signoff_docx(sheet: SignoffSheet) -> Any:
    """The sheet as a Word document (A4 landscape), opens in Word and WPS."""
    from docx import Document
    from docx.enum.section import WD_ORIENT
    from docx.shared import Mm, Pt

    doc = Document()
    section = doc.sections[0]
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = Mm(297), Mm(210)
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, Mm(15))
    doc.add_heading("核稿单", level=1)
    for line in _header_lines(sheet):
        doc.add_paragraph(line)
    doc.add_heading("数字与名称", level=2)
    table = doc.add_table(rows=1, cols=len(COLUMNS))
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, COLUMNS, strict=True):
        cell.text = text
    for i, row in enumerate(sheet.rows, 1):
        for cell, text in zip(table.add_row().cells, _cells(i, row), strict=True):
            cell.text = text
    doc.add_heading("校验遗留问题", level=2)
    if sheet.findings:
        ft = doc.add_table(rows=1, cols=4)
        ft.style = "Table Grid"
        for cell, text in zip(ft.rows[0].cells, ("级别", "代码", "位置", "问题"), strict=True):
            cell.text = text
        for severity, code, place, message in sheet.findings:
            for cell, text in zip(ft.add_row().cells, (SEVERITY.get(severity, severity), code, place, message),
                                  strict=True):
                cell.text = text
    else:
        doc.add_paragraph("无")
    doc.add_paragraph("")
    doc.add_paragraph("核稿人：__________　　日期：__________")
    doc.add_paragraph("签发人：__________　　日期：__________")
    for paragraph in doc.paragraphs:
        for run in paragraph.runs:
            run.font.size = Pt(10.5)
    return doc


def write_signoff(sheet: SignoffSheet, path: str | Path, *, force: bool = False) -> Path:
    """Write the sheet as .docx or .html (by the suffix) atomically; never overwrites without ``force``."""
    import io

    from .errors import InputError
    from .files import write_bytes_atomic, write_text_atomic

    target = Path(path)
    if not target.suffix:
        target = target.with_suffix(".docx")
    if target.suffix not in (".docx", ".html"):
        raise InputError("核稿单只能写成 .docx 或 .html", path=str(target))
    if target.exists() and not force:
        raise InputError("文件已存在，如需覆盖请加 --force", path=str(target))
    if target.suffix == ".html":
        return write_text_atomic(target, signoff_html(sheet))
    buffer = io.BytesIO()
    signoff_docx(sheet).save(buffer)
    return write_bytes_atomic(target, buffer.getvalue())


# --- comments in the 公文 document --------------------------------------------------------------

def _comment_text(row: SignoffRow) -> str:
    if row.state == "未溯源":
        return f"{row.text}：{STATE_NOTE['未溯源']}"
    where = f"；来源 {row.source}：{row.source_sentence}" if row.source else "；事实文件中无来源材料记录"
    org = f"（{row.org}）" if row.org else ""
    review = f"；待核：{row.review}" if row.review else ""
    return f"{row.text}：对应事实{org}「{row.fact}」{where}{review}"


def _split_run(paragraph: Any, start: int, end: int) -> Any | None:
    """The run that holds exactly ``paragraph.text[start:end]``, splitting runs as needed (formatting kept)."""
    import copy

    pos = 0
    for run in list(paragraph.runs):
        text = run.text
        a, b = pos, pos + len(text)
        pos = b
        if not (a <= start and end <= b):
            continue
        left, middle, right = text[:start - a], text[start - a:end - a], text[end - a:]
        run.text = middle
        if left:
            before = copy.deepcopy(run._r)
            run._r.addprevious(before)
            before_run = type(run)(before, run._parent)
            before_run.text = left
        if right:
            after = copy.deepcopy(run._r)
            run._r.addnext(after)
            type(run)(after, run._parent).text = right
        return run
    return None  # the figure spans two runs: left uncommented rather than restyled


def add_figure_comments(doc: Any, rows: Iterable[SignoffRow], author: str = "speechwriter 核稿") -> int:
    """Put a Word comment on each traced figure or name in ``doc``; returns how many were placed."""
    pending: dict[str, list[SignoffRow]] = {}
    for row in rows:
        pending.setdefault(row.text, []).append(row)
    placed = 0
    for paragraph in doc.paragraphs:
        text = paragraph.text
        for needle in sorted(pending, key=len, reverse=True):
            if not pending[needle]:
                continue
            start = text.find(needle)
            while start >= 0 and pending[needle]:
                row = pending[needle][0]
                if row.sentence and row.sentence[:6] not in text:
                    break  # this occurrence belongs to another paragraph
                run = _split_run(paragraph, start, start + len(needle))
                if run is None:
                    break
                doc.add_comment(run, text=_comment_text(row), author=author, initials="核")
                pending[needle].pop(0)
                placed += 1
                text = paragraph.text
                start = text.find(needle, start + len(needle))
    return placed


def export_with_comments(draft: Draft, facts: Facts, path: str | Path, *, force: bool = False,
                         fonts: Any = None, template: Path | None = None) -> Path:
    """The 公文 .docx of ``draft`` with a comment on each figure and name naming its source."""
    import io

    from .errors import InputError
    from .export.writers import Fonts, build_docx
    from .files import write_bytes_atomic

    target = Path(path)
    if not target.suffix:
        target = target.with_suffix(".docx")
    if target.exists() and not force:
        raise InputError("文件已存在，如需覆盖请加 --force", path=str(target))
    doc = build_docx(draft, fonts or Fonts(), template=template)
    add_figure_comments(doc, trace(draft, facts))
    buffer = io.BytesIO()
    doc.save(buffer)
    return write_bytes_atomic(target, buffer.getvalue())
