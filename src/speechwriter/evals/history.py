"""What prompt engineers do with past eval runs: rescore them, rerun what failed, review them, gate on them.

- :func:`rescore` applies today's checks, metrics and thresholds to the drafts a run stored — no model
  call — so a changed validator or threshold is measured on the same texts;
- :func:`rerun_selection` names the (case, variant, repeat) triples of a run that failed or errored,
  and :func:`merge_rerun` puts a rerun's results in their place, giving a whole run that ``eval compare``
  can set beside the old one;
- :func:`add_review` records a person's verdict (通过/不通过, note, who, when) in ``reviews.json`` beside
  a run's results; :func:`load_reviews` reads them back for the summary and ``eval compare``;
- :func:`regressions` is the CI gate: the named metrics that got worse between two runs.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from ..errors import InputError

if TYPE_CHECKING:
    from ..workspace import Workspace
    from .suite import CaseResult, Change, Suite, SuiteResult

__all__ = ["Review", "add_review", "import_reviews", "load_reviews", "merge_rerun", "read_review_file", "regressions",
           "rerun_selection", "rescore"]

Key = tuple[str, str, int]  # case id, variant label, repeat
VERDICTS = ("通过", "不通过")


def _key(r: CaseResult) -> Key:
    return (r.case, r.variant, r.repeat)


# --- rescore ------------------------------------------------------------------------------------

def rescore(result: SuiteResult, suite: Suite, workspace: Workspace | None = None) -> SuiteResult:
    """``result`` with every stored draft checked again by today's validators, metrics and thresholds.

    Judge scores are kept as they were (rescoring makes no model call); a case that errored, or whose
    draft was not stored, keeps its old result. The suite gives the facts and the assertions.
    """
    from ..draft import Draft
    from ..facts.model import load_facts
    from ..validate import ValidatorConfig, validate
    from ..workspace import Workspace
    from .suite import _assert, _merge_assertions, draft_metrics

    ws = workspace or Workspace()
    cases = {c.id: c for c in suite.cases}
    out: list[CaseResult] = []
    loaded: dict[Path, Any] = {}  # a suite names the same facts file in many cases
    config = ValidatorConfig(prompts_dirs=[str(d) for d in ws.prompt_dirs])
    for old in result.results:
        case = cases.get(old.case)
        if old.draft is None or case is None or not case.facts:
            out.append(old)
            continue
        draft = Draft.model_validate(old.draft)
        path = suite.resolve(case.facts)
        facts = loaded.get(path) or loaded.setdefault(path, load_facts(path))
        blueprint = ws.library().blueprint(case.genre or draft.genre or facts.meta.genre)
        report = validate(draft, facts, blueprint, config)
        assertions = _merge_assertions(suite.defaults.assertions, case.assertions)
        metrics = draft_metrics(draft, report, facts)
        metrics.update({k: v for k, v in old.metrics.items() if k.startswith("judge:")})
        checks: list[dict[str, Any]] = []
        failures = _assert(assertions, metrics, draft, facts, [ws.root, *list(suite.path.parents)[:3]], checks)
        judged = [c for c in old.checks if c.get("kind") == "judge"]
        failures += [f for f in old.failures if f.startswith("评审「")]
        out.append(old.model_copy(update={
            "metrics": metrics, "failures": failures, "checks": [*checks, *judged],
            "status": "failed" if failures else "passed", "findings": [f.model_dump() for f in report.findings],
            "extra": {**old.extra, "rescored_at": dt.datetime.now().isoformat(timespec="seconds")}}))
    return result.model_copy(update={"results": out, "folder": None,
                                     "started_at": dt.datetime.now().isoformat(timespec="seconds")})


# --- rerun what failed --------------------------------------------------------------------------

def rerun_selection(result: SuiteResult, *, errors_only: bool = False) -> set[Key]:
    """The triples of ``result`` to run again: failed or errored (``errors_only``: errored, e.g. transport)."""
    wanted = ("error",) if errors_only else ("failed", "error")
    return {_key(r) for r in result.results if r.status in wanted}


def merge_rerun(previous: SuiteResult, rerun: SuiteResult) -> SuiteResult:
    """``previous`` with each rerun triple's result replaced (the rest kept): a whole run to compare."""
    fresh = {_key(r): r for r in rerun.results}
    merged = [fresh.pop(_key(r), r) for r in previous.results]
    merged += list(fresh.values())  # a triple the previous run did not have (a new case)
    return rerun.model_copy(update={"results": merged, "variants": previous.variants, "repeat": previous.repeat,
                                    "folder": None})


# --- human review -------------------------------------------------------------------------------

@dataclass(frozen=True)
class Review:
    """A person's verdict on one case of a run."""

    case: str
    variant: str
    verdict: Literal["通过", "不通过"]
    note: str
    by: str
    at: str

    def to_dict(self) -> dict[str, str]:
        return dict(self.__dict__)


def _reviews_path(folder: Path) -> Path:
    return folder / "reviews.json"


def read_review_file(path: Path) -> list[Review]:
    """The reviews in one sidecar file (``eval review`` writes it; the HTML report's button downloads it)."""
    from ..files import read_text

    text = read_text(path, what="人工评审记录")
    try:
        rows = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"人工评审记录不是有效的 JSON：{exc.msg}", path=str(path), line=exc.lineno) from None
    if not isinstance(rows, list):
        raise InputError("人工评审记录应为列表（每条评审一项）", path=str(path))
    out = []
    fields = ("case", "variant", "verdict", "note", "by", "at")
    for n, row in enumerate(rows, 1):
        if not isinstance(row, dict):
            raise InputError(f"第 {n} 条评审应为对象", path=str(path), field=f"[{n - 1}]")
        missing = [f for f in fields if not isinstance(row.get(f), str)]
        if missing:
            raise InputError(f"第 {n} 条评审缺少字段「{missing[0]}」（或不是文字）", path=str(path),
                             field=f"[{n - 1}].{missing[0]}")
        if row["verdict"] not in VERDICTS:
            raise InputError(f"第 {n} 条评审的结论只能是：{'、'.join(VERDICTS)}（收到「{row['verdict']}」）",
                             path=str(path), field=f"[{n - 1}].verdict")
        out.append(Review(**{f: row[f] for f in fields}))
    return out


def _merged(reviews: list[Review]) -> list[Review]:
    """One list from several files: each review once, oldest first (the latest per case decides)."""
    unique = list(dict.fromkeys(reviews))
    return sorted(unique, key=lambda r: r.at)


def load_reviews(folder: Path) -> list[Review]:
    """The reviews recorded beside a run's results (latest per case and variant last).

    ``reviews.json`` and any other ``reviews*.json`` placed in the run folder (a browser names a
    second download ``reviews (1).json``) are read together.
    """
    files = sorted(p for p in folder.glob("reviews*.json") if p.is_file())
    return _merged([r for p in files for r in read_review_file(p)])


def _check_against(result: SuiteResult, review: Review, where: str) -> None:
    pairs = {(r.case, r.variant) for r in result.results}
    if (review.case, review.variant) not in pairs:
        known = "、".join(dict.fromkeys(r.case for r in result.results))
        raise InputError(f"{where}：这次运行中没有用例「{review.case}」的变体「{review.variant}」，可选用例：{known}")


def _write_reviews(folder: Path, reviews: list[Review]) -> None:
    from ..files import write_text_atomic

    write_text_atomic(_reviews_path(folder), json.dumps([r.to_dict() for r in reviews], ensure_ascii=False,
                                                        indent=2) + "\n")


def add_review(folder: Path, result: SuiteResult, case: str, verdict: str, note: str = "", *,
               by: str | None = None, variant: str | None = None) -> Review:
    """Record a verdict on ``case`` of the run in ``folder`` (written atomically to ``reviews.json``)."""
    import getpass

    if verdict not in VERDICTS:
        raise InputError(f"评审结论只能是：{'、'.join(VERDICTS)}（收到「{verdict}」）")
    variants = [r.variant for r in result.results if r.case == case]
    if not variants:
        known = "、".join(dict.fromkeys(r.case for r in result.results))
        raise InputError(f"这次运行中没有用例「{case}」，可选：{known}", path=str(folder))
    chosen = variant or variants[0]
    if chosen not in variants:
        raise InputError(f"用例「{case}」没有变体「{chosen}」，可选：{'、'.join(dict.fromkeys(variants))}")
    review = Review(case=case, variant=chosen, verdict=verdict, note=note,  # type: ignore[arg-type]
                    by=by or getpass.getuser(), at=dt.datetime.now().isoformat(timespec="seconds"))
    _write_reviews(folder, [*load_reviews(folder), review])
    return review


def import_reviews(folder: Path, result: SuiteResult, path: Path) -> list[Review]:
    """Merge a sidecar file (downloaded from the HTML report) into the run's ``reviews.json``.

    Every row is checked against the run first: nothing is written unless all of them fit.
    Returns the reviews that were not recorded yet.
    """
    incoming = read_review_file(path)
    for n, review in enumerate(incoming, 1):
        _check_against(result, review, f"{path} 第 {n} 条评审")
    existing = load_reviews(folder)
    new = [r for r in dict.fromkeys(incoming) if r not in set(existing)]
    _write_reviews(folder, _merged([*existing, *new]))
    return new


def latest_reviews(folder: Path) -> dict[tuple[str, str], Review]:
    """(case, variant) → the last verdict given."""
    return {(r.case, r.variant): r for r in load_reviews(folder)}


# --- the CI gate --------------------------------------------------------------------------------

def regressions(worse: list[Change], metrics: list[str]) -> list[Change]:
    """The regressions among ``worse`` that the gate names (a metric name, or ``status`` for pass→fail)."""
    wanted = set(metrics)
    return [c for c in worse if c.metric in wanted or ("*" in wanted)]
