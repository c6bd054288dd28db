"""Evaluation at scale on a provider's Batch API (OpenAI ``/v1/files`` + ``/v1/batches``).

No scheduler of our own: the provider runs the requests. The trick that keeps batch results
identical to a live run is the reply cache. A *collecting pass* runs the suite exactly as a live
run would, but every request the cache cannot answer is collected (with the cache key it will be
stored under) instead of sent. Those requests go to the provider as one JSONL batch per endpoint;
collecting the batch writes each reply into the cache under its key. The next pass then finds the
first-round replies in the cache, validates, and collects only what comes next (repairs,
continuations, judge calls) — a second, much smaller batch, or live calls with ``--repair-sync``.
When a pass collects nothing, it is the live run, answered from the cache: the same code writes
the same ``results.json`` and ``report.html``.

State lives in the eval run folder (``evals/runs/<run>/batch.json``), written atomically after
every step, so ``eval status`` / ``eval collect`` can be killed and rerun at any point: an input
file is uploaded once (its SHA-256 is recorded), a downloaded reply is in the cache, and a batch
that expired or has failed lines is followed by a batch of only the missing requests.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from ..engines.base import Completion
from ..errors import InputError, SpeechwriterError
from ..files import read_text, write_text_atomic
from ..pipeline.calls import PendingRequest, RequestCollector
from ..redact import redact, scrub
from .report import write_results
from .suite import RunOptions, Suite, SuiteResult, Variant, load_suite, run_suite, safe_file_name

__all__ = ["BatchJob", "BatchPlan", "BatchRun", "batch_status", "collect_batch", "describe_counts", "endpoint_clients",
           "missing_keys", "plan_batch", "price_table", "submit_batch"]

BATCH_FILE = "batch.json"
TERMINAL = ("completed", "failed", "expired", "cancelled")


class BatchJob(BaseModel):
    """One JSONL file sent to one endpoint, and what became of it."""

    round: int
    endpoint: dict[str, Any]  # engine name, profile, model, base_url (no key)
    input_file: str  # path of the JSONL in the run folder
    input_sha256: str
    requests: dict[str, str]  # custom_id -> reply-cache key
    file_id: str | None = None
    batch_id: str | None = None
    status: str = "written"  # written, uploaded, validating, in_progress, finalizing, completed, failed, expired,
    #                          cancelled, file-only
    counts: dict[str, int] = Field(default_factory=dict)
    output_file_id: str | None = None
    error_file_id: str | None = None
    collected: list[str] = Field(default_factory=list)  # custom_ids whose replies are in the cache
    failed: dict[str, str] = Field(default_factory=dict)  # custom_id -> why


class BatchRun(BaseModel):
    """Everything ``eval status`` and ``eval collect`` need to carry on from where they stopped."""

    suite_path: str
    variants: list[dict[str, Any]]
    repeat: int = 1
    case_filter: list[str] = Field(default_factory=list)
    concurrency: int = 4
    repair_sync: bool = False
    file_only: bool = False
    created_at: str
    jobs: list[BatchJob] = Field(default_factory=list)
    done: bool = False

    @property
    def rounds(self) -> int:
        return max((j.round for j in self.jobs), default=0)


@dataclass
class BatchPlan:
    """The requests a suite still needs, grouped by endpoint, with a cost estimate."""

    requests: list[PendingRequest]

    @property
    def count(self) -> int:
        return len(self.requests)

    def by_endpoint(self) -> dict[tuple[Any, ...], list[PendingRequest]]:
        out: dict[tuple[Any, ...], list[PendingRequest]] = {}
        for p in self.requests:
            info = p.engine.describe()
            out.setdefault((info.name, info.profile, info.model, info.base_url), []).append(p)
        return out

    def estimate(self, prices: dict[str, dict[str, Any]]) -> dict[str, Any]:
        """Token estimate (about 1.5 Chinese characters a token) and the live and batch price of each model.

        ``prices`` is :func:`price_table`: per 1,000 tokens, with ``currency`` and ``batch`` (the batch
        price as a share of the live one). Totals are given when every model has a price in one currency.
        """
        models: dict[str, dict[str, Any]] = {}
        for p in self.requests:
            row = models.setdefault(p.engine.model_name or "", {"requests": 0, "prompt": 0.0, "completion": 0.0})
            row["requests"] += 1
            row["prompt"] += sum(len(m["content"]) for m in p.messages) / 1.5
            row["completion"] += _expected_reply_chars(p) / 1.5
        rows = []
        for model, row in models.items():
            price = prices.get(model) or {}
            live = batch = None
            if "input" in price or "output" in price:
                live = row["prompt"] / 1000 * float(price.get("input", 0)) + \
                    row["completion"] / 1000 * float(price.get("output", 0))
                batch = live * float(price["batch"]) if price.get("batch") is not None else None
            rows.append({"model": model, "requests": row["requests"], "prompt_tokens": round(row["prompt"]),
                         "completion_tokens": round(row["completion"]), "currency": price.get("currency"),
                         "price": None if live is None else round(live, 4),
                         "batch_price": None if batch is None else round(batch, 4)})
        currencies = {r["currency"] for r in rows}
        priced = bool(rows) and all(r["price"] is not None for r in rows) and len(currencies) == 1
        return {"requests": self.count, "prompt_tokens": sum(r["prompt_tokens"] for r in rows),
                "completion_tokens": sum(r["completion_tokens"] for r in rows),
                "currency": next(iter(currencies)) if priced else None,
                "price": round(sum(r["price"] for r in rows), 4) if priced else None,
                "batch_price": round(sum(r["batch_price"] for r in rows), 4)
                if priced and all(r["batch_price"] is not None for r in rows) else None,
                "models": rows}


def _expected_reply_chars(p: PendingRequest) -> int:
    return 1500 if p.request.kind == "generate" else 300


PRICE_FILE = "prices.toml"


def price_table(ws: Any) -> dict[str, dict[str, Any]]:
    """Prices by model: the shipped ``prompts/prices.toml`` (or the user's prompts folder's copy), each
    model overridden key by key by ``[prices."MODEL"]`` of the user's config."""
    import tomllib

    _, path = ws.library().find(PRICE_FILE)
    try:
        shipped = tomllib.loads(read_text(path, what="价格表"))
    except (tomllib.TOMLDecodeError, ValueError) as exc:
        raise InputError(f"价格表格式错误：{exc}", path=str(path)) from None
    table: dict[str, dict[str, Any]] = {}
    for model, price in shipped.items():
        if not isinstance(price, dict):
            raise InputError(f"价格表中「{model}」应为表（[\"{model}\"]）", path=str(path))
        table[model] = dict(price)
    for model, price in ws.settings.prices.items():
        table[model] = {**table.get(model, {}), **price}
    return table


def missing_keys(plan: BatchPlan, ws: Any) -> list[str]:
    """The environment variables an API key is missing from, for the endpoints ``plan`` would send to."""
    from ..config import resolve_profile

    missing: list[str] = []
    for name, profile, model, base_url in plan.by_endpoint():
        if name != "openai":
            continue
        chosen = resolve_profile(profile if profile and profile != "default" else None, settings=ws.settings,
                                 model=model, base_url=base_url)
        try:
            chosen.key()
        except InputError:
            if chosen.api_key_env not in missing:
                missing.append(chosen.api_key_env)
    return missing


# --- planning: a collecting pass ----------------------------------------------------------------

def plan_batch(suite: Suite, variants: list[Variant], opts: RunOptions, *,
               keyless: bool = False) -> tuple[BatchPlan, SuiteResult]:
    """Run the suite collecting, not sending, every request the cache cannot answer.

    ``keyless``: build the engines without an API key (a dry run sends nothing, so it needs none and
    counts the same requests a run with the key would send; :func:`missing_keys` says which are unset).
    """
    collector = RequestCollector()
    opts = RunOptions(concurrency=opts.concurrency, repeat=opts.repeat, case_filter=opts.case_filter,
                      use_cache=True, workdir=opts.workdir, collector=collector,
                      allow_custom_checks=opts.allow_custom_checks, keyless=keyless, _workspace=opts._workspace)
    result = run_suite(suite, variants, opts)
    return BatchPlan(list(collector.store.values())), result


def custom_id(p: PendingRequest) -> str:
    """Stable and readable: kind, section and the start of the cache key (≤ 64 characters)."""
    section = "".join(c for c in (p.request.section or "-") if c.isalnum() or c in "_-")[:20] or "-"
    return f"{p.request.kind}.{section}.{p.key[:32]}"


def request_line(p: PendingRequest) -> dict[str, Any]:
    """One line of the Batch API's JSONL input."""
    return {"custom_id": custom_id(p), "method": "POST", "url": "/v1/chat/completions",
            "body": p.engine.request_body(p.messages, p.request)}


# --- the run folder -----------------------------------------------------------------------------

def new_run_folder(suite: Suite, root: Path) -> Path:
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    folder = root / "evals" / "runs" / f"{stamp}-{safe_file_name(suite.name)}-batch"
    n = 1
    while folder.exists():
        n += 1
        folder = root / "evals" / "runs" / f"{stamp}-{safe_file_name(suite.name)}-batch-{n}"
    try:
        folder.mkdir(parents=True)
    except OSError as exc:
        from ..errors import WriteError
        from ..files import write_problem

        raise WriteError(f"无法创建批处理评测目录：{write_problem(exc)}", path=str(folder.parent)) from None
    return folder


def load_run(run: str | Path, root: Path) -> tuple[Path, BatchRun]:
    """A batch eval run by folder or name (a unique prefix is enough)."""
    p = Path(run)
    if not (p / BATCH_FILE).is_file():
        base = root / "evals" / "runs"
        matches = [d for d in base.glob(f"{run}*") if (d / BATCH_FILE).is_file()] if base.is_dir() else []
        matches = [d for d in matches if d.name == str(run)] or matches
        if len(matches) != 1:
            raise InputError(f"找不到批处理评测运行「{run}」" if not matches else f"批处理评测运行「{run}」不唯一",
                             path=str(base))
        p = matches[0]
    try:
        return p, BatchRun.model_validate_json(read_text(p / BATCH_FILE, what="批处理状态文件"))
    except ValueError as exc:
        raise InputError(f"批处理状态文件已损坏：{str(exc).splitlines()[0]}", path=str(p / BATCH_FILE)) from None


def save_run(folder: Path, run: BatchRun) -> None:
    write_text_atomic(folder / BATCH_FILE, redact(run.model_dump_json(indent=1)) + "\n")  # errors echo servers


# --- submitting ---------------------------------------------------------------------------------

def write_jobs(folder: Path, run: BatchRun, plan: BatchPlan, round_no: int) -> list[BatchJob]:
    """Write one JSONL per endpoint for ``plan`` and add the jobs to ``run`` (not yet uploaded)."""
    jobs = []
    for n, (endpoint, pending) in enumerate(plan.by_endpoint().items(), 1):
        lines = [request_line(p) for p in pending]
        text = "".join(json.dumps(line, ensure_ascii=False) + "\n" for line in lines)
        path = folder / f"round{round_no}-{n}.jsonl"
        write_text_atomic(path, text)
        jobs.append(BatchJob(round=round_no, endpoint=dict(zip(("name", "profile", "model", "base_url"), endpoint,
                                                                strict=True)),
                             input_file=path.name, input_sha256=hashlib.sha256(text.encode()).hexdigest(),
                             requests={custom_id(p): p.key for p in pending}))
    run.jobs.extend(jobs)
    return jobs


def upload_jobs(folder: Path, run: BatchRun, client_for: Callable[[dict[str, Any]], Any]) -> None:
    """Upload and create every job not yet created. Idempotent: a file with the same SHA-256 is sent once."""
    for job in run.jobs:
        if job.status != "written":
            continue
        client = client_for(job.endpoint)
        same = next((j for j in run.jobs if j is not job and j.input_sha256 == job.input_sha256 and j.file_id), None)
        if job.file_id is None:
            if same is not None:
                job.file_id = same.file_id
            else:
                data = (folder / job.input_file).read_bytes()
                job.file_id = client.files.create(file=(job.input_file, data, "application/jsonl"), purpose="batch").id
            save_run(folder, run)  # an upload is recorded before the batch is created: never uploaded twice
        batch = client.batches.create(input_file_id=job.file_id, endpoint="/v1/chat/completions",
                                      completion_window="24h",
                                      metadata={"speechwriter": job.input_sha256[:16]})
        job.batch_id, job.status = batch.id, batch.status
        save_run(folder, run)


def submit_batch(suite: Suite, variants: list[Variant], opts: RunOptions, *, client_for: Callable[[dict], Any],
                 file_only: bool = False, repair_sync: bool = False) -> tuple[Path, BatchRun, BatchPlan]:
    """Plan, write the JSONL input(s) into a new eval run folder and (unless ``file_only``) upload them."""
    ws = opts.workspace()
    plan, planned = plan_batch(suite, variants, opts, keyless=True)  # a missing key is named below, once
    if not file_only and (missing := missing_keys(plan, ws)):  # a JSONL run elsewhere needs no key here
        raise InputError(f"缺少 API 密钥：请设置环境变量 {'、'.join(missing)} 后再提交"
                         "（只估算请求数和费用可加 --dry-run，不需要密钥）")
    if not plan.count:
        errors = [r.error for r in planned.results if r.status == "error" and r.error]
        if errors:  # every case broke before asking for anything: say why, not "all cached"
            raise InputError(f"没有生成任何请求：{errors[0]}")
        raise InputError("没有需要发送的请求：所有回复都已在缓存中（直接运行 speechwriter eval 即可）")
    folder = new_run_folder(suite, ws.root)
    run = BatchRun(suite_path=str(suite.path.resolve()), variants=[v.__dict__ for v in variants], repeat=opts.repeat,
                   case_filter=opts.case_filter, concurrency=opts.concurrency, repair_sync=repair_sync,
                   file_only=file_only, created_at=dt.datetime.now().isoformat(timespec="seconds"))
    jobs = write_jobs(folder, run, plan, 1)
    if file_only:
        for job in jobs:
            job.status = "file-only"
    save_run(folder, run)
    if not file_only:
        upload_jobs(folder, run, client_for)
    return folder, run, plan


# --- status and collecting ---------------------------------------------------------------------

def refresh(folder: Path, run: BatchRun, client_for: Callable[[dict], Any]) -> None:
    """Ask the provider how each unfinished batch is doing."""
    for job in run.jobs:
        if job.batch_id is None or job.status in TERMINAL:
            continue
        batch = client_for(job.endpoint).batches.retrieve(job.batch_id)
        job.status = batch.status
        counts = getattr(batch, "request_counts", None)
        if counts is not None:
            job.counts = {"total": counts.total, "completed": counts.completed, "failed": counts.failed}
        job.output_file_id = batch.output_file_id
        job.error_file_id = batch.error_file_id
    save_run(folder, run)


def batch_status(run_ref: str | Path, root: Path, client_for: Callable[[dict], Any]) -> tuple[Path, BatchRun]:
    folder, run = load_run(run_ref, root)
    if not run.file_only:
        refresh(folder, run, client_for)
    return folder, run


def _store_lines(text: str, job: BatchJob, cache: Any) -> None:
    """Write each successful output line's reply into the cache under its request's key."""
    if cache is None:
        raise InputError("批处理的结果要存入回复缓存，但 .speechwriter/cache.sqlite 无法写入")
    for raw in text.splitlines():
        if not raw.strip():
            continue
        try:
            line = json.loads(raw)
        except json.JSONDecodeError:
            continue
        cid = line.get("custom_id")
        if cid not in job.requests or cid in job.collected:
            continue
        response = line.get("response") or {}
        body = response.get("body") or {}
        if line.get("error") or response.get("status_code") != 200 or not body.get("choices"):
            error = line.get("error") or body.get("error") or {}
            job.failed[cid] = redact(str(error.get("message") or f"状态码 {response.get('status_code')}"))[:200]
            continue
        choice = body["choices"][0]
        usage = body.get("usage") or {}
        text_, echoed = scrub(str((choice.get("message") or {}).get("content") or ""))  # replies enter scrubbed
        completion = Completion(text=text_, secret_echoed=echoed, finish_reason=choice.get("finish_reason") or "stop",
                                model=body.get("model"), usage={"prompt_tokens": int(usage.get("prompt_tokens", 0)),
                                                                "completion_tokens": int(usage.get("completion_tokens",
                                                                                                   0))})
        if not text_.strip():
            job.failed[cid] = "空回复"
            continue
        cache.put(job.requests[cid], completion)
        job.collected.append(cid)
        job.failed.pop(cid, None)


def collect_batch(run_ref: str | Path, root: Path, client_for: Callable[[dict], Any], *,
                  results_file: Path | None = None, repair_sync: bool | None = None,
                  live_engine_ok: bool = True) -> tuple[Path, BatchRun, SuiteResult | None, str]:
    """Download what finished, cache it, and take the next step. Returns (folder, run, result, what happened).

    The result is set when the suite is complete (results.json and report.html are written then).
    """
    from ..workspace import Workspace

    folder, run = load_run(run_ref, root)
    ws = Workspace(root)
    if results_file is not None:
        text = read_text(results_file, what="批处理结果文件", max_bytes=1024 * 1024 * 1024)
        with ws.reply_cache() as cache:
            for job in run.jobs:
                if job.status == "file-only":
                    _store_lines(text, job, cache)
                    job.status = "completed" if len(job.collected) == len(job.requests) else job.status
        save_run(folder, run)
    elif not run.file_only:
        refresh(folder, run, client_for)
        with ws.reply_cache() as cache:
            for job in run.jobs:
                if job.status not in ("completed", "expired", "cancelled", "failed"):
                    continue
                client = client_for(job.endpoint)
                for file_id in (job.output_file_id, job.error_file_id):
                    if file_id and len(job.collected) + len(job.failed) < len(job.requests):
                        _store_lines(client.files.content(file_id).text, job, cache)
                save_run(folder, run)
    waiting = [j for j in run.jobs if j.status not in TERMINAL and not (j.status == "file-only" and j.collected)]
    if waiting:
        return folder, run, None, "waiting"
    suite = load_suite(Path(run.suite_path))
    variants = [Variant(**v) for v in run.variants]
    opts = RunOptions(concurrency=run.concurrency, repeat=run.repeat, case_filter=run.case_filter, use_cache=True,
                      _workspace=ws)
    sync = run.repair_sync if repair_sync is None else repair_sync
    plan, _ = plan_batch(suite, variants, opts)
    if plan.count and not sync:
        round_no = run.rounds + 1
        write_jobs(folder, run, plan, round_no)
        if run.file_only:
            for job in run.jobs:
                if job.round == round_no:
                    job.status = "file-only"
            save_run(folder, run)
            return folder, run, None, f"round{round_no}"
        save_run(folder, run)
        upload_jobs(folder, run, client_for)
        return folder, run, None, f"round{round_no}"
    if plan.count and sync and not live_engine_ok:
        raise SpeechwriterError("仍有请求需要实时调用，但当前不允许实时调用")
    result = run_suite(suite, variants, opts)  # everything from the cache (and live calls with --repair-sync)
    write_results(result, root, folder=folder)
    run.done = True
    save_run(folder, run)
    return folder, run, result, "done"


def describe_counts(run: BatchRun) -> dict[str, int]:
    """Requests by state over all jobs (for the progress display)."""
    out = {"total": 0, "collected": 0, "failed": 0, "waiting": 0}
    for job in run.jobs:
        out["total"] += len(job.requests)
        out["collected"] += len(job.collected)
        out["failed"] += len(job.failed)
        if job.status not in TERMINAL:
            out["waiting"] += len(job.requests) - len(job.collected)
    return out


def endpoint_clients(ws: Any) -> Callable[[dict[str, Any]], Any]:
    """Clients for the endpoints named in batch jobs, from the workspace's profiles (keys never stored)."""
    def client_for(endpoint: dict[str, Any]) -> Any:
        profile = endpoint.get("profile")
        engine = ws.engine("openai", profile=profile if profile and profile != "default" else None,
                           model=endpoint.get("model"), base_url=endpoint.get("base_url"))
        return engine.client

    return client_for
