"""``speechwriter facts …``: check (and check --sources), schema, init, extract."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from ..errors import InputError, SpeechwriterError
from .app import ForceOpt, PromptsOpt, command, console, print_json, subgroup, workspace, write_new

facts_app = subgroup("facts", "事实文件：检查、模式、初始化、从材料抽取。")


@command(facts_app, "check")
def facts_check(
    file: Annotated[Path, typer.Argument(help="事实文件（.yaml/.yml/.json/.toml）")],
    sources: Annotated[list[Path] | None, typer.Option("--sources", help="来源材料：逐个核对数字的出处（可多次给出，"
                                                       "也可在一个 --sources 后列出多个）")] = None,
    more: Annotated[list[Path] | None, typer.Argument(metavar="[SRC...]", help="--sources 之后的其余材料",
                                                      show_default=False)] = None,
    as_json: Annotated[bool, typer.Option("--json", help="以 JSON 输出检查结果（不核对 --sources）")] = False,
    prompts: PromptsOpt = None,
) -> None:
    """检查事实文件并显示摘要（FILE 为 - 时从标准输入读）；加 --sources 时逐个核对数字在材料中的出处（有找不到出处的数字时退出码为 1）。
    加 --prompts 时文种也可以是该目录 blueprints/ 中自定义的文种，并同时检查该文种的蓝图文件。

    \b
    示例：speechwriter facts check fixtures/facts/work_report_gongqingfu.yaml
    示例：speechwriter facts check facts.yaml --sources 工会.txt 团委.txt 妇联.docx
    示例：speechwriter facts check 主持词.yaml --prompts 我的提示词
    """
    from ..facts import check_facts

    library = workspace(prompts).library()
    facts = check_facts(file, library.genres())
    blueprint = library.blueprint(facts.meta.genre)  # a user genre's blueprint is checked too
    if as_json:
        if sources or more:
            raise InputError("--json 不能与 --sources 同用")
        print_json({"ok": True, "file": str(file), "title": facts.meta.title, "genre": facts.meta.genre,
                    "sha256": facts.sha256, "figures": [f.raw for f in _figures(facts)]})
        return
    from ..prompts import check_needs

    out = console()
    out.print(facts)
    for spec in blueprint.sections:  # the file is valid; a draft would still need these fields
        try:
            check_needs(facts, blueprint, spec)
        except InputError as exc:
            console(stderr=True).print(f"[yellow]注意：[/yellow]{exc.detail}，起草前请补上")
    _check_consistency(facts, file, out)
    out.print(f"[green]✔[/green] {file}：检查通过")
    if more and not sources:
        raise InputError(f"多余的参数：{' '.join(map(str, more))}（来源材料请写在 --sources 之后）")
    if sources:
        _check_sources(facts, [*sources, *(more or [])], out)


def _figures(facts: Any) -> list[Any]:
    """Every figure the facts file names, in order (for ``facts check --json``)."""
    return [ref.figure for ref in facts.figure_refs()]


def _check_consistency(facts: Any, file: Path, out: Any) -> None:
    """数据打架 among the facts' own figures: one line per conflict (file:line field), exit 1 on an error."""
    from rich.markup import escape

    from ..files import read_text
    from ..validate.consistency import facts_conflicts

    found = facts_conflicts(facts)
    if not found:
        return
    lines = read_text(file, what="事实文件").splitlines()
    for where, text, c in found:
        needle = text[max(0, c.start - 8):c.end]
        line = next((n for n, row in enumerate(lines, start=1) if needle in row), None) or next(
            (n for n, row in enumerate(lines, start=1) if c.excerpt in row), None)
        label = "[red]错误[/red]" if c.severity == "error" else "[yellow]警告[/yellow]"
        at = f"{file}:{line}" if line else str(file)
        out.print(f"{label} {c.code} " + escape(f"{at} {where}：{c.message}。建议：{c.suggestion}"), highlight=False)
    errors = sum(c.severity == "error" for _, _, c in found)
    if errors:
        out.print(f"[red]✘[/red] {file}：{errors} 处数字互相矛盾（数据打架），请改正后再用")
        raise typer.Exit(1)


def _check_sources(facts: Any, paths: list[Path], out: Any) -> None:
    from ..extract import check_provenance, read_sources

    findings = check_provenance(facts, read_sources(paths))
    for f in findings:
        label = "[red]错误[/red]" if f.severity == "error" else "[yellow]警告[/yellow]"
        out.print(f"{label} {f.code} {f.path}：{f.message}")
    errors = sum(f.severity == "error" for f in findings)
    total = sum(1 for _ in facts.figure_refs())
    if errors:
        out.print(f"[red]✘[/red] {errors} 个数字在材料中找不到出处（共 {total} 个数字）")
        raise typer.Exit(1)
    out.print(f"[green]✔[/green] {total} 个数字均在材料中找到出处"
              + (f"（{len(findings)} 处出处记录需更正）" if findings else ""))


@command(facts_app, "extract")
def facts_extract(
    sources: Annotated[list[Path], typer.Argument(metavar="SOURCE...", help="材料：.txt、.md 或 .docx，可给多份")],
    output: Annotated[Path, typer.Option("-o", "--output", help="写出的事实文件（.yaml）；加 --each 时为目录")],
    each: Annotated[bool, typer.Option("--each", help="每份材料各抽取一个事实文件，写入 -o 给出的目录"
                                       "（DIR/材料名.yaml），在同一进程中依次完成")] = False,
    genre: Annotated[str, typer.Option("--genre", "-g", help="文种（蓝图 id）；auto 为按材料自己的说法识别"
                                       "（如“向大会作政府工作报告”“致辞”“述职”），并说明依据")] = "auto",
    org: Annotated[list[str] | None, typer.Option("--org", help="组织：ID=名称[,简称]，可多次给出；"
                                                  "按简称/全称把事项归到组织，也按材料文件名归属")] = None,
    engine: Annotated[str, typer.Option("--engine", "-e", help="offline（内置规则抽取，默认）或 openai")] = "offline",
    profile: Annotated[str | None, typer.Option("--profile", "-p", help="openai 引擎使用的 profile")] = None,
    no_cache: Annotated[bool, typer.Option("--no-cache", help="不使用回复缓存（openai 引擎）")] = False,
    rounds: Annotated[int, typer.Option("--rounds", min=1, max=10, help="openai 引擎：每段材料最多请求几轮"
                                        "（回复不合格时带着问题重问）")] = 3,
    chunk_chars: Annotated[int, typer.Option("--chunk-chars", min=500, max=100_000,
                                             help="openai 引擎：每次请求送出的材料字数上限")] = 6000,
    mask: Annotated[str | None, typer.Option("--mask", metavar="KINDS",
                                             help="openai 引擎：脱敏，发出前把材料中的数字（figures）、--org 的单位名称"
                                                  "（organisations）、其中的地名（places）、署名的讲话人（people）换成"
                                                  "占位符；all 为全部；none 为关闭（默认取 profile 的 mask）")] = None,
    prompts: PromptsOpt = None,
    force: ForceOpt = False,
) -> None:
    """从材料中抽取事实，写出带审核注释的事实文件；每个事项记下出处（文件、行号、原句）。

    \b
    示例：speechwriter facts extract 工会.txt 团委.txt 妇联.docx --org union=市总工会,工会 --org youth=团市委,团委 --org women=市妇联,妇联 -o facts.yaml
    示例：speechwriter facts extract 材料/*.txt --each -o 事实   （每份材料一个事实文件：事实/材料名.yaml）
    """
    from ..extract import LLMOptions, check_output, extract_facts, parse_org_specs, write_facts_file
    from .draft import parse_mask

    orgs = parse_org_specs(org)
    kinds = parse_mask(mask)
    if engine not in ("offline", "openai"):
        raise InputError(f"未知引擎「{engine}」，可选：offline、openai")
    jobs = _each_outputs(sources, output, force) if each else [([*sources], output)]
    for _, out_path in jobs:
        check_output(out_path, force)  # before any work
    ws = workspace(prompts)
    chosen: Any = ws.engine("openai", profile=profile) if engine == "openai" or profile else "offline"
    err = console(stderr=True)
    err.print("[dim]使用内置规则抽取（不调用大模型）。[/dim]" if chosen == "offline" else
              f"[dim]使用{chosen.describe().label}抽取，每条回复都核对数字出处。[/dim]")
    options = LLMOptions(chunk_chars=chunk_chars, rounds=rounds, mask=kinds)
    failed: list[SpeechwriterError] = []
    for job_sources, out_path in jobs:
        try:
            result = extract_facts(job_sources, orgs=orgs, genre=genre, engine=chosen, workspace=ws,
                                   output_name=str(out_path), use_cache=not no_cache, llm_options=options)
            write_facts_file(result, out_path, force=force)
        except SpeechwriterError as exc:
            if not each:
                raise
            # One source that cannot be read does not cost the others their work.
            from rich.markup import escape

            err.print(f"[red]错误：[/red]{escape(str(exc))}")
            failed.append(exc)
            continue
        if result.genre_guess is not None:
            from rich.markup import escape

            name = ws.library().blueprint(result.genre_guess.genre).name
            err.print(f"文种：{name}（{result.genre_guess.genre}）——{escape(result.genre_guess.reason)}；"
                      "不对时用 --genre 指定")
        for warning in result.warnings:
            err.print(f"[yellow]注意：[/yellow]{warning}")
        err.print(f"[green]✔[/green] 已写入 {out_path}：{len(result.facts.highlights)} 个亮点、{result.items} 个事项、"
                  f"{result.figures} 个数字，{result.to_review} 处待核"
                  + (f"；运行记录 {result.run_id}" if result.run_id else ""))
    if each:
        done = len(jobs) - len(failed)
        err.print(f"[dim]共 {len(jobs)} 份材料：已写出 {done} 个事实文件到 {output}"
                  + (f"，{len(failed)} 份失败" if failed else "") + "。请审核后逐个运行 speechwriter facts check "
                  f"{output}/材料名.yaml --sources 材料[/dim]")
        if failed:
            raise typer.Exit(failed[0].exit_code)
        return
    err.print(f"[dim]请审核后运行 speechwriter facts check {output} --sources {' '.join(map(str, sources))}[/dim]")


def _each_outputs(sources: list[Path], folder: Path, force: bool) -> list[tuple[list[Path], Path]]:
    """(sources, facts file) for ``--each``: ``folder/<source name>.yaml`` per source, checked before any work."""
    from ..files import check_writable_dir

    if folder.suffix.lower() in (".yaml", ".yml") or (folder.exists() and not folder.is_dir()):
        raise InputError("加 --each 时 -o 应为目录（每份材料写出 目录/材料名.yaml）", path=str(folder))
    seen: dict[str, Path] = {}
    jobs = []
    for source in sources:
        name = source.stem
        if name in seen:
            raise InputError(f"两份材料会写到同一个文件 {name}.yaml（另一份是「{seen[name]}」），请改名后再抽取",
                             path=str(source))
        seen[name] = source
        jobs.append(([source], folder / f"{name}.yaml"))
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(f"无法创建输出目录（{exc.strerror or exc}）", path=str(folder)) from None
    check_writable_dir(folder)
    return jobs


@command(facts_app, "schema")
def facts_schema(
    output: Annotated[Path | None, typer.Option("-o", "--output", help="写入文件而不是打印")] = None,
    blueprint: Annotated[bool, typer.Option("--blueprint", help="输出文种蓝图（blueprints/*.yaml）的 JSON Schema")] = False,
    force: ForceOpt = False,
) -> None:
    """输出事实文件（或加 --blueprint 时文种蓝图）的 JSON Schema，供编辑器自动补全。

    \b
    示例：speechwriter facts schema -o facts.schema.json
    示例：speechwriter facts schema --blueprint -o blueprint.schema.json
    """
    import json

    from ..blueprint import blueprint_json_schema
    from ..facts import facts_json_schema

    schema = blueprint_json_schema() if blueprint else facts_json_schema()
    text = json.dumps(schema, ensure_ascii=False, indent=2) + "\n"
    if output is None:
        sys.stdout.write(text)
        return
    write_new(output, text, force)
    console().print(f"[green]✔[/green] 已写入 {output}")


@command(facts_app, "init")
def facts_init(
    path: Annotated[Path, typer.Argument(help="要创建的事实文件（.yaml）")],
    genre: Annotated[str, typer.Option("--genre", "-g", help="文种：work_report、leader_speech、duty_report、annual_summary、government_report、opening_address"
                                       )] = "work_report",
    example: Annotated[str | None, typer.Option("--example", "-e", metavar="NAME",
                                                help="改为写出一个填好的示例（文件名或标题，如 work_report_gongqingfu）")] = None,
    force: ForceOpt = False,
) -> None:
    """创建带注释的事实文件模板（可直接通过 facts check），或用 --example 写出填好的示例。

    \b
    示例：speechwriter facts init --genre duty_report 我的述职.yaml
    示例：speechwriter facts init --example work_report_gongqingfu 汇报.yaml
    """
    if example is not None:
        from ..examples import example_facts

        source = example_facts(example)
        write_new(path, source.read_text(encoding="utf-8"), force)
        console().print(f"[green]✔[/green] 已写入示例 {path}（{source.stem}），可直接运行 "
                        f"speechwriter draft {path}")
        return
    from ..facts.starters import starter_text

    write_new(path, starter_text(genre), force)
    console().print(f"[green]✔[/green] 已创建 {path}（文种 {genre}），编辑后运行 "
                    f"speechwriter facts check {path}")
