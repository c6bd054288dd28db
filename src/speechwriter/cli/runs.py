"""``speechwriter runs …``: the run records under ``.speechwriter/runs/``."""

from __future__ import annotations

from typing import Annotated

import typer

from .app import command, console, is_terminal, print_json, subgroup, workspace

runs_app = subgroup("runs", "运行记录：列出、查看。")

JsonOpt = Annotated[bool, typer.Option("--json", help="以 JSON 输出")]
COLUMNS = ("运行 id", "时间", "类型", "文种", "引擎", "状态", "调用", "tokens", "费用")


def run_row(run: dict) -> list[str]:
    """One run as the cells of ``runs list``."""
    usage = run.get("usage") or {}
    engine = run.get("engine") or {}
    cost = run.get("cost")
    return [run.get("run_id", "?"), run.get("created_at", ""), {"refine": "修改", "extract": "抽取"}.get(run.get("kind") or "", "起草"),
            run.get("genre", "") or "", f"{engine.get('name')}/{engine.get('model')}",
            run.get("status", "") or "", str(usage.get("calls", "—")),
            str(usage.get("prompt_tokens", 0) + usage.get("completion_tokens", 0)),
            f"{cost:.4f}" if isinstance(cost, (int, float)) else "—"]


@command(runs_app, "list")
def runs_list(as_json: JsonOpt = False) -> None:
    """列出本目录 .speechwriter/runs 下的运行记录（输出到管道时为制表符分隔的纯文本行）。

    \b
    示例：speechwriter runs list
    示例：speechwriter runs list | grep 起草 | cut -f1
    """
    from rich.table import Table

    runs = workspace().runs()
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
