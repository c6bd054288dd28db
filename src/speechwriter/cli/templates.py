"""``speechwriter templates …``: the blueprints and prompt templates in use."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from .app import PromptsOpt, command, console, print_json, subgroup, workspace

templates_app = subgroup("templates", "蓝图与提示词模板：列出、查看、渲染。")


@command(templates_app, "list")
def templates_list(prompts: PromptsOpt = None,
                   as_json: Annotated[bool, typer.Option("--json", help="以 JSON 输出")] = False) -> None:
    """列出所有文种的章节及其使用的模板（用户目录优先）。

    \b
    示例：speechwriter templates list --prompts 我的提示词
    """
    from rich.table import Table

    library = workspace(prompts).library()
    rows = []
    table = Table(show_edge=False, caption="* 为必需章节", caption_justify="left")
    for col in ("文种", "章节", "模板", "来源"):
        table.add_column(col, no_wrap=True)
    for genre in library.genres():
        bp = library.blueprint(genre)
        for spec in bp.sections:
            if spec.role == "salutation":
                name, source = "（由事实生成）", "—"
            else:
                name, path = library.section_template(genre, spec)
                source = "用户" if any(path.is_relative_to(d) for d in library.user_dirs) else "内置"
            rows.append({"genre": genre, "section": spec.id, "required": spec.required, "template": name,
                         "source": {"用户": "user", "内置": "builtin"}.get(source)})
            table.add_row(genre if spec is bp.sections[0] else "", spec.id + ("*" if spec.required else ""),
                          name, source)
    if as_json:
        print_json(rows)
        return
    console().print(table)


@command(templates_app, "show")
def templates_show(
    genre: Annotated[str, typer.Argument(help="文种（蓝图 id）")],
    section: Annotated[str | None, typer.Argument(help="章节 id；省略时显示系统提示词")] = None,
    facts_file: Annotated[Path | None, typer.Option("--facts", help="用该事实文件渲染出完整提示词")] = None,
    prompts: PromptsOpt = None,
    examples: Annotated[list[Path] | None, typer.Option(
        "--examples", metavar="DIR", help="往年讲话稿目录：渲染时一并检索范文段落（同 draft --examples）")] = None,
) -> None:
    """显示模板源码，或（加 --facts）渲染后的完整提示词。

    \b
    示例：speechwriter templates show work_report plans --facts fixtures/facts/work_report_gongqingfu.yaml
    """
    from rich.markup import escape
    from rich.rule import Rule

    from ..facts import load_facts

    library = workspace(prompts, examples).library()
    bp = library.blueprint(genre)
    spec = bp.section(section) if section else None
    out = console()
    if spec is not None and spec.role == "salutation":
        out.print("称呼行由事实文件的 meta.addressees 生成，不使用模板。")
        return
    if facts_file is None:
        names = [library.system_template(genre)] + ([library.section_template(genre, spec)] if spec else [])
        for name, path in names:
            out.print(Rule(f"{name}  ({path})"))
            out.print(escape(path.read_text(encoding="utf-8")))
        return
    facts = load_facts(facts_file)
    specs = [spec] if spec else [s for s in bp.sections if s.role != "salutation"]
    for s in specs:
        prompt = library.render(facts, bp, s)
        out.print(Rule(f"{s.id} · {' + '.join(prompt.templates)} · sha256 {prompt.template_sha256[:12]}"))
        for message in prompt.messages:
            out.print(f"[bold]{message['role']}[/bold]")
            out.print(escape(message["content"]))
