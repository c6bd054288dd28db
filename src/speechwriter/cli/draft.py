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
    sequential: Annotated[bool, typer.Option("--sequential", help="逐章依次起草，每章都能看到前面各章的正文：更连贯，但不并行，耗时约为各章之和")] = False,
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
    allow_gaps: Annotated[bool, typer.Option("--allow-gaps", help="稿件仍有【待补】标记时也导出")] = False,
) -> None:
    """根据事实文件起草讲话稿：分章节并行生成、校验、只修复有问题的章节，写出 OUT.json 与 OUT.md。

    退出码：0 通过；1 仍有校验错误（稿件照样写出）；2 输入有误；3 大模型接口失败（有章节未写出）。
    新稿不如已有的 OUT.json 完整时保留原稿，新稿留在运行记录中。Ctrl-C 中断后可用 --resume 续写。

    \b
    示例：speechwriter draft fixtures/facts/work_report_gongqingfu.yaml -o build/汇报
    """
    from rich.markup import escape

    from ..draft import output_paths
    from ..engines.base import EngineError
    from ..export import export_draft, fonts_from_option, plan_exports
    from ..facts import load_facts
    from ..pipeline import DraftOptions
    from .board import ProgressBoard

    ws = workspace(prompts, examples)
    recorded: dict[str, Any] = {}
    if resume:
        recorded = ws.run(resume).meta  # the run's engine, profile, model and output, unless options say otherwise
    if facts_file is None:
        if not resume:
            raise InputError("请给出事实文件，或用 --resume 续写")
        facts_file = ws.facts_of_run(resume)
    facts = load_facts(facts_file)
    if resume and isinstance(recorded.get("engine"), dict):
        eng = ws.engine_like(recorded["engine"], name=engine, profile=profile, model=model, base_url=base_url)
    else:
        eng = ws.engine(engine, profile=profile, model=model, base_url=base_url, temperature=temperature)
    if output is None and resume and isinstance(recorded.get("output"), str) and recorded["output"]:
        output = Path(recorded["output"])
    if output is None and str(facts_file) == "-":
        raise InputError("从标准输入读事实文件时，请用 -o 指定输出路径")
    out = output_paths(output or Path(facts_file.name).with_suffix("").with_suffix(".draft"), force)
    # OUT.md is the draft's own Markdown: ``--export md`` names the file the draft writes anyway
    exports = plan_exports(export, out[0].with_suffix(""), force, written=(out[1],))  # before any engine call
    err = console(stderr=True)
    err.print(f"[dim]使用{eng.describe().label}。[/dim]")
    options = DraftOptions(concurrency=concurrency, repair_rounds=repair_rounds, candidates=candidates,
                           sequential=sequential, mask=parse_mask(mask))
    board = ProgressBoard()
    started: list[Any] = []
    from rich.live import Live

    live = Live(board, console=err, refresh_per_second=8, transient=False) if err.is_terminal else None

    def progress(state: Any) -> None:
        board.update(state)
        if live is None and state.waiting is not None:  # no live view: a wait still gets a line
            err.print(f"[yellow]{state.title}：{state.note}[/yellow]")

    def on_start(recorder: Any) -> None:
        started.append(recorder)
        info = eng.describe()  # the engine that really runs, also when resuming
        recorder.save_meta(output=str(out[0].resolve().with_suffix("")),
                           engine={**(recorder.meta.get("engine") or {}), "name": info.name, "model": info.model,
                                   "base_url": info.base_url, "profile": info.profile,
                                   "rule_based": info.rule_based})

    try:
        if live:
            live.start()
        result = ws.draft(facts, genre=genre, engine=eng, options=options, use_cache=not no_cache, resume=resume,
                          progress=progress, on_start=on_start)
    except KeyboardInterrupt:
        if live:
            live.stop()
        where = started[0].folder if started else ".speechwriter/runs"
        run_id = started[0].id if started else "<运行 id>"
        err.print(f"[yellow]已中断。[/yellow]已完成的章节保存在 {where}，可用 "
                  f"speechwriter draft --resume {run_id} 继续")
        raise typer.Exit(130) from None
    except EngineError as exc:
        hint = f"；已完成的章节保存在运行 {started[0].id}，可用 speechwriter draft --resume {started[0].id} 重试" \
            if started else ""
        err.print(f"[red]错误：[/red]{escape(str(exc))}{hint}")
        raise typer.Exit(EXIT_ENGINE) from None
    finally:
        if live and live.is_started:
            live.stop()
    run = started[0] if started else None
    saved = _save_output(result, out, facts, ws.library().blueprint(result.draft.genre), run)
    cpm = ws.library().blueprint(result.draft.genre).chars_per_minute
    from ..export.writers import check_gaps

    exported = []
    if exports:
        check_gaps(result.draft, allow_gaps)  # the draft itself is written above; only the export is refused
    if saved.replaced:
        exported = [out[1] if path == out[1] else
                    export_draft(result.draft, fmt, path, force=force, fonts=fonts_from_option(fallback_fonts),
                                 chars_per_minute=cpm, template=template, allow_gaps=allow_gaps)
                    for fmt, path in exports.items()]
    code = exit_code(result)
    if as_json:
        import json

        print_json({"ok": result.ok, "json": str(saved.json_path), "markdown": str(saved.md_path),
                    "replaced": saved.replaced, "kept": str(out[0]) if saved.kept else None,
                    "run_id": result.run_id, "chars": result.draft.chars,
                    "gaps": [g.model_dump() for g in result.draft.gaps], "exported": [str(p) for p in exported],
                    "failed": result.failed, "exit_code": code, "report": json.loads(result.report.to_json())})
        if code:
            raise typer.Exit(code)
        return
    if not quiet and saved.new.sections:
        console().print(result.draft)
    if saved.new.sections:  # a draft with no section of text: its report would only list what is missing
        console().print(result.report)
    if verbose:
        for section in result.draft.sections:
            ms = result.draft.timings_ms.get(section.id)
            err.print(f"[dim]  {section.id}：{section.chars} 字" + (f"，{ms / 1000:.1f} 秒" if ms else "") + "[/dim]")
    err.print(run_summary(result, eng.rule_based))
    err.print(result.draft.shortfall(result.report.target_chars))
    record = f"运行记录 {result.run_id}" if result.run_id else "未保存运行记录"
    if saved.replaced:
        err.print(f"[green]✔[/green] 已写入 {saved.json_path}、{saved.md_path}（{result.draft.chars} 字）；{record}")
    else:
        err.print(f"[yellow]{escape(not_replaced_line(saved, out[0]))}[/yellow]；{record}")
    for path in exported:
        err.print(f"[green]✔[/green] 已导出 {path}")
    for sid, why in result.failed.items():
        err.print(f"[red]章节 {sid} 生成失败：[/red]{escape(why)}")
    if result.failed and result.run_id:
        err.print(f"可用 speechwriter draft --resume {result.run_id} 只重试失败的章节")
    if code:
        raise typer.Exit(code)


EXIT_ERRORS = 1
"""The draft was written but still has validation errors."""
EXIT_ENGINE = 3
"""The engine failed (endpoint unreachable, refused, rate-limited beyond the wait cap) for a section or more."""


def exit_code(result: Any) -> int:
    """0 a clean draft, 3 a section the engine could not write, 1 validation errors (bad input is 2)."""
    if result.failed:
        return EXIT_ENGINE
    return 0 if result.ok else EXIT_ERRORS


def _save_output(result: Any, out: tuple[Path, Path], facts: Any, blueprint: Any, run: Any) -> Any:
    """Write the draft where it belongs; a failed write names the run that holds it."""
    from ..errors import WriteError
    from ..pipeline.outputs import save_draft_output

    try:
        return save_draft_output(result.draft, result.report, out[0], out[1], facts=facts, blueprint=blueprint,
                                 run_folder=run.folder if run is not None and not run.broken else None)
    except WriteError as exc:
        if run is None or run.broken:
            raise
        raise WriteError(f"{exc.detail}；稿件未丢失：已保存在运行记录 {run.folder / 'draft.json'}，"
                         f"腾出空间后可用 speechwriter draft --resume {run.id} 重新写出", path=exc.path) from None


def not_replaced_line(saved: Any, target: Path) -> str:
    """Why the output was left alone and where the new attempt is."""
    if saved.new.sections == 0:
        why = "新稿没有任何章节写出内容"
    elif saved.old is not None and saved.new.sections < saved.old.sections:
        why = f"新稿只有 {saved.new.sections} 个章节有内容，原稿有 {saved.old.sections} 个"
    elif saved.old is not None:
        why = f"新稿有 {saved.new.errors} 个校验错误，原稿只有 {saved.old.errors} 个"
    else:
        why = "新稿不完整"
    kept = f"已保留原稿 {target}" if saved.old is not None else f"未写入 {target}"
    return f"{kept}（{why}）；新稿保存在 {saved.json_path}、{saved.md_path}"


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
