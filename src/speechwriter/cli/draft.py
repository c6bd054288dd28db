"""``speechwriter draft``: draft, validate, repair, write, optionally export."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from ..errors import InputError
from .app import (
    BaseUrlOpt,
    EngineOpt,
    GenreOpt,
    ModelOpt,
    ProfileOpt,
    PromptsOpt,
    VerboseOpt,
    app,
    command,
    console,
    print_json,
    workspace,
)


@command(app, "draft")
def draft_cmd(
    facts_file: Annotated[Path | None, typer.Argument(metavar="FACTS", help="事实文件（--resume 时可省略）")] = None,
    genre: GenreOpt = None,
    engine: EngineOpt = None,
    output: Annotated[Path | None, typer.Option("-o", "--output", help="输出路径前缀，写出 OUT.json 与 OUT.md；"
                                                "默认为 <事实文件名>.draft")] = None,
    profile: ProfileOpt = None,
    model: ModelOpt = None,
    base_url: BaseUrlOpt = None,
    temperature: Annotated[float | None, typer.Option("--temperature", help="采样温度")] = None,
    concurrency: Annotated[int | None, typer.Option("--concurrency", "-j", min=1, max=64,
                                                    help="同时生成的章节数（默认取 profile 的 concurrency）")] = None,
    repair_rounds: Annotated[int, typer.Option("--repair-rounds", min=0, max=10, help="校验后修复的最多轮数")] = 2,
    candidates: Annotated[int, typer.Option("--candidates", "-k", min=1, max=8,
                                            help="每个章节生成几个版本，按校验结果择优")] = 1,
    mask: Annotated[str | None, typer.Option("--mask", metavar="KINDS",
                                             help="脱敏：发出前把这些内容换成占位符，逗号分隔：figures、people、"
                                                  "organisations、places；all 为全部；none 为关闭（默认取 profile 的 mask）")] = None,
    no_cache: Annotated[bool, typer.Option("--no-cache", help="不使用回复缓存")] = False,
    resume: Annotated[str | None, typer.Option("--resume", help="续写中断的运行（运行 id）")] = None,
    prompts: PromptsOpt = None,
    examples: Annotated[list[Path] | None, typer.Option(
        "--examples", metavar="DIR", help="往年讲话稿目录（.txt/.md，可多次给出）：每个章节检索同类段落作文风参考，"
                                          "不作事实来源；默认取配置文件中的 examples")] = None,
    force: Annotated[bool, typer.Option("--force", help="覆盖不是稿件的同名文件")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="不在终端打印全文")] = False,
    verbose: VerboseOpt = False,
    as_json: Annotated[bool, typer.Option("--json", help="以 JSON 输出结果（文件、运行 id、校验报告）")] = False,
    export: Annotated[str | None, typer.Option("--export", metavar="FORMATS",
                                               help="同时导出，逗号分隔：docx,reading,pdf,md,txt")] = None,
    template: Annotated[Path | None, typer.Option("--template", metavar="UNIT.docx",
                                                  help="导出 docx/pdf 时使用的本单位 Word 模板")] = None,
    fallback_fonts: Annotated[bool, typer.Option("--fallback-fonts", help="导出 docx 时用常见字体代替公文字体")] = False,
) -> None:
    """根据事实文件起草讲话稿：分章节并行生成、校验、只修复有问题的章节，写出 OUT.json 与 OUT.md。

    仍有错误时退出码为 1（稿件照样写出）；Ctrl-C 中断后可用 --resume 续写。

    \b
    示例：speechwriter draft fixtures/facts/work_report_gongqingfu.yaml -o build/汇报
    """
    from ..draft import output_paths
    from ..export import export_draft, fonts_from_option, plan_exports
    from ..facts import load_facts
    from ..pipeline import DraftOptions
    from .board import ProgressBoard

    ws = workspace(prompts, examples)
    if facts_file is None:
        if not resume:
            raise InputError("请给出事实文件，或用 --resume 续写")
        facts_file = ws.facts_of_run(resume)
    facts = load_facts(facts_file)
    eng = ws.engine(engine, profile=profile, model=model, base_url=base_url, temperature=temperature)
    out = output_paths(output or Path(facts_file.name).with_suffix("").with_suffix(".draft"), force)
    exports = plan_exports(export, out[0].with_suffix(""), force)  # checked before any engine call
    err = console(stderr=True)
    err.print(f"[dim]使用{eng.describe().label}。[/dim]")
    options = DraftOptions(concurrency=concurrency, repair_rounds=repair_rounds, candidates=candidates,
                           mask=parse_mask(mask))
    board = ProgressBoard()
    started: list[Any] = []
    from rich.live import Live

    live = Live(board, console=err, refresh_per_second=8, transient=False) if err.is_terminal else None

    def progress(state: Any) -> None:
        board.update(state)
        if live is None and state.waiting is not None:  # no live view: a wait still gets a line
            err.print(f"[yellow]{state.title}：{state.note}[/yellow]")

    try:
        if live:
            live.start()
        result = ws.draft(facts, genre=genre, engine=eng, options=options, use_cache=not no_cache, resume=resume,
                          progress=progress, on_start=started.append)
    except KeyboardInterrupt:
        if live:
            live.stop()
        where = started[0].folder if started else ".speechwriter/runs"
        run_id = started[0].id if started else "<运行 id>"
        err.print(f"[yellow]已中断。[/yellow]已完成的章节保存在 {where}，可用 "
                  f"speechwriter draft --resume {run_id} 继续")
        raise typer.Exit(130) from None
    finally:
        if live and live.is_started:
            live.stop()
    result.draft.facts_relative_to(out[0]).save(out[0])
    from ..files import write_text_atomic

    write_text_atomic(out[1], result.draft.to_markdown())
    cpm = ws.library().blueprint(result.draft.genre).chars_per_minute
    exported = [export_draft(result.draft, fmt, path, force=force, fonts=fonts_from_option(fallback_fonts),
                             chars_per_minute=cpm, template=template) for fmt, path in exports.items()]
    if as_json:
        import json

        print_json({"ok": result.ok, "json": str(out[0]), "markdown": str(out[1]), "run_id": result.run_id,
                    "chars": result.draft.chars, "exported": [str(p) for p in exported], "failed": result.failed,
                    "report": json.loads(result.report.to_json())})
        if not result.ok:
            raise typer.Exit(1)
        return
    if not quiet:
        console().print(result.draft)
    console().print(result.report)
    if verbose:
        for section in result.draft.sections:
            ms = result.draft.timings_ms.get(section.id)
            err.print(f"[dim]  {section.id}：{section.chars} 字" + (f"，{ms / 1000:.1f} 秒" if ms else "") + "[/dim]")
    err.print(run_summary(result, eng.rule_based))
    record = f"运行记录 {result.run_id}" if result.run_id else "未保存运行记录"
    err.print(f"[green]✔[/green] 已写入 {out[0]}、{out[1]}（{result.draft.chars} 字）；{record}")
    for path in exported:
        err.print(f"[green]✔[/green] 已导出 {path}")
    for sid, why in result.failed.items():
        err.print(f"[red]章节 {sid} 生成失败：[/red]{why}")
    if not result.ok:
        raise typer.Exit(1)


def run_summary(result: Any, rule_based: bool) -> str:
    """One line: calls, cache hits, tokens, repairs and the estimated cost."""
    if rule_based:
        return f"离线撰稿：{len(result.draft.sections)} 个章节"
    parts = [f"调用 {result.calls} 次", f"缓存命中 {result.cache_hits} 次",
             f"输入 {result.prompt_tokens} tokens", f"输出 {result.completion_tokens} tokens"]
    if result.repaired:
        fixed = [f"{sid}（{'→'.join(map(str, h))} 个错误）" for sid, h in result.repaired.items()]
        parts.append("修复：" + "、".join(fixed))
    if result.cost is not None:
        parts.append(f"估算费用 {result.cost:.4f}（按配置单价）")
    return " · ".join(parts)


def parse_mask(value: str | None) -> tuple[str, ...] | None:
    """``--mask figures,people`` → the kinds; ``all``; ``none``; None leaves it to the profile."""
    from ..errors import InputError
    from ..masking import MASK_KINDS

    if value is None:
        return None
    words = [w.strip() for w in value.split(",") if w.strip()]
    if words in (["none"], []):
        return ()
    if words == ["all"]:
        return MASK_KINDS
    unknown = [w for w in words if w not in MASK_KINDS]
    if unknown:
        raise InputError(f"--mask 不认识「{'、'.join(unknown)}」，可选：{'、'.join(MASK_KINDS)}、all、none")
    return tuple(words)
