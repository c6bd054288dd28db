"""The one small interface every engine implements.

An engine declares what it is (``name``, ``model_name``, ``base_url``, ``rule_based``,
``can_stream``, ``needs_key``) and implements one method, :meth:`Engine.complete`. Everything
else — async, streaming, ``ping``, ``warm`` — has a working default here, so the pipeline, refine,
the eval runner and the CLI never need to know which engine they hold, and never poke at its
insides. Each :class:`Completion` (and each :class:`EngineError`) carries the attempts that
produced it, so concurrent calls can never mix up each other's retries.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, ClassVar, Literal, TypedDict

from ..errors import SpeechwriterError

__all__ = ["Attempt", "Completion", "Engine", "EngineError", "EngineInfo", "Message", "Request", "RequestKind",
           "retrying", "run_sync"]


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


def retrying(kwargs: dict[str, Any], *, asynchronous: bool, sleep: Callable[[float], None] | None = None) -> Any:
    """A tenacity ``Retrying`` (or ``AsyncRetrying``) with ``kwargs``; ``sleep`` replaces real waiting.

    Tests inject ``sleep`` to record the waits instead of sleeping; every engine's retry layer is
    built here so that injection works the same for all of them.
    """
    from tenacity import AsyncRetrying, Retrying

    if sleep is not None:
        record = sleep

        async def asleep(seconds: float) -> None:
            record(seconds)

        kwargs = {**kwargs, "sleep": asleep if asynchronous else record}
    return AsyncRetrying(**kwargs) if asynchronous else Retrying(**kwargs)


class Message(TypedDict):
    """A chat message as the OpenAI-compatible API has it."""

    role: str
    content: str


RequestKind = Literal["generate", "continue", "repair", "rewrite", "judge", "extract", "ping"]


@dataclass(frozen=True)
class Request:
    """What a caller asks of an engine besides the messages.

    ``kind`` and ``section`` tag the request (sent as ``X-Speechwriter-Kind`` /
    ``X-Speechwriter-Section`` headers by HTTP engines) so that records, fakes and tests tell a
    repair from a generation without reading the prompt's words. ``None`` parameters mean "the
    engine's configured default". ``json_schema`` (a pydantic model class, or a JSON schema dict)
    asks for a JSON reply of that shape (structured output, :mod:`speechwriter.engines.structured`);
    engines that cannot enforce it ignore it, so callers still validate the reply.
    """

    kind: RequestKind = "generate"
    section: str | None = None
    temperature: float | None = None
    max_tokens: int | None = None
    json_schema: dict[str, Any] | type | None = field(default=None, hash=False, compare=False)

    def headers(self) -> dict[str, str]:
        out = {"X-Speechwriter-Kind": self.kind}
        if self.section:
            out["X-Speechwriter-Section"] = self.section
        return out


@dataclass(frozen=True)
class Attempt:
    """One try at a request: its number, outcome and latency (errors already free of secrets)."""

    number: int
    status: str  # ok, error, dropped
    latency_ms: float
    error: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"attempt": self.number, "status": self.status, "latency_ms": self.latency_ms, "error": self.error}


class EngineError(SpeechwriterError):
    """An engine could not produce text (endpoint down, refusal, unreadable prompt …)."""

    def __init__(self, message: str, *, attempts: list[Attempt] | None = None) -> None:
        super().__init__(message)
        self.attempts: list[Attempt] = list(attempts or [])


@dataclass
class Completion:
    """What an engine returns for one request, with the attempts it took."""

    text: str
    finish_reason: str = "stop"
    model: str | None = None
    usage: dict[str, int] = field(default_factory=dict)
    cached: bool = False
    attempts: list[Attempt] = field(default_factory=list)
    secret_echoed: bool = False
    """The reply held the API key (an echoing proxy or server); ``text`` has it removed already."""
    structured: str | None = None
    """The structured-output method that answered (json_schema, function_calling, json_mode), if any."""


@dataclass(frozen=True)
class EngineInfo:
    """An engine's declared identity: what run records, caches and the CLI show of it."""

    name: str
    model: str | None
    base_url: str | None = None
    profile: str | None = None
    rule_based: bool = False

    def cache_identity(self) -> dict[str, Any]:
        return {"engine": self.name, "model": self.model, "base_url": self.base_url}

    @property
    def label(self) -> str:
        """One line for people: 「离线撰稿器（基于规则）」 or 「deepseek-chat @ api.deepseek.com」."""
        if self.rule_based:
            return "内置离线撰稿器（基于规则组稿，不调用大模型）"
        where = self.base_url or "OpenAI 官方接口"
        return f"模型 {self.model}（{where}）"


class Engine(ABC):
    """Messages in, text out. Subclasses implement :meth:`complete`; everything else has defaults.

    Class attributes declare what an engine is; instance properties say which model and endpoint
    it talks to. ``concurrency`` is how many requests it takes at once (a profile's setting for
    HTTP engines).
    """

    name: ClassVar[str] = "engine"
    rule_based: ClassVar[bool] = False
    can_stream: ClassVar[bool] = False
    needs_key: ClassVar[bool] = False
    key_env_var: ClassVar[str | None] = None

    @property
    def model_name(self) -> str | None:
        """The model this engine asks (None when it has no notion of one)."""
        return None

    @property
    def base_url(self) -> str | None:
        """The endpoint, without any credentials in it."""
        return None

    @property
    def profile_name(self) -> str | None:
        return None

    @property
    def concurrency(self) -> int:
        return 4

    @property
    def defaults(self) -> Request:
        """The request parameters used when a caller leaves them unset (part of the cache key)."""
        return Request()

    def describe(self) -> EngineInfo:
        return EngineInfo(name=self.name, model=self.model_name, base_url=self.base_url,
                          profile=self.profile_name, rule_based=self.rule_based)

    def public_settings(self) -> dict[str, Any]:
        """Settings safe to store in a run record (never a key)."""
        return {}

    @property
    def masking(self) -> tuple[str, ...]:
        """What must be masked before a request leaves (脱敏): kinds of ``speechwriter.masking.MASK_KINDS``.

        Empty for engines that send nothing anywhere (the offline composer) and by default.
        """
        return ()

    @abstractmethod
    def complete(self, messages: list[Message], request: Request | None = None) -> Completion:
        """Return the reply to ``messages``."""

    async def acomplete(self, messages: list[Message], request: Request | None = None, *,
                        on_text: Callable[[str], None] | None = None,
                        on_wait: Callable[[float, str], None] | None = None) -> Completion:
        """Async :meth:`complete`; ``on_text`` receives pieces of the reply as they arrive.

        ``on_wait(seconds, reason)`` is told before an engine waits to retry (a rate limit, a
        server error), so a live view can show the wait instead of seeming to hang.
        """
        import asyncio

        result = await asyncio.to_thread(self.complete, messages, request)
        if on_text is not None:
            on_text(result.text)
        return result

    def stream(self, messages: list[Message], request: Request | None = None) -> Iterator[str]:
        """Yield the reply in pieces; engines without real streaming yield it whole."""
        yield self.complete(messages, request).text

    def request_body(self, messages: list[Message], request: Request | None = None) -> dict[str, Any]:
        """The chat-completions body this engine would send (a Batch API JSONL line's body).

        Only engines that speak the OpenAI-compatible API can be batched; the others say so.
        """
        from ..errors import InputError

        raise InputError(f"引擎 {self.name} 不支持批处理（需要 OpenAI 兼容接口）")

    def ping(self, messages: list[Message]) -> Completion:
        """One tiny request (``messages`` from ``prompts/common/ping.j2``) to prove the engine answers."""
        return self.complete(messages, Request(kind="ping", max_tokens=5))

    def warm(self) -> None:
        """Do expensive one-time set-up (clients, imports) before timed work starts."""
        return None
