"""Eval runs that survive being stopped: every case's result on disk as it finishes, and ``--resume``.

A recorded run claims its folder under ``evals/runs/`` before the first case starts and writes
``run.json`` there: the suite file (and a hash of its text), the variants and the options. Each
case × variant × repeat is written to ``cases/<key>.json`` atomically (temporary file, fsync,
rename) the moment it finishes, so a run killed by Ctrl-C or ``kill -9`` keeps every finished
case. :func:`resume_run` reads the record back, runs only the jobs without a result, and writes
``results.json`` and the reports into the same folder, the results listed in the order an
uninterrupted run lists them.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import shutil
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from ..errors import InputError
from ..files import read_text, write_text_atomic
from ..redact import redact
from .suite import (
    CaseResult,
    RunOptions,
    Suite,
    SuiteResult,
    Variant,
    find_run_folder,
    load_suite,
    planned_jobs,
    prepare_results_root,
    run_suite,
    variant_identity,
)

__all__ = ["RECORD", "RunRecord", "find_unfinished", "load_partial", "resume_command", "resume_run",
           "run_recorded", "save_case", "start_run"]

RECORD = "run.json"
PARTS = "cases"


class RunRecord(BaseModel):
    """What a run was started with: enough to finish it later exactly as it would have finished."""

    suite: str
    suite_path: str
    suite_sha256: str
    started_at: str
    started_epoch: float
    variants: list[dict[str, Any]]
    repeat: int
    case_filter: list[str]
    use_cache: bool
    concurrency: int
    allow_custom_checks: bool
    only: list[tuple[str, str, int]] | None = None
    rerun_of: str | None = None  # the run whose failed cases this one reruns (merged at the end)

    def variant_objects(self) -> list[Variant]:
        return [Variant(**v) for v in self.variants]

    def options(self, workspace: Any) -> RunOptions:
        return RunOptions(concurrency=self.concurrency, repeat=self.repeat, case_filter=list(self.case_filter),
                          use_cache=self.use_cache, allow_custom_checks=self.allow_custom_checks,
                          only={tuple(k) for k in self.only} if self.only is not None else None,  # type: ignore[misc]
                          _workspace=workspace)


def _suite_hash(suite: Suite) -> str:
    return hashlib.sha256(suite.path.read_bytes()).hexdigest()


def _part_name(case: str, variant: str, repeat: int) -> str:
    """One file name per job: case ids and labels may hold any character, so a hash names the file."""
    key = json.dumps([case, variant, repeat], ensure_ascii=False)
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:24] + ".json"


def start_run(root: Path, suite: Suite, variants: list[Variant], opts: RunOptions,
              rerun_of: str | None = None) -> Path:
    """Claim a run folder and write its record, before any case runs."""
    from .report import claim_run_folder

    folder = claim_run_folder(prepare_results_root(root), suite.name)
    (folder / PARTS).mkdir()
    now = dt.datetime.now()
    record = RunRecord(suite=suite.name, suite_path=str(suite.path), suite_sha256=_suite_hash(suite),
                       started_at=now.isoformat(timespec="seconds"), started_epoch=time.time(),
                       variants=[dataclasses.asdict(v) for v in variants], repeat=opts.repeat,
                       case_filter=list(opts.case_filter), use_cache=opts.use_cache, concurrency=opts.concurrency,
                       allow_custom_checks=opts.allow_custom_checks,
                       only=sorted(opts.only) if opts.only is not None else None, rerun_of=rerun_of)
    write_text_atomic(folder / RECORD, record.model_dump_json(indent=1) + "\n")
    return folder


def save_case(folder: Path, result: CaseResult) -> None:
    """One finished job's result, written atomically (a kill never leaves half a file)."""
    write_text_atomic(folder / PARTS / _part_name(result.case, result.variant, result.repeat),
                      redact(result.model_dump_json()) + "\n")


def load_partial(folder: Path) -> tuple[RunRecord, list[CaseResult]]:
    """A run's record and the results of the jobs that finished."""
    path = folder / RECORD
    try:
        record = RunRecord.model_validate_json(read_text(path, what="评测运行记录"))
    except ValidationError as exc:
        raise InputError(f"评测运行记录已损坏：{exc.errors()[0]['msg']}", path=str(path)) from None
    done: list[CaseResult] = []
    parts = folder / PARTS
    for part in sorted(parts.glob("*.json")) if parts.is_dir() else []:
        try:
            done.append(CaseResult.model_validate_json(part.read_text(encoding="utf-8")))
        except (OSError, ValidationError):
            continue  # unreadable: that job simply runs again
    return record, done


def find_unfinished(run: str, base: Path | None = None) -> Path:
    """The folder of a run that was started but has no results.json (a name, a unique prefix, or a path)."""
    p = find_run_folder(run, base, RECORD, "可续跑的评测运行")
    if (p / "results.json").is_file():
        raise InputError(f"评测运行「{p.name}」已经完成，无需续跑", path=str(p))
    return p


def resume_command(folder: Path) -> str:
    """The command that finishes ``folder``'s run (from the same project folder)."""
    return f"speechwriter eval --resume {folder.name}"


def _finish(folder: Path, record: RunRecord, suite: Suite, variants: list[Variant], opts: RunOptions,
            results: list[CaseResult], seconds: float) -> SuiteResult:
    """The whole run, its results in the uninterrupted order; merged into the rerun run if there is one."""
    from .history import merge_rerun
    from .suite import load_results

    by_key = {(r.case, r.variant, r.repeat): r for r in results}
    ordered = [by_key[(c.id, v.label, r)] for c, v, r in planned_jobs(suite, variants, opts)
               if (c.id, v.label, r) in by_key]
    ws = opts.workspace()
    result = SuiteResult(suite=suite.name, suite_path=str(suite.path), kind=suite.kind, started_at=record.started_at,
                         seconds=round(seconds, 3), variants=[v.label for v in variants], repeat=opts.repeat,
                         results=ordered, variant_ids={v.label: variant_identity(suite, v, ws) for v in variants})
    if record.rerun_of:
        result = merge_rerun(load_results(record.rerun_of), result)
    return result


def _write_final(folder: Path, result: SuiteResult, root: Path) -> Path:
    from .report import write_results

    write_results(result, root, folder=folder)
    shutil.rmtree(folder / PARTS, ignore_errors=True)  # results.json holds every case now
    return folder


def run_recorded(suite: Suite, variants: list[Variant], opts: RunOptions, *,
                 on_result: Callable[[CaseResult], None] | None = None, rerun_of: str | None = None,
                 on_start: Callable[[Path], None] | None = None) -> tuple[SuiteResult, Path]:
    """:func:`run_suite` whose every finished case is on disk at once; the finished run is written
    to the same folder. A KeyboardInterrupt leaves a run that :func:`resume_run` finishes."""
    from .suite import check_custom_checks_allowed, select_cases

    ws = opts.workspace()
    root = ws.root
    if not select_cases(suite, opts.case_filter):
        raise InputError(f"没有用例匹配筛选条件：{'、'.join(opts.case_filter)}", path=str(suite.path))
    check_custom_checks_allowed(suite, root, opts.allow_custom_checks or ws.settings.allow_custom_checks)
    folder = start_run(root, suite, variants, opts, rerun_of)
    if on_start:
        on_start(folder)
    record, _ = load_partial(folder)
    t0 = time.perf_counter()

    def done(r: CaseResult) -> None:
        save_case(folder, r)
        if on_result:
            on_result(r)

    ran = run_suite(suite, variants, opts, on_result=done)
    result = _finish(folder, record, suite, variants, opts, ran.results, time.perf_counter() - t0)
    return result, _write_final(folder, result, root)


def resume_run(run: str, workspace: Any, *, suite_file: Path | None = None,
               on_result: Callable[[CaseResult], None] | None = None,
               on_plan: Callable[[int, int], None] | None = None) -> tuple[SuiteResult, Path]:
    """Finish a stopped run: only the jobs without a result run, with the run's own suite and options.

    ``on_plan(done, total)`` is told how many jobs had finished before anything runs.
    """
    root = workspace.root
    folder = find_unfinished(run, root)
    record, done = load_partial(folder)
    suite = load_suite(record.suite_path)
    if suite_file is not None and Path(suite_file).resolve() != suite.path:
        raise InputError(f"评测运行「{folder.name}」用的套件是 {record.suite_path}，不是 {suite_file}",
                         path=str(suite_file))
    if _suite_hash(suite) != record.suite_sha256:
        raise InputError(f"套件文件在评测运行「{folder.name}」开始后被修改过，续跑的结果将与原运行不一致；"
                         "请重新运行整个套件", path=record.suite_path)
    variants = record.variant_objects()
    opts = record.options(workspace)
    planned = {(c.id, v.label, r) for c, v, r in planned_jobs(suite, variants, opts)}
    finished = [r for r in done if (r.case, r.variant, r.repeat) in planned]
    missing = planned - {(r.case, r.variant, r.repeat) for r in finished}
    if on_plan:
        on_plan(len(finished), len(planned))
    before = max([p.stat().st_mtime for p in (folder / PARTS).glob("*.json")] or [record.started_epoch])
    t0 = time.perf_counter()
    fresh: list[CaseResult] = []
    if missing:
        def saved(r: CaseResult) -> None:
            save_case(folder, r)
            if on_result:
                on_result(r)

        fresh = run_suite(suite, variants, dataclasses.replace(opts, only=missing), on_result=saved).results
    seconds = max(0.0, before - record.started_epoch) + time.perf_counter() - t0
    result = _finish(folder, record, suite, variants, opts, [*finished, *fresh], seconds)
    return result, _write_final(folder, result, root)
