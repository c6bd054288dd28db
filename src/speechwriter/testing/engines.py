"""Test doubles that ship with the library: scripted replies and function-backed engines."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from ..engines.base import Completion, Engine, EngineError, Message, Request


class _RecordingEngine(Engine):
    """Keeps every request it is sent (messages and kind) and answers with :meth:`reply`."""

    def __init__(self) -> None:
        self.requests: list[list[Message]] = []
        self.kinds: list[str] = []

    @property
    def model_name(self) -> str:
        return self.name

    def complete(self, messages: list[Message], request: Request | None = None) -> Completion:
        self.requests.append(list(messages))
        self.kinds.append((request or Request()).kind)
        reply = self.reply(messages)
        return reply if isinstance(reply, Completion) else Completion(text=reply, model=self.name)

    def reply(self, messages: list[Message]) -> str | Completion:
        raise NotImplementedError


class ScriptedEngine(_RecordingEngine):
    """Replays queued replies in order and records every request it was sent."""

    name = "scripted"

    def __init__(self, replies: Iterable[str | Completion]) -> None:
        super().__init__()
        self.replies = list(replies)

    def reply(self, messages: list[Message]) -> str | Completion:
        if not self.replies:
            raise EngineError("脚本中的回复已用完")
        return self.replies.pop(0)


class FunctionEngine(_RecordingEngine):
    """Answers each request with ``func(messages)``."""

    name = "function"

    def __init__(self, func: Callable[[list[Message]], str]) -> None:
        super().__init__()
        self.func = func

    def reply(self, messages: list[Message]) -> str | Completion:
        return self.func(messages)
