"""Every model call of a run goes through one :class:`EngineCaller`.

It puts the reply cache in front of the engine, records each call (with exactly the attempts
that produced it) in the run record, continues replies cut at ``finish_reason=length``, and
keeps the token totals. It is where replies enter a run: each is scrubbed of the API key (in
every form, see :mod:`speechwriter.redact`) before it is shown live, cached, recorded or drafted
from, and a reply that held the key is reported as a warning of its own. Drafting, refine's rewrites and the eval judge all use it, so they all
get the same caching, continuation and records.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..engines.base import Completion, Engine, EngineError, Message, Request
from ..redact import StreamScrubber, scrub
from .cache import ReplyCache, cache_key
from .runs import RunRecorder

if TYPE_CHECKING:
    from ..masking import Masker

__all__ = ["CallStats", "DeferredRequest", "EngineCaller", "PendingRequest", "RequestCollector"]


class DeferredRequest(EngineError):
    """Raised instead of calling the engine while requests are being collected for a batch."""


@dataclass(frozen=True)
class PendingRequest:
    """A request the cache could not answer, kept for a provider's Batch API."""

    key: str  # the reply-cache key its reply will be stored under
    engine: Engine
    messages: list[Message]
    request: Request


class RequestCollector:
    """Collects the requests a run would send, instead of sending them (see ``speechwriter.evals.batch``).

    ``deferred`` counts the requests deferred through this collector; :meth:`child` gives a view
    with its own count over the same store, so one eval case can tell whether it was complete.
    """

    def __init__(self, store: dict[str, PendingRequest] | None = None) -> None:
        self.store: dict[str, PendingRequest] = {} if store is None else store
        self.deferred = 0
        self._generation_missing = False

    def child(self) -> RequestCollector:
        return RequestCollector(self.store)

    def add(self, pending: PendingRequest) -> None:
        """Keep ``pending`` for the batch — unless it follows a generation still missing from the cache.

        Repairs and judge calls made while some section is not yet written depend on a draft that
        is not final; their requests would be wasted, so they are deferred without being kept.
        """
        self.deferred += 1
        if pending.request.kind == "generate":
            self._generation_missing = True
        elif self._generation_missing and pending.request.kind != "continue":
            return
        self.store.setdefault(pending.key, pending)


@dataclass
class CallStats:
    """Totals over all calls of a caller."""

    calls: int = 0
    cache_hits: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0

    def as_dict(self) -> dict[str, int]:
        return dict(self.__dict__)


class EngineCaller:
    """One engine behind a reply cache and a run recorder."""

    def __init__(self, engine: Engine, *, continuation: Message, cache: ReplyCache | None = None,
                 recorder: RunRecorder | None = None, salt: str = "", max_continuations: int = 2,
                 collector: RequestCollector | None = None, masker: Masker | None = None,
                 on_warning: Callable[[str], None] | None = None) -> None:
        self.engine = engine
        self.on_warning = on_warning  # told once when a reply held the API key
        # 脱敏: what leaves (and what the cache, the batch queue and the run record keep) is masked;
        # what the caller gets back is unmasked, so every check runs on the real text.
        self.masker = masker if masker is not None and masker.active else None
        self.cache = None if engine.rule_based else cache  # rule-based output is cheaper than a lookup
        self.recorder = recorder
        self.salt = salt
        self.max_continuations = max_continuations
        self.continuation = continuation  # the user turn that asks for the rest (prompts/repair/continue.j2)
        self.stats = CallStats()
        self.collector = None if engine.rule_based else collector
        self._identity = engine.describe().cache_identity()
        defaults = engine.defaults
        self._params = {"temperature": defaults.temperature, "max_tokens": defaults.max_tokens}
        self.secret_echoes = 0
        self.exposure_warned = False  # told once when a template printed a declared value outside the data

    def key(self, messages: list[Message], request: Request, variant: int) -> str:
        params: dict[str, Any] = {**self._params, "variant": variant}
        if request.temperature is not None:
            params["temperature"] = request.temperature
        if request.max_tokens is not None:
            params["max_tokens"] = request.max_tokens
        if self.salt:
            params["salt"] = self.salt
        if request.json_schema is not None:  # a changed schema must not read replies given to the old one
            from ..engines.structured import schema_dict

            params["schema"] = hashlib.sha256(json.dumps(schema_dict(request.json_schema), sort_keys=True,
                                                         ensure_ascii=False).encode()).hexdigest()[:16]
        return cache_key(self._identity, messages, params)

    async def call(self, messages: list[Message], request: Request, *, variant: int = 0, use_cache: bool = True,
                   on_text: Callable[[str], None] | None = None,
                   on_cached: Callable[[Completion], None] | None = None,
                   on_wait: Callable[[float, str], None] | None = None,
                   accept: Callable[[Completion], bool] | None = None) -> Completion:
        """One request: from the cache when it holds the reply, else from the engine; recorded either way.

        With ``accept``, a reply is cached only when ``accept`` (given the unmasked reply) holds: the
        cache then keeps valid replies only, and a cached reply ``accept`` now refuses (its rules
        changed) is asked again instead of used.
        """
        section = request.section or "-"
        if self.masker is not None:
            messages = self.masker.mask_messages(messages)
            self._warn_exposed(messages)
        key = self.key(messages, request, variant)
        if self.cache is not None and use_cache:
            hit = self.cache.get(key)
            if hit is not None:
                hit = self._scrubbed(hit, False)  # a cache written before replies were scrubbed
                if accept is not None and not accept(self._unmasked(hit)):
                    hit = None
            if hit is not None:
                self.stats.cache_hits += 1
                self._record(section, request.kind, messages, hit, 0.0, "cache-hit", None, [])
                hit = self._unmasked(hit)
                if on_cached:
                    on_cached(hit)
                return hit
        if self.collector is not None:
            self.collector.add(PendingRequest(key, self.engine, list(messages), request))
            raise DeferredRequest("请求已加入批处理队列")
        start = time.perf_counter()
        self.stats.calls += 1
        scrubber = StreamScrubber()

        def shown(piece: str) -> None:
            clean = scrubber.feed(piece)
            if clean and on_text is not None:
                on_text(clean)

        try:
            completion = await self.engine.acomplete(messages, request, on_text=shown if on_text else None,
                                                     **({"on_wait": on_wait} if on_wait is not None else {}))
        except EngineError as exc:
            self._record(section, request.kind, messages, None, time.perf_counter() - start, "error", str(exc),
                         exc.attempts)
            raise
        rest = scrubber.finish()
        if rest and on_text is not None:
            on_text(rest)
        completion = self._scrubbed(completion, scrubber.found)
        self.stats.prompt_tokens += completion.usage.get("prompt_tokens", 0)
        self.stats.completion_tokens += completion.usage.get("completion_tokens", 0)
        self._record(section, request.kind, messages, completion, time.perf_counter() - start, "ok", None,
                     completion.attempts)
        unmasked = self._unmasked(completion)
        if (self.cache is not None and completion.text.strip() and completion.finish_reason in ("stop", "length")
                and (accept is None or accept(unmasked))):
            self.cache.put(key, completion)
        return unmasked

    def _warn_exposed(self, messages: list[Message]) -> None:
        """Warn once when a declared value stands in the instructions where the built-in prompts have
        no such word: a user's template printing a fact outside the data blocks, which goes out as is."""
        if self.masker is None or self.exposure_warned or self.on_warning is None:
            return
        from ..masking import instruction_words

        words = instruction_words()
        exposed = [v for v in self.masker.exposed(messages) if v not in words]
        if exposed:
            self.exposure_warned = True
            self.on_warning(f"脱敏只替换数据块中的内容，但提示词的说明文字中出现了事实文件声明的值：{'、'.join(exposed[:5])}"
                            f"{'等' if len(exposed) > 5 else ''}，这些字样照原样发出；请检查自定义模板，把事实放进数据块"
                            f"（见 docs/masking.md）")

    def _unmasked(self, completion: Completion) -> Completion:
        if self.masker is None:
            return completion
        from dataclasses import replace

        return replace(completion, text=self.masker.unmask(completion.text))

    async def call_whole(self, messages: list[Message], request: Request, *, variant: int = 0,
                         use_cache: bool = True, on_text: Callable[[str], None] | None = None,
                         on_cached: Callable[[Completion], None] | None = None,
                         on_wait: Callable[[float, str], None] | None = None,
                         accept: Callable[[Completion], bool] | None = None) -> Completion:
        """:meth:`call`, continued while the reply is cut at the length limit; the text is the whole reply.

        ``accept`` (see :meth:`call`) judges a first reply that came whole; a cut one is kept as before.
        """
        first_ok = None if accept is None else (lambda c: c.finish_reason == "length" or accept(c))
        completion = await self.call(messages, request, variant=variant, use_cache=use_cache, on_text=on_text,
                                     on_cached=on_cached, on_wait=on_wait, accept=first_ok)
        if completion.finish_reason == "content_filter":
            raise EngineError("回复被服务端的内容安全策略拦截")
        text = completion.text
        echoed = completion.secret_echoed
        convo = list(messages)
        for _ in range(self.max_continuations):
            if completion.finish_reason != "length":
                break
            convo = [*convo, {"role": "assistant", "content": completion.text}, self.continuation]
            completion = await self.call(convo, Request(kind="continue", section=request.section,
                                                        temperature=request.temperature,
                                                        max_tokens=request.max_tokens),
                                         variant=variant, on_text=on_text, on_cached=on_cached, on_wait=on_wait)
            text += completion.text
            echoed = echoed or completion.secret_echoed
        return Completion(text=text, finish_reason=completion.finish_reason, model=completion.model,
                          usage=completion.usage, cached=completion.cached, attempts=completion.attempts,
                          secret_echoed=echoed)

    def _scrubbed(self, completion: Completion, seen_live: bool) -> Completion:
        """``completion`` without the key; a reply that held it is warned about (once per caller)."""
        text, found = scrub(completion.text)
        echoed = completion.secret_echoed or found or seen_live
        if echoed:
            self.secret_echoes += 1
            if self.secret_echoes == 1 and self.on_warning is not None:
                where = self.engine.base_url or "OpenAI 官方接口"
                self.on_warning(f"接口的回复中出现了 API 密钥（已从输出、草稿和记录中删去）：请检查 {where} "
                                f"或其间的代理是否在回显请求；密钥可能已泄露，建议更换")
        if text == completion.text and echoed == completion.secret_echoed:
            return completion
        return Completion(text=text, finish_reason=completion.finish_reason, model=completion.model,
                          usage=completion.usage, cached=completion.cached, attempts=completion.attempts,
                          secret_echoed=echoed)

    def _record(self, section: str, kind: str, messages: list[Message], completion: Completion | None,
                seconds: float, status: str, error: str | None, attempts: list[Any]) -> None:
        if self.recorder is None:
            return
        self.recorder.record_call(section, kind, {
            "status": status,
            "error": error,
            "messages": messages,
            "reply": completion.text if completion else None,
            "finish_reason": completion.finish_reason if completion else None,
            "usage": completion.usage if completion else {},
            "cached": bool(completion and completion.cached),
            "secret_echoed": bool(completion and completion.secret_echoed),
            "latency_ms": round(seconds * 1000, 1),
            "attempts": [a.to_dict() for a in attempts],
            **({"structured_output": completion.structured} if completion and completion.structured else {}),
            **({"masked": sorted(self.masker.kinds)} if self.masker is not None else {}),
        })
