"""``speechwriter runs …``: the run records under ``.speechwriter/runs/``."""

from __future__ import annotations

from typing import Annotated

import typer

from .app import command, console, is_terminal, print_json, subgroup, workspace

runs_app = subgroup("runs", "运行记录：列出、查看、清理。")

JsonOpt = Annotated[bool, typer.Option("--json", help="以 JSON 输出")]
COLUMNS = ("运行 id", "时间", "类型", "文种", "引擎", "状态", "调用", "tokens", "费用")


def run_row(run: dict) -> list[str]:
    """One run as the cells of ``runs list``."""
    def mapping(key: str) -> dict:
        value = run.get(key)
        return value if isinstance(value, dict) else {}  # a damaged record shows blanks, not a traceback

    def count(value: object) -> int:
        return value if isinstance(value, int) else 0

    usage, engine, cost = mapping("usage"), mapping("engine"), run.get("cost")
    kind = run.get("kind") if isinstance(run.get("kind"), str) else ""
    return [str(run.get("run_id", "?")), str(run.get("created_at", "")),
            {"refine": "修改", "extract": "抽取"}.get(kind or "", "起草"),
            str(run.get("genre", "") or ""), f"{engine.get('name')}/{engine.get('model')}",
            str(run.get("status", "") or ""), str(usage.get("calls", "—")),
            str(count(usage.get("prompt_tokens")) + count(usage.get("completion_tokens"))),
            f"{cost:.4f}" if isinstance(cost, (int, float)) else "—"]


def matches(run: dict, query: str) -> bool:
    """Whether ``query`` occurs (case-insensitively) in a run's id, facts path, genre, engine, model, status or kind."""
    engine = run.get("engine") or {}
    hay = " ".join(str(v) for v in (run.get("run_id"), run.get("facts_path"), run.get("genre"), run.get("status"),
                                    run.get("kind") or "draft", engine.get("name"), engine.get("model"),
                                    engine.get("profile"), run.get("output")) if v)
    return query.casefold() in hay.casefold()


@command(runs_app, "list")
def runs_list(
    as_json: JsonOpt = False,
    limit: Annotated[int | None, typer.Option("-n", "--limit", min=1, help="只列出最新的 N 条")] = None,
    search: Annotated[str | None, typer.Option("--search", "-s", metavar="TEXT",
                                               help="只列出运行 id、事实文件、文种、引擎、模型或状态中含 TEXT 的")] = None,
) -> None:
    """列出本目录 .speechwriter/runs 下的运行记录，新的在前（输出到管道时为制表符分隔的纯文本行）。

    \b
    示例：speechwriter runs list -n 5
    示例：speechwriter runs list --search deepseek
    示例：speechwriter runs list | grep 起草 | cut -f1
    """
    from rich.table import Table

    runs = [r for r in workspace().runs() if search is None or matches(r, search)][:limit]
    if as_json:
        print_json(runs)
        return
    if not is_terminal():  # piped: whole rows, one per line, no table cut to 80 columns
        import sys

        sys.stdout.write("\t".join(COLUMNS) + "\n")
        for run in runs:
            sys.stdout.write("\t".join(cell.replace("\t", " ") for cell in run_row(run)) + "\n")
        return
    table = Table(show_edge=False)
    for col in COLUMNS:
        table.add_column(col, no_wrap=True)
    for run in runs:
        table.add_row(*run_row(run))
    console().print(table)


@command(runs_app, "show")
def runs_show(run_id: Annotated[str, typer.Argument(metavar="RUN_ID", help="运行 id（唯一前缀即可）")],
              as_json: JsonOpt = False) -> None:
    """显示一次运行的记录：配置、各章节、每次调用和最后的校验结果。

    \b
    示例：speechwriter runs show 20261128-101500
    """
    from rich.table import Table

    rec = workspace().run(run_id)
    if as_json:
        print_json({"id": rec.id, "meta": rec.meta, "sections": rec.sections(), "calls": rec.calls(),
                    "report": rec.report()})
        return
    out = console()
    meta = dict(rec.meta)
    out.print(f"[bold]{rec.id}[/bold] · 状态 {meta.get('status')} · 文种 {meta.get('genre')} · "
              f"事实 {meta.get('facts_path')}")
    table = Table(show_edge=False)
    for col in ("#", "章节", "类型", "状态", "尝试", "用时", "输入", "输出", "缓存"):
        table.add_column(col)
    for n, call in enumerate(rec.calls(), 1):
        usage = call.get("usage") or {}
        table.add_row(f"{n:04d}", call["section"], call["kind"], call["status"], str(len(call.get("attempts") or [])),
                      f"{call['latency_ms']}ms", str(usage.get("prompt_tokens", "")),
                      str(usage.get("completion_tokens", "")), "是" if call.get("cached") else "")
    out.print(table)
    out.print(f"已完成章节：{'、'.join(rec.sections()) or '（无）'}")
    report = rec.report()
    if report is not None:
        errors = [f for f in report["findings"] if f["severity"] == "error"]
        out.print(f"最终校验：{len(errors)} 个错误")
    if isinstance(meta.get("cost"), (int, float)):
        out.print(f"估算费用：{meta['cost']:.4f}（按配置单价）")


@command(runs_app, "prune")
def runs_prune(
    keep: Annotated[int, typer.Option("--keep", min=0, help="保留最新的 N 条")] = 20,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="只列出将删除的记录，不删除")] = False,
    as_json: JsonOpt = False,
) -> None:
    """删除较旧的运行记录，只保留最新的 N 条（默认 20）；正在运行的记录不删。

    \b
    示例：speechwriter runs prune --keep 5 --dry-run
    """
    import shutil

    from ..errors import WriteError
    from ..files import write_problem

    ws = workspace()
    runs = ws.runs()
    old = [r for r in runs[keep:] if r.get("status") != "running" and r.get("run_id")]
    removed = []
    for run in old:
        folder = ws.runs_dir / str(run["run_id"])
        if folder.parent != ws.runs_dir or not (folder / "run.json").is_file():
            continue  # only folders that are run records, directly under runs/
        if not dry_run:
            try:
                shutil.rmtree(folder)
            except OSError as exc:
                raise WriteError(f"无法删除运行记录：{write_problem(exc)}", path=str(folder)) from None
        removed.append(str(run["run_id"]))
    if as_json:
        print_json({"removed": removed, "dry_run": dry_run, "kept": len(runs) - len(removed)})
        return
    verb = "将删除" if dry_run else "已删除"
    console().print(f"{verb} {len(removed)} 条运行记录，保留 {len(runs) - len(removed)} 条")
    for run_id in removed:
        console().print(f"  {run_id}")
