"""The one small interface every engine implements."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, TypedDict

from ..errors import SpeechwriterError


def run_sync(coro: Any) -> Any:
    """Run a coroutine to completion from synchronous code.

    Inside a running event loop (a Jupyter notebook) ``asyncio.run`` refuses, so the coroutine
    then runs on its own loop in a worker thread.
    """
    import asyncio

    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coro)
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coro).result()


class Message(TypedDict):
    """A chat message as the OpenAI-compatible API has it."""

    role: str
    content: str


class EngineError(SpeechwriterError):
    """An engine could not produce text (endpoint down, refusal, unreadable prompt …)."""


@dataclass
class Completion:
    """What an engine returns for one request."""

    text: str
    finish_reason: str = "stop"
    model: str | None = None
    usage: dict[str, int] = field(default_factory=dict)
    cached: bool = False


class Engine(ABC):
    """Messages in, text out. Subclasses implement :meth:`complete`; streaming is optional."""

    name: str = "engine"
    model: str | None = None
    rule_based: bool = False

    @abstractmethod
    def complete(self, messages: list[Message], **params: Any) -> Completion:
        """Return the reply to ``messages``."""

    async def acomplete(self, messages: list[Message], *, on_text: Any = None, **params: Any) -> Completion:
        """Async :meth:`complete`; ``on_text`` receives pieces of the reply as they arrive."""
        import asyncio

        result = await asyncio.to_thread(self.complete, messages, **params)
        if on_text is not None:
            on_text(result.text)
        return result

    def stream(self, messages: list[Message], **params: Any) -> Iterator[str]:
        """Yield the reply in pieces; engines without real streaming yield it whole."""
        yield self.complete(messages, **params).text
