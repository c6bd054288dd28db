"""The root ``speechwriter`` command and what every command module shares.

Every command is a few lines over the library; heavy modules are imported inside the commands
so that ``speechwriter --help`` starts fast. Commands live one group per module in this package.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from .. import __version__
from ..errors import InputError, SpeechwriterError

if TYPE_CHECKING:
    from ..workspace import Workspace

app = typer.Typer(
    name="speechwriter",
    help="根据事实文件起草中文公文讲话稿，并校验结构与数字。",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)

PromptsOpt = Annotated[list[Path] | None, typer.Option(
    "--prompts", help="自定义提示词目录（可多次给出，优先于内置；也可用环境变量 SPEECHWRITER_PROMPTS）")]
GenreOpt = Annotated[str | None, typer.Option("--genre", "-g", help="文种（蓝图 id），默认取事实文件中的 meta.genre")]
EngineOpt = Annotated[str | None, typer.Option("--engine", "-e", help="offline（内置离线撰稿器）或 openai；"
                                               "默认：已配置接口时用 openai，否则 offline")]
ProfileOpt = Annotated[str | None, typer.Option("--profile", "-p", help="配置文件中的 profile 名")]
ModelOpt = Annotated[str | None, typer.Option("--model", "-m", help="模型名")]
BaseUrlOpt = Annotated[str | None, typer.Option("--base-url", help="OpenAI 兼容接口地址")]
ForceOpt = Annotated[bool, typer.Option("--force", help="覆盖已存在的文件")]


def console(stderr: bool = False) -> Any:
    """A rich console for people (stderr for progress and status, stdout for results)."""
    from rich.console import Console

    return Console(stderr=stderr, highlight=False, soft_wrap=True)


def workspace(prompts: list[Path] | None = None, examples: list[Path] | None = None) -> Workspace:
    """The workspace of the current folder, with ``--prompts`` and ``--examples`` folders when given."""
    from rich.markup import escape

    from ..workspace import Workspace

    ws = Workspace(prompts=prompts, examples=examples)
    ws.on_warning = lambda message: console(stderr=True).print(f"[yellow]警告：[/yellow]{escape(message)}")
    return ws


def _friendly(func: Callable[..., Any]) -> Callable[..., Any]:
    """Turn a :class:`SpeechwriterError` into one red Chinese line and its exit code."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except SpeechwriterError as exc:
            from rich.markup import escape

            from ..redact import redact

            console(stderr=True).print(f"[red]错误：[/red]{escape(redact(str(exc)))}")
            raise typer.Exit(exc.exit_code) from None
        except KeyboardInterrupt:
            console(stderr=True).print("已中断")
            raise typer.Exit(130) from None

    return wrapper


def command(group: typer.Typer, name: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """``@group.command(name)`` with friendly errors."""

    def decorate(func: Callable[..., Any]) -> Callable[..., Any]:
        group.command(name)(_friendly(func))
        return func

    return decorate


def subgroup(name: str, help: str) -> typer.Typer:
    """A command group (``speechwriter NAME …``) attached to the root app."""
    group = typer.Typer(help=help, no_args_is_help=True)
    app.add_typer(group, name=name)
    return group


def write_new(path: Path, text: str, force: bool) -> None:
    """Write a file the user named, refusing to overwrite unless ``--force``."""
    from ..files import write_text_atomic

    if path.exists() and not force:
        raise InputError("文件已存在，如需覆盖请加 --force", path=str(path))
    if path.is_dir():
        raise InputError("这是一个目录", path=str(path))
    write_text_atomic(path, text)


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


def main() -> None:
    """Console-script entry point."""
    app()
