"""The OpenAI-compatible engine: any chat-completions endpoint, streamed through the openai SDK.

Drafting streams through the openai SDK directly: langchain's per-chunk message objects and
callbacks added a third to a long reply's client time (``bench/bench_llm.py``). A request with a
schema (``Request.json_schema``: ``facts extract``, the eval judge) goes through a langchain
``ChatOpenAI`` on the same profile (:meth:`OpenAIEngine.chat_model`) and its
``with_structured_output`` — JSON schema, then function calling, then JSON mode as fallbacks
(:mod:`speechwriter.engines.structured`) — inside the same retry layer and deadline.

One retry layer only: the SDK's own retries are off (``max_retries=0``) and tenacity retries
429, 500/502/503/504, timeouts and dropped connections with exponential backoff and jitter,
honouring ``Retry-After`` up to the profile's ``max_retry_after`` (beyond it the call gives up at
once, saying so). A stream with invalid JSON is retried once. 400/401/403/404 are never retried,
and ``config check`` (a ping) does not retry a refused connection. Every wait is announced
through ``on_wait``; every failure reaches the user as one Chinese sentence without secrets.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Iterator
from typing import Any

from ..config import Profile, check_base_url, is_loopback_url
from ..redact import StreamScrubber, public_url, redact, scrub
from .base import Attempt, Completion, Engine, EngineError, Message, Request, retrying, run_sync

__all__ = ["LOCAL_ONLY_ENV", "OpenAIEngine", "ReplyTooLarge", "RetryableError", "describe_error"]

LOCAL_ONLY_ENV = "SPEECHWRITER_LOCAL_ONLY"
"""When set (the test suite sets it), requests to any non-loopback host are refused."""

RETRY_STATUSES = {429, 500, 502, 503, 504}


class ReplyTooLarge(EngineError):
    """A reply longer than the profile's ``max_reply_chars``: never retried (it would be as long again)."""


class RetryableError(EngineError):
    """A failure worth retrying (rate limit, server error, timeout, dropped connection, bad stream).

    ``kind`` says which: ``rate_limit``, ``server``, ``timeout``, ``refused``, ``dropped`` or
    ``invalid_json`` (retried once only).
    """

    def __init__(self, message: str, retry_after: float | None = None, *, kind: str = "server") -> None:
        super().__init__(message)
        self.retry_after = retry_after
        self.kind = kind


def _where(profile: Profile) -> str:
    return public_url(profile.base_url) or "OpenAI 官方接口"


def describe_error(exc: BaseException, profile: Profile, *, chunk: int | None = None) -> EngineError:
    """Map an openai/langchain/httpx exception to a Chinese EngineError (retryable or not).

    ``chunk`` is the number of the stream chunk being read when ``exc`` happened.
    """
    import openai

    where = _where(profile)
    if isinstance(exc, EngineError):
        return exc
    if isinstance(exc, json.JSONDecodeError):
        at = f"第 {chunk} 个数据块" if chunk else "回复中"
        return RetryableError(f"服务端返回了无效的 JSON（{at}，{exc.msg}，位置 {exc.pos}）：{where}",
                              kind="invalid_json")
    if isinstance(exc, openai.APITimeoutError):
        return RetryableError(f"请求超时（{profile.timeout:g} 秒）：{where}", kind="timeout")
    if isinstance(exc, openai.APIConnectionError):
        cause = _cause_chain(exc)
        if "CERTIFICATE" in cause.upper() or "SSL" in cause.upper() or "TLS" in cause.upper():
            return EngineError(f"TLS/证书错误，无法安全连接到 {where}")
        if "refused" in cause.lower() or "ConnectError" in cause:
            return RetryableError(f"无法连接到 {where}：连接被拒绝（服务未启动或地址错误）", kind="refused")
        return RetryableError(f"与 {where} 的连接中断", kind="dropped")
    if isinstance(exc, openai.APIStatusError):
        status = exc.status_code
        if status == 401:
            return EngineError(f"API 密钥无效或未授权（401）：请检查环境变量 {profile.api_key_env} "
                               f"或 profile「{profile.name}」的设置")
        if status == 403:
            return EngineError(f"无权访问（403）：{where}")
        if status == 404:
            return EngineError(f"模型「{profile.model}」不存在或接口地址有误（404）：{where}")
        if status == 400:
            return EngineError(f"请求被拒绝（400）：{_short(exc)}")
        if 300 <= status < 400:
            target = getattr(exc, "response", None)
            location = target.headers.get("location") if target is not None else None
            return EngineError(f"接口返回了重定向（{status}{'，指向 ' + redact(location) if location else ''}）："
                               f"请把 base_url 改为最终地址：{where}")
        if status in RETRY_STATUSES:
            retry_after = _retry_after(exc)
            label = "请求过于频繁（429）" if status == 429 else f"服务端错误（{status}）"
            return RetryableError(f"{label}：{where}", retry_after, kind="rate_limit" if status == 429 else "server")
        return EngineError(f"接口返回错误（{status}）：{_short(exc)}")
    import httpx

    if isinstance(exc, (httpx.RemoteProtocolError, httpx.ReadError, ConnectionError)):
        return RetryableError(f"与 {where} 的连接在回复途中断开", kind="dropped")
    return EngineError(f"调用大模型失败：{type(exc).__name__}：{redact(str(exc))[:200]}")


def _cause_chain(exc: BaseException) -> str:
    """Reprs of the exception's causes: the SDK wraps httpx, which wraps the socket error."""
    parts = []
    seen = exc.__cause__ or exc.__context__
    while seen is not None and len(parts) < 6:
        parts.append(repr(seen))
        seen = seen.__cause__ or seen.__context__
    return " ".join(parts)


def _short(exc: Any) -> str:
    body = getattr(exc, "body", None)
    if isinstance(body, dict):
        msg = body.get("message") or (body.get("error") or {}).get("message")
        if msg:
            return redact(str(msg))[:200]
    return redact(str(getattr(exc, "message", exc)))[:200]


def _retry_after(exc: Any) -> float | None:
    response = getattr(exc, "response", None)
    value = response.headers.get("retry-after") if response is not None else None
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        return None


class OpenAIEngine(Engine):
    """Chat completions streamed through the openai SDK; structured output through ``ChatOpenAI``.

    Both paths share the one tenacity retry layer, the profile's deadline and the key scrubber.
    """

    name = "openai"
    can_stream = True
    needs_key = True
    key_env_var = "OPENAI_API_KEY"

    def __init__(self, profile: Profile, *, sleep: Any = None) -> None:
        self.profile = profile
        self._client: Any = None
        self._aclient: tuple[Any, Any] | None = None
        self._chat_models: tuple[Any, Any] | None = None  # (event loop, ChatOpenAI) for structured output
        self._structured_start = 0  # the first structured-output method worth trying (a refused one is skipped)
        self._sleep = sleep  # injected by tests to skip real waiting
        check_base_url(profile.base_url)
        if os.environ.get(LOCAL_ONLY_ENV) and not is_loopback_url(profile.base_url):
            raise EngineError(f"测试环境中禁止访问非本机地址：{_where(profile)}")

    # --- identity ---------------------------------------------------------------------------

    @property
    def model_name(self) -> str | None:
        return self.profile.model

    @property
    def base_url(self) -> str | None:
        return self.profile.public_base_url

    @property
    def profile_name(self) -> str | None:
        return self.profile.name

    @property
    def concurrency(self) -> int:
        return self.profile.concurrency

    @property
    def defaults(self) -> Request:
        return Request(temperature=self.profile.temperature, max_tokens=self.profile.max_tokens)

    @property
    def masking(self) -> tuple[str, ...]:
        return tuple(self.profile.mask) if self.profile is not None else ()

    def public_settings(self) -> dict[str, Any]:
        return self.profile.public()

    def warm(self) -> None:
        """Build the client (and import the SDK) before any timed request starts."""
        _ = self.client

    @property
    def client(self) -> Any:
        """The synchronous openai client (retries off: tenacity is the one retry layer)."""
        if self._client is None:
            import openai

            self._client = openai.OpenAI(base_url=self.profile.base_url, api_key=self.profile.key(),
                                         timeout=self.profile.timeout, max_retries=0)
        return self._client

    def _async_client(self) -> Any:
        """An async client for the running event loop (a pooled connection must not outlive its loop)."""
        import asyncio

        import openai

        loop = asyncio.get_running_loop()
        if self._aclient is None or self._aclient[0] is not loop:
            # Redirects are not followed: a moved endpoint is reported (with where to), not silently re-sent.
            http = openai.DefaultAsyncHttpxClient(timeout=self.profile.timeout, follow_redirects=False)
            self._aclient = (loop, openai.AsyncOpenAI(base_url=self.profile.base_url, api_key=self.profile.key(),
                                                      timeout=self.profile.timeout, max_retries=0, http_client=http))
        return self._aclient[1]

    def chat_model(self) -> Any:
        """A langchain ``ChatOpenAI`` on this profile, for ``with_structured_output``.

        Its own retries are off (tenacity is the one retry layer) and redirects are not followed,
        as for the streaming client; one per event loop, like the async client.
        """
        import asyncio

        import openai
        from langchain_openai import ChatOpenAI

        try:
            loop: Any = asyncio.get_running_loop()
        except RuntimeError:
            loop = None
        if self._chat_models is None or self._chat_models[0] is not loop:
            import warnings

            # A refused method is handled (the next one is tried, and recorded); LangChain's advice
            # to the developer would only be noise on the user's terminal.
            warnings.filterwarnings("ignore", message=r"(This model does not support|Invalid schema for) OpenAI's "
                                    r"structured output", module=r"langchain_openai")
            http = openai.DefaultAsyncHttpxClient(timeout=self.profile.timeout, follow_redirects=False)
            model = ChatOpenAI(model=self.profile.model, base_url=self.profile.base_url, api_key=self.profile.key(),
                               temperature=self.profile.temperature, max_tokens=self.profile.max_tokens,
                               timeout=self.profile.timeout, max_retries=0, http_async_client=http)
            self._chat_models = (loop, model)
        return self._chat_models[1]

    # --- retry policy -----------------------------------------------------------------------

    def _retrying(self, asynchronous: bool, request: Request | None,
                  on_wait: Callable[[float, str], None] | None) -> Any:
        from tenacity import retry_if_exception, stop_after_attempt, stop_after_delay, wait_random_exponential

        backoff = wait_random_exponential(multiplier=self.profile.backoff_base, max=30)
        kind = (request or Request()).kind
        invalid_json_retries = [1]

        def wait(state: Any) -> float:
            exc = state.outcome.exception() if state.outcome else None
            after = getattr(exc, "retry_after", None)
            return float(after) if after is not None else backoff(state)

        def worth_retrying(exc: BaseException) -> bool:
            if not isinstance(exc, RetryableError):
                return False
            if exc.retry_after is not None and exc.retry_after > self.profile.max_retry_after:
                return False  # waiting that long in silence is worse than failing now, with the reason
            if exc.kind == "refused" and kind == "ping":
                return False  # a check reports a wrong address at once
            if exc.kind == "invalid_json":
                invalid_json_retries[0] -= 1
                return invalid_json_retries[0] >= 0
            return True

        def announce(state: Any) -> None:
            if on_wait is not None and state.next_action is not None:
                exc = state.outcome.exception() if state.outcome else None
                on_wait(float(state.next_action.sleep), str(exc) if exc else "")

        kwargs: dict[str, Any] = {
            "stop": stop_after_attempt(self.profile.max_attempts) | stop_after_delay(self.profile.max_retry_seconds),
            "wait": wait,
            "retry": retry_if_exception(worth_retrying),
            "before_sleep": announce,
            "reraise": True,
        }
        return retrying(kwargs, asynchronous=asynchronous, sleep=self._sleep)

    def _give_up(self, exc: EngineError, attempts: list[Attempt]) -> EngineError:
        after = getattr(exc, "retry_after", None)
        if isinstance(exc, RetryableError) and after is not None and after > self.profile.max_retry_after:
            return EngineError(f"服务端要求 {after:g} 秒后再试，超过等待上限 {self.profile.max_retry_after:g} 秒"
                               f"（profile 的 max_retry_after），已放弃：{exc}", attempts=attempts)
        if isinstance(exc, RetryableError) and len(attempts) > 1:
            return EngineError(f"重试 {len(attempts)} 次后仍然失败：{exc}", attempts=attempts)
        exc.attempts = list(attempts)
        return exc

    def _kwargs(self, messages: list[Message], request: Request | None) -> dict[str, Any]:
        request = request or Request()
        temperature = request.temperature if request.temperature is not None else self.profile.temperature
        max_tokens = request.max_tokens if request.max_tokens is not None else self.profile.max_tokens
        kwargs: dict[str, Any] = {"model": self.profile.model, "messages": list(messages), "stream": True,
                                  "stream_options": {"include_usage": True}, "temperature": temperature,
                                  "extra_headers": {k: v for k, v in request.headers().items() if v.isascii()}}
        if max_tokens is not None:
            kwargs["max_tokens"] = max_tokens
        if request.json_schema is not None:  # a Batch API line: the provider's JSON-schema structured output
            from .structured import schema_dict, schema_name

            kwargs["response_format"] = {"type": "json_schema", "json_schema": {
                "name": schema_name(request.json_schema), "schema": schema_dict(request.json_schema),
                "strict": False}}
        return kwargs

    def request_body(self, messages: list[Message], request: Request | None = None) -> dict[str, Any]:
        """The chat-completions body for ``messages`` without streaming (a Batch API JSONL line's body)."""
        body = self._kwargs(messages, request)
        for key in ("stream", "stream_options", "extra_headers"):
            body.pop(key, None)
        return body

    # --- Engine interface -------------------------------------------------------------------

    def complete(self, messages: list[Message], request: Request | None = None, *,
                 on_wait: Callable[[float, str], None] | None = None) -> Completion:
        """:meth:`acomplete` from synchronous code (one request path, so one deadline and one scrubber)."""
        return run_sync(self.acomplete(messages, request, on_wait=on_wait))

    async def acomplete(self, messages: list[Message], request: Request | None = None, *,
                        on_text: Any = None, on_wait: Callable[[float, str], None] | None = None) -> Completion:
        """One request with its retries, all within the profile's total ``deadline``.

        The per-read ``timeout`` cannot stop a server that sends a byte every few seconds, a
        stream that never ends or a chain of Retry-After waits; the deadline stops them all.
        """
        import asyncio

        attempts: list[Attempt] = []
        deadline = self.profile.deadline_for((request or Request()).max_tokens)
        scrubber = StreamScrubber()
        try:
            async with asyncio.timeout(deadline):
                async for state in self._retrying(True, request, on_wait):
                    with state:
                        if request is not None and request.json_schema is not None:
                            return await self._astructured(messages, request, attempts)
                        return await self._aonce(self._kwargs(messages, request), attempts, on_text, scrubber)
        except TimeoutError:
            error = EngineError(f"请求在总时限 {deadline:g} 秒内未完成（profile 的 deadline，含重试与等待），"
                                f"已放弃：{_where(self.profile)}", attempts=attempts)
            attempts.append(_attempt(attempts, time.perf_counter(), "error", error))
            raise error from None
        except EngineError as exc:
            raise self._give_up(exc, attempts) from None
        raise EngineError("未能得到回复")  # pragma: no cover

    def stream(self, messages: list[Message], request: Request | None = None) -> Iterator[str]:
        """Yield the reply (already scrubbed of keys); it arrives whole, within the deadline."""
        yield self.complete(messages, request).text

    async def _aonce(self, kwargs: dict[str, Any], attempts: list[Attempt], on_text: Any,
                     scrubber: StreamScrubber) -> Completion:
        start = time.perf_counter()
        reply = _Reply(self.profile.max_reply_chars)
        stream: Any = None
        try:
            stream = await self._async_client().chat.completions.create(**kwargs)
            reply.content_type = str(getattr(getattr(stream, "response", None), "headers", {}).get("content-type", ""))
            async for chunk in stream:
                piece = reply.add(chunk)
                if piece and on_text is not None:
                    shown = scrubber.feed(piece)
                    if shown:
                        on_text(shown)
        except Exception as exc:
            error = describe_error(exc, self.profile, chunk=reply.chunks + 1)
            attempts.append(_attempt(attempts, start, "error", error))
            raise error from None
        finally:
            if stream is not None and reply.finish is None:
                # A stream left mid-reply (too long, past the deadline, broken) is closed here, in its
                # own loop: else the event loop's shutdown prints "error during closing of asynchronous generator".
                await _close_quietly(stream)
        completion = self._finish(reply, attempts, start)
        rest = scrubber.finish()
        if rest and on_text is not None:
            on_text(rest)
        completion.secret_echoed = completion.secret_echoed or scrubber.found
        return completion

    def _finish(self, reply: _Reply, attempts: list[Attempt], start: float) -> Completion:
        if reply.finish is None:
            error = _unfinished(reply, _where(self.profile))
            attempts.append(_attempt(attempts, start, "dropped", error))
            raise error
        attempts.append(_attempt(attempts, start, "ok", None))
        text, echoed = scrub("".join(reply.pieces))  # a key the server echoed is never shown or stored
        return Completion(text=text, finish_reason=reply.finish, model=self.profile.model,
                          attempts=list(attempts), usage=reply.usage, secret_echoed=echoed)


    async def _astructured(self, messages: list[Message], request: Request, attempts: list[Attempt]) -> Completion:
        """One structured-output request through ``ChatOpenAI.with_structured_output`` (its fallbacks inside)."""
        from .structured import METHODS, Refused, build_chain, reply_of

        start = time.perf_counter()
        refused: list[Refused] = []
        temperature = request.temperature if request.temperature is not None else self.profile.temperature
        bind: dict[str, Any] = {"temperature": temperature,
                                "extra_headers": {k: v for k, v in request.headers().items() if v.isascii()}}
        if request.max_tokens is not None:
            bind["max_tokens"] = request.max_tokens
        try:
            chain = build_chain(self.chat_model(), request.json_schema, start=self._structured_start, bind=bind,
                                refused=refused)
            method, result = await chain.ainvoke(_langchain_messages(messages))
        except Exception as exc:
            self._refusals(refused, attempts, start)
            if isinstance(exc, Refused):
                error: EngineError = EngineError(f"接口不接受结构化输出（{'、'.join(r.method for r in refused)} 均被拒绝）："
                                                 f"{describe_error(exc.cause, self.profile)}")
            else:
                error = describe_error(exc, self.profile)
            attempts.append(_attempt(attempts, start, "error", error))
            raise error from None
        self._refusals(refused, attempts, start)
        self._structured_start = max(self._structured_start, METHODS.index(method))
        reply = reply_of(method, result, refused)
        if len(reply.text) > self.profile.max_reply_chars:
            error = ReplyTooLarge(f"回复超过 {self.profile.max_reply_chars} 字符的上限（profile 的 max_reply_chars）")
            attempts.append(_attempt(attempts, start, "error", error))
            raise error
        attempts.append(_attempt(attempts, start, "ok", None))
        text, echoed = scrub(reply.text)  # a key the server echoed is never shown or stored
        meta = getattr(reply.raw, "usage_metadata", None) or {}
        usage = {"prompt_tokens": int(meta.get("input_tokens", 0)), "completion_tokens": int(meta.get("output_tokens", 0))}
        return Completion(text=text, finish_reason=reply.finish_reason, model=self.profile.model,
                          attempts=list(attempts), usage=usage, secret_echoed=echoed, structured=method)

    def _refusals(self, refused: list[Any], attempts: list[Attempt], start: float) -> None:
        """Each refused method as an attempt of its own in the record (the request went out and came back 400)."""
        for r in refused:
            attempts.append(_attempt(attempts, start, "refused",
                                     EngineError(f"结构化输出方式 {r.method} 被拒绝，改用下一种："
                                                 f"{describe_error(r.cause, self.profile)}")))
        refused.clear()


def _langchain_messages(messages: list[Message]) -> list[tuple[str, str]]:
    role = {"system": "system", "user": "human", "assistant": "ai"}
    return [(role.get(m["role"], "human"), m["content"]) for m in messages]


class _Reply:
    """A streamed reply as it accumulates: text pieces, finish reason, usage."""

    __slots__ = ("chars", "choices_seen", "chunks", "content_type", "finish", "limit", "pieces", "usage")

    def __init__(self, limit: int | None = None) -> None:
        self.limit = limit
        self.content_type = ""
        self.choices_seen = False
        self.chars = 0
        self.chunks = 0
        self.pieces: list[str] = []
        self.finish: str | None = None
        self.usage: dict[str, int] = {}

    def add(self, chunk: Any) -> str:
        self.chunks += 1
        if chunk.usage is not None:
            self.usage = {"prompt_tokens": int(chunk.usage.prompt_tokens or 0),
                          "completion_tokens": int(chunk.usage.completion_tokens or 0)}
        if not chunk.choices:
            return ""
        self.choices_seen = True
        choice = chunk.choices[0]
        if choice.finish_reason:
            self.finish = choice.finish_reason
        piece = choice.delta.content if choice.delta is not None else None
        if piece:
            self.chars += len(piece)
            if self.limit is not None and self.chars > self.limit:
                raise ReplyTooLarge(f"回复超过 {self.limit} 字符的上限（profile 的 max_reply_chars），已中止接收")
            self.pieces.append(piece)
            return piece
        return ""


async def _close_quietly(stream: Any) -> None:
    import asyncio
    import contextlib

    with contextlib.suppress(Exception, asyncio.CancelledError):
        await stream.close()


def _unfinished(reply: _Reply, where: str) -> EngineError:
    """Name a reply that ended without a finish reason for what it was (not all are dropped connections)."""
    kind = reply.content_type.split(";")[0].strip().lower()
    if reply.chunks == 0 and "html" in kind:
        return EngineError(f"接口返回了网页（HTML）而不是模型回复：地址可能有误（通常以 /v1 结尾）或需要先登录：{where}")
    if reply.chunks == 0 and kind and kind != "text/event-stream":
        return RetryableError(f"接口返回了空回复或非流式内容（{kind}），不是模型回复：{where}", kind="dropped")
    if reply.chunks == 0:
        return RetryableError(f"接口返回了空回复：{where}", kind="dropped")
    if not reply.choices_seen:
        return EngineError(f"接口的回复中没有 choices（收到 {reply.chunks} 个数据块），不是 OpenAI 兼容的回复：{where}")
    return RetryableError(f"回复不完整：收到 {reply.chunks} 个数据块后中断，没有结束标记（连接在回复途中断开）：{where}",
                          kind="dropped")


def _attempt(previous: list[Attempt], start: float, status: str, error: EngineError | None) -> Attempt:
    return Attempt(number=len(previous) + 1, status=status, latency_ms=round((time.perf_counter() - start) * 1000, 1),
                   error=str(error) if error else None)
