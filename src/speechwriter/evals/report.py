"""The evaluation report as one self-contained HTML file (no network, opens from disk).

For each case the variants' outputs stand side by side: the first variant's draft with the
validators' findings marked, the others as a diff against it; metrics that differ between variants
are highlighted (better green, worse red; a metric with no better direction, such as the speaking
time, only as different); every assertion is listed, passed or failed, with its reason; every repeat
can be viewed. A small inline script filters by status, variant and failed metric, and searches the
text. Without the script everything is still there, expanded by hand.

The page is rendered from the Jinja2 template ``templates/report.html.j2`` (with ``report.css`` and
``report.js``), shipped with the package, with autoescaping: this module only computes the values.
"""

from __future__ import annotations

import datetime as dt
import difflib
import json
import re
import statistics
from functools import cache
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

__all__ = ["claim_run_folder", "render_html", "reviews_markdown", "write_reports", "write_results"]

TEMPLATES = Path(__file__).resolve().parent / "templates"


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
    write_reports(result, folder)
    return folder


def write_reports(result: SuiteResult, folder: Path) -> None:
    """report.md and report.html of the run in ``folder``, with the human reviews recorded there.

    Called again after ``eval review`` so that both show the latest verdicts with who and when.
    """
    from .history import load_reviews

    reviews = load_reviews(folder)
    write_text_atomic(folder / "report.md", redact(render_markdown(result) + reviews_markdown(result, reviews)))
    write_text_atomic(folder / "report.html", redact(render_html(result, reviews)))


def reviews_markdown(result: SuiteResult, reviews: list[Any]) -> str:
    """The human verdicts (latest per case and variant) beside the automatic status, for report.md."""
    if not reviews:
        return ""
    latest = {(r.case, r.variant): r for r in reviews}
    status = result.case_status()
    lines = ["", "## 人工评审", "", "| 用例 | 变体 | 人工 | 自动 | 评审人 | 时间 | 意见 |", "|---|---|---|---|---|---|---|"]
    for (case, variant), r in latest.items():
        auto = STATUS_LABEL.get(status.get((case, variant), ""), "—")
        note = r.note.replace("|", "｜").replace("\n", " ")
        lines.append(f"| {case} | {variant} | {r.verdict} | {auto} | {r.by} | {r.at} | {note} |")
    return "\n".join(lines) + "\n"


@cache
def _environment() -> Any:
    from jinja2 import Environment, FileSystemLoader, StrictUndefined

    return Environment(loader=FileSystemLoader(str(TEMPLATES)), autoescape=True, undefined=StrictUndefined,
                       keep_trailing_newline=True)


def render_html(result: SuiteResult, reviews: list[Any] | None = None) -> str:
    """A self-contained HTML report: overview, variant comparison, and every case side by side.

    Each case row has 通过/不通过 buttons and a note per variant; the page's button downloads the
    verdicts (with ``reviews``, those already recorded) as ``reviews.json`` for ``eval review --import``.
    """
    return _environment().get_template("report.html.j2").render(**report_view(result, reviews or []))


def report_view(result: SuiteResult, reviews: list[Any] | None = None) -> dict[str, Any]:
    """Everything the template shows, as plain values (text, never markup)."""
    reviews = reviews or []
    latest = {(r.case, r.variant): r for r in reviews}
    labels = check_labels(result)
    case_ids = list(dict.fromkeys(r.case for r in result.results))
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
    cases = []
    for i, case in enumerate(case_ids):
        view = _case_view(case, f"case-{i}", variants, by, status, labels)
        view["overview"] = [_overview_cell(case, v, by, status) for v in variants]
        view["reviews"] = [{"variant": v, "previous": _review_text(latest.get((case, v)))}
                           for v in variants if (case, v) in by]
        cases.append(view)
    comparison = [{"id": m, "label": _header(m, labels),
                   "means": [_mean_or_none([s[m]["mean"] for (_, vv), s in agg.items() if vv == v and m in s])
                             for v in variants]}
                  for m in metric_names] if len(variants) > 1 else []
    return {"suite": result.suite, "started_at": result.started_at, "seconds": result.seconds,
            "repeat": result.repeat, "variants": variants, "status_label": STATUS_LABEL,
            "failed_metrics": [{"id": m, "label": _header(m, labels)} for m in failed_metrics],
            "cases": cases, "comparison": comparison,
            "reviews_json": json.dumps([r.to_dict() for r in reviews], ensure_ascii=False)}


def _review_text(review: Any) -> str:
    """A recorded verdict as shown in its row: the verdict, who, when and the note."""
    if review is None:
        return ""
    return f"已记录：{review.verdict} · {review.by} {review.at}" + (f"：{review.note}" if review.note else "")


def _mean_or_none(values: list[float]) -> float | None:
    return statistics.fmean(values) if values else None


def _overview_cell(case: str, variant: str, by: dict[tuple[str, str], list[CaseResult]],
                   status: dict[tuple[str, str], str]) -> dict[str, Any] | None:
    st = status.get((case, variant))
    if st is None:
        return None
    runs = by[(case, variant)]
    return {"status": st, "runs": len(runs), "passed": sum(r.status == "passed" for r in runs)}


def _case_view(case: str, anchor: str, variants: list[str], by: dict[tuple[str, str], list[CaseResult]],
               status: dict[tuple[str, str], str], labels: dict[str, str]) -> dict[str, Any]:
    present = [v for v in variants if (case, v) in by]
    statuses = {v: status[(case, v)] for v in present}
    failed = {v: sorted({c["metric"] for r in by[(case, v)] for c in r.checks
                         if not c.get("passed") and c.get("metric")}) for v in present}
    first_failure = next((r.error or (r.failures[0] if r.failures else "") for v in present for r in by[(case, v)]
                          if r.status != "passed"), "")
    means = {v: _means(by[(case, v)]) for v in present}
    baseline = present[0] if present else None
    columns = []
    for v in present:
        runs = []
        for r in by[(case, v)]:
            base_run = None
            if v != baseline and baseline is not None:
                base_runs = by[(case, baseline)]
                base_run = next((b for b in base_runs if b.repeat == r.repeat), base_runs[0])
            runs.append({"repeat": r.repeat, "passed": r.status == "passed",
                         "metrics": _metric_rows(r, means, v, baseline, labels), "checks": _check_rows(r),
                         "output": _output_view(r, base_run)})
        columns.append({"variant": v, "status": statuses[v], "runs": runs,
                        "seconds": statistics.fmean(r.seconds for r in by[(case, v)])})
    return {"id": case, "anchor": anchor, "why": first_failure[:120], "columns": columns,
            "statuses_json": json.dumps(statuses, ensure_ascii=False),
            "failed_json": json.dumps(failed, ensure_ascii=False)}


def _means(runs: list[CaseResult]) -> dict[str, float]:
    names = {m for r in runs for m in r.metrics}
    return {m: statistics.fmean(r.metrics[m] for r in runs if m in r.metrics) for m in names}


def direction(metric: str) -> bool | None:
    """True when higher is better, False when lower is, None when neither (the speaking time)."""
    if metric.startswith(("judge:", "custom:")):
        return True
    return METRICS.get(metric, ("", True))[1]


def _metric_rows(r: CaseResult, means: dict[str, dict[str, float]], variant: str, baseline: str | None,
                 labels: dict[str, str]) -> list[dict[str, Any]]:
    rows = []
    for m in sorted(r.metrics):
        value = r.metrics[m]
        others = {round(mv[m], 9) for mv in means.values() if m in mv}
        classes = []
        if len(others) > 1:
            classes.append("differs")
            higher = direction(m)
            if variant != baseline and baseline is not None and m in means.get(baseline, {}) and higher is not None:
                base, mine = means[baseline][m], means[variant][m]
                if abs(mine - base) > 1e-9:
                    classes.append("better" if (mine > base) == higher else "worse")
        rows.append({"id": m, "label": _header(m, labels), "classes": classes,
                     "value": _fmt_stats({"mean": value, "min": value, "max": value})})
    return rows


def _check_rows(r: CaseResult) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    if r.error:
        items.append({"cls": "fail", "name": "运行出错", "detail": r.error, "error": True})
    recorded = {c.get("detail") for c in r.checks}
    for c in r.checks:
        items.append({"cls": "pass" if c.get("passed") else "fail", "name": str(c.get("name", "")),
                      "detail": str(c.get("detail", "")), "error": False})
    if not r.checks:  # results written before assertions were recorded: their failures at least
        items += [{"cls": "fail", "name": f, "detail": None, "error": False} for f in r.failures if f not in recorded]
    if not items:
        items.append({"cls": "pass", "name": "没有断言", "detail": "只计算指标", "error": False})
    return items


# --- outputs ------------------------------------------------------------------------------------

def _paragraphs(draft: dict[str, Any]) -> list[tuple[str, str, str | None]]:
    """(kind, text, section id) for the title, headings and body paragraphs of a draft."""
    out: list[tuple[str, str, str | None]] = [("t", draft.get("title", ""), None)]
    for s in draft.get("sections", []):
        if s.get("heading"):
            out.append(("h", s["heading"], None))
        out += [("p", p.strip(), s["id"]) for p in s.get("body", "").split("\n") if p.strip()]
    return out


def _output_view(r: CaseResult, base: CaseResult | None) -> dict[str, Any] | None:
    if not r.draft:
        return None
    chars = sum(len(p) for k, p, _ in _paragraphs(r.draft) if k != "t")
    diff = None
    if base is not None and base.draft:  # both views; the toolbar switches between them
        kinds = [k for k, _, _ in _paragraphs(r.draft)]
        diff = diff_paragraphs(_plain(base.draft), _plain(r.draft), kinds)
    return {"chars": chars, "diff": diff, "marked": marked_paragraphs(r.draft, r.findings),
            "findings": [{"code": f.get("code", ""), "message": f.get("message", "")} for f in r.findings]}


def _plain(draft: dict[str, Any]) -> str:
    return "\n".join(text for _, text, _ in _paragraphs(draft))


_TOKEN = re.compile(r"[A-Za-z]+|[0-9]+(?:\.[0-9]+)?|\s+|.", re.S)


def _segment(kind: str, text: str, **extra: str) -> dict[str, str]:
    return {"kind": kind, "text": text, **extra}


def diff_paragraphs(old: str, new: str, kinds: list[str] | None = None) -> list[dict[str, Any]]:
    """The new text's paragraphs as segments (text, ins, del) against the old: CJK by character,
    numbers whole. ``kinds`` gives each line of the new text its class (t title, h heading, p paragraph)."""
    a, b = _TOKEN.findall(old), _TOKEN.findall(new)
    lines: list[list[dict[str, str]]] = [[]]
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if op in ("delete", "replace"):
            gone = "".join(a[i1:i2]).replace("\n", " ")
            if gone.strip():
                lines[-1].append(_segment("del", gone))
        if op == "delete":
            continue
        kind = "text" if op == "equal" else "ins"
        for n, part in enumerate("".join(b[j1:j2]).split("\n")):
            if n:
                lines.append([])
            if part:
                lines[-1].append(_segment(kind, part))
    kinds = kinds or []
    out = []
    for i, parts in enumerate(lines):
        if not "".join(p["text"] for p in parts).strip():
            continue
        out.append({"kind": kinds[i] if i < len(kinds) else "p", "parts": parts})
    return out


def marked_paragraphs(draft: dict[str, Any], findings: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The draft's paragraphs as segments, the validators' findings marked where they are."""
    out: list[dict[str, Any]] = [{"kind": "t", "parts": [_segment("text", draft.get("title", ""))]}]
    for s in draft.get("sections", []):
        body = s.get("body", "")
        marks = sorted([f for f in findings if f.get("section") == s["id"] and f.get("span")],
                       key=lambda f: f["span"][0])
        pieces: list[dict[str, str]] = []
        pos = 0
        for f in marks:
            a, b = f["span"]
            if a < pos:
                continue
            pieces.append(_segment("text", body[pos:a]))
            pieces.append(_segment("mark", body[a:b], severity=f["severity"], title=f"{f['code']} {f['message']}"))
            pos = b
        pieces.append(_segment("text", body[pos:]))
        if s.get("heading"):
            out.append({"kind": "h", "parts": [_segment("text", s["heading"])]})
        out += [{"kind": "p", "parts": parts} for parts in _split_lines(pieces)
                if "".join(p["text"] for p in parts).strip()]
    return out


def _split_lines(pieces: list[dict[str, str]]) -> list[list[dict[str, str]]]:
    """Segments cut at the line breaks inside them: one list of segments per paragraph."""
    lines: list[list[dict[str, str]]] = [[]]
    for piece in pieces:
        for n, part in enumerate(piece["text"].split("\n")):
            if n:
                lines.append([])
            if part:
                lines[-1].append({**piece, "text": part})
    return lines
