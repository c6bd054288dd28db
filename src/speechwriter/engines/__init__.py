"""Engines: messages in, text out (plus streaming). The pipeline never knows which one it has.

Engines are registered by name in one place (:data:`ENGINES`); :func:`register_engine` lets a
plugin add its own. Built in:

- ``offline`` — :class:`~speechwriter.engines.offline.OfflineComposer`, the embedded default, rule-based;
- ``openai`` — :class:`~speechwriter.engines.openai.OpenAIEngine`, any OpenAI-compatible endpoint;
- ``langchain`` — :class:`~speechwriter.engines.langchain.LangChainEngine`, any LangChain chat model named
  by import path in the profile's ``chat_model`` (a profile with ``chat_model`` uses it under either name).

Test doubles (a scripted HTTP server and scripted engines) live in :mod:`speechwriter.testing`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from .base import Attempt, Completion, Engine, EngineError, EngineInfo, Message, Request

__all__ = ["ENGINES", "Attempt", "Completion", "Engine", "EngineError", "EngineInfo", "EngineSpec", "Message",
           "Request", "engine_names", "register_engine"]


@dataclass(frozen=True)
class EngineSpec:
    """What building an engine may use: the workspace's prompt folders and profile choices."""

    prompts_dirs: tuple[Path, ...] = ()
    profile: str | None = None
    model: str | None = None
    base_url: str | None = None
    temperature: float | None = None
    settings: object | None = None  # config.Settings; typed loosely to keep engines free of config imports


EngineFactory = Callable[[EngineSpec], Engine]


def _offline(spec: EngineSpec) -> Engine:
    from .offline import OfflineComposer

    return OfflineComposer.from_prompts(spec.prompts_dirs)


def _openai(spec: EngineSpec) -> Engine:
    from ..config import resolve_profile
    from .openai import OpenAIEngine

    chosen = resolve_profile(spec.profile, model=spec.model, base_url=spec.base_url, temperature=spec.temperature,
                             settings=spec.settings)  # type: ignore[arg-type]
    if chosen.chat_model:
        return _langchain_from(chosen)
    chosen.key()  # fail now, naming the variable to set, not after the first request
    return OpenAIEngine(chosen)


def _langchain_from(profile: object) -> Engine:
    import os

    from ..config import is_loopback_url
    from .langchain import LangChainEngine
    from .openai import LOCAL_ONLY_ENV

    base_url = getattr(profile, "base_url", None)
    if os.environ.get(LOCAL_ONLY_ENV) and base_url and not is_loopback_url(base_url):
        raise EngineError(f"测试环境中禁止访问非本机地址：{getattr(profile, 'public_base_url', '')}")
    return LangChainEngine.from_profile(profile)  # type: ignore[arg-type]


def _langchain(spec: EngineSpec) -> Engine:
    from ..config import resolve_profile
    from ..errors import InputError

    chosen = resolve_profile(spec.profile, model=spec.model, base_url=spec.base_url, temperature=spec.temperature,
                             settings=spec.settings, require_model=False)  # type: ignore[arg-type]
    if not chosen.chat_model:
        raise InputError("--engine langchain 需要 profile 中的 chat_model（LangChain 聊天模型类的导入路径，"
                         "如 langchain_openai:ChatOpenAI）")
    return _langchain_from(chosen)


ENGINES: dict[str, EngineFactory] = {"offline": _offline, "openai": _openai, "langchain": _langchain}
"""Engine name → factory. Extend with :func:`register_engine`."""


def register_engine(name: str, factory: EngineFactory) -> None:
    """Make ``--engine NAME`` build an engine with ``factory(spec)`` (for plugins)."""
    ENGINES[name] = factory


def engine_names() -> Iterable[str]:
    return tuple(ENGINES)
