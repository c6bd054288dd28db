"""A scripted OpenAI-compatible HTTP server on 127.0.0.1, for tests and offline prompt work.

It speaks ``POST /v1/chat/completions`` (plain JSON and SSE streaming) and ``GET /v1/models`` over
real sockets, so the real openai SDK and langchain client run unchanged against it. Replies come
from a script: a list of :class:`Step` consumed in order, or a function of the request. Faults are
steps too: an HTTP status with headers (429 with ``Retry-After``), latency, a connection dropped
mid-stream, a chunk of invalid JSON (``bad_json_at``), an error body echoing any text
(``error_message``: a server that repeats the key it was sent), an empty reply,
``finish_reason`` ``length`` or ``content_filter``. A step can answer as a tool call
(``tool_call``: the function's name, ``reply`` its arguments), as function calling does.

Example::

    with FakeLLMServer([Step(reply="正文")]) as server:
        engine = OpenAIEngine(Profile(base_url=server.base_url, model="fake", api_key="k"))
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

__all__ = ["FakeLLMServer", "Step"]


@dataclass
class Step:
    """One scripted response."""

    reply: str = ""
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    finish_reason: str = "stop"
    drop_mid_stream: bool = False
    error_message: str = ""
    prompt_tokens: int | None = None
    bad_json_at: int | None = None  # the 1-based stream chunk sent as invalid JSON
    tool_call: str | None = None  # answer as a call of this function, with ``reply`` as its arguments (not streamed)


Responder = Callable[[dict[str, Any]], Step]


class FakeLLMServer:
    """Start with ``with FakeLLMServer(script) as s:``; ``s.base_url`` ends in ``/v1``."""

    def __init__(self, script: list[Step] | Responder | None = None, *, default: Step | None = None,
                 latency: float = 0.0, models: tuple[str, ...] = ("fake-model",)) -> None:
        self.script = script if script is not None else []
        self.default = default
        self.latency = latency
        self.models = models
        self.requests: list[dict[str, Any]] = []
        self.headers_seen: list[dict[str, str]] = []
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # --- lifecycle --------------------------------------------------------------------------

    def __enter__(self) -> FakeLLMServer:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self) -> None:
        handler = self._handler()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        if self._server:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    @property
    def port(self) -> int:
        assert self._server is not None
        return self._server.server_address[1]

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    @property
    def calls(self) -> int:
        """Chat completion requests received."""
        return len(self.requests)

    # --- script ---------------------------------------------------------------------------

    def add(self, *steps: Step) -> None:
        assert isinstance(self.script, list)
        with self._lock:
            self.script.extend(steps)

    def _next_step(self, request: dict[str, Any]) -> Step:
        with self._lock:
            self.requests.append(request)
            if callable(self.script):
                return self.script(request)
            if self.script:
                return self.script.pop(0)
        if self.default is not None:
            return self.default
        return Step(status=500, error_message="script exhausted")

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:  # keep test output clean
                pass

            def do_GET(self) -> None:
                if self.path.rstrip("/").endswith("/models"):
                    body = {"object": "list", "data": [{"id": m, "object": "model", "owned_by": "fake"}
                                                       for m in server.models]}
                    self._json(200, body)
                else:
                    self._json(404, {"error": {"message": "not found"}})

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                request = json.loads(self.rfile.read(length) or b"{}")
                headers = {k.lower(): v for k, v in self.headers.items()}
                server.headers_seen.append(headers)
                # The request's tags (generate, repair, continue …) as the client sent them in headers.
                request["speechwriter"] = {"kind": headers.get("x-speechwriter-kind"),
                                           "section": headers.get("x-speechwriter-section")}
                if not self.path.rstrip("/").endswith("/chat/completions"):
                    self._json(404, {"error": {"message": "not found"}})
                    return
                if request.get("model") not in server.models:
                    self._json(404, {"error": {"message": f"The model `{request.get('model')}` does not exist",
                                               "type": "invalid_request_error", "code": "model_not_found"}})
                    return
                step = server._next_step(request)
                time.sleep(server.latency + step.delay)
                if step.status != 200:
                    self._json(step.status, {"error": {"message": step.error_message or f"status {step.status}",
                                                       "type": "server_error"}}, step.headers)
                    return
                try:
                    if request.get("stream"):
                        self._stream(request, step)
                    else:
                        self._json(200, _completion(request, step), step.headers)
                except (BrokenPipeError, ConnectionResetError):
                    self.close_connection = True  # the client went away (closed its stream early)

            def _json(self, status: int, body: dict[str, Any], headers: dict[str, str] | None = None) -> None:
                data = json.dumps(body, ensure_ascii=False).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for k, v in (headers or {}).items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(data)

            def _stream(self, request: dict[str, Any], step: Step) -> None:
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.send_header("Connection", "close")
                self.end_headers()
                pieces = [step.reply[i:i + 8] for i in range(0, len(step.reply), 8)] or [""]
                for n, piece in enumerate(pieces):
                    if step.drop_mid_stream and n >= len(pieces) // 2:
                        self.wfile.flush()
                        self.connection.shutdown(2)  # the connection dies mid-reply
                        self.close_connection = True
                        return
                    chunk = _chunk(request, {"content": piece}, None)
                    if step.bad_json_at == n + 1:
                        self.wfile.write(b'data: {"id": "chatcmpl-fake", "choices": [{"delta": \n\n')
                        self.wfile.flush()
                        continue
                    self.wfile.write(f"data: {json.dumps(chunk, ensure_ascii=False)}\n\n".encode())
                    self.wfile.flush()
                final = _chunk(request, {}, step.finish_reason)
                final["usage"] = _usage(request, step)
                self.wfile.write(f"data: {json.dumps(final, ensure_ascii=False)}\n\n".encode())
                self.wfile.write(b"data: [DONE]\n\n")
                self.wfile.flush()
                self.close_connection = True

        return Handler


def _usage(request: dict[str, Any], step: Step) -> dict[str, int]:
    prompt = step.prompt_tokens if step.prompt_tokens is not None else sum(
        len(str(m.get("content", ""))) for m in request.get("messages", []))
    completion = len(step.reply)
    return {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion}


def _completion(request: dict[str, Any], step: Step) -> dict[str, Any]:
    return {
        "id": "chatcmpl-fake",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": request.get("model"),
        "choices": [{"index": 0, "message": _message(step), "finish_reason": step.finish_reason}],
        "usage": _usage(request, step),
    }


def _message(step: Step) -> dict[str, Any]:
    if step.tool_call is None:
        return {"role": "assistant", "content": step.reply}
    return {"role": "assistant", "content": None, "tool_calls": [
        {"id": "call_fake", "type": "function", "function": {"name": step.tool_call, "arguments": step.reply}}]}


def _chunk(request: dict[str, Any], delta: dict[str, Any], finish: str | None) -> dict[str, Any]:
    return {
        "id": "chatcmpl-fake",
        "object": "chat.completion.chunk",
        "created": int(time.time()),
        "model": request.get("model"),
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
    }
