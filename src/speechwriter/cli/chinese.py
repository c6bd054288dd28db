"""Click's usage errors and help headings in Chinese, like every other message of the CLI.

typer builds on click, whose parser reports problems in English ("Missing argument 'FACTS'.",
"No such option: --foo"). The command classes here translate those messages where they are
raised (the parsing of the root group and of each command), so both the installed command and
the test runner show the same Chinese text, with the usage line and a pointer to ``--help``.
"""

from __future__ import annotations

import re
from typing import Any

import typer
from typer.core import TyperArgument, TyperCommand, TyperGroup, TyperOption


def _by_name(base: type, name: str) -> type:
    """A class of click's exception family, found through typer's public ``BadParameter``.

    typer ships its own copy of click, whose exceptions are the ones its parser raises; they are
    reached here from a public class (its bases and their subclasses) instead of typer's private module.
    """
    for cls in (*base.__mro__, *base.__subclasses__()):
        if cls.__name__ == name:
            return cls
    raise ImportError(f"typer no longer has click's {name}")  # a typer upgrade changed the family


class _Exc:
    UsageError: Any = _by_name(typer.BadParameter, "UsageError")
    ClickException: Any = _by_name(typer.BadParameter, "ClickException")
    NoArgsIsHelpError: Any = _by_name(_by_name(typer.BadParameter, "UsageError"), "NoArgsIsHelpError")


_exc = _Exc

__all__ = ["ChineseCommand", "ChineseGroup", "translate"]

# English message (click 8) -> Chinese; unknown messages pass through unchanged.
_MESSAGES: list[tuple[re.Pattern[str], str]] = [(re.compile(p), t) for p, t in [
    (r"^Missing argument (.+?)\.?$", "缺少参数 {0}"),
    (r"^Missing option (.+?)\.(?:\s*Choose from:(.*))?$", "缺少选项 {0}"),
    (r"^Missing option (.+?)\.?$", "缺少选项 {0}"),
    (r"^Missing parameter: (.+?)\.?$", "缺少参数 {0}"),
    (r"^No such option: (\S+?) Did you mean (\S+?)\?$", "没有选项 {0}，是否想写 {1}？"),
    (r"^No such option: (\S+?)\s*\(Possible options: (.+)\)$", "没有选项 {0}，可能是：{1}"),
    (r"^No such option: (\S+)$", "没有选项 {0}"),
    (r"^No such command '(.+?)'\.\s*Did you mean '(.+?)'\?$", "没有命令「{0}」，是否想写「{1}」？"),
    (r"^No such command '(.+?)'\.?$", "没有命令「{0}」"),
    (r"^Got unexpected extra arguments? \((.+)\)$", "多余的参数：{0}"),
    (r"^Option '(.+?)' requires an argument\.?$", "选项 {0} 需要一个值"),
    (r"^Option '(.+?)' requires (\d+) arguments\.?$", "选项 {0} 需要 {1} 个值"),
    (r"^Option '(.+?)' does not take a value\.?$", "选项 {0} 不接受值"),
    (r"^Missing command\.?$", "缺少子命令"),
    (r"^Invalid value for (.+?): (.+)$", "{0} 的值无效：{1}"),
]]
_VALUES: list[tuple[re.Pattern[str], str]] = [(re.compile(p), t) for p, t in [
    (r"^'?(.*?)'? is not a valid integer( range)?\.?$", "「{0}」不是整数"),
    (r"^'?(.*?)'? is not a valid float( range)?\.?$", "「{0}」不是数字"),
    (r"^'?(.*?)'? is not a valid boolean\.?$", "「{0}」不是布尔值（true/false）"),
    (r"^(.+?) is not in the range (.+?)\.?$", "{0} 不在范围 {1} 内"),
    (r"^(.+?) is not one of (.+?)\.?$", "「{0}」不是可选值之一：{1}"),
    (r"^'(.+?)' is not one of (.+?)\.?$", "「{0}」不是可选值之一：{1}"),
    (r"^(?:File|Path|Directory) '(.+?)' does not exist\.?$", "「{0}」不存在"),
    (r"^(?:File|Path) '(.+?)' is a directory\.?$", "「{0}」是目录"),
    (r"^(?:Directory|Path) '(.+?)' is a file\.?$", "「{0}」是文件"),
    (r"^(?:File|Path|Directory) '(.+?)' is not readable\.?$", "「{0}」不可读"),
    (r"^Input should be greater than or equal to (.+?)\.?$", "应不小于 {0}"),
    (r"^Input should be less than or equal to (.+?)\.?$", "应不大于 {0}"),
    (r"^Input should be greater than (.+?)\.?$", "应大于 {0}"),
    (r"^Input should be less than (.+?)\.?$", "应小于 {0}"),
    (r"^Input should be a valid integer.*$", "应为整数"),
    (r"^Input should be a valid number.*$", "应为数字"),
    (r"^Input should be a valid boolean.*$", "应为 true 或 false"),
    (r"^Input should be (.+)$", "应为 {0}"),
]]

_HELP = [
    ("Usage: ", "用法："), ("Usage:", "用法："), ("[OPTIONS]", "[选项]"), ("COMMAND [ARGS]...", "命令 [参数]..."),
    ("\nOptions:\n", "\n选项：\n"), ("\nArguments:\n", "\n参数：\n"), ("\nCommands:\n", "\n命令：\n"),
    ("Show this message and exit.", "显示帮助并退出。"), ("[default: ", "[默认："), ("[required]", "[必填]"),
    ("[env var: ", "[环境变量："),
]


def translate(message: str) -> str:
    """One of click's English messages in Chinese (unknown ones unchanged)."""
    message = message.strip()
    for pattern, template in _MESSAGES:
        m = pattern.match(message)
        if m:
            parts = [g.strip().replace("'", "").replace(" / ", "/") if g else "" for g in m.groups()]
            if template.startswith("{0} 的值无效"):
                parts[1] = _value(parts[1])
            return template.format(*parts)
    return _value(message)


def _value(message: str) -> str:
    for pattern, template in _VALUES:
        m = pattern.match(message)
        if m:
            return template.format(*[g or "" for g in m.groups()])
    return message


def _help_text(text: str) -> str:
    for english, chinese in _HELP:
        text = text.replace(english, chinese)
    return text


class ChineseUsageError(_exc.UsageError):
    """A usage error already in Chinese: usage line, the error, and where to get help."""

    def show(self, file: Any = None) -> None:
        if self.ctx is not None:
            typer.echo(_help_text(self.ctx.get_usage()), err=True)
            typer.echo(f"查看帮助：{self.ctx.command_path} --help", err=True)
        typer.echo(f"错误：{self.message}", err=True)


class ChineseError(_exc.ClickException):
    def show(self, file: Any = None) -> None:
        typer.echo(f"错误：{self.message}", err=True)


def _chinese(exc: Any) -> Any:
    if isinstance(exc, (ChineseUsageError, ChineseError, _exc.NoArgsIsHelpError)):
        return exc  # NoArgsIsHelpError shows the (already Chinese) help
    text = translate(exc.format_message())
    out: Any = ChineseUsageError(text, exc.ctx) if isinstance(exc, _exc.UsageError) \
        else ChineseError(text)
    out.exit_code = exc.exit_code
    return out


class ReadableArgument(TyperArgument):
    """An argument shown by its name only: ``DRAFT``, ``[FACTS]`` (not ``{DRAFT}`` or ``DRAFT <path>``)."""

    def display_type_rich(self, ctx: Any) -> str | None:
        return None

    def display_type(self, ctx: Any) -> str:
        return ""

    def _usage_display_name(self) -> str:
        name = self.display_name_raw
        if self.nargs != 1 and "..." not in name:
            name += "..."
        return name if self.required else f"[{name}]"


def _metavar(option: Any) -> str:
    """A readable metavar: N for whole numbers, NUM for numbers, PATH for paths, else the option's own name."""
    desc = getattr(option, "type_descriptor", None)
    annotation = getattr(desc, "annotation", None)
    if desc is not None and getattr(desc, "is_choice", False) and desc.choices:
        return "[" + "|".join(map(str, desc.choices)) + "]"
    if annotation is int:
        return "N"
    if annotation is float:
        return "NUM"
    if desc is not None and getattr(desc, "is_path", False):
        return "PATH"
    longest = max(option.opts, key=len).lstrip("-")
    return longest.upper().replace("-", "_")


def _readable(params: list[Any]) -> None:
    for param in params:
        if isinstance(param, TyperArgument) and not isinstance(param, ReadableArgument):
            param.__class__ = ReadableArgument
        elif isinstance(param, TyperOption) and param.metavar is None and not getattr(param, "is_flag", False) \
                and not getattr(param, "count", False):
            param.metavar = _metavar(param)


class _Chinese:
    """Mixed into click commands: parsing errors and help in Chinese, readable metavars."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _readable(self.params)  # type: ignore[attr-defined]

    def make_context(self, *args: Any, **kwargs: Any) -> Any:
        try:
            return super().make_context(*args, **kwargs)  # type: ignore[misc]
        except _exc.ClickException as exc:
            raise _chinese(exc) from None

    def get_help(self, ctx: Any) -> str:
        return _help_text(super().get_help(ctx))  # type: ignore[misc]

    def get_usage(self, ctx: Any) -> str:
        return _help_text(super().get_usage(ctx))  # type: ignore[misc]


class ChineseCommand(_Chinese, TyperCommand):
    """A typer command whose usage errors and help headings are Chinese."""


class ChineseGroup(_Chinese, TyperGroup):
    """A typer group whose usage errors (its own and its subcommands') and help headings are Chinese."""

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except _exc.ClickException as exc:
            raise _chinese(exc) from None

    def resolve_command(self, ctx: Any, args: list[str]) -> Any:
        try:
            return super().resolve_command(ctx, args)
        except _exc.ClickException as exc:
            raise _chinese(exc) from None
