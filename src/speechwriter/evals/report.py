"""The evaluation report as one self-contained HTML file (no network, opens from disk).

For each case the variants' outputs stand side by side: the first variant's draft with the
validators' findings marked, the others as a diff against it; metrics that differ between variants
are highlighted (better green, worse red); every assertion is listed, passed or failed, with its
reason; every repeat can be viewed. A small inline script filters by status, variant and failed
metric, and searches the text. Without the script everything is still there, expanded by hand.
"""

from __future__ import annotations

import datetime as dt
import difflib
import html
import json
import re
import statistics
from pathlib import Path
from typing import Any

from ..files import write_text_atomic
from ..redact import redact
from .suite import (
    METRICS,
    STATUS_LABEL,
    CaseResult,
    SuiteResult,
    _fmt_stats,
    _header,
    check_labels,
    prepare_results_root,
    render_markdown,
    safe_file_name,
)

__all__ = ["claim_run_folder", "render_html", "write_results"]

esc = html.escape

_CSS = """
:root{--ok:#1a7f37;--bad:#cf222e;--warn:#9a6700;--line:#d0d7de;--soft:#f6f8fa}
body{font-family:"Noto Sans CJK SC","Source Han Sans SC","Microsoft YaHei",sans-serif;margin:0;color:#1f2328}
header{padding:1em 2em .5em}h1{font-size:1.4em;margin:.2em 0}.meta{color:#57606a;font-size:.9em}
main{padding:0 2em 3em}h2{font-size:1.1em;margin:1.5em 0 .5em}
.filters{position:sticky;top:0;z-index:2;background:#fff;border-bottom:1px solid var(--line);padding:.6em 2em;
display:flex;gap:1em;flex-wrap:wrap;align-items:center}
.filters label{font-size:.9em;color:#57606a}.filters select,.filters input{font:inherit;padding:2px 4px}
#count{margin-left:auto;font-size:.9em;color:#57606a}
table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid var(--line);padding:3px 8px;text-align:right}
th{background:var(--soft)}td.l,th.l{text-align:left}
.passed{color:var(--ok)}.failed,.error{color:var(--bad)}
.badge{display:inline-block;border-radius:10px;padding:0 8px;font-size:.85em;color:#fff;white-space:nowrap}
.badge.passed{background:var(--ok);color:#fff}.badge.failed{background:var(--bad);color:#fff}
.badge.error{background:#8250df;color:#fff}
details.case{border:1px solid var(--line);border-radius:6px;margin:.6em 0;background:#fff}
details.case>summary{cursor:pointer;padding:.5em .8em;background:var(--soft);list-style-position:inside}
details.case>summary .why{color:#57606a;font-size:.9em;margin-left:.5em}
.grid{display:grid;gap:0;border-top:1px solid var(--line)}
.col{padding:.6em .8em;border-left:1px solid var(--line);min-width:0}.col:first-child{border-left:none}
.col h3{font-size:1em;margin:.2em 0 .4em}.secs{color:#57606a;font-weight:normal;font-size:.85em}
.reps{margin:.3em 0}.reps button{font:inherit;font-size:.85em;margin-right:.3em;border:1px solid var(--line);
background:#fff;border-radius:4px;cursor:pointer}.reps button.on{background:#0969da;color:#fff}
ul.checks{list-style:none;padding:0;margin:.4em 0}ul.checks li{padding:1px 0;font-size:.9em}
ul.checks li.pass::before{content:"✔ ";color:var(--ok)}ul.checks li.fail::before{content:"✘ ";color:var(--bad)}
ul.checks li.fail{color:var(--bad)}ul.checks .d{color:#57606a}
table.metrics td.differs{background:#fff8c5}table.metrics td.better{color:var(--ok);font-weight:bold}
table.metrics td.worse{color:var(--bad);font-weight:bold}
.output{border-top:1px dashed var(--line);margin-top:.5em;padding-top:.3em;line-height:1.8}
.output p{text-indent:2em;margin:.2em 0}.output p.h{text-indent:0;font-weight:bold}.output p.t{text-align:center;
text-indent:0;font-weight:bold}
ins{background:#dafbe1;text-decoration:none}del{background:#ffebe9;color:#82071e}
mark.error{background:#ffcecb}mark.warning{background:#fff1a8}mark.info{background:#ddf4ff}
.findings{font-size:.85em;color:#57606a}.err{color:var(--bad);white-space:pre-wrap}
.empty{color:#57606a;font-style:italic}
body.show-diff .col .diffed+.marked{display:none}body.show-marks .col .diffed{display:none}
"""

_SCRIPT = """
(function () {
  var all = function (sel, root) { return Array.prototype.slice.call((root || document).querySelectorAll(sel)); };
  var one = function (sel) { return document.querySelector(sel); };
  function showRepeat(col, rep) {
    all('.repeat', col).forEach(function (r) { r.hidden = r.getAttribute('data-rep') !== rep; });
    all('.reps button', col).forEach(function (b) { b.classList.toggle('on', b.getAttribute('data-rep') === rep); });
  }
  all('.col').forEach(function (col) {
    showRepeat(col, '0');
    all('.reps button', col).forEach(function (b) {
      b.addEventListener('click', function () { showRepeat(col, b.getAttribute('data-rep')); });
    });
  });
  var total = all('details.case').length;
  function apply() {
    var st = one('#f-status').value, v = one('#f-variant').value, m = one('#f-metric').value;
    var q = one('#f-search').value.trim().toLowerCase();
    var shown = 0;
    all('details.case').forEach(function (c) {
      var statuses = JSON.parse(c.getAttribute('data-statuses'));
      var failedMetrics = JSON.parse(c.getAttribute('data-failed-metrics'));
      var variants = v ? [v] : Object.keys(statuses);
      var ok = variants.some(function (x) { return x in statuses; });
      if (ok && st) ok = variants.some(function (x) { return statuses[x] === st; });
      if (ok && m) ok = variants.some(function (x) { return (failedMetrics[x] || []).indexOf(m) >= 0; });
      if (ok && q) ok = c.textContent.toLowerCase().indexOf(q) >= 0;
      c.hidden = !ok;
      all('.col', c).forEach(function (col) { col.hidden = !!v && col.getAttribute('data-variant') !== v; });
      var grid = c.querySelector('.grid');
      if (grid) grid.style.gridTemplateColumns = 'repeat(' + (v ? 1 : grid.getAttribute('data-n')) + ', minmax(0, 1fr))';
      var row = document.getElementById('row-' + c.id);
      if (row) row.hidden = !ok;
      if (ok) shown += 1;
    });
    one('#count').textContent = '显示 ' + shown + ' / ' + total + ' 个用例';
    one('#no-match').hidden = shown > 0;
  }
  ['#f-status', '#f-variant', '#f-metric'].forEach(function (s) { one(s).addEventListener('change', apply); });
  function view() {
    var marks = one('#f-view').value === 'marks';
    document.body.classList.toggle('show-marks', marks);
    document.body.classList.toggle('show-diff', !marks);
  }
  one('#f-view').addEventListener('change', view);
  view();
  one('#f-search').addEventListener('input', apply);
  one('#expand').addEventListener('click', function () {
    all('details.case').forEach(function (c) { if (!c.hidden) c.open = true; });
  });
  one('#collapse').addEventListener('click', function () { all('details.case').forEach(function (c) { c.open = false; }); });
  all('a.goto').forEach(function (a) {
    a.addEventListener('click', function () { var d = document.getElementById(a.getAttribute('href').slice(1)); if (d) d.open = true; });
  });
  if (location.hash) { var d = document.getElementById(location.hash.slice(1)); if (d && d.tagName === 'DETAILS') d.open = true; }
  apply();
})();
"""


def claim_run_folder(root: Path, suite: str) -> Path:
    """A new ``<timestamp>-<suite>[-N]`` folder under ``root``, made here and by no one else.

    ``mkdir`` is the claim: of two processes finishing in the same second, one makes
    ``…-core`` and the other, told it exists, goes on to ``…-core-2`` — never both into one folder.
    """
    from ..errors import WriteError
    from ..files import write_problem

    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    for n in range(1, 10_000):
        name = safe_file_name(suite)
        folder = root / (f"{stamp}-{name}" if n == 1 else f"{stamp}-{name}-{n}")
        try:
            folder.mkdir()
        except FileExistsError:
            continue
        except OSError as exc:
            raise WriteError(f"无法创建评测结果目录：{write_problem(exc)}", path=str(folder)) from None
        return folder
    raise WriteError("同一秒内的评测运行过多，无法分配结果目录", path=str(root))


def write_results(result: SuiteResult, base: Path | None = None, folder: Path | None = None) -> Path:
    """``evals/runs/<timestamp>-<suite>/`` (or ``folder``) with results.json, report.md and report.html."""
    from ..errors import WriteError
    from ..files import write_problem

    if folder is None:
        folder = claim_run_folder(prepare_results_root(base), result.suite)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise WriteError(f"无法创建评测结果目录：{write_problem(exc)}", path=str(folder)) from None
    result.folder = str(folder)
    # Case errors carry server messages: no key or URL credential may reach a report.
    write_text_atomic(folder / "results.json", redact(result.model_dump_json(indent=1)) + "\n")
    write_text_atomic(folder / "report.md", redact(render_markdown(result)))
    write_text_atomic(folder / "report.html", redact(render_html(result)))
    return folder


def render_html(result: SuiteResult) -> str:
    """A self-contained HTML report: overview, variant comparison, and every case side by side."""
    labels = check_labels(result)
    cases = list(dict.fromkeys(r.case for r in result.results))
    variants = list(result.variants) or list(dict.fromkeys(r.variant for r in result.results))
    by: dict[tuple[str, str], list[CaseResult]] = {}
    for r in result.results:
        by.setdefault((r.case, r.variant), []).append(r)
    for rs in by.values():
        rs.sort(key=lambda r: r.repeat)
    status = result.case_status()
    agg = result.aggregate()
    metric_names = sorted({m for r in result.results for m in r.metrics})
    failed_metrics = sorted({c["metric"] for r in result.results for c in r.checks
                             if not c.get("passed") and c.get("metric")})
    ids = {case: f"case-{i}" for i, case in enumerate(cases)}

    out = ["<!doctype html><html lang='zh-CN'><head><meta charset='utf-8'>",
           "<meta name='viewport' content='width=device-width, initial-scale=1'>",
           f"<title>评测 {esc(result.suite)}</title><style>{_CSS}</style></head><body>",
           f"<header><h1>评测报告：{esc(result.suite)}</h1><div class='meta'>{esc(result.started_at)} · "
           f"用时 {result.seconds:.1f} 秒 · {len(cases)} 个用例 × {len(variants)} 个变体 × 重复 {result.repeat} 次 · "
           f"变体：{esc('、'.join(variants))}</div></header>"]
    out.append(_filters(variants, failed_metrics, labels))
    out.append("<main>")
    out.append(_overview(cases, variants, status, by, ids))
    if len(variants) > 1:
        out.append(_comparison(variants, metric_names, agg, labels))
    out.append("<h2>各用例（点击展开；多个变体并排，与第一个变体不同之处高亮）</h2>")
    out.append("<p id='no-match' class='empty' hidden>没有符合筛选条件的用例。</p>")
    for case in cases:
        out.append(_case_block(case, ids[case], variants, by, status, labels))
    out.append("</main>")
    out.append(f"<script>{_SCRIPT}</script></body></html>")
    return "\n".join(out) + "\n"


def _filters(variants: list[str], failed_metrics: list[str], labels: dict[str, str]) -> str:
    status_opts = "".join(f"<option value='{k}'>{v}</option>" for k, v in STATUS_LABEL.items())
    variant_opts = "".join(f"<option value='{esc(v, quote=True)}'>{esc(v)}</option>" for v in variants)
    metric_opts = "".join(f"<option value='{esc(m, quote=True)}'>{esc(_header(m, labels))}</option>"
                          for m in failed_metrics)
    return ("<nav class='filters'>"
            f"<label>状态 <select id='f-status'><option value=''>全部</option>{status_opts}</select></label>"
            f"<label>变体 <select id='f-variant'><option value=''>全部</option>{variant_opts}</select></label>"
            f"<label>未满足的指标 <select id='f-metric'><option value=''>不限</option>{metric_opts}</select></label>"
            "<label>搜索 <input id='f-search' type='search' placeholder='用例、稿件、断言中的文字'></label>"
            "<label>稿件显示 <select id='f-view'><option value='diff'>与第一个变体的差异</option>"
            "<option value='marks'>校验问题标注</option></select></label>"
            "<button id='expand' type='button'>全部展开</button><button id='collapse' type='button'>全部收起</button>"
            "<span id='count'></span></nav>")


def _badge(st: str) -> str:
    return f"<span class='badge {st}'>{STATUS_LABEL.get(st, st)}</span>"


def _overview(cases: list[str], variants: list[str], status: dict[tuple[str, str], str],
              by: dict[tuple[str, str], list[CaseResult]], ids: dict[str, str]) -> str:
    rows = ["<h2>总览</h2><table class='summary'><tr><th class='l'>用例</th>" +
            "".join(f"<th>{esc(v)}</th>" for v in variants) + "</tr>"]
    for case in cases:
        cells = []
        for v in variants:
            st = status.get((case, v))
            if st is None:
                cells.append("<td>—</td>")
                continue
            runs = by[(case, v)]
            passed = sum(r.status == "passed" for r in runs)
            tally = f" {passed}/{len(runs)}" if len(runs) > 1 else ""
            cells.append(f"<td>{_badge(st)}{tally}</td>")
        rows.append(f"<tr id='row-{ids[case]}'><td class='l'><a class='goto' href='#{ids[case]}'>{esc(case)}</a></td>"
                    + "".join(cells) + "</tr>")
    rows.append("</table>")
    return "".join(rows)


def _comparison(variants: list[str], metric_names: list[str], agg: dict[tuple[str, str], dict[str, dict[str, float]]],
                labels: dict[str, str]) -> str:
    rows = ["<h2>变体对比（各用例均值）</h2><table><tr><th class='l'>指标</th>" +
            "".join(f"<th>{esc(v)}</th>" for v in variants) + "</tr>"]
    for m in metric_names:
        cells = []
        for v in variants:
            vals = [s[m]["mean"] for (_, vv), s in agg.items() if vv == v and m in s]
            cells.append(f"<td>{statistics.fmean(vals):.3f}</td>" if vals else "<td>—</td>")
        rows.append(f"<tr><td class='l' title='{esc(m, quote=True)}'>{esc(_header(m, labels))}</td>{''.join(cells)}</tr>")
    rows.append("</table>")
    return "".join(rows)


def _case_block(case: str, anchor: str, variants: list[str], by: dict[tuple[str, str], list[CaseResult]],
                status: dict[tuple[str, str], str], labels: dict[str, str]) -> str:
    present = [v for v in variants if (case, v) in by]
    statuses = {v: status[(case, v)] for v in present}
    failed = {v: sorted({c["metric"] for r in by[(case, v)] for c in r.checks
                         if not c.get("passed") and c.get("metric")}) for v in present}
    first_failure = next((r.error or (r.failures[0] if r.failures else "") for v in present for r in by[(case, v)]
                          if r.status != "passed"), "")
    summary = (f"<summary><b>{esc(case)}</b> " + " ".join(f"{_badge(statuses[v])}" for v in present) +
               (f"<span class='why'>{esc(first_failure[:120])}</span>" if first_failure else "") + "</summary>")
    means = {v: _means(by[(case, v)]) for v in present}
    baseline = present[0] if present else None
    cols = []
    for v in present:
        runs = by[(case, v)]
        reps = ""
        if len(runs) > 1:
            reps = "<div class='reps'>重复：" + "".join(
                f"<button type='button' data-rep='{r.repeat}'>第 {r.repeat + 1} 次 "
                f"{'✔' if r.status == 'passed' else '✘'}</button>" for r in runs) + "</div>"
        body = []
        for r in runs:
            base_run = None
            if v != baseline and baseline is not None:
                base_runs = by[(case, baseline)]
                base_run = next((b for b in base_runs if b.repeat == r.repeat), base_runs[0])
            body.append(f"<div class='repeat' data-rep='{r.repeat}'>"
                        f"{_metrics_table(r, means, v, baseline, labels)}{_checks(r)}{_output(r, base_run)}</div>")
        secs = statistics.fmean(r.seconds for r in runs)
        cols.append(f"<div class='col' data-variant='{esc(v, quote=True)}' data-status='{statuses[v]}'>"
                    f"<h3>{esc(v)} {_badge(statuses[v])} <span class='secs'>{secs:.1f} 秒</span></h3>"
                    f"{reps}{''.join(body)}</div>")
    attrs = (f"id='{anchor}' data-case='{esc(case, quote=True)}' "
             f"data-statuses='{esc(json.dumps(statuses, ensure_ascii=False), quote=True)}' "
             f"data-failed-metrics='{esc(json.dumps(failed, ensure_ascii=False), quote=True)}'")
    return (f"<details class='case' {attrs}>{summary}"
            f"<div class='grid' data-n='{len(present)}' style='grid-template-columns:repeat({len(present)},minmax(0,1fr))'>"
            + "".join(cols) + "</div></details>")


def _means(runs: list[CaseResult]) -> dict[str, float]:
    names = {m for r in runs for m in r.metrics}
    return {m: statistics.fmean(r.metrics[m] for r in runs if m in r.metrics) for m in names}


def _metrics_table(r: CaseResult, means: dict[str, dict[str, float]], variant: str, baseline: str | None,
                   labels: dict[str, str]) -> str:
    if not r.metrics:
        return ""
    rows = []
    for m in sorted(r.metrics):
        value = r.metrics[m]
        others = {round(mv[m], 9) for mv in means.values() if m in mv}
        cls = []
        if len(others) > 1:
            cls.append("differs")
            if variant != baseline and baseline is not None and m in means.get(baseline, {}):
                base = means[baseline][m]
                mine = means[variant][m]
                if abs(mine - base) > 1e-9:
                    higher = METRICS.get(m, ("", True))[1]
                    cls.append("better" if (mine > base) == higher else "worse")
        shown = _fmt_stats({"mean": value, "min": value, "max": value})
        rows.append(f"<tr><td class='l' title='{esc(m, quote=True)}'>{esc(_header(m, labels))}</td>"
                    f"<td class='{' '.join(cls)}'>{esc(shown)}</td></tr>")
    return "<table class='metrics'>" + "".join(rows) + "</table>"


def _checks(r: CaseResult) -> str:
    items = []
    if r.error:
        items.append(f"<li class='fail'>运行出错 <span class='d err'>{esc(r.error)}</span></li>")
    recorded = {c.get("detail") for c in r.checks}
    for c in r.checks:
        items.append(f"<li class='{'pass' if c.get('passed') else 'fail'}'>{esc(str(c.get('name', '')))}"
                     f" <span class='d'>— {esc(str(c.get('detail', '')))}</span></li>")
    if not r.checks:  # results written before assertions were recorded: their failures at least
        items += [f"<li class='fail'>{esc(f)}</li>" for f in r.failures if f not in recorded]
    if not items:
        items.append("<li class='pass'>没有断言 <span class='d'>— 只计算指标</span></li>")
    return "<ul class='checks'>" + "".join(items) + "</ul>"


# --- outputs ------------------------------------------------------------------------------------

def _paragraphs(draft: dict[str, Any]) -> list[tuple[str, str, str | None]]:
    """(kind, text, section id) for the title, headings and body paragraphs of a draft."""
    out: list[tuple[str, str, str | None]] = [("t", draft.get("title", ""), None)]
    for s in draft.get("sections", []):
        if s.get("heading"):
            out.append(("h", s["heading"], None))
        out += [("p", p.strip(), s["id"]) for p in s.get("body", "").split("\n") if p.strip()]
    return out


def _output(r: CaseResult, base: CaseResult | None) -> str:
    if not r.draft:
        return "<div class='output empty'>没有稿件</div>"
    chars = sum(len(p) for k, p, _ in _paragraphs(r.draft) if k != "t")
    head = f"<div class='findings'>稿件 {chars} 字" + ("<span class='diffed'>，与第一个变体相比：<ins>新增</ins> "
                                                       "<del>删去</del></span>" if base is not None and base.draft
                                                       else "") + "</div>"
    body = f"<div class='marked'>{_marked_html(r.draft, r.findings)}</div>"
    if base is not None and base.draft:  # both views; the toolbar switches between them
        kinds = [k for k, _, _ in _paragraphs(r.draft)]
        body = f"<div class='diffed'>{_diff_html(_plain(base.draft), _plain(r.draft), kinds)}</div>" + body
    findings = "".join(f"<div>{esc(f.get('code', ''))} {esc(f.get('message', ''))}</div>" for f in r.findings)
    return f"<div class='output'>{head}{body}</div>" + (f"<div class='findings'>{findings}</div>" if findings else "")


def _plain(draft: dict[str, Any]) -> str:
    return "\n".join(text for _, text, _ in _paragraphs(draft))


_TOKEN = re.compile(r"[A-Za-z]+|[0-9]+(?:\.[0-9]+)?|\s+|.", re.S)


def _diff_html(old: str, new: str, kinds: list[str] | None = None) -> str:
    """The new text with insertions and deletions against the old (CJK by character, numbers whole).

    ``kinds`` gives each line of the new text its class (t title, h heading, p paragraph).
    """
    a, b = _TOKEN.findall(old), _TOKEN.findall(new)
    pieces: list[str] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if op == "equal":
            pieces.append(esc("".join(b[j1:j2])))
            continue
        if op in ("delete", "replace"):
            gone = "".join(a[i1:i2]).replace("\n", " ")
            if gone.strip():
                pieces.append(f"<del>{esc(gone)}</del>")
        if op in ("insert", "replace"):
            added = "".join(b[j1:j2])
            parts = added.split("\n")
            pieces.append("\n".join(f"<ins>{esc(p)}</ins>" if p else "" for p in parts))
    lines = "".join(pieces).split("\n")
    kinds = kinds or []
    out = []
    for i, line in enumerate(lines):
        if not line.strip():
            continue
        kind = kinds[i] if i < len(kinds) else "p"
        out.append(f"<p class='{kind}'>{line}</p>" if kind != "p" else f"<p>{line}</p>")
    return "".join(out)


def _marked_html(draft: dict[str, Any], findings: list[dict[str, Any]]) -> str:
    """The draft with the validators' findings marked where they are."""
    parts = [f"<p class='t'>{esc(draft.get('title', ''))}</p>"]
    for s in draft.get("sections", []):
        body = s.get("body", "")
        marks = sorted([f for f in findings if f.get("section") == s["id"] and f.get("span")],
                       key=lambda f: f["span"][0])
        text, pos = [], 0
        for f in marks:
            a, b = f["span"]
            if a < pos:
                continue
            text.append(esc(body[pos:a]))
            text.append(f"<mark class='{f['severity']}' title='{esc(f['code'] + ' ' + f['message'], quote=True)}'>"
                        f"{esc(body[a:b])}</mark>")
            pos = b
        text.append(esc(body[pos:]))
        if s.get("heading"):
            parts.append(f"<p class='h'>{esc(s['heading'])}</p>")
        parts += [f"<p>{p}</p>" for p in "".join(text).split("\n") if p.strip()]
    return "".join(parts)
