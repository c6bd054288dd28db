"""``speechwriter export``: a draft as a GB/T 9704 Word document, a reading copy, Markdown or text."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from .app import ForceOpt, QuietOpt, app, command, console, print_json


@command(app, "export")
def export_cmd(
    draft_file: Annotated[Path, typer.Argument(metavar="DRAFT", help="draft 写出的稿件 JSON")],
    fmt: Annotated[str, typer.Option("--format", "-t", metavar="FORMAT",
                                     help="docx（公文格式）、reading（讲话用大字稿）、pdf（经 LibreOffice）、md、txt、signoff（核稿单 Word）、signoff-html")],
    output: Annotated[Path, typer.Option("-o", "--output", help="输出文件路径；- 表示写到标准输出")],
    force: ForceOpt = False,
    fallback_fonts: Annotated[bool, typer.Option("--fallback-fonts", help="用宋体/仿宋/黑体/楷体代替方正小标宋、仿宋_GB2312 等")] = False,
    quiet: QuietOpt = False,
    as_json: Annotated[bool, typer.Option("--json", help="以 JSON 输出结果（文件、格式、字节数）")] = False,
    allow_gaps: Annotated[bool, typer.Option("--allow-gaps", help="稿件仍有【待补】标记时也导出（标记原样保留）")] = False,
    chars_per_minute: Annotated[int, typer.Option("--cpm", min=60, max=600, help="语速（字/分钟），用于大字稿的时间标注")] = 240,
    template: Annotated[Path | None, typer.Option("--template", metavar="UNIT.docx",
                                                  help="本单位的 Word 模板（红头、样式、页面），作为 docx/pdf 的底稿")] = None,
    facts_file: Annotated[Path | None, typer.Option("--facts", "-f", help="事实文件（核稿单和 --comments 用；"
                                                    "默认取稿件中记录的事实文件）")] = None,
    comments: Annotated[bool, typer.Option("--comments", help="docx：在每个数字和名称上加 Word 批注，注明对应事实和来源")] = False,
) -> None:
    """把稿件导出为 GB/T 9704 公文格式的 Word、讲话用大字稿、Markdown 或纯文本。

    DRAFT 为 - 时从标准输入读稿件 JSON；-o - 把导出结果写到标准输出。

    \b
    示例：speechwriter export build/demo.json --format docx -o build/汇报.docx
    示例：speechwriter export build/demo.json --format pdf -o build/汇报.pdf --template 单位模板.docx
    示例：speechwriter export build/demo.json --format signoff -o build/核稿单.docx（signoff-html 写成网页）
    示例：speechwriter export build/demo.json --format docx --comments -o build/汇报-批注.docx
    """
    from ..draft import load_draft
    from ..export import export_draft, fonts_from_option
    from ..files import is_stdio

    if comments and draft_file.suffix == ".json":  # the commented document is the speech too
        from ..export.writers import check_gaps

        check_gaps(load_draft(draft_file), allow_gaps)
    if fmt in ("signoff", "signoff-html") or comments:
        from .signoff import signoff_export

        path = signoff_export(draft_file, fmt, output, facts_file=facts_file, force=force, comments=comments,
                              fonts=fonts_from_option(fallback_fonts), template=template)
        if as_json:
            print_json({"output": str(path), "format": fmt, "bytes": path.stat().st_size})
        elif not quiet:
            console().print(f"[green]✔[/green] 已导出 {path}")
        return

    draft = load_draft(draft_file)
    options = {"fonts": fonts_from_option(fallback_fonts), "chars_per_minute": chars_per_minute, "template": template,
               "allow_gaps": allow_gaps}
    if is_stdio(output):
        size = _to_stdout(draft, fmt, options)
        if as_json:
            console(stderr=True).print_json(data={"output": "-", "format": fmt, "bytes": size})
        return
    path = export_draft(draft, fmt, output, force=force, **options)
    if as_json:
        print_json({"output": str(path), "format": fmt, "bytes": path.stat().st_size})
    elif not quiet:
        console().print(f"[green]✔[/green] 已导出 {path}")


def _to_stdout(draft: object, fmt: str, options: dict[str, object]) -> int:
    """``-o -``: the export written to standard output (bytes as they are, for docx and pdf too)."""
    import sys
    import tempfile

    from ..export import export_draft
    from ..export.writers import FORMATS, SUFFIX

    if fmt not in FORMATS:
        from ..errors import InputError

        raise InputError(f"不支持的导出格式「{fmt}」，可选：{'、'.join(FORMATS)}")
    with tempfile.TemporaryDirectory(prefix="speechwriter-export-") as tmp:
        path = export_draft(draft, fmt, Path(tmp) / f"out{SUFFIX[fmt]}", **options)  # type: ignore[arg-type]
        data = path.read_bytes()
    sys.stdout.flush()
    sys.stdout.buffer.write(data)
    sys.stdout.buffer.flush()
    return len(data)
