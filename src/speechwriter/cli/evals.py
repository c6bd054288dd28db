"""``speechwriter eval``: run suites, compare runs, list runs."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from ..errors import InputError
from .app import app, command, console, workspace


@command(app, "eval")
def eval_cmd(
    args: Annotated[list[str], typer.Argument(metavar="SUITE... | compare RUN_A RUN_B | list",
                                              help="评测套件文件；或 compare 两次运行；或 list")],
    engine: Annotated[str | None, typer.Option("--engine", "-e", help="引擎，逗号分隔可对比：offline,openai")] = None,
    profile: Annotated[str | None, typer.Option("--profile", "-p", help="profile，逗号分隔可对比：a,b")] = None,
    prompts: Annotated[str | None, typer.Option("--prompts", help="提示词目录，逗号分隔可对比：dirA,dirB")] = None,
    repeat: Annotated[int, typer.Option("--repeat", "-r", min=1, max=50, help="每个用例重复次数")] = 1,
    case_filter: Annotated[list[str] | None, typer.Option("--filter", help="按用例 id 或标签筛选（可多次）")] = None,
    concurrency: Annotated[int, typer.Option("--concurrency", "-j", min=1, max=64, help="同时运行的用例数")] = 4,
    no_cache: Annotated[bool, typer.Option("--no-cache", help="不使用回复缓存")] = False,
    tolerance: Annotated[float, typer.Option("--tolerance", help="compare：容许的退步幅度")] = 0.0,
) -> None:
    """运行评测套件并打分；对比两次运行；列出历史运行。任一阈值未达标（或有退步）时退出码为 1。

    \b
    示例：speechwriter eval evals/suites/core.yaml
    示例：speechwriter eval evals/suites/core.yaml --profile deepseek,qwen --repeat 3
    示例：speechwriter eval compare 20261128-101500-core 20261129-090000-core
    示例：speechwriter eval list
    """
    from .. import evals

    out = console()
    if args[0] == "list":
        _print_runs(out, evals.list_eval_runs(workspace().root))
        return
    if args[0] == "compare":
        if len(args) != 3:
            raise InputError("用法：speechwriter eval compare RUN_A RUN_B")
        root = workspace().root
        better, worse = evals.compare_runs(evals.load_results(args[1], root), evals.load_results(args[2], root),
                                           tolerance)
        _print_changes(out, better, worse)
        if worse:
            raise typer.Exit(1)
        return
    failed = False
    ws = workspace()
    for suite in [evals.load_suite(Path(a)) for a in args]:
        variants = evals.variant_matrix(suite, engine, profile, prompts)
        opts = evals.RunOptions(concurrency=concurrency, repeat=repeat, case_filter=case_filter or [],
                                use_cache=not no_cache, _workspace=ws)
        evals.prepare_results_root(ws.root)  # an unwritable folder fails now, not after every case ran
        total = len(evals.select_cases(suite, opts.case_filter)) * len(variants) * repeat
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        with Progress(TextColumn(f"{suite.name}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                      console=console(stderr=True), transient=True) as bar:
            task = bar.add_task("eval", total=total)
            result = evals.run_suite(suite, variants, opts, on_result=lambda _r, t=task: bar.advance(t))
        folder = evals.write_results(result, opts.workspace().root)
        out.print(result)
        for r in result.results:
            if r.status != "passed":
                out.print(f"[red]✘ {r.case}[/red]（{r.variant}）：{r.error or '；'.join(r.failures)}")
        out.print(f"结果：{folder}/report.html · {result.seconds:.1f} 秒")
        failed = failed or result.failed
    if failed:
        raise typer.Exit(1)


def _print_runs(out: Any, runs: list[dict[str, Any]]) -> None:
    from rich.table import Table

    table = Table(show_edge=False)
    table.add_column("运行", no_wrap=True, min_width=max((len(r["run"]) for r in runs), default=4))
    for col in ("套件", "时间", "变体", "通过", "用时"):
        table.add_column(col)
    for run in runs:
        table.add_row(run["run"], run["suite"] or "", run["started_at"] or "", "、".join(run["variants"] or []),
                      f"{run['passed']}/{run['total']}", f"{run['seconds'] or 0:.1f}s")
    out.print(table)


def _print_changes(out: Any, better: list[Any], worse: list[Any]) -> None:
    from rich.table import Table

    if not better and not worse:
        out.print("两次运行的指标没有变化。")
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
