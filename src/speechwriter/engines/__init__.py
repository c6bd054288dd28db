"""Engines: messages in, text out (plus streaming). The pipeline never knows which one it has.

- :class:`~speechwriter.engines.offline.OfflineComposer`: the embedded default, rule-based.
- :class:`~speechwriter.testing.engines.ScriptedEngine` / ``FunctionEngine``: test doubles.
"""

from __future__ import annotations

from .base import Completion, Engine, EngineError, Message

__all__ = ["ENGINE_NAMES", "Completion", "Engine", "EngineError", "Message", "get_engine"]

ENGINE_NAMES = ("offline", "openai")


def get_engine(name: str | None = None, *, prompts_dirs: list[str] | None = None, profile: str | None = None,
               model: str | None = None, base_url: str | None = None, temperature: float | None = None) -> Engine:
    """The engine called ``name``.

    With None: the OpenAI-compatible engine when an endpoint is configured (a default profile,
    ``OPENAI_BASE_URL`` or ``SPEECHWRITER_MODEL``, or any of the options here), else the offline
    composer.
    """
    from ..config import endpoint_configured, load_settings, resolve_profile
    from ..errors import InputError

    if name is None:
        explicit = any(v is not None for v in (profile, model, base_url))
        name = "openai" if explicit or endpoint_configured(load_settings()) else "offline"
    if name == "offline":
        from .offline import OfflineComposer

        return OfflineComposer.from_prompts(prompts_dirs)
    if name == "openai":
        from .openai import OpenAIEngine

        chosen = resolve_profile(profile, model=model, base_url=base_url, temperature=temperature)
        chosen.key()  # fail now, naming the variable to set, not after the first request
        return OpenAIEngine(chosen)
    raise InputError(f"未知引擎「{name}」，可选：{'、'.join(ENGINE_NAMES)}")
