"""Engines: messages in, text out (plus streaming). The pipeline never knows which one it has.

- :class:`~speechwriter.engines.offline.OfflineComposer`: the embedded default, rule-based.
- :class:`~speechwriter.engines.testing.ScriptedEngine` / ``FunctionEngine``: test doubles.
"""

from __future__ import annotations

from .base import Completion, Engine, EngineError, Message

__all__ = ["ENGINE_NAMES", "Completion", "Engine", "EngineError", "Message", "get_engine"]

ENGINE_NAMES = ("offline", "openai")


def get_engine(name: str | None = None, *, prompts_dirs: list[str] | None = None) -> Engine:
    """The engine called ``name``; with None, the offline composer (no endpoint configured)."""
    from ..errors import InputError

    if name in (None, "offline"):
        from .offline import OfflineComposer

        return OfflineComposer.from_prompts(prompts_dirs)
    if name == "openai":
        raise InputError("OpenAI 兼容引擎尚未实现（见 issue 5），请使用 --engine offline")
    raise InputError(f"未知引擎「{name}」，可选：{'、'.join(ENGINE_NAMES)}")
