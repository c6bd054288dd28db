"""``speechwriter export``: a draft as a GB/T 9704 Word document, a reading copy, Markdown or text."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from .app import ForceOpt, QuietOpt, app, command, console


@command(app, "export")
def export_cmd(
    draft_file: Annotated[Path, typer.Argument(metavar="DRAFT", help="draft 写出的稿件 JSON")],
    fmt: Annotated[str, typer.Option("--format", "-t", metavar="FORMAT",
                                     help="docx（公文格式）、reading（讲话用大字稿）、pdf（经 LibreOffice）、md、txt、signoff（核稿单 Word）、signoff-html")],
    output: Annotated[Path, typer.Option("-o", "--output", help="输出文件路径")],
    force: ForceOpt = False,
    fallback_fonts: Annotated[bool, typer.Option("--fallback-fonts", help="用宋体/仿宋/黑体/楷体代替方正小标宋、仿宋_GB2312 等")] = False,
    quiet: QuietOpt = False,
    chars_per_minute: Annotated[int, typer.Option("--cpm", min=60, max=600, help="语速（字/分钟），用于大字稿的时间标注")] = 240,
    template: Annotated[Path | None, typer.Option("--template", metavar="UNIT.docx",
                                                  help="本单位的 Word 模板（红头、样式、页面），作为 docx/pdf 的底稿")] = None,
    facts_file: Annotated[Path | None, typer.Option("--facts", "-f", help="事实文件（核稿单和 --comments 用；"
                                                    "默认取稿件中记录的事实文件）")] = None,
    comments: Annotated[bool, typer.Option("--comments", help="docx：在每个数字和名称上加 Word 批注，注明对应事实和来源")] = False,
) -> None:
    """把稿件导出为 GB/T 9704 公文格式的 Word、讲话用大字稿、Markdown 或纯文本。

    \b
    示例：speechwriter export build/demo.json --format docx -o build/汇报.docx
    示例：speechwriter export build/demo.json --format pdf -o build/汇报.pdf --template 单位模板.docx
    示例：speechwriter export build/demo.json --format signoff -o build/核稿单.docx（signoff-html 写成网页）
    示例：speechwriter export build/demo.json --format docx --comments -o build/汇报-批注.docx
    """
    from ..draft import load_draft
    from ..export import export_draft, fonts_from_option

    if fmt in ("signoff", "signoff-html") or comments:
        from .signoff import signoff_export

        path = signoff_export(draft_file, fmt, output, facts_file=facts_file, force=force, comments=comments,
                              fonts=fonts_from_option(fallback_fonts), template=template)
        if not quiet:
            console().print(f"[green]✔[/green] 已导出 {path}")
        return

    path = export_draft(load_draft(draft_file), fmt, output, force=force, fonts=fonts_from_option(fallback_fonts),
                        chars_per_minute=chars_per_minute, template=template)
    if not quiet:
        console().print(f"[green]✔[/green] 已导出 {path}")
