"""``speechwriter facts …``: check, schema, init."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from .app import ForceOpt, command, console, subgroup, workspace, write_new

facts_app = subgroup("facts", "事实文件：检查、模式、初始化。")


@command(facts_app, "check")
def facts_check(file: Annotated[Path, typer.Argument(help="事实文件（.yaml/.yml/.json/.toml）")]) -> None:
    """检查事实文件并显示摘要。

    \b
    示例：speechwriter facts check fixtures/facts/work_report_gongqingfu.yaml
    """
    from ..facts import check_facts

    facts = check_facts(file, workspace().library().genres())
    out = console()
    out.print(facts)
    out.print(f"[green]✔[/green] {file}：检查通过")


@command(facts_app, "schema")
def facts_schema(
    output: Annotated[Path | None, typer.Option("-o", "--output", help="写入文件而不是打印")] = None,
    force: ForceOpt = False,
) -> None:
    """输出事实文件的 JSON Schema，供编辑器自动补全。

    \b
    示例：speechwriter facts schema -o facts.schema.json
    """
    import json

    from ..facts import facts_json_schema

    text = json.dumps(facts_json_schema(), ensure_ascii=False, indent=2) + "\n"
    if output is None:
        sys.stdout.write(text)
        return
    write_new(output, text, force)
    console().print(f"[green]✔[/green] 已写入 {output}")


@command(facts_app, "init")
def facts_init(
    path: Annotated[Path, typer.Argument(help="要创建的事实文件（.yaml）")],
    genre: Annotated[str, typer.Option("--genre", "-g", help="文种：work_report、leader_speech、"
                                       "duty_report、annual_summary")] = "work_report",
    force: ForceOpt = False,
) -> None:
    """创建带注释的事实文件模板（可直接通过 facts check）。

    \b
    示例：speechwriter facts init --genre duty_report 我的述职.yaml
    """
    from ..facts.starters import starter_text

    write_new(path, starter_text(genre), force)
    console().print(f"[green]✔[/green] 已创建 {path}（文种 {genre}），编辑后运行 "
                    f"speechwriter facts check {path}")
