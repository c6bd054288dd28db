"""The ``speechwriter`` command: a thin layer over the library.

Every command is a few lines over a public function; heavy modules are imported inside the
commands so that ``speechwriter --help`` starts fast.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer

from .. import __version__
from ..errors import InputError, SpeechwriterError

app = typer.Typer(
    name="speechwriter",
    help="根据事实文件起草中文公文讲话稿，并校验结构与数字。",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)
facts_app = typer.Typer(help="事实文件：检查、模式、初始化。", no_args_is_help=True)
app.add_typer(facts_app, name="facts")
templates_app = typer.Typer(help="蓝图与提示词模板：列出、查看、渲染。", no_args_is_help=True)
app.add_typer(templates_app, name="templates")
config_app = typer.Typer(help="大模型接口配置：查看、检查。", no_args_is_help=True)
app.add_typer(config_app, name="config")
runs_app = typer.Typer(help="运行记录：列出、查看。", no_args_is_help=True)
app.add_typer(runs_app, name="runs")

PromptsOpt = Annotated[list[Path] | None, typer.Option(
    "--prompts", help="自定义提示词目录（可多次给出，优先于内置；也可用环境变量 SPEECHWRITER_PROMPTS）")]
GenreOpt = Annotated[str | None, typer.Option("--genre", "-g", help="文种（蓝图 id），默认取事实文件中的 meta.genre")]


def _console(stderr: bool = False) -> Any:
    from rich.console import Console

    return Console(stderr=stderr, highlight=False, soft_wrap=True)


def _friendly(func: Callable[..., Any]) -> Callable[..., Any]:
    """Turn a :class:`SpeechwriterError` into one red Chinese line and its exit code."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except SpeechwriterError as exc:
            from rich.markup import escape

            _console(stderr=True).print(f"[red]错误：[/red]{escape(str(exc))}")
            raise typer.Exit(exc.exit_code) from None
        except KeyboardInterrupt:
            _console(stderr=True).print("已中断")
            raise typer.Exit(130) from None

    return wrapper


def _command(group: typer.Typer, name: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """``@group.command(name)`` with friendly errors."""

    def decorate(func: Callable[..., Any]) -> Callable[..., Any]:
        group.command(name)(_friendly(func))
        return func

    return decorate


def _version(value: bool) -> None:
    if value:
        typer.echo(f"speechwriter {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[bool | None, typer.Option("--version", callback=_version, is_eager=True,
                                                 help="显示版本并退出。")] = None,
) -> None:
    """根据事实文件起草中文公文讲话稿，并校验结构与数字。"""


@_command(facts_app, "check")
def facts_check(file: Annotated[Path, typer.Argument(help="事实文件（.yaml/.yml/.json/.toml）")]) -> None:
    """检查事实文件并显示摘要。

    \b
    示例：speechwriter facts check fixtures/facts/work_report_gongqingfu.yaml
    """
    from ..facts.model import load_facts

    facts = load_facts(file)
    console = _console()
    console.print(facts)
    console.print(f"[green]✔[/green] {file}：检查通过")


@_command(facts_app, "schema")
def facts_schema(
    output: Annotated[Path | None, typer.Option("-o", "--output", help="写入文件而不是打印")] = None,
    force: Annotated[bool, typer.Option("--force", help="覆盖已存在的文件")] = False,
) -> None:
    """输出事实文件的 JSON Schema，供编辑器自动补全。

    \b
    示例：speechwriter facts schema -o facts.schema.json
    """
    import json

    from ..facts.model import facts_json_schema

    text = json.dumps(facts_json_schema(), ensure_ascii=False, indent=2) + "\n"
    if output is None:
        sys.stdout.write(text)
        return
    _write_new(output, text, force)
    _console().print(f"[green]✔[/green] 已写入 {output}")


@_command(facts_app, "init")
def facts_init(
    path: Annotated[Path, typer.Argument(help="要创建的事实文件（.yaml）")],
    genre: Annotated[str, typer.Option("--genre", "-g", help="文种：work_report、leader_speech、"
                                       "duty_report、annual_summary")] = "work_report",
    force: Annotated[bool, typer.Option("--force", help="覆盖已存在的文件")] = False,
) -> None:
    """创建带注释的事实文件模板（可直接通过 facts check）。

    \b
    示例：speechwriter facts init --genre duty_report 我的述职.yaml
    """
    from ..facts.starters import starter_text

    _write_new(path, starter_text(genre), force)
    _console().print(f"[green]✔[/green] 已创建 {path}（文种 {genre}），编辑后运行 "
                     f"speechwriter facts check {path}")


@_command(app, "draft")
def draft_cmd(
    facts_file: Annotated[Path | None, typer.Argument(metavar="FACTS", help="事实文件（--resume 时可省略）")] = None,
    genre: GenreOpt = None,
    engine: Annotated[str | None, typer.Option("--engine", "-e", help="offline（内置离线撰稿器）或 openai；"
                                               "默认：已配置接口时用 openai，否则 offline")] = None,
    output: Annotated[Path | None, typer.Option("-o", "--output", help="输出路径前缀，写出 OUT.json 与 OUT.md；"
                                                "默认为 <事实文件名>.draft")] = None,
    profile: Annotated[str | None, typer.Option("--profile", "-p", help="配置文件中的 profile 名")] = None,
    model: Annotated[str | None, typer.Option("--model", "-m", help="模型名")] = None,
    base_url: Annotated[str | None, typer.Option("--base-url", help="OpenAI 兼容接口地址")] = None,
    temperature: Annotated[float | None, typer.Option("--temperature", help="采样温度")] = None,
    concurrency: Annotated[int, typer.Option("--concurrency", "-j", min=1, max=64, help="同时生成的章节数")] = 4,
    repair_rounds: Annotated[int, typer.Option("--repair-rounds", min=0, max=10, help="校验后修复的最多轮数")] = 2,
    candidates: Annotated[int, typer.Option("--candidates", "-k", min=1, max=8,
                                            help="每个章节生成几个版本，按校验结果择优")] = 1,
    no_cache: Annotated[bool, typer.Option("--no-cache", help="不使用回复缓存")] = False,
    resume: Annotated[str | None, typer.Option("--resume", help="续写中断的运行（运行 id）")] = None,
    prompts: PromptsOpt = None,
    force: Annotated[bool, typer.Option("--force", help="覆盖不是稿件的同名文件")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="不在终端打印全文")] = False,
    export: Annotated[str | None, typer.Option("--export", help="同时导出，逗号分隔：docx,reading,md,txt")] = None,
    fallback_fonts: Annotated[bool, typer.Option("--fallback-fonts", help="导出 docx 时用常见字体代替公文字体")] = False,
) -> None:
    """根据事实文件起草讲话稿：分章节并行生成、校验、只修复有问题的章节，写出 OUT.json 与 OUT.md。

    仍有错误时退出码为 1（稿件照样写出）；Ctrl-C 中断后可用 --resume 续写。

    \b
    示例：speechwriter draft fixtures/facts/work_report_gongqingfu.yaml -o build/汇报
    """
    from ..engines import get_engine
    from ..facts.model import load_facts
    from ..pipeline.drafting import DraftOptions, ProgressBoard, execute_draft
    from ..prompts import PromptLibrary

    if facts_file is None:
        if not resume:
            raise InputError("请给出事实文件，或用 --resume 续写")
        facts_file = _facts_of_run(resume)
    facts = load_facts(facts_file)
    library = PromptLibrary(_prompts_dirs(prompts))
    eng = get_engine(engine, prompts_dirs=[str(d) for d in library.user_dirs], profile=profile, model=model,
                     base_url=base_url, temperature=temperature)
    from ..draft import output_paths
    from ..export.writers import plan_exports

    out = output_paths(output or Path(facts_file.name).with_suffix("").with_suffix(".draft"), force)
    exports = plan_exports(export, out[0].with_suffix(""), force)  # checked before any engine call
    err = _console(stderr=True)
    if eng.rule_based:
        err.print("[dim]使用内置离线撰稿器（基于规则组稿，不调用大模型）。[/dim]")
    else:
        err.print(f"[dim]使用模型 {eng.model}（{getattr(getattr(eng, 'profile', None), 'base_url', None) or 'OpenAI'}）。[/dim]")
    options = DraftOptions(concurrency=concurrency, repair_rounds=repair_rounds, candidates=candidates)
    board = ProgressBoard()
    started: list[Any] = []
    from rich.live import Live

    live = Live(board, console=err, refresh_per_second=8, transient=False) if err.is_terminal else None
    try:
        if live:
            live.start()
        result = execute_draft(facts, genre=genre, engine=eng, library=library, options=options,
                               use_cache=not no_cache, resume=resume, progress=board.update,
                               on_start=started.append)
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
    _write_draft(result.draft, out)
    from ..export.writers import export_draft, fonts_from_option

    cpm = library.blueprint(result.draft.genre).chars_per_minute
    exported = [export_draft(result.draft, fmt, path, force=force, fonts=fonts_from_option(fallback_fonts),
                             chars_per_minute=cpm) for fmt, path in exports.items()]
    if not quiet:
        _console().print(result.draft)
    _console().print(result.report)
    err.print(_run_summary(result, eng))
    err.print(f"[green]✔[/green] 已写入 {out[0]}、{out[1]}（{result.draft.chars} 字）；运行记录 {result.run_id}")
    for path in exported:
        err.print(f"[green]✔[/green] 已导出 {path}")
    if result.failed:
        for sid, why in result.failed.items():
            err.print(f"[red]章节 {sid} 生成失败：[/red]{why}")
    if not result.ok:
        raise typer.Exit(1)


@_command(app, "eval")
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
    from ..evals import suite as evals

    console = _console()
    if args[0] == "list":
        _eval_list(console)
        return
    if args[0] == "compare":
        if len(args) != 3:
            raise InputError("用法：speechwriter eval compare RUN_A RUN_B")
        better, worse = evals.compare_runs(evals.load_results(args[1]), evals.load_results(args[2]), tolerance)
        _print_changes(console, better, worse)
        if worse:
            raise typer.Exit(1)
        return
    suites = [evals.load_suite(Path(a)) for a in args]
    failed = False
    for suite in suites:
        variants = _variants(suite, engine, profile, prompts)
        opts = evals.RunOptions(concurrency=concurrency, repeat=repeat, case_filter=case_filter or [],
                                use_cache=not no_cache)
        total = len(evals.select_cases(suite, opts.case_filter)) * len(variants) * repeat
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        with Progress(TextColumn(f"{suite.name}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                      console=_console(stderr=True), transient=True) as bar:
            task = bar.add_task("eval", total=total)
            result = evals.run_suite(suite, variants, opts, on_result=lambda _r, t=task: bar.advance(t))
        folder = evals.write_results(result)
        console.print(result)
        for r in result.results:
            if r.status != "passed":
                console.print(f"[red]✘ {r.case}[/red]（{r.variant}）：{r.error or '；'.join(r.failures)}")
        console.print(f"结果：{folder}/report.html · {result.seconds:.1f} 秒")
        failed = failed or result.failed
    if failed:
        raise typer.Exit(1)


def _variants(suite: Any, engine: str | None, profile: str | None, prompts: str | None) -> list[Any]:
    from itertools import product

    from ..evals.suite import Variant

    def split(value: str | None, default: Any) -> list[Any]:
        return [v.strip() for v in value.split(",") if v.strip()] if value else [default]

    engines = split(engine, suite.defaults.engine)
    profiles = split(profile, suite.defaults.profile)
    folders = split(prompts, suite.defaults.prompts)
    if profile and not engine:
        engines = ["openai"]
    return [Variant(engine=e, profile=p, prompts=str(Path(d).resolve()) if d else None)
            for e, p, d in product(engines, profiles, folders)]


def _eval_list(console: Any) -> None:
    from rich.table import Table

    from ..evals.suite import list_eval_runs

    table = Table(show_edge=False)
    runs = list_eval_runs()
    table.add_column("运行", no_wrap=True, min_width=max((len(r["run"]) for r in runs), default=4))
    for col in ("套件", "时间", "变体", "通过", "用时"):
        table.add_column(col)
    for run in runs:
        table.add_row(run["run"], run["suite"] or "", run["started_at"] or "", "、".join(run["variants"] or []),
                      f"{run['passed']}/{run['total']}", f"{run['seconds'] or 0:.1f}s")
    console.print(table)


def _print_changes(console: Any, better: list[Any], worse: list[Any]) -> None:
    from rich.table import Table

    if not better and not worse:
        console.print("两次运行的指标没有变化。")
        return
    table = Table(show_edge=False)
    for col in ("", "用例", "变体", "指标", "之前", "之后"):
        table.add_column(col)
    for c in worse:
        table.add_row("[red]退步[/red]", c.case, c.variant, c.metric, f"{c.before:.3g}", f"{c.after:.3g}")
    for c in better:
        table.add_row("[green]改进[/green]", c.case, c.variant, c.metric, f"{c.before:.3g}", f"{c.after:.3g}")
    console.print(table)
    console.print(f"改进 {len(better)} 项，退步 {len(worse)} 项")


@_command(app, "refine")
def refine_cmd(
    target: Annotated[str | None, typer.Argument(metavar="TARGET", help="稿件 JSON、运行 id 或事实文件")] = None,
    facts_file: Annotated[Path | None, typer.Option("--facts", "-f", help="事实文件（稿件中未记录时）")] = None,
    engine: Annotated[str | None, typer.Option("--engine", "-e", help="offline 或 openai")] = None,
    profile: Annotated[str | None, typer.Option("--profile", "-p", help="profile 名")] = None,
    model: Annotated[str | None, typer.Option("--model", "-m", help="模型名")] = None,
    base_url: Annotated[str | None, typer.Option("--base-url", help="OpenAI 兼容接口地址")] = None,
    resume: Annotated[bool, typer.Option("--resume", help="重新打开上次的修改会话")] = False,
    prompts: PromptsOpt = None,
) -> None:
    """在终端里逐节修改稿件：输入修改要求、看差异、接受或撤销，每次接受都自动保存。

    \b
    示例：speechwriter refine build/demo.json --engine openai --profile deepseek
    示例：speechwriter refine --resume
    """
    from ..engines import get_engine
    from ..refine import RefineRepl, RefineSession, last_session, open_target

    def factory(info: dict[str, Any], dirs: list[str]) -> Any:
        """The engine a resumed session used, unless the command line says otherwise."""
        name = engine or info.get("name")
        if name != "openai":
            return get_engine(name, prompts_dirs=dirs)
        return get_engine("openai", profile=profile or info.get("profile"), model=model or info.get("model"),
                          base_url=base_url or info.get("base_url"))

    console = _console()
    if resume:
        session = RefineSession.reopen(last_session(), engine_factory=factory)
        console.print(f"已恢复会话 {session.state.id}（{len(session.state.undo)} 次已接受的修改）")
    else:
        if target is None:
            raise InputError("请给出稿件 JSON、运行 id 或事实文件，或用 --resume 恢复上次的会话")
        draft, facts, library = open_target(target, facts_file, _prompts_dirs(prompts))
        eng = get_engine(engine, prompts_dirs=[str(d) for d in library.user_dirs], profile=profile, model=model,
                         base_url=base_url)
        if draft is None:
            from ..pipeline.drafting import draft_speech

            with _console(stderr=True).status("正在起草初稿…"):
                draft = draft_speech(facts, engine=eng, library=library)
        session = RefineSession.start(draft, facts, library, eng)
        console.print(f"修改会话 {session.state.id}（引擎 {eng.name}{'，基于规则' if eng.rule_based else ''}）")
    RefineRepl(session, console).run()


@_command(app, "export")
def export_cmd(
    draft_file: Annotated[Path, typer.Argument(metavar="DRAFT", help="draft 写出的稿件 JSON")],
    fmt: Annotated[str, typer.Option("--format", "-t", help="docx（公文格式）、reading（讲话用大字稿）、md、txt")],
    output: Annotated[Path, typer.Option("-o", "--output", help="输出文件路径")],
    force: Annotated[bool, typer.Option("--force", help="覆盖已存在的文件")] = False,
    fallback_fonts: Annotated[bool, typer.Option("--fallback-fonts", help="用宋体/仿宋/黑体/楷体代替方正小标宋、仿宋_GB2312 等")] = False,
    chars_per_minute: Annotated[int, typer.Option("--cpm", min=60, max=600, help="语速（字/分钟），用于大字稿的时间标注")] = 240,
) -> None:
    """把稿件导出为 GB/T 9704 公文格式的 Word、讲话用大字稿、Markdown 或纯文本。

    \b
    示例：speechwriter export build/demo.json --format docx -o build/汇报.docx
    """
    from ..draft import load_draft
    from ..export.writers import export_draft, fonts_from_option

    path = export_draft(load_draft(draft_file), fmt, output, force=force, fonts=fonts_from_option(fallback_fonts),
                        chars_per_minute=chars_per_minute)
    _console().print(f"[green]✔[/green] 已导出 {path}")


def _facts_of_run(run_id: str) -> Path:
    from ..pipeline.runs import open_run

    path = open_run(run_id).meta.get("facts_path")
    if not path:
        raise InputError(f"运行 {run_id} 没有记录事实文件路径，请在命令中给出")
    return Path(path)


def _run_summary(result: Any, engine: Any) -> str:
    from ..config import load_settings, price_for

    if engine.rule_based:
        return f"离线撰稿：{len(result.draft.sections)} 个章节"
    parts = [f"调用 {result.calls} 次", f"缓存命中 {result.cache_hits} 次",
             f"输入 {result.prompt_tokens} tokens", f"输出 {result.completion_tokens} tokens"]
    if result.repaired:
        fixed = [f"{sid}（{'→'.join(map(str, h))} 个错误）" for sid, h in result.repaired.items()]
        parts.append("修复：" + "、".join(fixed))
    price = price_for(load_settings(), engine.model) if not engine.rule_based else None
    if price:
        cost = result.prompt_tokens / 1000 * price.get("input", 0) + result.completion_tokens / 1000 * price.get("output", 0)
        parts.append(f"估算费用 {cost:.4f}（按配置单价）")
    return " · ".join(parts)


@_command(config_app, "show")
def config_show(profile: Annotated[str | None, typer.Option("--profile", "-p", help="profile 名")] = None) -> None:
    """显示生效的接口配置（密钥只显示首尾几位）。

    \b
    示例：speechwriter config show --profile deepseek
    """
    import os

    from rich.table import Table

    from ..config import load_settings, mask_key, resolve_profile

    settings = load_settings()
    console = _console()
    console.print(f"配置文件：{'、'.join(settings.sources) or '（无）'}")
    console.print(f"环境变量：OPENAI_API_KEY={mask_key(os.environ.get('OPENAI_API_KEY'))} · "
                  f"OPENAI_BASE_URL={os.environ.get('OPENAI_BASE_URL') or '（未设置）'} · "
                  f"SPEECHWRITER_MODEL={os.environ.get('SPEECHWRITER_MODEL') or '（未设置）'}")
    if settings.profiles:
        table = Table(show_edge=False)
        for col in ("profile", "base_url", "model", "密钥"):
            table.add_column(col)
        for name, prof in settings.profiles.items():
            mark = "（默认）" if name == settings.default_profile else ""
            table.add_row(name + mark, prof.base_url or "—", prof.model or "—", prof.public(masked=True)["api_key"])
        console.print(table)
    try:
        chosen = resolve_profile(profile, settings=settings)
    except InputError as exc:
        console.print(f"当前未配置大模型接口：{exc}；draft 将使用内置离线撰稿器。")
        return
    for key, value in chosen.public(masked=True).items():
        console.print(f"  {key} = {value}")


@_command(config_app, "check")
def config_check(
    profile: Annotated[str | None, typer.Option("--profile", "-p", help="profile 名")] = None,
    model: Annotated[str | None, typer.Option("--model", "-m", help="模型名")] = None,
    base_url: Annotated[str | None, typer.Option("--base-url", help="接口地址")] = None,
) -> None:
    """向接口发送一个极小的请求，检查地址、模型和密钥是否可用。

    \b
    示例：speechwriter config check --base-url http://127.0.0.1:11434/v1 --model qwen2.5
    """
    from ..engines import get_engine

    eng = get_engine("openai", profile=profile, model=model, base_url=base_url)
    with _console(stderr=True).status("正在连接…"):
        reply = eng.ping()  # type: ignore[attr-defined]
    _console().print(f"[green]✔[/green] 接口可用：模型 {eng.model} 回复「{reply.text.strip()[:20]}」")


@_command(runs_app, "list")
def runs_list() -> None:
    """列出本目录 .speechwriter/runs 下的运行记录。

    \b
    示例：speechwriter runs list
    """
    from rich.table import Table

    from ..pipeline.runs import list_runs

    table = Table(show_edge=False)
    for col in ("运行 id", "时间", "文种", "引擎", "状态", "调用", "tokens"):
        table.add_column(col, no_wrap=True)
    for run in list_runs():
        usage = run.get("usage") or {}
        table.add_row(run.get("run_id", "?"), run.get("created_at", ""), run.get("genre", ""),
                      f"{run.get('engine', {}).get('name')}/{run.get('engine', {}).get('model')}",
                      run.get("status", ""), str(usage.get("calls", "—")),
                      str(usage.get("prompt_tokens", 0) + usage.get("completion_tokens", 0)))
    _console().print(table)


@_command(runs_app, "show")
def runs_show(run_id: Annotated[str, typer.Argument(help="运行 id（唯一前缀即可）")]) -> None:
    """显示一次运行的记录：配置、各章节、每次调用和最后的校验结果。

    \b
    示例：speechwriter runs show 20261128-101500
    """
    import json

    from rich.table import Table

    from ..pipeline.runs import open_run

    rec = open_run(run_id)
    console = _console()
    meta = dict(rec.meta)
    console.print(f"[bold]{rec.id}[/bold] · 状态 {meta.get('status')} · 文种 {meta.get('genre')} · "
                  f"事实 {meta.get('facts_path')}")
    table = Table(show_edge=False)
    for col in ("#", "章节", "类型", "状态", "用时", "输入", "输出", "缓存"):
        table.add_column(col)
    for path in sorted((rec.folder / "calls").glob("*.json")):
        call = json.loads(path.read_text(encoding="utf-8"))
        usage = call.get("usage") or {}
        table.add_row(path.name[:4], call["section"], call["kind"], call["status"], f"{call['latency_ms']}ms",
                      str(usage.get("prompt_tokens", "")), str(usage.get("completion_tokens", "")),
                      "是" if call.get("cached") else "")
    console.print(table)
    console.print(f"已完成章节：{'、'.join(rec.sections()) or '（无）'}")
    report = rec.folder / "report.json"
    if report.is_file():
        data = json.loads(report.read_text(encoding="utf-8"))
        errors = [f for f in data["findings"] if f["severity"] == "error"]
        console.print(f"最终校验：{len(errors)} 个错误")


@_command(templates_app, "list")
def templates_list(prompts: PromptsOpt = None) -> None:
    """列出所有文种的章节及其使用的模板（用户目录优先）。

    \b
    示例：speechwriter templates list --prompts 我的提示词
    """
    from rich.table import Table

    from ..prompts import PromptLibrary

    library = PromptLibrary(_prompts_dirs(prompts))
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
            table.add_row(genre if spec is bp.sections[0] else "", spec.id + ("*" if spec.required else ""),
                          name, source)
    _console().print(table)


@_command(templates_app, "show")
def templates_show(
    genre: Annotated[str, typer.Argument(help="文种（蓝图 id）")],
    section: Annotated[str | None, typer.Argument(help="章节 id；省略时显示系统提示词")] = None,
    facts_file: Annotated[Path | None, typer.Option("--facts", help="用该事实文件渲染出完整提示词")] = None,
    prompts: PromptsOpt = None,
) -> None:
    """显示模板源码，或（加 --facts）渲染后的完整提示词。

    \b
    示例：speechwriter templates show work_report plans --facts fixtures/facts/work_report_gongqingfu.yaml
    """
    from rich.markup import escape
    from rich.rule import Rule

    from ..facts.model import load_facts
    from ..prompts import PromptLibrary

    library = PromptLibrary(_prompts_dirs(prompts))
    bp = library.blueprint(genre)
    spec = bp.section(section) if section else None
    console = _console()
    if spec is not None and spec.role == "salutation":
        console.print("称呼行由事实文件的 meta.addressees 生成，不使用模板。")
        return
    if facts_file is None:
        names = [library.system_template(genre)] + ([library.section_template(genre, spec)] if spec else [])
        for name, path in names:
            console.print(Rule(f"{name}  ({path})"))
            console.print(escape(path.read_text(encoding="utf-8")))
        return
    facts = load_facts(facts_file)
    specs = [spec] if spec else [s for s in bp.sections if s.role != "salutation"]
    for s in specs:
        prompt = library.render(facts, bp, s)
        console.print(Rule(f"{s.id} · {' + '.join(prompt.templates)} · sha256 {prompt.template_sha256[:12]}"))
        for message in prompt.messages:
            console.print(f"[bold]{message['role']}[/bold]")
            console.print(escape(message["content"]))


@_command(app, "validate")
def validate_cmd(
    draft_file: Annotated[Path, typer.Argument(metavar="DRAFT", help="稿件：draft 写出的 .json，或 .md/.txt 讲话稿")],
    facts_file: Annotated[Path, typer.Option("--facts", "-f", help="事实文件")],
    genre: GenreOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="以 JSON 输出发现的问题")] = False,
    strict: Annotated[bool, typer.Option("--strict", help="警告也视为错误")] = False,
    prompts: PromptsOpt = None,
) -> None:
    """校验稿件的结构、数字、名称、长度和文风。无错误退出码为 0，有错误为 1，输入有误为 2。

    \b
    示例：speechwriter validate build/demo.json --facts fixtures/facts/work_report_gongqingfu.yaml
    """
    from ..facts.model import load_facts
    from ..prompts import PromptLibrary
    from ..validate.checks import load_speech, validate

    facts = load_facts(facts_file)
    library = PromptLibrary(_prompts_dirs(prompts))
    blueprint = library.blueprint(genre or facts.meta.genre)
    report = validate(load_speech(draft_file, blueprint), facts, blueprint)
    if as_json:
        sys.stdout.write(report.to_json())
    else:
        _console().print(report)
    if not report.ok(strict):
        raise typer.Exit(1)


def _prompts_dirs(given: list[Path] | None) -> list[Path]:
    import os

    if given:
        return list(given)
    env = os.environ.get("SPEECHWRITER_PROMPTS")
    if env:
        return [Path(p) for p in env.split(os.pathsep) if p]
    from ..config import load_settings

    return [Path(p) for p in load_settings().prompts]


def _write_draft(draft: Any, out: tuple[Path, Path]) -> None:
    draft.save(out[0])
    from ..files import write_text_atomic

    write_text_atomic(out[1], draft.to_markdown())


def _write_new(path: Path, text: str, force: bool) -> None:
    from ..files import write_text_atomic

    if path.exists() and not force:
        raise InputError("文件已存在，如需覆盖请加 --force", path=str(path))
    if path.is_dir():
        raise InputError("这是一个目录", path=str(path))
    write_text_atomic(path, text)


def main() -> None:
    """Console-script entry point."""
    app()
