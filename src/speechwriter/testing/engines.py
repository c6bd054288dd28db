"""Test doubles that ship with the library: scripted replies and function-backed engines."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from ..engines.base import Completion, Engine, EngineError, Message, Request


class ScriptedEngine(Engine):
    """Replays queued replies in order and records every request it was sent."""

    name = "scripted"

    def __init__(self, replies: Iterable[str | Completion]) -> None:
        self.replies = list(replies)
        self.requests: list[list[Message]] = []
        self.kinds: list[str] = []

    @property
    def model_name(self) -> str:
        return "scripted"

    def complete(self, messages: list[Message], request: Request | None = None) -> Completion:
        self.requests.append(list(messages))
        self.kinds.append((request or Request()).kind)
        if not self.replies:
            raise EngineError("脚本中的回复已用完")
        reply = self.replies.pop(0)
        return reply if isinstance(reply, Completion) else Completion(text=reply, model="scripted")


class FunctionEngine(Engine):
    """Answers each request with ``func(messages)``."""

    name = "function"

    def __init__(self, func: Callable[[list[Message]], str]) -> None:
        self.func = func
        self.requests: list[list[Message]] = []
        self.kinds: list[str] = []

    @property
    def model_name(self) -> str:
        return "function"

    def complete(self, messages: list[Message], request: Request | None = None) -> Completion:
        self.requests.append(list(messages))
        self.kinds.append((request or Request()).kind)
        return Completion(text=self.func(messages), model="function")
