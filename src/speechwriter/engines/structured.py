"""Structured output through LangChain's ``with_structured_output``, shared by the LangChain engines.

One chain per method — the provider's JSON-schema mode, function calling, JSON mode — each built by
``model.with_structured_output(schema, method=…, include_raw=True)``, joined with LangChain's
``with_fallbacks``: a method the endpoint refuses (HTTP 400/422, or a class that does not offer it)
hands the request to the next one. The engine remembers the method that answered, so the next
request starts there instead of being refused again.

The reply goes back to the caller as text — the JSON the model wrote (its content, or its tool
call's arguments) — not as LangChain's parsed object: the caller unmasks it (脱敏), validates it
against the same pydantic schema and the facts-level checks, re-asks with the problems, and caches
only a reply that passes; a cached reply is text too. ``include_raw`` is what makes that possible:
a reply that does not parse still reaches the caller, and the re-ask can quote it.

For the JSON-schema method the schema goes as a plain, non-strict JSON schema (``strict: false``):
with a pydantic class the openai SDK forces strict mode (which the optional and defaulted fields of
these schemas do not meet) and raises on a reply that does not validate, losing the reply.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

__all__ = ["METHODS", "Refused", "StructuredReply", "build_chain", "reply_of", "schema_dict", "schema_name"]

METHODS = ("json_schema", "function_calling", "json_mode")
REFUSAL_STATUSES = {400, 422}


class Refused(Exception):
    """A method the endpoint refused: the next method is tried (LangChain's ``exceptions_to_handle``)."""

    def __init__(self, method: str, cause: BaseException) -> None:
        super().__init__(f"{method}：{cause}")
        self.method = method
        self.cause = cause


@dataclass
class StructuredReply:
    """What one structured request brought back."""

    text: str
    method: str
    finish_reason: str
    raw: Any
    refused: list[Refused]


def schema_dict(schema: Any) -> dict[str, Any]:
    """The JSON schema of ``schema`` (a pydantic model class, or already a dict)."""
    if isinstance(schema, dict):
        return schema
    return schema.model_json_schema()


def schema_name(schema: Any) -> str:
    title = str(schema_dict(schema).get("title") or "reply")
    return "".join(ch if ch.isalnum() or ch in "_-" else "_" for ch in title)[:64]


def _form(schema: Any, method: str) -> Any:
    if method != "json_schema":
        return schema  # a pydantic class: LangChain's tool and JSON-mode parsers take it as it is
    as_dict = schema_dict(schema)
    return {"name": schema_name(schema), "description": str(as_dict.get("description") or ""),
            "schema": as_dict, "strict": False}


def _refusal(exc: BaseException) -> bool:
    status = getattr(exc, "status_code", None) or getattr(getattr(exc, "response", None), "status_code", None)
    return isinstance(status, int) and status in REFUSAL_STATUSES


def _length_cut(exc: BaseException) -> Any:
    """The reply of an ``openai.LengthFinishReasonError`` (the SDK's parse refuses a cut reply) as a message."""
    completion = getattr(exc, "completion", None)
    if type(exc).__name__ != "LengthFinishReasonError" or completion is None:
        return None
    from langchain_core.messages import AIMessage

    choice = completion.choices[0]
    usage = getattr(completion, "usage", None)
    meta = {"input_tokens": int(getattr(usage, "prompt_tokens", 0) or 0),
            "output_tokens": int(getattr(usage, "completion_tokens", 0) or 0)}
    return AIMessage(content=choice.message.content or "", response_metadata={"finish_reason": "length"},
                     usage_metadata={**meta, "total_tokens": meta["input_tokens"] + meta["output_tokens"]})


def build_chain(model: Any, schema: Any, *, start: int = 0, bind: dict[str, Any] | None = None,
                refused: list[Refused] | None = None) -> Any:
    """The fallback chain over :data:`METHODS` from ``start``; each link returns ``(method, result)``.

    ``bind`` goes to the model with each method (temperature, max_tokens, extra headers). Each
    refusal is appended to ``refused`` as it happens, so the caller can record it.
    """
    from langchain_core.runnables import RunnableLambda

    log = refused if refused is not None else []
    links = []
    for method in METHODS[start:]:
        try:
            chain = model.with_structured_output(_form(schema, method), method=method, include_raw=True,
                                                 **(bind or {}))
        except (TypeError, ValueError, NotImplementedError):
            continue  # this class does not offer that method

        links.append(RunnableLambda(_link(chain, method, log, False), afunc=_link(chain, method, log, True),
                                    name=f"structured_{method}"))
    if not links:
        raise NotImplementedError("no structured-output method")
    return links[0].with_fallbacks(links[1:], exceptions_to_handle=(Refused,)) if len(links) > 1 else links[0]


def _link(chain: Any, method: str, log: list[Refused], asynchronous: bool) -> Any:
    """One method's link: ``(method, result)``; a refusal raised as :class:`Refused`, a cut reply returned."""
    def settle(exc: Exception) -> tuple[str, Any]:
        message = _length_cut(exc)
        if message is not None:
            return method, {"raw": message, "parsed": None, "parsing_error": exc}
        if _refusal(exc):
            refusal = Refused(method, exc)
            log.append(refusal)
            raise refusal from exc
        raise exc

    if asynchronous:
        async def arun(messages: Any) -> tuple[str, Any]:
            try:
                return method, await chain.ainvoke(messages)
            except Exception as exc:
                return settle(exc)
        return arun

    def run(messages: Any) -> tuple[str, Any]:
        try:
            return method, chain.invoke(messages)
        except Exception as exc:
            return settle(exc)
    return run


def reply_of(method: str, result: Any, refused: list[Refused]) -> StructuredReply:
    """The JSON text the model wrote: its tool call's arguments, else its content."""
    raw = result.get("raw") if isinstance(result, dict) else result
    text = ""
    calls = getattr(raw, "tool_calls", None) or []
    if calls:
        text = json.dumps(calls[0].get("args", {}), ensure_ascii=False)
    else:
        invalid = getattr(raw, "invalid_tool_calls", None) or []
        text = str(invalid[0].get("args") or "") if invalid else ""
    if not text:
        content = getattr(raw, "content", raw)
        if isinstance(content, list):  # content blocks
            content = "".join(b.get("text", "") if isinstance(b, dict) else str(b) for b in content)
        text = str(content or "")
    meta = getattr(raw, "response_metadata", None) or {}
    finish = str(meta.get("finish_reason") or meta.get("stop_reason") or "stop")
    if finish in ("tool_calls", "function_call", "end_turn", "tool_use"):
        finish = "stop"
    return StructuredReply(text=text, method=method, finish_reason=finish, raw=raw, refused=list(refused))
