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

from . import __version__
from .errors import InputError, SpeechwriterError

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


def _console(stderr: bool = False) -> Any:
    from rich.console import Console

    return Console(stderr=stderr, highlight=False, soft_wrap=stderr)


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

    示例：speechwriter facts check fixtures/facts/work_report_gongqingfu.yaml
    """
    from .facts import load_facts

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

    示例：speechwriter facts schema -o facts.schema.json
    """
    import json

    from .facts import facts_json_schema

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

    示例：speechwriter facts init --genre duty_report 我的述职.yaml
    """
    from .starters import starter_text

    _write_new(path, starter_text(genre), force)
    _console().print(f"[green]✔[/green] 已创建 {path}（文种 {genre}），编辑后运行 "
                     f"speechwriter facts check {path}")


def _write_new(path: Path, text: str, force: bool) -> None:
    from .files import write_text_atomic

    if path.exists() and not force:
        raise InputError("文件已存在，如需覆盖请加 --force", path=str(path))
    if path.is_dir():
        raise InputError("这是一个目录", path=str(path))
    write_text_atomic(path, text)


def main() -> None:
    """Console-script entry point."""
    app()
