"""``speechwriter eval``: run suites, compare runs, list runs."""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Annotated, Any

import typer

from ..errors import InputError
from .app import QuietOpt, VerboseOpt, app, command, console, is_terminal, print_json, workspace


@command(app, "eval")
def eval_cmd(
    args: Annotated[list[str] | None, typer.Argument(
        metavar="SUITE... | compare RUN_A RUN_B | list | view | rescore RUN | review RUN CASE | status RUN | collect RUN",
        help="评测套件文件（或随包套件名 core）；或 compare 两次运行；或 list；或 rescore 用今天的检查重新打分；"
             "或 review 记录人工评审；或批处理运行的 status / collect")] = None,
    engine: Annotated[str | None, typer.Option("--engine", "-e", help="引擎，逗号分隔可对比：offline,openai")] = None,
    profile: Annotated[str | None, typer.Option("--profile", "-p", help="profile，逗号分隔可对比：a,b")] = None,
    prompts: Annotated[str | None, typer.Option("--prompts", help="提示词目录，逗号分隔可对比：dirA,dirB")] = None,
    repeat: Annotated[int, typer.Option("--repeat", "-r", min=1, max=50, help="每个用例重复次数")] = 1,
    mask: Annotated[list[str] | None, typer.Option(
        "--mask", metavar="KINDS", help="脱敏变体（可多次，并排对比）：none、all 或 figures,people…；"
                                        "如 --mask none --mask all")] = None,
    case_filter: Annotated[list[str] | None, typer.Option("--filter", help="按用例 id 或标签筛选（可多次）")] = None,
    concurrency: Annotated[int, typer.Option("--concurrency", "-j", min=1, max=64, help="同时运行的用例数")] = 4,
    no_cache: Annotated[bool, typer.Option("--no-cache", help="不使用回复缓存")] = False,
    tolerance: Annotated[float, typer.Option("--tolerance", help="compare：容许的退步幅度")] = 0.0,
    batch: Annotated[bool, typer.Option("--batch", help="用服务商的 Batch API 提交（约半价，结果在时间窗口内返回）")] = False,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="--batch：只估算请求数、tokens 和费用，不上传")] = False,
    batch_file_only: Annotated[bool, typer.Option("--batch-file-only",
                                                  help="--batch：只写出 JSONL 请求文件，不上传（交给 vLLM 等离线运行）")] = False,
    repair_sync: Annotated[bool, typer.Option("--repair-sync", help="--batch：修复轮实时调用，不再另起批处理")] = False,
    results: Annotated[Path | None, typer.Option("--results", help="collect：读取别处运行得到的批处理输出 JSONL")] = None,
    allow_custom_checks: Annotated[bool, typer.Option(
        "--allow-custom-checks", help="允许运行项目目录之外的自定义检查（套件文件会执行 Python 代码，只对可信套件使用）")] = False,
    allow_missing: Annotated[bool, typer.Option("--allow-missing",
                                                help="compare：变体或用例只在一次运行中出现时也不算失败")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="以 JSON 输出（运行结果、compare、list、--dry-run、status）")] = False,
    rerun_failed: Annotated[str | None, typer.Option("--rerun-failed", metavar="RUN",
                                                     help="只重跑 RUN 中未通过或出错的用例，结果与 RUN 其余用例合成一次完整运行")] = None,
    rerun_errors: Annotated[str | None, typer.Option("--rerun-errors", metavar="RUN",
                                                     help="只重跑 RUN 中出错（如连接失败）的用例")] = None,
    fail_on_regression: Annotated[list[str] | None, typer.Option(
        "--fail-on-regression", metavar="METRIC",
        help="compare：只在这些指标退步时失败（退出码 4；可多次，* 为任意指标）")] = None,
    resume: Annotated[str | None, typer.Option("--resume", metavar="RUN",
                                               help="续跑被中断（Ctrl-C 或被杀）的运行 RUN：只跑还没有结果的用例，套件和选项沿用 RUN 的")] = None,
    suite_file: Annotated[Path | None, typer.Option("--suite", help="rescore：用这个套件文件（默认为运行时的套件）")] = None,
    import_file: Annotated[Path | None, typer.Option("--import", metavar="FILE",
                                                     help="review：导入在 report.html 中评审后下载的 reviews.json")] = None,
    port: Annotated[int, typer.Option("--port", min=0, max=65535, help="view：本机端口（默认 8765）")] = 8765,
    verdict: Annotated[str | None, typer.Option("--verdict", help="review：通过 或 不通过")] = None,
    note: Annotated[str, typer.Option("--note", help="review：评审意见")] = "",
    reviewer: Annotated[str | None, typer.Option("--by", help="review：评审人（默认为当前用户名）")] = None,
    variant_label: Annotated[str | None, typer.Option("--variant", help="review：变体（默认为该用例的第一个变体）")] = None,
    verbose: VerboseOpt = False,
    quiet: QuietOpt = False,
) -> None:
    """运行评测套件并打分；对比两次运行；列出历史运行。任一阈值未达标（或有退步）时退出码为 1。

    \b
    示例：speechwriter eval core（随包提供的核心套件，任何目录下都可运行）
    示例：speechwriter eval evals/suites/core.yaml
    示例：speechwriter eval evals/suites/core.yaml --profile deepseek,qwen --repeat 3
    示例：speechwriter eval core --profile cloud --mask none --mask all（脱敏的代价）
    示例：speechwriter eval compare 20261128-101500-core 20261129-090000-core
    示例：speechwriter eval compare BASE NEW --fail-on-regression figure_recall --fail-on-regression ungrounded_per_1k
    示例：speechwriter eval core --rerun-failed 20261129-090000-core
    示例：speechwriter eval --resume 20261129-090000-core（续跑被 Ctrl-C 或 kill 中断的运行）
    示例：speechwriter eval rescore 20261129-090000-core
    示例：speechwriter eval view（在 http://127.0.0.1:8765/ 浏览历次运行、并排对比两次）
    示例：speechwriter eval review 20261129-090000-core work_report_gongqingfu --verdict 不通过 --note "开场太长"
    示例：speechwriter eval review 20261129-090000-core --import reviews.json（在 report.html 中评审后下载的文件）
    示例：speechwriter eval list
    示例：speechwriter eval evals/suites/core.yaml --profile deepseek --batch
    示例：speechwriter eval collect 20261129-090000-core-batch
    """
    from .. import evals

    out = console()
    args = list(args or [])
    if resume:
        if len(args) > 1:
            raise InputError("用法：speechwriter eval [SUITE] --resume RUN")
        _resume(resume, Path(_suite_path(args[0])) if args else None, as_json=as_json, quiet=quiet, verbose=verbose)
        return
    if not args:
        raise InputError("用法：speechwriter eval SUITE…（或 compare、list、view、rescore、review；续跑用 --resume RUN）")
    if args[0] in ("status", "collect"):
        if len(args) != 2:
            raise InputError(f"用法：speechwriter eval {args[0]} RUN")
        batch_step(args[0], args[1], results=results, repair_sync=repair_sync or None, as_json=as_json)
        return
    if args[0] == "list":
        runs = evals.list_eval_runs(workspace().root)
        for word in case_filter or []:  # --filter on list: a part of the run's name or its suite
            runs = [r for r in runs if word in r["run"] or word == (r["suite"] or "")]
        if as_json:
            print_json(runs)
            return
        _print_runs(out, runs)
        return
    if args[0] == "view":
        from ..evals.view import RunsServer

        server = RunsServer(workspace().root, port=port)
        out.print(f"评测运行浏览：http://127.0.0.1:{port or '（自动分配的端口）'}/ · Ctrl-C 结束")
        with contextlib.suppress(KeyboardInterrupt):
            server.serve_forever()
        return
    if args[0] == "rescore":
        if len(args) != 2:
            raise InputError("用法：speechwriter eval rescore RUN [--suite SUITE]")
        _rescore(args[1], suite_file, as_json=as_json, quiet=quiet)
        return
    if args[0] == "review" and import_file is not None:
        if len(args) != 2:
            raise InputError("用法：speechwriter eval review RUN --import reviews.json")
        _import_reviews(args[1], import_file, as_json=as_json)
        return
    if args[0] == "review":
        if len(args) != 3 or verdict is None:
            raise InputError("用法：speechwriter eval review RUN CASE --verdict 通过|不通过 [--note 意见] [--by 评审人]")
        _review(args[1], args[2], verdict, note, reviewer, variant_label, as_json=as_json)
        return
    if args[0] == "compare":
        if len(args) != 3:
            raise InputError("用法：speechwriter eval compare RUN_A RUN_B")
        root = workspace().root
        run_a, run_b = evals.load_results(args[1], root), evals.load_results(args[2], root)
        better, worse = evals.compare_runs(run_a, run_b, tolerance)
        coverage = evals.compare_coverage(run_a, run_b)
        if fail_on_regression:
            from ..evals.history import regressions

            gated = regressions(worse, fail_on_regression)
            if not as_json:
                _print_changes(out, better, worse, None if coverage.complete else coverage.compared)
                _print_reviews(out, run_a, run_b)
                out.print(f"[red]✘ 门禁指标退步 {len(gated)} 项[/red]" if gated else "[green]✔ 门禁指标没有退步[/green]")
            else:
                import dataclasses

                print_json({"gated_regressions": [dataclasses.asdict(c) for c in gated],
                            "regressed": [dataclasses.asdict(c) for c in worse]})
            if gated:
                raise typer.Exit(4)
            return
        if as_json:
            import dataclasses

            print_json({"improved": [dataclasses.asdict(c) for c in better],
                        "regressed": [dataclasses.asdict(c) for c in worse],
                        "coverage": dataclasses.asdict(coverage)})
        else:
            _print_coverage(out, coverage, args[1], args[2])
            if coverage.compared:
                _print_changes(out, better, worse, None if coverage.complete else coverage.compared)
            _print_reviews(out, run_a, run_b)
        if worse or (not coverage.complete and not allow_missing) or not coverage.compared:
            raise typer.Exit(1)
        return
    failed = False
    ws = workspace()
    previous = None
    if rerun_failed or rerun_errors:
        from ..evals.history import rerun_selection

        previous = evals.load_results(rerun_failed or rerun_errors, ws.root)
        only = rerun_selection(previous, errors_only=rerun_errors is not None and rerun_failed is None)
        if not only:
            out.print(f"[green]✔[/green] {rerun_failed or rerun_errors} 中没有需要重跑的用例")
            return
    from .draft import parse_mask

    masks = [parse_mask(m) for m in mask] if mask else None
    for suite in [evals.load_suite(_suite_path(a)) for a in args]:
        variants = evals.variant_matrix(suite, engine, profile, prompts, masks=masks)
        opts = evals.RunOptions(concurrency=concurrency, repeat=repeat, case_filter=case_filter or [],
                                use_cache=not no_cache, allow_custom_checks=allow_custom_checks,
                                _workspace=ws)
        if previous is not None:
            opts.only, opts.repeat = only, previous.repeat
            variants = _previous_variants(suite, previous, variants)
        if batch or dry_run or batch_file_only or _profiles_ask_for_batch(opts, variants):
            batch_submit(suite, variants, opts, dry_run=dry_run, file_only=batch_file_only,
                         repair_sync=repair_sync, as_json=as_json)
            continue
        evals.prepare_results_root(ws.root)  # an unwritable folder fails now, not after every case ran
        from ..evals.resume import run_recorded

        total = len(evals.planned_jobs(suite, variants, opts))
        started: list[Path] = []
        rerun_of = str(previous.folder) if previous is not None and previous.folder else None
        with _progress(suite.name, total, quiet=quiet or as_json, verbose=verbose) as done, \
                _interrupted(started, no_cache):
            result, folder = run_recorded(suite, variants, opts, on_result=done, on_start=started.append,
                                          rerun_of=rerun_of)
        failed = _print_run(out, result, folder, as_json=as_json, quiet=quiet) or failed
    if failed:
        raise typer.Exit(1)


@contextlib.contextmanager
def _progress(name: str, total: int, *, quiet: bool, verbose: bool, already: int = 0) -> Any:
    """A progress bar on stderr; yields the per-result callback."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    err = console(stderr=True)
    with Progress(TextColumn(name), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=err, transient=True, disable=quiet) as bar:
        task = bar.add_task("eval", total=total, completed=already)

        def done(r: Any) -> None:
            bar.advance(task)
            if verbose:
                mark = "[green]✔[/green]" if r.status == "passed" else "[red]✘[/red]"
                err.print(f"{mark} {r.case}（{r.variant}，第 {r.repeat + 1} 次，{r.seconds:.1f} 秒）")

        yield done


@contextlib.contextmanager
def _interrupted(started: list[Path], no_cache: bool) -> Any:
    """Ctrl-C: the finished cases are on disk; say so, with the exact command that finishes the run."""
    from ..evals.resume import load_partial, resume_command

    try:
        yield
    except KeyboardInterrupt:
        err = console(stderr=True)
        if not started:
            err.print("[yellow]已中断，尚未开始运行用例。[/yellow]")
            raise typer.Exit(130) from None
        folder = started[-1]
        _, done = load_partial(folder)
        err.print(f"[yellow]已中断。[/yellow]已完成的 {len(done)} 个用例结果已保存在 {folder}"
                  + ("" if no_cache else "，模型回复也在回复缓存中") + "。继续运行：", soft_wrap=True)
        err.print(resume_command(folder), markup=False, soft_wrap=True, highlight=False)
        raise typer.Exit(130) from None


def _print_run(out: Any, result: Any, folder: Path, *, as_json: bool, quiet: bool) -> bool:
    """A finished run's summary (or JSON); whether it failed."""
    if as_json:
        print_json({**result.model_dump(mode="json", exclude={"results"}),
                    "report": str(folder / "report.html"), "passed": not result.failed,
                    "results": [r.model_dump(mode="json", exclude={"draft"}) for r in result.results]})
        return bool(result.failed)
    if not quiet:
        out.print(result)
    for r in result.results:
        if r.status != "passed":
            out.print(f"[red]✘ {r.case}[/red]（{r.variant}）：{r.error or '；'.join(r.failures)}")
    out.print(f"结果：{folder}/report.html · {result.seconds:.1f} 秒")
    return bool(result.failed)


def _resume(run: str, suite_file: Path | None, *, as_json: bool, quiet: bool, verbose: bool) -> None:
    """``eval --resume RUN``: finish a stopped run with its own suite and options."""
    from ..evals.resume import find_unfinished, resume_run

    ws = workspace()
    out = console()
    folder = find_unfinished(run, ws.root)
    err = console(stderr=True)

    def planned(finished: int, total: int) -> None:
        if not (quiet or as_json):
            err.print(f"续跑 {folder.name}：此前已完成 {finished}/{total} 个，本次运行 {total - finished} 个")

    with _progress(folder.name, 0, quiet=True, verbose=verbose) as done, _interrupted([folder], False):
        result, folder = resume_run(run, ws, suite_file=suite_file, on_result=done, on_plan=planned)
    if _print_run(out, result, folder, as_json=as_json, quiet=quiet):
        raise typer.Exit(1)


def _print_runs(out: Any, runs: list[dict[str, Any]]) -> None:
    from rich.table import Table

    if not is_terminal():  # piped: whole rows, tab-separated
        import sys

        sys.stdout.write("运行\t套件\t时间\t变体\t通过\t用时\n")
        for run in runs:
            sys.stdout.write("\t".join([run["run"], run["suite"] or "", run["started_at"] or "",
                                        "、".join(run["variants"] or []), _passed_cell(run),
                                        f"{run['seconds'] or 0:.1f}s"]) + "\n")
        return

    table = Table(show_edge=False)
    table.add_column("运行", no_wrap=True, min_width=max((len(r["run"]) for r in runs), default=4))
    for col in ("套件", "时间", "变体", "通过", "用时"):
        table.add_column(col)
    for run in runs:
        table.add_row(run["run"], run["suite"] or "", run["started_at"] or "", "、".join(run["variants"] or []),
                      _passed_cell(run), f"{run['seconds'] or 0:.1f}s")
    out.print(table)


def _passed_cell(run: dict[str, Any]) -> str:
    if run.get("unfinished"):
        return f"未完成（已完成 {run['total']} 个，可用 --resume 续跑）"
    return f"{run['passed']}/{run['total']}"


def _print_coverage(out: Any, coverage: Any, name_a: str, name_b: str) -> None:
    for label_a, label_b in coverage.matched.items():
        out.print(f"{name_a} 的「{label_a}」与 {name_b} 的「{label_b}」是同一变体（引擎、profile、提示词目录相同），"
                  "按同一变体对比。", soft_wrap=True, markup=False)
    for what, only, name in (("变体", coverage.variants_only_a, name_a), ("变体", coverage.variants_only_b, name_b),
                             ("用例", coverage.cases_only_a, name_a), ("用例", coverage.cases_only_b, name_b)):
        if only:
            out.print(f"[yellow]只在 {name} 中的{what}：[/yellow]{'、'.join(only)}")
    if not coverage.compared:
        out.print("[red]两次运行没有共同的用例和变体，无法对比。[/red]")
    elif not coverage.complete:
        out.print("[yellow]以上部分未参与对比（--allow-missing 可不视为失败）。[/yellow]")


def _print_changes(out: Any, better: list[Any], worse: list[Any], partial: int | None = None) -> None:
    from rich.table import Table

    if not better and not worse:
        out.print("两次运行的指标没有变化。" if partial is None else f"两次运行共有的 {partial} 组用例×变体，指标没有变化。")
        return
    table = Table(show_edge=False)
    for col in ("", "用例", "变体", "指标", "之前", "之后"):
        table.add_column(col)
    for c in worse:
        table.add_row("[red]退步[/red]", c.case, c.variant, c.metric, f"{c.before:.3g}", f"{c.after:.3g}")
    for c in better:
        table.add_row("[green]改进[/green]", c.case, c.variant, c.metric, f"{c.before:.3g}", f"{c.after:.3g}")
    out.print(table)
    out.print(f"改进 {len(better)} 项，退步 {len(worse)} 项")


def _profiles_ask_for_batch(opts: Any, variants: list[Any]) -> bool:
    """``batch = true`` on a variant's profile makes ``eval`` go through the Batch API."""
    profiles = opts.workspace().settings.profiles
    return any(v.profile in profiles and profiles[v.profile].batch for v in variants)


def batch_submit(suite: Any, variants: list[Any], opts: Any, *, dry_run: bool, file_only: bool, repair_sync: bool,
                 as_json: bool) -> None:
    """Plan (and unless --dry-run, write and upload) the first round of a batch evaluation."""
    import json

    from ..evals import batch

    if not opts.use_cache:
        raise InputError("批处理依赖回复缓存，不能与 --no-cache 同用")
    if all(v.engine == "offline" for v in variants):
        raise InputError("离线撰稿器不调用大模型，无需批处理：请用 --engine openai 或 --profile 指定大模型，"
                         "或去掉 --batch 直接运行")
    ws = opts.workspace()
    out = console()
    if dry_run:
        with console(stderr=True).status("正在生成请求…"):
            plan, _ = batch.plan_batch(suite, variants, opts, keyless=True)  # nothing is sent: no key needed
        estimate = {**plan.estimate(batch.price_table(ws)), "key_missing": batch.missing_keys(plan, ws)}
        if as_json:
            out.print_json(json.dumps(estimate, ensure_ascii=False))
            return
        _print_estimate(out, suite.name, estimate)
        return
    with console(stderr=True).status("正在生成请求并上传…"):
        folder, run, plan = batch.submit_batch(suite, variants, opts, client_for=batch.endpoint_clients(ws),
                                               file_only=file_only, repair_sync=repair_sync)
    if file_only:
        files = "、".join(str(folder / j.input_file) for j in run.jobs)
        out.print(f"已写出 {plan.count} 个请求：{files}；在别处运行后用 "
                  f"speechwriter eval collect {folder.name} --results 输出.jsonl 取回")
        return
    out.print(f"已提交 {plan.count} 个请求（{len(run.jobs)} 个批处理）：运行 {folder.name}；用 "
              f"speechwriter eval status {folder.name} 查看，speechwriter eval collect {folder.name} 取回")


def _print_estimate(out: Any, suite_name: str, estimate: dict[str, Any]) -> None:
    out.print(f"{suite_name}：{estimate['requests']} 个请求，约 {estimate['prompt_tokens']} 输入 tokens、"
              f"{estimate['completion_tokens']} 输出 tokens（估算，按 1.5 字/token）", soft_wrap=True)
    for row in estimate["models"]:
        name = row["model"] or "（未指定模型）"
        if row["price"] is None:
            out.print(f"  {name}：价格表中没有该模型的单价（在 speechwriter.toml 中写 [prices.\"{name}\"] 的 "
                      "input、output、batch 即可估算费用）", soft_wrap=True, markup=False)
            continue
        unit = f" {row['currency']}" if row["currency"] else ""
        batch_text = (f"批处理约 {row['batch_price']:.4f}{unit}" if row["batch_price"] is not None
                      else "该模型没有已知的批处理价格")
        out.print(f"  {name}：{row['requests']} 个请求，实时约 {row['price']:.4f}{unit}，{batch_text}",
                  soft_wrap=True, markup=False)
    if estimate["price"] is not None and len(estimate["models"]) > 1:
        unit = f" {estimate['currency']}" if estimate["currency"] else ""
        total = f"合计：实时约 {estimate['price']:.4f}{unit}"
        if estimate["batch_price"] is not None:
            total += f"，批处理约 {estimate['batch_price']:.4f}{unit}"
        out.print(total, soft_wrap=True, markup=False)
    if estimate["key_missing"]:
        out.print(f"[yellow]尚未设置 API 密钥（{'、'.join(estimate['key_missing'])}）：估算不需要密钥，"
                  "实际提交前请设置。[/yellow]", soft_wrap=True)


def batch_step(step: str, run_ref: str, *, results: Path | None, repair_sync: bool | None, as_json: bool) -> None:
    """``eval status RUN`` / ``eval collect RUN``: progress by state, then the results when complete."""
    import json

    from ..evals import batch

    ws = workspace()
    out = console()
    clients = batch.endpoint_clients(ws)
    if step == "status":
        folder, run = batch.batch_status(run_ref, ws.root, clients)
        counts = batch.describe_counts(run)
        if as_json:
            out.print_json(json.dumps({"run": folder.name, "done": run.done, **counts,
                                       "jobs": [j.model_dump(include={"round", "status", "batch_id", "counts"})
                                                for j in run.jobs]}, ensure_ascii=False))
            return
        _print_jobs(out, folder.name, run, counts)
        return
    with console(stderr=True).status("正在取回批处理结果…"):
        folder, run, result, what = batch.collect_batch(run_ref, ws.root, clients, results_file=results,
                                                        repair_sync=repair_sync)
    _print_jobs(out, folder.name, run, batch.describe_counts(run))
    if result is None:
        if what == "waiting":
            out.print("批处理尚未全部结束，稍后再运行 collect。")
        else:
            out.print(f"第一轮结果已取回；修复等后续请求已作为新的批处理提交（{what}），稍后再运行 collect。")
        raise typer.Exit(3)
    out.print(result)
    out.print(f"结果：{folder}/report.html")
    if result.failed:
        raise typer.Exit(1)


def _print_jobs(out: Any, name: str, run: Any, counts: dict[str, int]) -> None:
    from rich.table import Table

    notes = {"expired": "已过期（缺少的请求会重新提交）", "cancelled": "已取消（缺少的请求会重新提交）",
             "failed": "失败（缺少的请求会重新提交）"}
    table = Table(show_edge=False, title=f"{name} · 共 {counts['total']} 个请求：已取回 {counts['collected']}，"
                                         f"失败 {counts['failed']}，等待 {counts['waiting']}")
    for col in ("轮次", "批处理", "状态", "请求", "已取回", "失败", ""):
        table.add_column(col)
    for job in run.jobs:
        table.add_row(str(job.round), job.batch_id or job.input_file, job.status, str(len(job.requests)),
                      str(len(job.collected)), str(len(job.failed)), notes.get(job.status, ""))
    out.print(table)


def _suite_path(arg: str) -> Path:
    """A suite file, or the name of a shipped suite (``core``, ``validators``) when no such file exists."""
    from ..examples import shipped_suite

    path = Path(arg)
    if path.exists():
        return path
    return shipped_suite(arg) or path


def _previous_variants(suite: Any, previous: Any, variants: list[Any]) -> list[Any]:
    """The variants of the run being rerun, matched by label among this invocation's (or the suite's)."""
    by_label = {v.label: v for v in variants}
    missing = [label for label in previous.variants if label not in by_label]
    if missing:
        raise InputError(f"要重跑的运行用到的变体「{'、'.join(missing)}」不在本次的变体中：请用与那次相同的 "
                         f"--engine/--profile/--prompts", path=previous.folder or None)
    return [by_label[label] for label in previous.variants]


def _print_reviews(out: Any, *runs: Any) -> None:
    """Human verdicts recorded beside the runs, with who and when, next to the automatic status."""
    from pathlib import Path as _Path

    from ..evals.history import latest_reviews

    for run in runs:
        if not run.folder:
            continue
        reviews = latest_reviews(_Path(run.folder))
        if not reviews:
            continue
        status = run.case_status()
        out.print(f"[bold]人工评审（{_Path(run.folder).name}）[/bold]")
        auto = {"passed": "通过", "failed": "未通过", "error": "出错"}
        for (case, variant), r in reviews.items():
            out.print(f"  {case}（{variant}）：人工 {r.verdict}，自动 {auto.get(status.get((case, variant), ''), '—')}"
                      f" · {r.by} {r.at}{('：' + r.note) if r.note else ''}")


def _rescore(run: str, suite_file: Path | None, *, as_json: bool, quiet: bool) -> None:
    from .. import evals
    from ..evals.history import rescore

    ws = workspace()
    old = evals.load_results(run, ws.root)
    suite = evals.load_suite(suite_file or Path(old.suite_path))
    new = rescore(old, suite, ws)
    folder = evals.write_results(new, ws.root)
    better, worse = evals.compare_runs(old, new)
    if as_json:
        import dataclasses

        print_json({"run": str(folder), "passed": not new.failed,
                    "improved": [dataclasses.asdict(c) for c in better],
                    "regressed": [dataclasses.asdict(c) for c in worse]})
    else:
        out = console()
        if not quiet:
            out.print(new)
        _print_changes(out, better, worse, None)
        out.print(f"重新打分（未调用模型）：{folder}/report.html")
    if new.failed:
        raise typer.Exit(1)


def _review(run: str, case: str, verdict: str, note: str, by: str | None, variant: str | None, *,
            as_json: bool) -> None:
    from pathlib import Path as _Path

    from .. import evals
    from ..evals.history import add_review

    ws = workspace()
    result = evals.load_results(run, ws.root)
    folder = _Path(result.folder) if result.folder else None
    if folder is None:
        raise InputError(f"评测运行「{run}」没有记录结果目录")
    review = add_review(folder, result, case, verdict, note, by=by, variant=variant)
    evals.write_reports(result, folder)  # the report and its summary show the verdict too
    if as_json:
        print_json(review.to_dict())
    else:
        console().print(f"[green]✔[/green] 已记录：{review.case}（{review.variant}）{review.verdict} · {review.by} "
                        f"{review.at}（{folder / 'reviews.json'}）")


def _import_reviews(run: str, path: Path, *, as_json: bool) -> None:
    """``eval review RUN --import FILE``: merge the verdicts downloaded from report.html."""
    from .. import evals
    from ..evals.history import import_reviews

    ws = workspace()
    result = evals.load_results(run, ws.root)
    if not result.folder:
        raise InputError(f"评测运行「{run}」没有记录结果目录")
    folder = Path(result.folder)
    new = import_reviews(folder, result, path)
    evals.write_reports(result, folder)
    if as_json:
        print_json({"imported": [r.to_dict() for r in new], "reviews": str(folder / "reviews.json")})
        return
    out = console()
    for r in new:
        out.print(f"  {r.case}（{r.variant}）：{r.verdict} · {r.by} {r.at}{('：' + r.note) if r.note else ''}",
                  markup=False)
    out.print(f"[green]✔[/green] 已导入 {len(new)} 条新评审（{folder / 'reviews.json'}）")
