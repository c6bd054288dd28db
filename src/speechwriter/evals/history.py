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
    draft was not stored, keeps its old result. The suite gives the facts and the assertions; each
    variant's drafts are checked with the prompt folders that variant ran with.

    What does not change from case to case is prepared once per rescore (:class:`_Rescorer`): the
    facts files, blueprints, validator configurations, merged assertions — and the checks of a draft
    already checked in this rescore against the same facts and blueprint (repeats, an offline
    engine, cached replies all store identical drafts), since the validators and metrics are pure.
    """
    from ..workspace import Workspace

    rescorer = _Rescorer(result, suite, workspace or Workspace())
    out = [rescorer.case(old) for old in result.results]
    return result.model_copy(update={"results": out, "folder": None,
                                     "started_at": dt.datetime.now().isoformat(timespec="seconds")})


_NOT_CHECKED = ("created_at", "timings_ms")  # fields of a stored draft that no validator or metric reads


class _Rescorer:
    """The per-suite part of a rescore, built once; :meth:`case` does the per-case part."""

    def __init__(self, result: SuiteResult, suite: Suite, ws: Workspace) -> None:
        self.result, self.suite, self.ws = result, suite, ws
        self.cases = {c.id: c for c in suite.cases}
        self.search = [ws.root, *list(suite.path.parents)[:3]]
        self.now = dt.datetime.now().isoformat(timespec="seconds")
        self._facts: dict[Path, Any] = {}  # a suite names the same facts file in many cases
        self._prompts: dict[str, tuple[Any, Any]] = {}
        self._assertions: dict[str, Any] = {}
        self._checked: dict[tuple[Any, ...], tuple[Any, Any, dict[str, float], list[dict[str, Any]]]] = {}

    def facts(self, relative: str) -> Any:
        from ..facts.model import load_facts

        path = self.suite.resolve(relative)
        if path not in self._facts:
            self._facts[path] = load_facts(path)
        return self._facts[path]

    def prompts(self, variant: str) -> tuple[Any, Any]:
        """The prompt library and validator configuration a variant's drafts were written with."""
        from ..validate import ValidatorConfig

        if variant not in self._prompts:
            dirs = _variant_dirs(self.result, variant)
            library = self.ws.library(dirs) if dirs else self.ws.library()
            config = ValidatorConfig(prompts_dirs=[str(d) for d in (dirs or self.ws.prompt_dirs)])
            self._prompts[variant] = (library, config)
        return self._prompts[variant]

    def assertions(self, case: Any) -> Any:
        from .suite import _merge_assertions

        if case.id not in self._assertions:
            self._assertions[case.id] = _merge_assertions(self.suite.defaults.assertions, case.assertions)
        return self._assertions[case.id]

    def checked(self, old: CaseResult, case: Any) -> tuple[Any, Any, dict[str, float], list[dict[str, Any]]]:
        """(draft, facts, metrics, findings) of a stored draft, checked once per distinct text."""
        from ..draft import Draft
        from ..validate import validate
        from .suite import draft_metrics

        library, config = self.prompts(old.variant)
        # when and how fast a draft was written is no input to any check: two drafts that differ only
        # there are one text
        text = {k: v for k, v in old.draft.items() if k not in _NOT_CHECKED}
        key = (json.dumps(text, ensure_ascii=False, sort_keys=True), case.facts, case.genre, old.variant)
        if key not in self._checked:
            draft = Draft.model_validate(old.draft)
            facts = self.facts(case.facts)
            blueprint = library.blueprint(case.genre or draft.genre or facts.meta.genre)
            report = validate(draft, facts, blueprint, config)
            self._checked[key] = (draft, facts, draft_metrics(draft, report, facts),
                                  [f.model_dump() for f in report.findings])
        return self._checked[key]

    def case(self, old: CaseResult) -> CaseResult:
        from .suite import _assert

        case = self.cases.get(old.case)
        if old.draft is None or case is None or not case.facts:
            return old
        draft, facts, measured, findings = self.checked(old, case)
        metrics = {**measured, **{k: v for k, v in old.metrics.items() if k.startswith("judge:")}}
        checks: list[dict[str, Any]] = []
        failures = _assert(self.assertions(case), metrics, draft, facts, self.search, checks)
        judged = [c for c in old.checks if c.get("kind") == "judge"]
        failures += [f for f in old.failures if f.startswith("评审「")]
        return old.model_copy(update={
            "metrics": metrics, "failures": failures, "checks": [*checks, *judged],
            "status": "failed" if failures else "passed", "findings": [dict(f) for f in findings],
            "extra": {**old.extra, "rescored_at": self.now}})


def _variant_dirs(result: SuiteResult, variant: str) -> list[Path] | None:
    """The prompt folders a variant searched (recorded in the run's variant identity), or None."""
    identity = result.variant_ids.get(variant)
    if not identity:
        return None
    try:
        dirs = json.loads(identity)[2]
    except (ValueError, IndexError, TypeError):
        return None
    return [Path(d) for d in dirs] if isinstance(dirs, list) and dirs else None


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
