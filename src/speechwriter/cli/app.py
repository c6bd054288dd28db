"""The root ``speechwriter`` command and what every command module shares.

Every command is a few lines over the library; heavy modules are imported inside the commands
so that ``speechwriter --help`` starts fast. Commands live one group per module in this package.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from ..errors import InputError, SpeechwriterError
from .chinese import ChineseCommand, ChineseGroup

if TYPE_CHECKING:
    from ..workspace import Workspace

app = typer.Typer(
    name="speechwriter",
    help="根据事实文件起草中文公文讲话稿，并校验结构与数字。",
    no_args_is_help=True,
    add_completion=False,  # our own --install-completion/--show-completion below, with Chinese help
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    cls=ChineseGroup,
    context_settings={"help_option_names": ["-h", "--help"]},
)

PromptsOpt = Annotated[list[Path] | None, typer.Option(
    "--prompts", metavar="DIR", help="自定义提示词目录（可多次给出，优先于内置；也可用环境变量 SPEECHWRITER_PROMPTS）")]
VerboseOpt = Annotated[bool, typer.Option("--verbose", "-v", help="显示更多过程信息")]
QuietOpt = Annotated[bool, typer.Option("--quiet", "-q", help="只输出结果和错误")]
GenreOpt = Annotated[str | None, typer.Option("--genre", "-g", help="文种（蓝图 id），默认取事实文件中的 meta.genre")]
EngineOpt = Annotated[str | None, typer.Option("--engine", "-e", help="offline（内置离线撰稿器）或 openai；"
                                               "默认：已配置接口时用 openai，否则 offline")]
ProfileOpt = Annotated[str | None, typer.Option("--profile", "-p", metavar="NAME",
                                                help="配置文件中的 profile 名（默认取环境变量 SPEECHWRITER_PROFILE）")]
ModelOpt = Annotated[str | None, typer.Option("--model", "-m", metavar="MODEL", help="模型名")]
BaseUrlOpt = Annotated[str | None, typer.Option("--base-url", metavar="URL", help="OpenAI 兼容接口地址")]
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
    """``@group.command(name)`` with friendly errors (and usage errors in Chinese)."""

    def decorate(func: Callable[..., Any]) -> Callable[..., Any]:
        group.command(name, cls=ChineseCommand)(_friendly(func))
        return func

    return decorate


def subgroup(name: str, help: str) -> typer.Typer:
    """A command group (``speechwriter NAME …``) attached to the root app."""
    group = typer.Typer(help=help, no_args_is_help=True, cls=ChineseGroup)
    app.add_typer(group, name=name)
    return group


def print_json(data: Any) -> None:
    """Machine-readable output on stdout (``--json``): UTF-8, indented, nothing else on stdout."""
    import json
    import sys

    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2, default=str) + "\n")


def is_terminal() -> bool:
    """Whether stdout is a terminal (piped output gets plain rows instead of tables)."""
    import sys

    return sys.stdout.isatty()


def write_new(path: Path, text: str, force: bool, *, mode: int | None = None) -> None:
    """Write a file the user named, refusing to overwrite unless ``--force`` (``mode``: see write_text_atomic)."""
    from ..files import write_text_atomic

    if path.exists() and not force:
        raise InputError("文件已存在，如需覆盖请加 --force", path=str(path))
    if path.is_dir():
        raise InputError("这是一个目录", path=str(path))
    write_text_atomic(path, text, mode=mode)


def _version(value: bool) -> None:
    if value:
        from .. import __version__

        typer.echo(f"speechwriter {__version__}")
        raise typer.Exit()


def _no_color(value: bool) -> None:
    if value:  # rich (and everything else that follows the convention) reads NO_COLOR
        os.environ["NO_COLOR"] = "1"


def _shell() -> str:
    name = Path(os.environ.get("SHELL", "")).name
    if name not in ("bash", "zsh", "fish", "powershell", "pwsh"):
        raise typer.BadParameter(f"无法识别当前的 shell（{name or '未设置 SHELL'}）：支持 bash、zsh、fish、pwsh，"
                                 "可设置 SHELL 环境变量后重试")
    return name


def _show_completion(ctx: Any, param: Any, value: bool) -> None:
    if not value or ctx.resilient_parsing:
        return
    from typer._completion_shared import get_completion_script
    from typer.completion import completion_init

    completion_init()
    prog = ctx.find_root().info_name or "speechwriter"
    typer.echo(get_completion_script(prog_name=prog, complete_var=f"_{prog.upper()}_COMPLETE",
                                     shell=_shell()))
    raise typer.Exit()


def _install_completion(ctx: Any, param: Any, value: bool) -> None:
    if not value or ctx.resilient_parsing:
        return
    from typer._completion_shared import install
    from typer.completion import completion_init

    completion_init()
    prog = ctx.find_root().info_name or "speechwriter"
    shell, path = install(shell=_shell(), prog_name=prog, complete_var=f"_{prog.upper()}_COMPLETE")
    typer.echo(f"已为 {shell} 安装命令补全：{path}（重新打开终端后生效）")
    raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[bool | None, typer.Option("--version", callback=_version, is_eager=True,
                                                 help="显示版本并退出。")] = None,
    no_color: Annotated[bool, typer.Option("--no-color", callback=_no_color, is_eager=True,
                                           help="不使用颜色（也可设环境变量 NO_COLOR）")] = False,
    install_completion: Annotated[bool, typer.Option(
        "--install-completion", callback=_install_completion, is_eager=True, expose_value=False,
        help="为当前 shell（bash、zsh、fish、pwsh，取自 SHELL）安装命令补全")] = False,
    show_completion: Annotated[bool, typer.Option(
        "--show-completion", callback=_show_completion, is_eager=True, expose_value=False,
        help="显示当前 shell 的补全脚本，可自行复制安装")] = False,
) -> None:
    """根据事实文件起草中文公文讲话稿，并校验结构与数字。"""


def main() -> None:
    """Console-script entry point."""
    from typer.completion import completion_init

    completion_init()  # the shells typer completes for, also when a shell asks (_SPEECHWRITER_COMPLETE)
    app()
