"""``speechwriter config …``: show and check the LLM endpoint settings."""

from __future__ import annotations

from typing import Annotated

import typer

from .app import BaseUrlOpt, ModelOpt, command, console, subgroup, workspace

config_app = subgroup("config", "大模型接口配置：查看、检查。")


@command(config_app, "show")
def config_show(profile: Annotated[str | None, typer.Option("--profile", "-p", help="profile 名")] = None) -> None:
    """显示生效的接口配置（密钥只显示首尾几位）。

    \b
    示例：speechwriter config show --profile deepseek
    """
    import os

    from rich.table import Table

    from ..config import mask_key, resolve_profile
    from ..errors import InputError
    from ..redact import public_url

    settings = workspace().settings
    out = console()
    out.print(f"配置文件：{'、'.join(settings.sources) or '（无）'}")
    out.print(f"环境变量：OPENAI_API_KEY={mask_key(os.environ.get('OPENAI_API_KEY'))} · "
              f"OPENAI_BASE_URL={public_url(os.environ.get('OPENAI_BASE_URL')) or '（未设置）'} · "
              f"SPEECHWRITER_MODEL={os.environ.get('SPEECHWRITER_MODEL') or '（未设置）'}")
    if settings.profiles:
        table = Table(show_edge=False)
        for col in ("profile", "base_url", "model", "密钥"):
            table.add_column(col)
        for name, prof in settings.profiles.items():
            mark = "（默认）" if name == settings.default_profile else ""
            table.add_row(name + mark, prof.public_base_url or "—", prof.model or "—",
                          prof.public(masked=True)["api_key"])
        out.print(table)
    try:
        chosen = resolve_profile(profile, settings=settings)
    except InputError as exc:
        out.print(f"当前未配置大模型接口：{exc}；draft 将使用内置离线撰稿器。")
        return
    for key, value in chosen.public(masked=True).items():
        out.print(f"  {key} = {value}")


@command(config_app, "check")
def config_check(
    profile: Annotated[str | None, typer.Option("--profile", "-p", help="profile 名")] = None,
    model: ModelOpt = None,
    base_url: BaseUrlOpt = None,
) -> None:
    """向接口发送一个极小的请求，检查地址、模型和密钥是否可用。

    \b
    示例：speechwriter config check --base-url http://127.0.0.1:11434/v1 --model qwen2.5
    """
    ws = workspace()
    eng = ws.engine("openai", profile=profile, model=model, base_url=base_url)
    with console(stderr=True).status("正在连接…"):
        reply = eng.ping(ws.library().ping_messages())
    console().print(f"[green]✔[/green] 接口可用：模型 {eng.model_name} 回复「{reply.text.strip()[:20]}」")
