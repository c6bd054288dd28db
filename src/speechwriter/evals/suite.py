"""Evaluation suites: run the pipeline over many cases, score the drafts, catch regressions.

A suite (``evals/suites/*.yaml``) has defaults and cases; each case names a facts file and asserts
metrics against thresholds, text patterns, custom checks (``package.module:function``) and an
optional LLM-judge rubric. ``run_suite`` runs cases concurrently with isolation and a per-case
timeout, over one or more *variants* (engine × profile × prompts folder), ``repeat`` times each.
Results are written to ``evals/runs/<timestamp>-<suite>/`` as ``results.json``, ``report.md``
and a self-contained ``report.html``; ``compare_runs`` reports improvements and regressions.

A suite of ``kind: validators`` measures the validators themselves: zero findings expected on
real and generated good texts (precision), every generated mutant caught by the right check
(recall).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import importlib
import itertools
import json
import random
import re
import statistics
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ..engines.base import run_sync
from ..errors import InputError
from ..files import read_text

__all__ = [
    "METRICS",
    "Case",
    "CaseResult",
    "RunOptions",
    "Suite",
    "SuiteResult",
    "Variant",
    "check_custom_checks_allowed",
    "compare_coverage",
    "compare_runs",
    "custom_check_files",
    "custom_check_origin",
    "facts_from_figures",
    "list_eval_runs",
    "load_results",
    "load_suite",
    "parse_verdict",
    "planned_jobs",
    "prepare_results_root",
    "render_markdown",
    "run_suite",
    "safe_file_name",
    "select_cases",
    "variant_matrix",
]

# name -> (Chinese label, whether higher is better; None: no better direction, only a difference to note)
METRICS: dict[str, tuple[str, bool | None]] = {
    "structure_ok": ("结构无错误（1/0）", True),
    "figure_recall": ("必写数字写对的比例", True),
    "invented_figures": ("编造数字的个数", False),
    "figures_missing": ("漏写或写错的必写数字个数（脱敏时即模型丢掉或改坏的占位符）", False),
    "mask_problems": ("稿件中留下的占位符个数（M801：模型改坏或编造的〔数1〕一类占位符）", False),
    "repairs": ("修复请求的轮数（各章节合计）", False),
    "name_recall": ("必现名称写对的比例", True),
    "length_deviation": ("字数偏离目标的比例", False),
    "speaking_minutes": ("预计讲话分钟数", None),  # longer or shorter is the brief's business, not a score
    "repetition_rate": ("重复句占比", False),
    "copy_ratio": ("照抄事实原文（连续12字以上）的字数占比（只报告，不是缺陷）", False),
    "ungrounded_per_1k": ("每千字中不带事实的句子数（结构句、待补标记除外）", False),
    "ungrounded_share": ("不带事实的句子的字数占比", False),
    "gaps": ("待补标记个数", False),
    "over_budget": ("超出目标字数的比例（不足目标记 0：目标是上限）", False),
    "accounted_deviation": ("正文加待补字数偏离目标的比例", False),
    "cross_section_repeats": ("在不同章节重复出现的句子数", False),
    "style_lints": ("文风问题个数（如「要切实」后接名词），警告", False),
    "warnings": ("警告个数", False),
    "errors": ("错误个数", False),
}
_THRESHOLD = re.compile(r"^\s*(>=|<=|==|>|<)\s*(-?[0-9]+(?:\.[0-9]+)?)\s*$")


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Judge(_Model):
    """An LLM-judge rubric: each criterion scored 1-5 with a reason."""

    criteria: list[str] = Field(default_factory=lambda: ["逻辑清晰", "用语规范", "符合讲话人身份"])
    min_score: float = Field(3.0, ge=1, le=5, description="每项最低分")
    profile: str | None = Field(None, description="评审用的 profile（默认与起草相同）")
    base_url: str | None = None
    model: str | None = None
    max_attempts: int = Field(3, ge=1, le=10)


class Assertions(_Model):
    """What a case must satisfy. Metric thresholds are strings such as ``>= 0.9``, booleans, or ranges."""

    metrics: dict[str, Any] = Field(default_factory=dict)
    contains: list[str] = Field(default_factory=list)
    not_contains: list[str] = Field(default_factory=list)
    regex: list[str] = Field(default_factory=list)
    custom: list[str] = Field(default_factory=list, description="package.module:function")
    judge: Judge | None = None


class Defaults(_Model):
    genre: str | None = None
    engine: str = "offline"
    profile: str | None = None
    prompts: str | None = None
    repair_rounds: int = 2
    candidates: int = 1
    timeout: float = Field(300.0, gt=0, description="每个用例的超时（秒）")
    assertions: Assertions = Field(default_factory=Assertions)


class Case(_Model):
    id: str
    tags: list[str] = Field(default_factory=list)
    facts: str | None = Field(None, description="事实文件；validators 套件可改用 figures")
    speech: str | None = Field(None, description="validators 套件：要校验的现成讲话稿（.txt/.md）")
    figures: str | None = Field(None, description="validators 套件：讲话稿所含数字的清单（YAML，键 figures），"
                                "代替事实文件")
    checks: list[Literal["structure", "figures", "names", "length", "style", "consistency", "usage", "counts",
                         "period", "claims", "repeats", "gaps", "masking"]] | None = Field(
        None, description="validators 套件：只评测这些校验项")
    mutants_per_kind: int | None = Field(None, gt=0, description="validators 套件：每类变异最多抽取多少个")
    genre: str | None = None
    overrides: dict[str, Any] = Field(default_factory=dict, description="覆盖 defaults 中的项")
    assertions: Assertions = Field(default_factory=Assertions, alias="assert")

    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class Suite(_Model):
    name: str
    kind: Literal["drafts", "validators"] = "drafts"
    description: str = ""
    defaults: Defaults = Field(default_factory=Defaults)
    cases: list[Case] = Field(..., min_length=1)

    _path: Path | None = None

    @property
    def path(self) -> Path:
        return self._path or Path(f"{self.name}.yaml")

    def resolve(self, relative: str) -> Path:
        """A path in the suite, relative to the suite file's folder."""
        p = Path(relative)
        return p if p.is_absolute() else (self.path.parent / p).resolve()


@dataclass(frozen=True)
class Variant:
    """One column of a comparison: an engine, a profile, a prompts folder and the masking (脱敏).

    ``mask`` None leaves masking to the profile; ``()`` turns it off; kinds of ``masking.MASK_KINDS``
    turn it on, so one profile runs masked and unmasked side by side.
    """

    engine: str = "offline"
    profile: str | None = None
    prompts: str | None = None
    mask: tuple[str, ...] | None = None

    @property
    def label(self) -> str:
        parts = [self.engine]
        if self.profile:
            parts.append(self.profile)
        if self.prompts:
            parts.append(Path(self.prompts).name)
        if self.mask is not None:
            parts.append(mask_label(self.mask))
        return "/".join(parts)


def mask_label(kinds: tuple[str, ...]) -> str:
    """``()`` → 不脱敏; every kind → 脱敏; some → 脱敏:figures+people."""
    from ..masking import MASK_KINDS

    if not kinds:
        return "不脱敏"
    return "脱敏" if set(kinds) == set(MASK_KINDS) else "脱敏:" + "+".join(kinds)


class CaseResult(BaseModel):
    """One case × variant × repeat."""

    case: str
    variant: str
    repeat: int = 0
    status: Literal["passed", "failed", "error"]
    metrics: dict[str, float] = Field(default_factory=dict)
    failures: list[str] = Field(default_factory=list)
    error: str | None = None
    seconds: float = 0.0
    draft: dict[str, Any] | None = None
    findings: list[dict[str, Any]] = Field(default_factory=list)
    judge: list[dict[str, Any]] = Field(default_factory=list)
    extra: dict[str, Any] = Field(default_factory=dict)
    checks: list[dict[str, Any]] = Field(default_factory=list, description="每条断言：kind、name、passed、detail")


class SuiteResult(BaseModel):
    """Everything needed to recompute the report."""

    suite: str
    suite_path: str
    kind: str
    started_at: str
    seconds: float
    variants: list[str]
    repeat: int
    results: list[CaseResult]
    folder: str | None = None
    # label -> what the variant really ran with (engine, resolved profile, model, endpoint, prompt folders):
    # lets compare match one variant labelled two ways ("offline" and "offline/prompts")
    variant_ids: dict[str, str] = Field(default_factory=dict)

    @property
    def failed(self) -> bool:
        return any(r.status != "passed" for r in self.results)

    def aggregate(self) -> dict[tuple[str, str], dict[str, dict[str, float]]]:
        """(case, variant) -> metric -> {mean, min, max} over repeats."""
        groups: dict[tuple[str, str], list[CaseResult]] = {}
        for r in self.results:
            groups.setdefault((r.case, r.variant), []).append(r)
        out: dict[tuple[str, str], dict[str, dict[str, float]]] = {}
        for key, rs in groups.items():
            names = sorted({m for r in rs for m in r.metrics})
            out[key] = {m: _stats([r.metrics[m] for r in rs if m in r.metrics]) for m in names}
        return out

    def case_status(self) -> dict[tuple[str, str], str]:
        out: dict[tuple[str, str], str] = {}
        for r in self.results:
            prev = out.get((r.case, r.variant), "passed")
            out[(r.case, r.variant)] = r.status if r.status != "passed" else prev
        return out

    def __rich__(self) -> Any:
        from rich.console import Group
        from rich.table import Table

        title = (f"评测 {self.suite}（{len({r.case for r in self.results})} 个用例 × "
                 f"{len(self.variants)} 个变体 × {self.repeat} 次）")
        shown = [m for m in ("figure_recall", "invented_figures", "name_recall", "structure_ok",
                             "ungrounded_per_1k", "gaps", "warnings") if any(m in r.metrics for r in self.results)]
        if any("脱敏" in v for v in self.variants):  # what masking costs, beside the unmasked columns
            shown += [m for m in ("figures_missing", "mask_problems", "repairs")
                      if any(m in r.metrics for r in self.results)]
        if self.kind == "validators":
            shown = ["mutants", *(f"{k}:{f}" for f in ("structure", "figures", "names", "consistency", "usage", "counts", "period", "claims")
                                  for k in ("precision", "recall"))]
        agg = self.aggregate()
        status = self.case_status()
        mark = {"passed": "[green]通过[/green]", "failed": "[red]未通过[/red]", "error": "[red]出错[/red]"}
        cases = list(dict.fromkeys(r.case for r in self.results))
        if len(self.variants) == 1:
            v = self.variants[0]
            table = Table(title=title + f" · {v}", title_justify="left", show_edge=False)
            table.add_column("用例", no_wrap=True)
            table.add_column("状态", justify="center", no_wrap=True)
            for m in shown:
                table.add_column(_short_name(m), justify="right")
            for case in cases:
                stats = agg.get((case, v), {})
                table.add_row(case, mark.get(status.get((case, v), ""), "—"),
                              *(_fmt_stats(stats.get(m)) for m in shown))
            return table
        # A matrix: one column per variant, then the metrics side by side.
        table = Table(title=title, title_justify="left", show_edge=False)
        table.add_column("用例", no_wrap=True)
        for v in self.variants:
            table.add_column(v, justify="center", no_wrap=True)
        for case in cases:
            table.add_row(case, *(mark.get(status.get((case, v), ""), "—") for v in self.variants))
        compare = Table(title="变体对比（各用例均值）", title_justify="left", show_edge=False)
        compare.add_column("指标", no_wrap=True)
        for v in self.variants:
            compare.add_column(v, justify="right", no_wrap=True)
        for m in shown:
            row = []
            for v in self.variants:
                vals = [s[m]["mean"] for (c, vv), s in agg.items() if vv == v and m in s]
                row.append(_fmt_stats(_stats(vals)) if vals else "—")
            compare.add_row(_short_name(m), *row)
        return Group(table, compare)


def _short_name(metric: str) -> str:
    """Column headers short enough for an 80-column terminal."""
    return {"figure_recall": "数字", "invented_figures": "编造", "name_recall": "名称",
            "structure_ok": "结构", "length_deviation": "长度\n偏差", "warnings": "警告", "errors": "错误",
            "speaking_minutes": "讲话\n分钟", "repetition_rate": "重复率",
            "copy_ratio": "照抄\n占比", "cross_section_repeats": "跨章\n重复", "style_lints": "文风",
            "ungrounded_per_1k": "无据\n句/千字", "gaps": "待补", "ungrounded_share": "无据\n占比",
            "figures_missing": "漏写\n数字", "mask_problems": "占位符\nM801", "repairs": "修复\n轮数",
            "precision": "精确率", "recall": "召回率", "mutants": "变异", "caught": "捕获",
            "precision:structure": "结构\n精确", "recall:structure": "结构\n召回", "precision:figures": "数字\n精确",
            "recall:figures": "数字\n召回", "precision:names": "名称\n精确", "recall:names": "名称\n召回"}.get(metric, metric)


STATUS_LABEL = {"passed": "通过", "failed": "未通过", "error": "出错"}


def _header(metric: str, labels: dict[str, str] | None = None) -> str:
    """A metric's column header in reports: its Chinese name, a custom check's own label, or the metric id."""
    if labels and metric in labels:
        return labels[metric]
    label = _short_name(metric).replace("\n", "")
    if label != metric:
        return label
    if metric.startswith("custom:"):  # package.module:function -> function
        return metric.rsplit(":", 1)[-1]
    return metric.split(":", 1)[-1]


def check_labels(result: SuiteResult) -> dict[str, str]:
    """metric -> readable name, from the assertion records (custom checks name themselves)."""
    return {c["metric"]: c["name"] for r in result.results for c in r.checks if c.get("metric")}


def _stats(values: list[float]) -> dict[str, float]:
    if not values:
        return {}
    return {"mean": statistics.fmean(values), "min": min(values), "max": max(values)}


def _fmt_stats(stats: dict[str, float] | None) -> str:
    if not stats:
        return "—"
    mean = stats["mean"]
    text = f"{mean:.2f}" if mean != int(mean) else f"{int(mean)}"
    if stats["min"] != stats["max"]:
        text += f" [{stats['min']:.2f}–{stats['max']:.2f}]"
    return text


# --- loading ----------------------------------------------------------------------------------

def load_suite(path: str | Path) -> Suite:
    """Load and validate a suite file; structural problems are one InputError naming the file."""
    import yaml

    p = Path(path)
    text = read_text(p, what="评测套件")
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise InputError(f"YAML 格式错误：{getattr(exc, 'problem', exc)}", path=str(p),
                         line=mark.line + 1 if mark else None) from None
    if not isinstance(data, dict):
        raise InputError("评测套件顶层应为映射（键: 值）", path=str(p))
    try:
        suite = Suite.model_validate(data)
    except ValidationError as exc:
        err = exc.errors(include_url=False)[0]
        loc = list(err["loc"])
        where = ""
        if len(loc) >= 2 and loc[0] == "cases" and isinstance(loc[1], int):
            cases = data.get("cases") or []
            cid = cases[loc[1]].get("id", f"第 {loc[1] + 1} 个") if isinstance(cases[loc[1]], dict) else loc[1]
            where = f"用例「{cid}」"
        kind = {"missing": "缺少必填字段", "extra_forbidden": "未知字段"}.get(err["type"], err["msg"])
        raise InputError(f"{where}{kind}「{loc[-1]}」" if err["type"] in ("missing", "extra_forbidden")
                         else f"{where}{kind}", path=str(p), field=".".join(map(str, loc))) from None
    ids = [c.id for c in suite.cases]
    dup = next((i for i in ids if ids.count(i) > 1), None)
    if dup:
        raise InputError(f"用例 id「{dup}」重复", path=str(p))
    for i, case in enumerate(suite.cases):
        if not case.facts and not (case.figures and suite.kind == "validators"):
            raise InputError(f"用例「{case.id}」缺少必填字段「facts」", path=str(p), field=f"cases.{i}.facts")
    suite._path = p.resolve()
    return suite


def check_thresholds(spec: dict[str, Any]) -> list[str]:
    """Problems with metric thresholds (unknown metric, malformed threshold), as messages."""
    problems = []
    for name, value in spec.items():
        if name not in METRICS and not name.startswith("judge:"):
            import difflib

            close = difflib.get_close_matches(name, list(METRICS), n=1)
            hint = f"，是否想写「{close[0]}」？" if close else f"（可用：{'、'.join(METRICS)}）"
            problems.append(f"未知指标「{name}」{hint}")
        elif not _valid_threshold(value):
            problems.append(f"指标「{name}」的阈值「{value}」格式不对：应写成 \">= 0.9\"、true/false 或 [下限, 上限]")
    return problems


def _valid_threshold(value: Any) -> bool:
    if isinstance(value, bool):
        return True
    if isinstance(value, list):
        return len(value) == 2 and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in value)
    return isinstance(value, str) and bool(_THRESHOLD.match(value))


def threshold_ok(value: float, threshold: Any) -> bool:
    """Whether ``value`` satisfies a (valid) threshold."""
    if isinstance(threshold, bool):
        return bool(value) == threshold
    if isinstance(threshold, list):
        return threshold[0] <= value <= threshold[1]
    m = _THRESHOLD.match(threshold)
    assert m is not None
    op, limit = m.group(1), float(m.group(2))
    return {">=": value >= limit, "<=": value <= limit, "==": abs(value - limit) < 1e-9,
            ">": value > limit, "<": value < limit}[op]


# --- metrics ----------------------------------------------------------------------------------

_SENTENCE = re.compile(r"[^。！？\n]+[。！？]?")  # the validators' sentence (validate/checks.py)


def draft_metrics(draft: Any, report: Any, facts: Any) -> dict[str, float]:
    """The built-in metrics of one draft."""
    codes = [f.code for f in report.errors]
    required = [r for r in facts.figure_refs() if r.figure.required]
    missing_figs = sum(1 for c in codes if c in ("F201", "F202", "F203"))
    names = facts.required_names()
    missing_names = sum(1 for c in codes if c in ("N302", "N303"))
    # sentences as the repetition check (T503) splits them, so that repeats are a share of them (≤ 1):
    # counting only 。！？ missed lines without a closing mark and gave shares such as 3.676
    sentences = max(1, sum(1 for s in draft.sections for m in _SENTENCE.finditer(s.body) if m.group().strip()))
    repeats = len({(f.section, tuple(f.span or ())) for f in report.warnings if f.code == "T503"})
    target = report.target_chars or 1
    return {
        "structure_ok": 0.0 if any(c.startswith("S") for c in codes) else 1.0,
        "figure_recall": 1.0 - missing_figs / len(required) if required else 1.0,
        "invented_figures": float(sum(1 for c in codes if c == "F204")),
        "figures_missing": float(missing_figs),
        "mask_problems": float(sum(1 for c in codes if c == "M801")),
        "name_recall": 1.0 - missing_names / len(names) if names else 1.0,
        "length_deviation": round(abs(report.chars - target) / target, 4),
        # The target is a budget: over it is a fault, under it is accounted for by the gaps.
        "over_budget": round(max(0.0, report.chars / target - 1), 4),
        "accounted_deviation": round(abs(report.chars + sum(g.chars or 0 for g in draft.gaps) - target) / target, 4),
        "speaking_minutes": report.speaking_minutes,
        "repetition_rate": round(repeats / sentences, 4),
        "warnings": float(len(report.warnings)),
        "errors": float(len(report.errors)),
        **speech_metrics(draft, facts),
    }


def speech_metrics(draft: Any, facts: Any) -> dict[str, float]:
    """How much the draft reads as a speech rather than a list of the facts (see metrics.py)."""
    from ..engines.offline import OfflineComposer
    from ..metrics import copy_ratio, grounding, repeated_sentences, style_lints

    bodies = [s.body for s in draft.sections]
    prose = "\n".join(s.body for s in draft.sections if s.role != "salutation")
    measured = grounding(prose, facts, OfflineComposer.from_prompts().structural_templates())
    return {
        "copy_ratio": copy_ratio("\n".join(bodies), facts.prose()),
        "ungrounded_per_1k": measured.per_thousand,
        "ungrounded_share": measured.share,
        "gaps": float(len(draft.gaps)),
        "cross_section_repeats": float(len(repeated_sentences(bodies))),
        "style_lints": float(sum(len(style_lints(b)) for b in bodies)),
    }


def safe_file_name(name: str, *, fallback: str = "suite", limit: int = 60) -> str:
    """``name`` (a suite's, from its file) as one safe path component: no separators, ``..``, controls or dots first.

    A suite file is data from anywhere; its name ends up in folder names under ``evals/runs/``, so
    ``x/../../etc`` must stay one folder there.
    """
    cleaned = re.sub(r"[^\w\-.]+", "_", name, flags=re.UNICODE).strip("._")
    cleaned = re.sub(r"\.{2,}", ".", cleaned)[:limit].strip("._")
    return cleaned or fallback


def _import_path(search: list[Path] | None) -> list[str]:
    """``sys.path`` as a custom check is imported with: the suite's folders first (those not already on it)."""
    import sys

    extra = [str(p) for p in (search or []) if str(p) not in sys.path]
    return [*extra, *sys.path]


def _custom_check(path: str, search: list[Path] | None = None) -> Callable[..., Any]:
    """Import ``package.module:function``, also from the folders around the suite file."""
    import sys

    module_name, _, func_name = path.partition(":")
    if not module_name or not func_name:
        raise ValueError(f"自定义检查「{path}」应写成 package.module:function")
    extra = [str(p) for p in (search or []) if str(p) not in sys.path]
    sys.path[:0] = extra
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise ValueError(f"无法导入自定义检查「{path}」：{exc}") from None
    finally:
        for p in extra:
            if p in sys.path:
                sys.path.remove(p)
    func = getattr(module, func_name, None)
    if not callable(func):
        raise ValueError(f"自定义检查「{path}」中没有函数 {func_name}")
    return func


def custom_check_files(path: str, search: list[Path] | None = None) -> list[Path] | None:
    """Every file importing a custom check's module would execute, found without executing any.

    The chain is walked one dotted part at a time with the path finder (``importlib.util.find_spec``
    would run the parent packages' ``__init__``): each regular package's ``__init__.py`` and the
    module's own file. A namespace package (a folder without ``__init__.py``) runs nothing itself
    but may span several folders; the next part is looked up in all of them, so the file found is
    the one that would be imported, wherever it lies. ``[]`` for a built-in module (no file),
    None when the module cannot be found (the case then reports 无法导入 and nothing runs).
    """
    import sys
    from importlib.machinery import PathFinder

    parts = path.partition(":")[0].split(".")
    if not all(parts):
        return None
    files: list[Path] = []
    locations: list[str] | None = _import_path(search)
    for depth in range(1, len(parts) + 1):
        name = ".".join(parts[:depth])
        loaded = sys.modules.get(name)
        if loaded is not None:
            where = getattr(loaded, "__file__", None)
            if where:
                files.append(Path(where).resolve())
            locations = list(getattr(loaded, "__path__", []) or [])
            continue
        if depth == 1 and name in sys.builtin_module_names:
            return []
        spec = PathFinder.find_spec(name, locations)
        if spec is None:
            return None
        if spec.origin and spec.origin not in ("built-in", "frozen", "namespace"):
            files.append(Path(spec.origin).resolve())
        locations = list(spec.submodule_search_locations or [])
    return files


def custom_check_origin(path: str, search: list[Path] | None = None) -> Path | None:
    """The file a custom check's function would be imported from (its module's own file), found without importing."""
    files = custom_check_files(path, search)
    return files[-1] if files else None


def check_custom_checks_allowed(suite: Suite, project: Path, allowed: bool = False) -> None:
    """Refuse a suite whose custom checks would run code from outside ``project`` (before any is imported).

    A custom check is Python code that ``eval`` imports and calls: a suite file is code. Checks
    whose every executed file (:func:`custom_check_files`) lies inside the project folder run;
    others only with ``allowed`` (``--allow-custom-checks`` or ``allow_custom_checks = true`` in
    speechwriter.toml).
    """
    if allowed or is_shipped_suite(suite.path):
        return
    root = project.resolve()
    search = [root, *list(suite.path.resolve().parents)[:3]]
    for case in suite.cases:
        for path in [*suite.defaults.assertions.custom, *case.assertions.custom]:
            files = custom_check_files(path, search)
            if files is None:
                continue  # not importable at all: the case reports 无法导入, nothing runs
            outside = [f for f in files if not f.is_relative_to(root)]
            if files and not outside:
                continue
            raise InputError(f"用例「{case.id}」的自定义检查「{path}」来自项目目录之外（{outside[0] if outside else '内置模块'}）。"
                             f"评测套件中的自定义检查会执行 Python 代码；确认可信后加 --allow-custom-checks，"
                             f"或在 speechwriter.toml 中写 allow_custom_checks = true", path=str(suite.path))


def is_shipped_suite(path: Path) -> bool:
    """A suite that came with speechwriter (``eval core``): its custom checks are ours, not code from elsewhere."""
    from ..examples import examples_dir

    return path.resolve().is_relative_to((examples_dir() / "evals" / "suites").resolve())


def check_label(func: Callable[..., Any]) -> str:
    """A custom check's readable name: its ``label`` attribute, else its function name."""
    label = getattr(func, "label", None)
    return str(label) if label else getattr(func, "__name__", "自定义检查")


def _run_custom(path: str, draft: Any, facts: Any, search: list[Path] | None = None) -> tuple[float, str]:
    func = _custom_check(path, search)
    try:
        out = func(draft, facts)
    except Exception as exc:
        raise ValueError(f"自定义检查「{path}」出错：{type(exc).__name__}: {exc}") from None
    if isinstance(out, tuple) and len(out) == 2:
        return float(out[0]), str(out[1])
    if isinstance(out, dict):
        return float(out.get("score", 0)), str(out.get("reason", ""))
    return float(out), ""


# --- the judge --------------------------------------------------------------------------------

class JudgeScore(BaseModel):
    criterion: str
    score: int = Field(..., ge=1, le=5)
    reason: str


class JudgeVerdict(BaseModel):
    scores: list[JudgeScore]


def parse_verdict(text: str, criteria: list[str]) -> JudgeVerdict:
    """Parse a judge reply (JSON, possibly fenced or with chatter) into a verdict for every criterion."""
    start, end = text.find("{"), text.rfind("}")
    if start < 0 or end < start:
        raise ValueError("回复中没有 JSON")
    verdict = JudgeVerdict.model_validate_json(text[start:end + 1])
    got = {s.criterion for s in verdict.scores}
    missing = [c for c in criteria if c not in got]
    if missing:
        raise ValueError(f"缺少评分项：{'、'.join(missing)}")
    return verdict


async def run_judge(judge: Judge, draft: Any, facts: Any, caller: Any, library: Any, *,
                    request: Any) -> JudgeVerdict:
    """Ask the judge model through ``caller`` (cache, continuation) for a verdict of the JudgeVerdict schema.

    The request carries the verdict's JSON Schema, so an engine with structured output (the provider's
    JSON-schema mode; LangChain's ``with_structured_output``) answers in shape. A reply that still does
    not parse is re-asked, with what was wrong, by tenacity (at most ``judge.max_attempts`` tries;
    transport retries stay inside the engine).
    """
    from dataclasses import replace

    from tenacity import retry_if_exception_type, stop_after_attempt

    from ..engines.base import retrying

    request = replace(request, json_schema=JudgeVerdict)
    messages = library.judge_messages(judge.criteria, draft, facts)
    last = ""

    def valid(completion: Any) -> bool:
        try:
            parse_verdict(completion.text, judge.criteria)
        except (ValueError, ValidationError):
            return False
        return True

    try:
        # The one tenacity layer (engines.base.retrying): re-asks here, transport retries inside the engine.
        async for state in retrying({"stop": stop_after_attempt(judge.max_attempts), "reraise": True,
                                     "retry": retry_if_exception_type((ValueError, ValidationError))},
                                    asynchronous=True):
            with state:
                first = state.retry_state.attempt_number == 1
                completion = await caller.call_whole(messages, request, use_cache=first, accept=valid)
                try:
                    return parse_verdict(completion.text, judge.criteria)
                except (ValueError, ValidationError) as exc:
                    last = str(exc).splitlines()[0]
                    messages = [*messages, {"role": "assistant", "content": completion.text},
                                library.judge_retry_message(last[:80])]
                    raise
    except (ValueError, ValidationError):
        pass
    raise ValueError(f"assert.judge：评审回复 {judge.max_attempts} 次都无法解析：{last}")


# --- running ----------------------------------------------------------------------------------

@dataclass
class RunOptions:
    concurrency: int = 4
    repeat: int = 1
    case_filter: list[str] = field(default_factory=list)
    use_cache: bool = True
    workdir: Path | None = None
    collector: Any = None  # a RequestCollector: collect uncached requests instead of sending them (batch mode)
    allow_custom_checks: bool = False  # custom checks from outside the project folder may run
    only: set[tuple[str, str, int]] | None = None  # run just these (case, variant label, repeat): --rerun-failed
    keyless: bool = False  # engines without an API key: only for a collecting pass that sends nothing (dry run)
    _workspace: Any = field(default=None, repr=False)
    _facts: dict[tuple[str, int, int], Any] = field(default_factory=dict, repr=False)

    def facts(self, path: Path) -> Any:
        """The facts file at ``path``, parsed once per run: a suite of 100 cases over five files parses
        five (facts are not changed after loading, and what is derived from them is memoised on them).
        Keyed by modification time and size too, so a file edited during a long run is read again."""
        from ..facts.model import load_facts

        stat = path.stat()
        key = (str(path.resolve()), stat.st_mtime_ns, stat.st_size)
        if key not in self._facts:
            self._facts[key] = load_facts(path)
        return self._facts[key]

    def workspace(self) -> Any:
        """The workspace every case of the run shares (prompt libraries and engines are built once)."""
        if self._workspace is None:
            from ..workspace import Workspace

            self._workspace = Workspace(self.workdir)
        return self._workspace


def variant_matrix(suite: Suite, engines: str | None = None, profiles: str | None = None,
                   prompts: str | None = None,
                   masks: list[tuple[str, ...] | None] | None = None) -> list[Variant]:
    """Every combination of comma-separated engines × profiles × prompt folders × masks (suite defaults
    where unset). ``masks``: each entry one variant's masking (None: the profile's; ``()``: off).

    Naming profiles without engines means the OpenAI-compatible engine: a profile is an endpoint.
    Folders named on the command line are relative to the current folder; the suite's own
    ``defaults.prompts`` to the suite file, as every other path in it.
    """
    from itertools import product

    def split(value: str | None, default: Any) -> list[Any]:
        return [v.strip() for v in value.split(",") if v.strip()] if value else [default]

    engine_list = split(engines, suite.defaults.engine)
    if profiles and not engines:
        engine_list = ["openai"]
    folders = [str(Path(d).resolve()) for d in split(prompts, None)] if prompts else [
        str(suite.resolve(suite.defaults.prompts)) if suite.defaults.prompts else None]
    return [Variant(engine=e, profile=p, prompts=d, mask=m)
            for e, p, d, m in product(engine_list, split(profiles, suite.defaults.profile), folders,
                                      masks or [None])]


def select_cases(suite: Suite, filters: list[str]) -> list[Case]:
    """Cases whose id or one of whose tags matches any filter (all when no filter)."""
    if not filters:
        return list(suite.cases)
    return [c for c in suite.cases if any(f == c.id or f in c.tags or re.fullmatch(f.replace("*", ".*"), c.id)
                                          for f in filters)]


async def _run_case(suite: Suite, case: Case, variant: Variant, repeat: int, opts: RunOptions) -> CaseResult:
    from ..engines.base import Request
    from ..pipeline.drafting import DraftOptions

    start = time.perf_counter()
    ws = opts.workspace()
    settings: dict[str, Any] = {**suite.defaults.model_dump(exclude={"assertions"}), **case.overrides}
    assertions = _merge_assertions(suite.defaults.assertions, case.assertions)
    problems = check_thresholds(assertions.metrics)
    if problems:
        raise ValueError(f"assert.metrics：{problems[0]}")
    if case.figures and suite.kind == "validators":
        facts = _figures_case_facts(suite, case)
    else:
        if not case.facts:
            raise ValueError("facts：缺少事实文件")
        facts_path = suite.resolve(case.facts)
        if not facts_path.is_file():
            raise ValueError(f"facts：事实文件不存在：{facts_path}")
        facts = opts.facts(facts_path)
    prompts = variant.prompts or settings.get("prompts")
    prompt_dirs = [suite.resolve(prompts)] if prompts else None  # None: the workspace's configured folders
    library = ws.library(prompt_dirs)
    genre = case.genre or settings.get("genre") or facts.meta.genre
    blueprint = library.blueprint(genre)
    if suite.kind == "validators":
        return await _validators_case(suite, case, variant, facts, blueprint, ws, prompt_dirs, start)
    engine = ws.engine(variant.engine, profile=variant.profile or settings.get("profile"), prompts=prompt_dirs,
                       check_key=not opts.keyless)
    options = DraftOptions(repair_rounds=int(settings.get("repair_rounds", 2)),
                           candidates=int(settings.get("candidates", 1)),
                           concurrency=max(1, opts.concurrency), salt=f"repeat{repeat}" if repeat else "",
                           mask=variant.mask)
    collector = opts.collector.child() if opts.collector is not None else None
    result = await ws.adraft(facts, genre=genre, engine=engine, options=options, prompts=prompt_dirs,
                             use_cache=opts.use_cache, record=False, collector=collector)
    draft, report = result.draft, result.report  # validated once, by the drafting path
    metrics = draft_metrics(draft, report, facts)
    # each section's history is [errors before, after round 1, …]: one repair request per round after the first
    metrics["repairs"] = float(sum(len(rounds) - 1 for rounds in result.repaired.values()))
    search = [ws.root, *list(suite.path.parents)[:3]]
    checks: list[dict[str, Any]] = []
    failures = _assert(assertions, metrics, draft, facts, search, checks)
    judge_rows: list[dict[str, Any]] = []
    if collector is not None and collector.deferred:
        return _deferred_result(case, variant, repeat, start)  # the draft is not final yet: judging it would waste a call
    if assertions.judge is not None:
        judge_engine = ws.engine("openai", profile=assertions.judge.profile or variant.profile or settings.get("profile"),
                                 model=assertions.judge.model, base_url=assertions.judge.base_url,
                                 check_key=not opts.keyless)
        with ws.reply_cache(opts.use_cache) as cache:
            judge = ws.caller(judge_engine, cache=cache, salt=f"repeat{repeat}" if repeat else "", collector=collector,
                              facts=facts, mask=variant.mask)
            verdict = await run_judge(assertions.judge, draft, facts, judge, library,
                                      request=Request(kind="judge"))
        for s in verdict.scores:
            metrics[f"judge:{s.criterion}"] = float(s.score)
            judge_rows.append(s.model_dump())
            if s.criterion in assertions.judge.criteria:
                checks.append(_check("judge", f"评审：{s.criterion}", s.score >= assertions.judge.min_score,
                                     f"{s.score} 分（最低 {assertions.judge.min_score:g}）：{s.reason}",
                                     f"judge:{s.criterion}"))
            if s.criterion in assertions.judge.criteria and s.score < assertions.judge.min_score:
                failures.append(f"评审「{s.criterion}」{s.score} 分，低于 {assertions.judge.min_score:g}：{s.reason}")
    if result.failed:
        failures += [f"章节 {sid} 生成失败：{why}" for sid, why in result.failed.items()]
        checks += [_check("generation", f"章节 {sid} 生成", False, why) for sid, why in result.failed.items()]
    return CaseResult(case=case.id, variant=variant.label, repeat=repeat,
                      status="failed" if failures else "passed", metrics=metrics, failures=failures,
                      seconds=round(time.perf_counter() - start, 3), draft=json.loads(draft.to_json()),
                      findings=[f.model_dump() for f in report.findings], judge=judge_rows, checks=checks)


def _deferred_result(case: Case, variant: Variant, repeat: int, start: float) -> CaseResult:
    return CaseResult(case=case.id, variant=variant.label, repeat=repeat, status="error", error="等待批处理结果",
                      seconds=round(time.perf_counter() - start, 3))


def facts_from_figures(text: str, figures: list[str], context_chars: int = 6) -> Any:
    """Facts that declare only ``figures``, the figures a real ``text`` states, as written.

    Each becomes one item whose statement is the figure plus the few Chinese characters before
    it in ``text`` (no numerals, no punctuation): enough context to say which declared figure a
    wrong one replaces, and no sentence of the text is copied.
    """
    from ..facts import Facts

    items = []
    pos = 0
    for raw in figures:
        at = text.find(raw, pos)
        if at < 0:
            at = text.find(raw)
        context = []
        i = at - 1
        while at >= 0 and i >= 0 and len(context) < context_chars and "\u4e00" <= text[i] <= "\u9fff" \
                and text[i] not in "零〇一二两三四五六七八九十百千万亿":
            context.append(text[i])
            i -= 1
        if at >= 0:
            pos = at + len(raw)
        items.append({"statement": "".join(reversed(context)) + raw, "figures": [raw]})
    data = {"meta": {"title": "现成讲话稿", "speaker": {"role": "讲话人"}, "addressees": ["同志们"]},
            "highlights": [{"theme": "稿中的数字", "items": items}]}
    return Facts.model_validate(data)


def _figures_case_facts(suite: Suite, case: Case) -> Any:
    import yaml

    if not case.speech:
        raise ValueError("figures：需要同时给出 speech")
    path, speech = suite.resolve(case.figures or ""), suite.resolve(case.speech)
    for p, what in ((path, "figures"), (speech, "speech")):
        if not p.is_file():
            raise ValueError(f"{what}：文件不存在：{p}")
    data = yaml.safe_load(read_text(path, what="数字清单")) or {}
    if not isinstance(data, dict) or not isinstance(data.get("figures"), list):
        raise ValueError(f"figures：{path} 中应有列表 figures")
    return facts_from_figures(read_text(speech, what="讲话稿"), [str(f) for f in data["figures"]])


async def _validators_case(suite: Suite, case: Case, variant: Variant, facts: Any, blueprint: Any, ws: Any,
                           prompt_dirs: list[Path] | None, start: float) -> CaseResult:
    """Precision on the good text, recall per check on its mutants."""
    from ..draft import Draft
    from ..validate.checks import draft_from_text, validate
    from ..validate.mutations import ALL_EXPECTED_CODES, REVIEW_CODES, mutants, review_mutants

    if case.speech:
        speech_path = suite.resolve(case.speech)
        if not speech_path.is_file():
            raise ValueError(f"speech：讲话稿不存在：{speech_path}")
        good: Draft = draft_from_text(read_text(speech_path, what="讲话稿"), blueprint)
    else:
        good = (await ws.adraft(facts, genre=blueprint.id, engine=ws.engine("offline", prompts=prompt_dirs),
                                prompts=prompt_dirs, record=False, use_cache=False)).draft
    checks = case.checks
    clean = validate(good, facts, blueprint, checks=checks)
    from ..validate.mutations import CHECK_OF_CODE, consistency_mutants, figure_mutants

    false_pos: dict[str, int] = {}
    for f in clean.errors:
        fam = CHECK_OF_CODE[f.code[0]]
        false_pos[fam] = false_pos.get(fam, 0) + 1
    caught: dict[str, int] = {}
    total: dict[str, int] = {}
    fam_total: dict[str, int] = {}
    fam_caught: dict[str, int] = {}
    rng = random.Random(7)
    if checks == ["figures"]:
        generated = figure_mutants(good, facts, rng, per_kind=case.mutants_per_kind)
    elif checks == ["consistency"]:
        generated = consistency_mutants(good, rng, per_kind=case.mutants_per_kind)
    else:
        # The review family's mutants where a case names one of its checks (its own rows in the suite).
        review = review_mutants(good, rng, per_kind=case.mutants_per_kind) if set(checks or ()) & {
            "usage", "counts", "period", "claims"} else iter(())
        generated = (m for m in itertools.chain(mutants(good, facts, blueprint, rng), review)
                     if not checks or m.check in checks)
    baseline = Counter((f.code, f.excerpt) for f in clean.findings)
    for m in generated:
        found = validate(m.draft, facts, blueprint, checks=checks)
        if m.kind in REVIEW_CODES:  # review checks warn too; what the good text already had does not count
            codes = {c for c, _ in Counter((f.code, f.excerpt) for f in found.findings) - baseline}
        else:
            codes = {f.code for f in found.errors}
        hit = 1 if codes & ALL_EXPECTED_CODES[m.kind] else 0
        total[m.kind] = total.get(m.kind, 0) + 1
        caught[m.kind] = caught.get(m.kind, 0) + hit
        fam_total[m.check] = fam_total.get(m.check, 0) + 1
        fam_caught[m.check] = fam_caught.get(m.check, 0) + hit
    n_total, n_caught = sum(total.values()), sum(caught.values())
    n_fp = sum(false_pos.values())
    metrics = {"mutants": float(n_total), "caught": float(n_caught),
               "recall": n_caught / n_total if n_total else 1.0,
               "precision": n_caught / (n_caught + n_fp) if n_caught + n_fp else 1.0,
               "false_positives": float(n_fp)}
    for fam in ("structure", "figures", "names", "consistency", "usage", "counts", "period", "claims"):
        tp, fp = fam_caught.get(fam, 0), false_pos.get(fam, 0)
        metrics[f"recall:{fam}"] = tp / fam_total[fam] if fam_total.get(fam) else 1.0
        metrics[f"precision:{fam}"] = tp / (tp + fp) if tp + fp else 1.0
    failures = [f"真实/良好文本上误报：{f.code} {f.message}" for f in clean.errors]
    failures += [f"变异「{k}」只捕获 {caught[k]}/{total[k]}" for k in total if caught[k] < total[k]]
    checks = [_check("precision", "良好文本无误报", not clean.errors,
                     "；".join(f"{f.code} {f.message}" for f in clean.errors) or "没有错误")]
    checks += [_check("recall", f"变异「{k}」被捕获", caught[k] == total[k], f"{caught[k]}/{total[k]}") for k in total]
    return CaseResult(case=case.id, variant=variant.label, status="failed" if failures else "passed",
                      metrics=metrics, failures=failures, seconds=round(time.perf_counter() - start, 3),
                      findings=[f.model_dump() for f in clean.findings], extra={"per_kind": total, "caught": caught},
                      checks=checks)


def _merge_assertions(defaults: Assertions, case: Assertions) -> Assertions:
    return Assertions(metrics={**defaults.metrics, **case.metrics}, contains=[*defaults.contains, *case.contains],
                      not_contains=[*defaults.not_contains, *case.not_contains],
                      regex=[*defaults.regex, *case.regex], custom=[*defaults.custom, *case.custom],
                      judge=case.judge or defaults.judge)


def _check(kind: str, name: str, passed: bool, detail: str, metric: str | None = None) -> dict[str, Any]:
    """One assertion's record, pass or fail, for the report."""
    return {"kind": kind, "name": name, "passed": passed, "detail": detail, **({"metric": metric} if metric else {})}


def _assert(assertions: Assertions, metrics: dict[str, float], draft: Any, facts: Any,
            search: list[Path] | None = None, checks: list[dict[str, Any]] | None = None) -> list[str]:
    failures = []
    record = checks if checks is not None else []
    for name, threshold in assertions.metrics.items():
        if name in metrics:
            ok = threshold_ok(metrics[name], threshold)
            label = METRICS[name][0] if name in METRICS else _header(name)
            record.append(_check("metric", label, ok, f"{name} = {metrics[name]:g}，要求 {threshold}", name))
            if not ok:
                failures.append(f"{name} = {metrics[name]:g}，不满足 {threshold}")
    text = draft.to_text()
    for s in assertions.contains:
        record.append(_check("contains", f"包含「{s}」", s in text, "已包含" if s in text else "稿件中没有"))
    for s in assertions.not_contains:
        record.append(_check("not_contains", f"不含「{s}」", s not in text, "稿件中没有" if s not in text else "稿件中出现了"))
    failures += [f"应包含「{s}」" for s in assertions.contains if s not in text]
    failures += [f"不应包含「{s}」" for s in assertions.not_contains if s in text]
    for pattern in assertions.regex:
        try:
            found = re.search(pattern, text, re.S)
        except re.error as exc:
            raise ValueError(f"assert.regex：正则「{pattern}」无效：{exc}") from None
        record.append(_check("regex", f"正则 {pattern}", bool(found),
                             f"匹配到「{found.group(0)[:40]}」" if found else "没有匹配"))
        if not found:
            failures.append(f"未匹配正则 {pattern}")
    for path in assertions.custom:
        try:
            score, reason = _run_custom(path, draft, facts, search)
            label = check_label(_custom_check(path, search))
        except ValueError as exc:
            raise ValueError(f"assert.custom：{exc}") from None
        metrics[f"custom:{path}"] = score
        record.append(_check("custom", label, score > 0, f"{reason}（{path}，得分 {score:g}）" if reason else f"{path}，得分 {score:g}",
                             f"custom:{path}"))
        if score <= 0:
            failures.append(f"自定义检查「{label}」未通过：{reason}")
    return failures


async def _guarded(suite: Suite, case: Case, variant: Variant, repeat: int, opts: RunOptions, timeout: float,
                   sem: asyncio.Semaphore, done: Callable[[CaseResult], None] | None) -> CaseResult:
    async with sem:
        start = time.perf_counter()
        try:
            result = await asyncio.wait_for(_run_case(suite, case, variant, repeat, opts), timeout)
        except TimeoutError:
            result = CaseResult(case=case.id, variant=variant.label, repeat=repeat, status="error",
                                error=f"超时（{timeout:g} 秒）", seconds=round(time.perf_counter() - start, 3))
        except Exception as exc:
            message = str(exc) if isinstance(exc, (ValueError, InputError)) or "Error" not in type(exc).__name__ \
                else f"{type(exc).__name__}: {exc}"
            result = CaseResult(case=case.id, variant=variant.label, repeat=repeat, status="error",
                                error=f"{suite.path.name} 用例「{case.id}」：{message}",
                                seconds=round(time.perf_counter() - start, 3))
    if done:
        done(result)
    return result


def run_suite(suite: Suite, variants: list[Variant] | None = None, options: RunOptions | None = None,
              on_result: Callable[[CaseResult], None] | None = None) -> SuiteResult:
    """Run every selected case for every variant and repeat; never raises for a broken case."""
    opts = options or RunOptions()
    variants = variants or [Variant(engine=suite.defaults.engine, profile=suite.defaults.profile,
                                    prompts=suite.defaults.prompts)]
    cases = select_cases(suite, opts.case_filter)
    if not cases:
        raise InputError(f"没有用例匹配筛选条件：{'、'.join(opts.case_filter)}", path=str(suite.path))
    ws = opts.workspace()
    check_custom_checks_allowed(suite, ws.root, opts.allow_custom_checks or ws.settings.allow_custom_checks)
    started = dt.datetime.now()
    t0 = time.perf_counter()

    async def main() -> list[CaseResult]:
        sem = asyncio.Semaphore(max(1, opts.concurrency))
        jobs = [_guarded(suite, case, v, r, opts, float(case.overrides.get("timeout", suite.defaults.timeout)),
                         sem, on_result) for case, v, r in planned_jobs(suite, variants, opts)]
        return list(await asyncio.gather(*jobs))

    results = run_sync(main())
    return SuiteResult(suite=suite.name, suite_path=str(suite.path), kind=suite.kind,
                       started_at=started.isoformat(timespec="seconds"), seconds=round(time.perf_counter() - t0, 3),
                       variants=[v.label for v in variants], repeat=opts.repeat, results=results,
                       variant_ids={v.label: variant_identity(suite, v, ws) for v in variants})


def planned_jobs(suite: Suite, variants: list[Variant], opts: RunOptions) -> list[tuple[Case, Variant, int]]:
    """The (case, variant, repeat) jobs of a run, in the order its results are listed.

    One source for the order: a resumed run lists its results as the uninterrupted run would.
    """
    return [(case, v, r) for case in select_cases(suite, opts.case_filter) for v in variants
            for r in range(opts.repeat) if opts.only is None or (case.id, v.label, r) in opts.only]


def variant_identity(suite: Suite, variant: Variant, ws: Any) -> str:
    """What a variant runs with, resolved: the engine, the profile (the default one named), model and
    endpoint, and every prompts folder searched. Two labels with one identity are one variant."""
    from ..config import resolve_profile
    from ..errors import SpeechwriterError

    prompts = variant.prompts or suite.defaults.prompts
    try:
        searched = ws.library([suite.resolve(prompts)] if prompts else None).dirs
        dirs = list(dict.fromkeys(str(d.resolve()) for d in searched))  # the built-in folder named again is one
        endpoint: list[Any] = []
        if variant.engine == "openai":
            profile = resolve_profile(variant.profile or suite.defaults.profile, settings=ws.settings)
            endpoint = [profile.name, profile.model, profile.public_base_url]
    except (SpeechwriterError, OSError):
        return ""  # a variant that cannot even be resolved matches only by its label
    identity: list[Any] = [variant.engine, endpoint, dirs]
    if variant.mask is not None:  # a masked variant is another variant of the same endpoint
        identity.append(sorted(variant.mask))
    return json.dumps(identity, ensure_ascii=False)


# --- results on disk --------------------------------------------------------------------------

def eval_runs_root(base: Path | None = None) -> Path:
    """Where evaluation results go: ``evals/runs/`` under ``base`` (a workspace's folder; default: here)."""
    return (base if base is not None else Path(".")) / "evals" / "runs"


def prepare_results_root(base: Path | None = None) -> Path:
    """Make sure ``evals/runs/`` can take results, before any case runs (a WriteError if not)."""
    from ..errors import WriteError
    from ..files import check_writable_dir, write_problem

    root = eval_runs_root(base)
    try:
        root.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise WriteError(f"无法创建评测结果目录：{write_problem(exc)}", path=str(root)) from None
    return check_writable_dir(root, "评测结果目录")


def find_run_folder(run: str | Path, base: Path | None, marker: str, what: str = "评测运行") -> Path:
    """The folder of a run holding ``marker``: ``run`` is its path, its name or a unique prefix of it."""
    p = Path(run)
    if (p / marker).is_file():
        return p
    root = eval_runs_root(base)
    matches = [d for d in root.glob(f"{run}*") if (d / marker).is_file()] if root.is_dir() else []
    matches = [d for d in matches if d.name == str(run)] or matches
    if len(matches) != 1:
        raise InputError(f"找不到{what}「{run}」" if not matches else f"评测运行「{run}」不唯一", path=str(root))
    return matches[0]


def load_results(run: str | Path, base: Path | None = None) -> SuiteResult:
    """A past run by folder path or name (a unique prefix is enough)."""
    p = find_run_folder(run, base, "results.json")
    try:
        result = SuiteResult.model_validate_json((p / "results.json").read_text(encoding="utf-8"))
        result.folder = str(p)  # where it is now, even if the folder was moved since it was written
        return result
    except ValidationError as exc:
        raise InputError(f"不是有效的评测结果：{exc.errors()[0]['msg']}", path=str(p / "results.json")) from None


def list_eval_runs(base: Path | None = None) -> list[dict[str, Any]]:
    root = eval_runs_root(base)
    out = []
    for path in sorted(root.glob("*/results.json"), reverse=True):
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError):
            continue
        statuses = [r["status"] for r in data.get("results", [])]
        out.append({"run": path.parent.name, "suite": data.get("suite"), "started_at": data.get("started_at"),
                    "variants": data.get("variants"), "passed": statuses.count("passed"), "total": len(statuses),
                    "seconds": data.get("seconds"), "unfinished": False})
    out += _unfinished_runs(root)
    return sorted(out, key=lambda r: r["run"], reverse=True)


def _unfinished_runs(root: Path) -> list[dict[str, Any]]:
    """Runs that were stopped before results.json (``eval --resume`` finishes them): what is on disk so far."""
    out = []
    for path in root.glob("*/run.json"):
        if (path.parent / "results.json").exists():
            continue
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            statuses = [json.loads(p.read_text(encoding="utf-8")).get("status")
                        for p in (path.parent / "cases").glob("*.json")]
            variants = [Variant(**v).label for v in data.get("variants", [])]
        except (OSError, ValueError, TypeError):
            continue
        out.append({"run": path.parent.name, "suite": data.get("suite"), "started_at": data.get("started_at"),
                    "variants": variants, "passed": statuses.count("passed"), "total": len(statuses),
                    "seconds": None, "unfinished": True})
    return out


def render_markdown(result: SuiteResult) -> str:
    lines = [f"# 评测报告：{result.suite}", "", f"- 时间：{result.started_at}", f"- 用时：{result.seconds:.1f} 秒",
             f"- 变体：{'、'.join(result.variants)}", f"- 重复：{result.repeat}", ""]
    agg = result.aggregate()
    status = result.case_status()
    metric_names = sorted({m for r in result.results for m in r.metrics})
    labels = check_labels(result)
    lines.append("| 用例 | 变体 | 状态 | " + " | ".join(_header(m, labels) for m in metric_names) + " |")
    lines.append("|" + "---|" * (3 + len(metric_names)))
    for (case, variant), stats in agg.items():
        cells = [_fmt_stats(stats.get(m)) for m in metric_names]
        lines.append(f"| {case} | {variant} | {STATUS_LABEL[status[(case, variant)]]} | " + " | ".join(cells) + " |")
    for (case, variant), st in status.items():
        if not agg.get((case, variant)):
            lines.append(f"| {case} | {variant} | {STATUS_LABEL[st]} |")
    problems = [r for r in result.results if r.status != "passed"]
    if problems:
        lines += ["", "## 未通过与出错", ""]
        for r in problems:
            detail = r.error or "；".join(r.failures)
            lines.append(f"- **{r.case}**（{r.variant}，第 {r.repeat + 1} 次，{STATUS_LABEL[r.status]}）：{detail}")
    return "\n".join(lines) + "\n"


# --- comparing runs ---------------------------------------------------------------------------

@dataclass
class Change:
    case: str
    variant: str
    metric: str
    before: float
    after: float

    @property
    def better(self) -> bool | None:
        """Whether the change is an improvement; None for a metric with no better direction."""
        higher = METRICS.get(self.metric, ("", True))[1] if not self.metric.startswith(("judge:", "custom:")) else True
        if higher is None:
            return None
        return (self.after > self.before) if higher else (self.after < self.before)


def match_variants(a: SuiteResult, b: SuiteResult) -> dict[str, str]:
    """A's variant labels -> B's label for the same variant, where the labels differ.

    Two single-variant runs are one column each, whatever their labels. Otherwise a variant of A whose
    label B lacks is matched with B's variant of the same identity (:func:`variant_identity`): a plain
    run's ``offline`` is a matrix run's ``offline/prompts`` when both searched the same prompt folders.
    """
    va, vb = list(dict.fromkeys(a.variants)), list(dict.fromkeys(b.variants))
    if len(va) == 1 and len(vb) == 1:
        return {va[0]: vb[0]} if va[0] != vb[0] else {}
    by_identity: dict[str, list[str]] = {}
    for label in vb:
        if label not in va and (identity := b.variant_ids.get(label)):
            by_identity.setdefault(identity, []).append(label)
    out: dict[str, str] = {}
    for label in va:
        if label in vb:
            continue
        candidates = by_identity.get(a.variant_ids.get(label) or "", [])
        if len(candidates) == 1 and candidates[0] not in out.values():
            out[label] = candidates[0]
    return out


def compare_runs(a: SuiteResult, b: SuiteResult, tolerance: float = 0.0) -> tuple[list[Change], list[Change]]:
    """(improvements, regressions) of B against A, per case, variant and metric (means); a variant is
    reported by B's label, A's variants matched to B's by :func:`match_variants`."""
    agg_a, agg_b = a.aggregate(), b.aggregate()
    matched = match_variants(a, b)
    agg_a = {(case, matched.get(variant, variant)): stats for (case, variant), stats in agg_a.items()}
    better, worse = [], []
    for key, stats_b in agg_b.items():
        stats_a = agg_a.get(key)
        if not stats_a:
            continue
        for metric, sb in stats_b.items():
            if metric not in stats_a or METRICS.get(metric, ("", True))[1] is None:
                continue  # a metric with no better direction is neither an improvement nor a regression
            before, after = stats_a[metric]["mean"], sb["mean"]
            if abs(after - before) <= tolerance + 1e-12:
                continue
            change = Change(key[0], key[1], metric, before, after)
            (better if change.better else worse).append(change)
    return better, worse


@dataclass
class Coverage:
    """What two runs do not have in common: variants and cases present in only one of them."""

    variants_only_a: list[str]
    variants_only_b: list[str]
    cases_only_a: list[str]
    cases_only_b: list[str]
    compared: int
    matched: dict[str, str] = field(default_factory=dict)  # A's label -> B's label of the same variant

    @property
    def complete(self) -> bool:
        return not (self.variants_only_a or self.variants_only_b or self.cases_only_a or self.cases_only_b)


def compare_coverage(a: SuiteResult, b: SuiteResult) -> Coverage:
    """Which variants and cases only one run has, and how many (case, variant) pairs both have.

    Variants are matched as :func:`compare_runs` matches them (:func:`match_variants`).
    """
    matched = match_variants(a, b)
    keys_a = {(r.case, matched.get(r.variant, r.variant)) for r in a.results}
    keys_b = {(r.case, r.variant) for r in b.results}
    va = [matched.get(v, v) for v in dict.fromkeys(a.variants)]
    vb = list(dict.fromkeys(b.variants))
    ca, cb = {c for c, _ in keys_a}, {c for c, _ in keys_b}
    # the report names A's own labels: what the user typed for that run
    back = {v: k for k, v in matched.items()}
    return Coverage(variants_only_a=[back.get(v, v) for v in va if v not in vb],
                    variants_only_b=[v for v in vb if v not in va], cases_only_a=sorted(ca - cb),
                    cases_only_b=sorted(cb - ca), compared=len(keys_a & keys_b),
                    matched={} if len(a.variants) == 1 and len(b.variants) == 1 else matched)
