"""Any LangChain chat model as an engine: providers without an OpenAI-compatible endpoint work too.

A profile names the model class by import path and gives its options::

    [profiles.tongyi]
    chat_model = "langchain_community.chat_models:ChatTongyi"
    model = "qwen-max"
    chat_model_options = { streaming = true }

The profile's ``model``, ``base_url``, key, ``temperature``, ``max_tokens`` and ``timeout`` are
passed to the class where it has such a field (under its own name or alias), so the same profile
keys work for every provider. LangChain's own retries are switched off where the class has
``max_retries``: tenacity is the one retry layer, as for the OpenAI engine.

Structured output (``Request.json_schema``: ``facts extract``, the judge) goes through
``with_structured_output(..., include_raw=True)``, trying the provider's JSON-schema mode, then
function calling, then JSON mode — each a LangChain fallback, see :mod:`.structured` — and hands
the caller the JSON text, which it validates (and re-asks) as for any engine.
"""

from __future__ import annotations

import contextlib
import importlib
import time
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

from ..errors import InputError
from ..redact import redact
from .base import Attempt, Completion, Engine, EngineError, Message, Request, retrying

if TYPE_CHECKING:
    from ..config import Profile

__all__ = ["LangChainEngine", "load_chat_model_class"]

# Exceptions whose names say the failure may pass (rate limits, timeouts, dropped connections, 5xx).
_TRANSIENT_WORDS = ("RateLimit", "Timeout", "Connection", "InternalServer", "ServiceUnavailable", "Overloaded")


def load_chat_model_class(path: str) -> type:
    """``"package.module:Class"`` (or ``package.module.Class``) → the class; a Chinese error if absent."""
    module_name, _, attr = path.partition(":") if ":" in path else path.rpartition(".")
    if not module_name or not attr:
        raise InputError(f"chat_model「{path}」不是导入路径，应写成「包.模块:类名」，如 langchain_openai:ChatOpenAI")
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise InputError(f"无法导入 chat_model 的模块「{module_name}」：{exc.name or module_name} 未安装"
                         f"（pip install 对应的 LangChain 集成包）") from None
    cls = getattr(module, attr, None)
    if not isinstance(cls, type):
        raise InputError(f"模块「{module_name}」中没有类「{attr}」")
    from langchain_core.language_models import BaseChatModel

    if not issubclass(cls, BaseChatModel):
        raise InputError(f"「{path}」不是 LangChain 聊天模型（BaseChatModel 的子类）")
    return cls


def _field_names(cls: type) -> dict[str, str]:
    """Each accepted keyword (field name and alias) → the field name."""
    out: dict[str, str] = {}
    for name, info in getattr(cls, "model_fields", {}).items():
        out[name] = name
        if info.alias:
            out[info.alias] = name
    return out


def chat_model_kwargs(cls: type, profile: Profile) -> dict[str, Any]:
    """The keyword arguments for ``cls``: the profile's common settings where the class takes them."""
    accepted = _field_names(cls)
    common: dict[str, Any] = {"model": profile.model, "base_url": profile.base_url,
                              "temperature": profile.temperature, "max_tokens": profile.max_tokens,
                              "timeout": profile.timeout, "max_retries": 0}
    if "api_key" in accepted and (profile.api_key or profile.api_key_env):
        # some classes read their own variable (e.g. DASHSCOPE_API_KEY): without ours, let them
        with contextlib.suppress(InputError):
            common["api_key"] = profile.key()
    kwargs = {k: v for k, v in common.items() if v is not None and k in accepted}
    kwargs.update(profile.chat_model_options)
    return kwargs


def _to_langchain(messages: list[Message]) -> list[tuple[str, str]]:
    role = {"system": "system", "user": "human", "assistant": "ai"}
    return [(role.get(m["role"], "human"), m["content"]) for m in messages]


def _text(message: Any) -> str:
    content = getattr(message, "content", message)
    if isinstance(content, list):  # content blocks
        return "".join(b.get("text", "") if isinstance(b, dict) else str(b) for b in content)
    return str(content or "")


def _usage(message: Any) -> dict[str, int]:
    meta = getattr(message, "usage_metadata", None) or {}
    return {"prompt_tokens": int(meta.get("input_tokens", 0)), "completion_tokens": int(meta.get("output_tokens", 0))}


def _transient(exc: BaseException) -> bool:
    status = getattr(exc, "status_code", None) or getattr(getattr(exc, "response", None), "status_code", None)
    if isinstance(status, int):
        return status == 429 or status >= 500
    return any(word in type(exc).__name__ for word in _TRANSIENT_WORDS)


class LangChainEngine(Engine):
    """An engine over a LangChain chat model (``BaseChatModel``)."""

    name = "langchain"
    can_stream = True

    def __init__(self, model: Any, *, profile: Profile | None = None, label: str | None = None,
                 sleep: Callable[[float], None] | None = None) -> None:
        self.model = model
        self.profile = profile
        self._label = label or type(model).__name__
        self._sleep = sleep  # injected by tests to skip real waiting
        self._structured_start = 0  # the first structured-output method worth trying (a refused one is skipped)

    @classmethod
    def from_profile(cls, profile: Profile) -> LangChainEngine:
        """Build the profile's ``chat_model`` class with its options."""
        if not profile.chat_model:
            raise InputError(f"profile「{profile.name}」没有 chat_model：LangChain 引擎需要聊天模型类的导入路径")
        model_cls = load_chat_model_class(profile.chat_model)
        try:
            model = model_cls(**chat_model_kwargs(model_cls, profile))
        except Exception as exc:  # a provider's own validation (missing key, unknown option)
            first = redact(str(exc)).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise InputError(f"无法创建 {profile.chat_model}：{first[:200]}") from None
        return cls(model, profile=profile, label=profile.chat_model)

    # --- identity ---------------------------------------------------------------------------

    @property
    def model_name(self) -> str | None:
        if self.profile is not None and self.profile.model:
            return self.profile.model
        return getattr(self.model, "model_name", None) or getattr(self.model, "model", None) or self._label

    @property
    def base_url(self) -> str | None:
        return self.profile.public_base_url if self.profile is not None else None

    @property
    def profile_name(self) -> str | None:
        return self.profile.name if self.profile is not None else None

    @property
    def concurrency(self) -> int:
        return self.profile.concurrency if self.profile is not None else 4

    @property
    def defaults(self) -> Request:
        if self.profile is None:
            return Request()
        return Request(temperature=self.profile.temperature, max_tokens=self.profile.max_tokens)

    @property
    def masking(self) -> tuple[str, ...]:
        return tuple(self.profile.mask) if self.profile is not None else ()

    def public_settings(self) -> dict[str, Any]:
        settings = self.profile.public() if self.profile is not None else {}
        return {**settings, "chat_model": self._label}

    # --- calling ----------------------------------------------------------------------------

    def _bound(self, request: Request) -> Any:
        """The model with this request's parameters, or its structured-output chain (``engines.structured``)."""
        params = {k: v for k, v in (("temperature", request.temperature), ("max_tokens", request.max_tokens))
                  if v is not None and k in _field_names(type(self.model))}
        if request.json_schema is None:
            return self.model.bind(**params) if params else self.model
        from .structured import build_chain

        try:
            return build_chain(self.model, request.json_schema, start=self._structured_start, bind=params)
        except NotImplementedError:
            raise EngineError(f"{self._label} 不支持结构化输出（with_structured_output）") from None

    def _completion(self, result: Any, attempts: list[Attempt]) -> Completion:
        if isinstance(result, tuple):  # structured output: (method, include_raw result)
            from .structured import METHODS, reply_of

            method, raw_result = result
            self._structured_start = max(self._structured_start, METHODS.index(method))
            reply = reply_of(method, raw_result, [])
            return Completion(text=redact(reply.text), finish_reason=reply.finish_reason, model=self.model_name,
                              usage=_usage(reply.raw), attempts=attempts, structured=method)
        meta = getattr(result, "response_metadata", None) or {}
        return Completion(text=redact(_text(result)), finish_reason=str(meta.get("finish_reason") or "stop"),
                          model=self.model_name, usage=_usage(result), attempts=attempts)

    def _retrying(self, asynchronous: bool) -> Any:
        from tenacity import retry_if_exception, stop_after_attempt, wait_random_exponential

        attempts = self.profile.max_attempts if self.profile is not None else 3
        base = self.profile.backoff_base if self.profile is not None else 1.0
        return retrying({"stop": stop_after_attempt(attempts), "wait": wait_random_exponential(multiplier=base, max=30),
                         "retry": retry_if_exception(_transient), "reraise": True},
                        asynchronous=asynchronous, sleep=self._sleep)

    def _error(self, exc: BaseException, attempts: list[Attempt]) -> EngineError:
        detail = redact(str(exc)).strip().splitlines()[0][:200] if str(exc).strip() else ""
        tries = f"（尝试 {len(attempts)} 次）" if len(attempts) > 1 else ""
        return EngineError(f"{self._label} 调用失败{tries}：{type(exc).__name__}{('：' + detail) if detail else ''}",
                           attempts=attempts)

    def complete(self, messages: list[Message], request: Request | None = None) -> Completion:
        request = request or Request()
        attempts: list[Attempt] = []
        runnable = self._bound(request)
        try:
            for state in self._retrying(False):
                with state:
                    with _attempt(attempts):
                        result = runnable.invoke(_to_langchain(messages))
                    return self._completion(result, attempts)
        except Exception as exc:
            raise self._error(exc, attempts) from None
        raise AssertionError("unreachable")  # tenacity either returns or re-raises

    async def acomplete(self, messages: list[Message], request: Request | None = None, *,
                        on_text: Callable[[str], None] | None = None,
                        on_wait: Callable[[float, str], None] | None = None) -> Completion:
        request = request or Request()
        attempts: list[Attempt] = []
        runnable = self._bound(request)
        try:
            async for state in self._retrying(True):
                with state:
                    with _attempt(attempts):
                        if on_text is None or request.json_schema is not None:
                            result = await runnable.ainvoke(_to_langchain(messages))
                            if on_text is not None:
                                raw = result[1].get("raw") if isinstance(result, tuple) else result
                                on_text(_text(raw))
                        else:
                            result = None
                            async for chunk in runnable.astream(_to_langchain(messages)):
                                result = chunk if result is None else result + chunk
                                piece = _text(chunk)
                                if piece:
                                    on_text(redact(piece))
                    return self._completion(result, attempts)
        except Exception as exc:
            raise self._error(exc, attempts) from None
        raise AssertionError("unreachable")


@contextlib.contextmanager
def _attempt(attempts: list[Attempt]) -> Iterator[None]:
    """Record one try in ``attempts``: ok, or the error (secrets removed) before it propagates."""
    start = time.perf_counter()
    try:
        yield
    except Exception as exc:
        attempts.append(Attempt(len(attempts) + 1, "error", _ms(start), redact(str(exc))[:200]))
        raise
    attempts.append(Attempt(len(attempts) + 1, "ok", _ms(start)))


def _ms(start: float) -> float:
    return round((time.perf_counter() - start) * 1000, 1)
