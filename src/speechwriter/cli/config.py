"""``speechwriter config …``: show and check the LLM endpoint settings."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from .app import BaseUrlOpt, ForceOpt, ModelOpt, ProfileOpt, command, console, print_json, subgroup, workspace

if TYPE_CHECKING:
    from ..config import Settings

config_app = subgroup("config", "大模型接口配置：生成、查看、检查。")


@command(config_app, "init")
def config_init(
    path: Annotated[Path | None, typer.Argument(metavar="[FILE]", help="写到哪里（默认 ./speechwriter.toml）")] = None,
    user: Annotated[bool, typer.Option("--user", help="写到用户配置目录（$XDG_CONFIG_HOME/speechwriter/config.toml）")] = False,
    force: ForceOpt = False,
) -> None:
    """生成带注释的配置文件，含 OpenAI、DeepSeek、通义千问、智谱 GLM、Kimi、Ollama、vLLM、llama.cpp 的示例 profile。

    \b
    示例：speechwriter config init
    示例：speechwriter config init --user
    """
    from ..config import starter_config, user_config_dir
    from .app import write_new

    target = path or (user_config_dir() / "config.toml" if user else Path("speechwriter.toml"))
    if user:
        target.parent.mkdir(parents=True, exist_ok=True)
    write_new(target, starter_config(), force, mode=0o600)  # the user may well paste a key into it
    console().print(f"[green]✔[/green] 已写入 {target}；选用 profile：--profile 名称，或设置环境变量 SPEECHWRITER_PROFILE")


@command(config_app, "show")
def config_show(
    profile: ProfileOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="以 JSON 输出（密钥同样只显示首尾几位）")] = False,
) -> None:
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
    unmasked_clouds = mask_suggestions(settings)
    if as_json:
        try:
            chosen: dict | None = resolve_profile(profile, settings=settings).public(masked=True)
            problem = None
        except InputError as exc:
            chosen, problem = None, str(exc)
        print_json({"sources": settings.sources, "default_profile": settings.default_profile,
                    "env_profile": os.environ.get("SPEECHWRITER_PROFILE"),
                    "profiles": {n: p.public(masked=True) for n, p in settings.profiles.items()},
                    "active": chosen, "problem": problem, "mask_suggested": unmasked_clouds})
        return
    out = console()
    out.print(f"配置文件：{'、'.join(settings.sources) or '（无）'}")
    out.print(f"环境变量：OPENAI_API_KEY={mask_key(os.environ.get('OPENAI_API_KEY'))} · "
              f"OPENAI_BASE_URL={public_url(os.environ.get('OPENAI_BASE_URL')) or '（未设置）'} · "
              f"SPEECHWRITER_MODEL={os.environ.get('SPEECHWRITER_MODEL') or '（未设置）'}")
    if settings.profiles:
        table = Table(show_edge=False)
        for col in ("profile", "base_url", "model", "密钥", "脱敏"):
            table.add_column(col)
        for name, prof in settings.profiles.items():
            mark = "（默认）" if name == settings.default_profile else ""
            table.add_row(name + mark, prof.public_base_url or "—", prof.model or "—",
                          prof.public(masked=True)["api_key"], "、".join(prof.mask) or "—")
        out.print(table)
    for name, kinds in unmasked_clouds.items():
        listed = ", ".join(f'"{k}"' for k in kinds)
        out.print(f"提示：profile {name} 是公共云接口，未开启脱敏；单位不许把内部数字、人名发往云端时，"
                  f"在 [profiles.{name}] 中加 mask = [{listed}]")
    try:
        chosen = resolve_profile(profile, settings=settings)
    except InputError as exc:
        out.print(f"当前未配置大模型接口：{exc}；draft 将使用内置离线撰稿器。")
        return
    for key, value in chosen.public(masked=True).items():
        out.print(f"  {key} = {value}")


def mask_suggestions(settings: Settings) -> dict[str, list[str]]:
    """Profiles on a known public cloud with masking off -> the masking to suggest for them."""
    from ..config import suggested_mask

    return {name: suggested_mask(p.base_url) for name, p in settings.profiles.items()
            if not p.mask and not p.chat_model and suggested_mask(p.base_url)}


@command(config_app, "check")
def config_check(
    profile: ProfileOpt = None,
    model: ModelOpt = None,
    base_url: BaseUrlOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="以 JSON 输出（接口、模型、回复开头）")] = False,
) -> None:
    """向接口发送一个极小的请求，检查地址、模型和密钥是否可用。

    \b
    示例：speechwriter config check --base-url http://127.0.0.1:11434/v1 --model qwen2.5
    """
    ws = workspace()
    eng = ws.engine("openai", profile=profile, model=model, base_url=base_url)
    with console(stderr=True).status("正在连接…"):
        reply = eng.ping(ws.library().ping_messages())
    if as_json:
        info = eng.describe()
        print_json({"ok": True, "model": eng.model_name, "base_url": info.base_url, "profile": info.profile,
                    "reply": reply.text.strip()[:20]})
        return
    console().print(f"[green]✔[/green] 接口可用：模型 {eng.model_name} 回复「{reply.text.strip()[:20]}」")
