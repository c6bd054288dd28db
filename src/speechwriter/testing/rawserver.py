"""A server on 127.0.0.1 that misbehaves at the socket level, for tests of what the client survives.

:class:`FakeLLMServer` speaks correct HTTP; the faults here are below it: a stream that never
ends, keep-alive bytes without data, a reply trickled one byte at a time (slowloris), headers
that never finish, a silent server, an HTML page, an empty body, a JSON reply without choices,
a redirect. Each connection reads the request and then runs the mode's writer until the client
goes away or the server stops.

Example::

    with MisbehavingServer("endless") as server:
        engine = OpenAIEngine(Profile(base_url=server.base_url, model="m", api_key="k", deadline=1))
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Callable

__all__ = ["MODES", "MisbehavingServer"]

_CHUNK = {"id": "x", "object": "chat.completion.chunk", "created": 0, "model": "fake-model",
          "choices": [{"index": 0, "delta": {"content": "好"}, "finish_reason": None}]}


def _sse(payload: dict[str, object]) -> bytes:
    return f"data: {json.dumps(payload, ensure_ascii=False)}\n\n".encode()


def _stream_head() -> bytes:
    return b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nConnection: close\r\n\r\n"


def _plain(status: str, content_type: str, body: bytes, extra: str = "") -> bytes:
    return (f"HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {len(body)}\r\n{extra}"
            f"Connection: close\r\n\r\n").encode() + body


class MisbehavingServer:
    """Start with ``with MisbehavingServer(mode) as s:``; ``s.base_url`` ends in ``/v1``.

    ``tick`` is the pause between the bytes or chunks of the slow modes; ``reply_chars`` the size of
    the ``huge`` reply.
    """

    def __init__(self, mode: str, *, tick: float = 0.05, reply_chars: int = 200_000) -> None:
        if mode not in MODES:
            raise ValueError(f"unknown mode {mode!r}; one of {sorted(MODES)}")
        self.mode = mode
        self.tick = tick
        self.reply_chars = reply_chars
        self.connections = 0
        self._stop = threading.Event()
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind(("127.0.0.1", 0))
        self._sock.listen(16)
        self._sock.settimeout(0.1)
        self._thread = threading.Thread(target=self._serve, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._sock.getsockname()[1]}/v1"

    def __enter__(self) -> MisbehavingServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        self._sock.close()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._sock.accept()
            except OSError:
                continue
            self.connections += 1
            threading.Thread(target=self._handle, args=(conn,), daemon=True).start()

    def _handle(self, conn: socket.socket) -> None:
        try:
            conn.settimeout(5)
            _read_request(conn)
            MODES[self.mode](self, conn)
        except OSError:
            pass  # the client gave up: that is what the test waits for
        finally:
            conn.close()

    # --- writers ----------------------------------------------------------------------------

    def _forever(self, conn: socket.socket, head: bytes, piece: bytes) -> None:
        conn.sendall(head)
        while not self._stop.is_set():
            conn.sendall(piece)
            time.sleep(self.tick)

    def endless(self, conn: socket.socket) -> None:
        self._forever(conn, _stream_head(), _sse(_CHUNK))

    def keepalive(self, conn: socket.socket) -> None:
        self._forever(conn, _stream_head(), b": keep-alive\n\n")

    def slowloris(self, conn: socket.socket) -> None:
        body = _stream_head() + _sse(_CHUNK) * 1000
        for byte in body:
            if self._stop.is_set():
                return
            conn.sendall(bytes([byte]))
            time.sleep(self.tick)

    def slow_headers(self, conn: socket.socket) -> None:
        conn.sendall(b"HTTP/1.1 200 OK\r\n")
        while not self._stop.is_set():
            conn.sendall(b"X-Wait: 1\r\n")
            time.sleep(self.tick)

    def silent(self, conn: socket.socket) -> None:
        self._stop.wait()

    def huge(self, conn: socket.socket) -> None:
        conn.sendall(_stream_head())
        chunk = dict(_CHUNK, choices=[{"index": 0, "delta": {"content": "字" * 1000}, "finish_reason": None}])
        for _ in range(self.reply_chars // 1000):
            conn.sendall(_sse(chunk))

    def html(self, conn: socket.socket) -> None:
        conn.sendall(_plain("200 OK", "text/html; charset=utf-8", b"<html><body>login</body></html>"))

    def empty(self, conn: socket.socket) -> None:
        conn.sendall(_plain("200 OK", "application/json", b""))

    def no_choices(self, conn: socket.socket) -> None:
        conn.sendall(_stream_head() + _sse({"id": "x", "object": "chat.completion.chunk", "choices": []})
                     + b"data: [DONE]\n\n")

    def truncated(self, conn: socket.socket) -> None:
        conn.sendall(_stream_head() + _sse(_CHUNK) + b'data: {"id": "x", "choi')

    def redirect(self, conn: socket.socket) -> None:
        conn.sendall(_plain("302 Found", "text/html", b"", "Location: http://127.0.0.1:9/elsewhere\r\n"))


def _read_request(conn: socket.socket) -> None:
    """Read the request head and its body (Content-Length), so the client is not refused mid-send."""
    data = b""
    while b"\r\n\r\n" not in data:
        piece = conn.recv(65536)
        if not piece:
            return
        data += piece
    head, _, body = data.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            length = int(line.split(b":", 1)[1])
    while len(body) < length:
        piece = conn.recv(65536)
        if not piece:
            return
        body += piece


MODES: dict[str, Callable[[MisbehavingServer, socket.socket], None]] = {
    name: getattr(MisbehavingServer, name)
    for name in ("endless", "keepalive", "slowloris", "slow_headers", "silent", "huge", "html", "empty",
                 "no_choices", "truncated", "redirect")
}
