"""A scripted OpenAI-compatible server that also runs the Batch API: ``/v1/files`` and ``/v1/batches``.

Batch lines are answered by the same script as live chat requests (so a suite evaluated by batch
and live gives the same replies). Each batch advances one state per poll — validating →
in_progress → completed — unless its fate is scripted: ``failed_lines`` (a predicate on the
custom_id: those lines go to the error file), ``expire_after`` (the batch expires after that many
lines, the rest missing), ``cancel`` (cancelled with no output).
"""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from email.parser import BytesParser
from email.policy import HTTP
from typing import Any

from .fakeserver import FakeLLMServer, _completion

__all__ = ["BatchFate", "FakeBatchServer"]


@dataclass
class BatchFate:
    """What happens to the next batch created (default: every line completes)."""

    polls_to_finish: int = 2
    failed_lines: Callable[[str], bool] | None = None
    expire_after: int | None = None
    cancel: bool = False


@dataclass
class _Batch:
    id: str
    input_file_id: str
    fate: BatchFate
    status: str = "validating"
    polls: int = 0
    output_file_id: str | None = None
    error_file_id: str | None = None
    counts: dict[str, int] = field(default_factory=lambda: {"total": 0, "completed": 0, "failed": 0})

    def as_json(self) -> dict[str, Any]:
        return {"id": self.id, "object": "batch", "endpoint": "/v1/chat/completions", "errors": None,
                "input_file_id": self.input_file_id, "completion_window": "24h", "status": self.status,
                "output_file_id": self.output_file_id, "error_file_id": self.error_file_id,
                "created_at": int(time.time()), "request_counts": self.counts, "metadata": None}


class FakeBatchServer(FakeLLMServer):
    """``FakeLLMServer`` plus files and batches. ``fates`` apply to batches in the order they are created."""

    def __init__(self, *args: Any, fates: list[BatchFate] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fates = list(fates or [])
        self.files: dict[str, bytes] = {}
        self.batches: dict[str, _Batch] = {}
        self.uploads = 0
        self.run_seconds = 0.0  # time spent answering batch lines (server side, for benches)

    # --- the Batch API ----------------------------------------------------------------------

    def upload(self, data: bytes) -> dict[str, Any]:
        with self._lock:
            self.uploads += 1
            fid = "file-" + secrets.token_hex(6)
            self.files[fid] = data
        return {"id": fid, "object": "file", "bytes": len(data), "purpose": "batch", "filename": "input.jsonl",
                "created_at": int(time.time()), "status": "processed"}

    def create_batch(self, body: dict[str, Any]) -> dict[str, Any]:
        if body.get("input_file_id") not in self.files:
            raise KeyError(body.get("input_file_id"))
        with self._lock:
            fate = self.fates.pop(0) if self.fates else BatchFate()
            batch = _Batch(id="batch_" + secrets.token_hex(6), input_file_id=body["input_file_id"], fate=fate)
            self.batches[batch.id] = batch
        return batch.as_json()

    def poll(self, batch_id: str) -> dict[str, Any]:
        batch = self.batches[batch_id]
        if batch.status in ("completed", "failed", "expired", "cancelled"):
            return batch.as_json()
        batch.polls += 1
        if batch.fate.cancel:
            batch.status = "cancelled"
        elif batch.polls >= batch.fate.polls_to_finish:
            self._run(batch)
        else:
            batch.status = "in_progress"
        return batch.as_json()

    def cancel(self, batch_id: str) -> dict[str, Any]:
        batch = self.batches[batch_id]
        batch.status = "cancelled"
        return batch.as_json()

    def _run(self, batch: _Batch) -> None:
        started = time.perf_counter()
        try:
            self._answer(batch)
        finally:
            self.run_seconds += time.perf_counter() - started

    def _answer(self, batch: _Batch) -> None:
        lines = [json.loads(x) for x in self.files[batch.input_file_id].decode().splitlines() if x.strip()]
        out, errors = [], []
        for n, line in enumerate(lines):
            if batch.fate.expire_after is not None and n >= batch.fate.expire_after:
                break
            cid = line["custom_id"]
            if batch.fate.failed_lines and batch.fate.failed_lines(cid):
                errors.append({"id": f"batch_req_{n}", "custom_id": cid, "response": None,
                               "error": {"code": "server_error", "message": "脚本：这一行失败"}})
                continue
            request = dict(line["body"])
            kind, _, rest = cid.partition(".")
            request["speechwriter"] = {"kind": kind, "section": rest.partition(".")[0]}
            step = self._next_step(request)
            if step.status != 200:
                errors.append({"id": f"batch_req_{n}", "custom_id": cid,
                               "response": {"status_code": step.status, "body": {"error": {"message": "脚本错误"}}},
                               "error": None})
                continue
            out.append({"id": f"batch_req_{n}", "custom_id": cid, "error": None,
                        "response": {"status_code": 200, "request_id": f"req_{n}", "body": _completion(request, step)}})
        batch.counts = {"total": len(lines), "completed": len(out), "failed": len(errors)}
        if out:
            batch.output_file_id = self._store("".join(json.dumps(x, ensure_ascii=False) + "\n" for x in out))
        if errors:
            batch.error_file_id = self._store("".join(json.dumps(x, ensure_ascii=False) + "\n" for x in errors))
        batch.status = "expired" if batch.fate.expire_after is not None else "completed"

    def _store(self, text: str) -> str:
        fid = "file-" + secrets.token_hex(6)
        self.files[fid] = text.encode()
        return fid

    # --- HTTP -------------------------------------------------------------------------------

    def _handler(self) -> type:
        base = super()._handler()
        server = self

        class Handler(base):  # type: ignore[misc, valid-type]
            def do_GET(self) -> None:
                path = self.path.split("?")[0].rstrip("/")
                parts = path.split("/")
                try:
                    if "/files/" in path and path.endswith("/content"):
                        data = server.files[parts[-2]]
                        self.send_response(200)
                        self.send_header("Content-Type", "application/octet-stream")
                        self.send_header("Content-Length", str(len(data)))
                        self.end_headers()
                        self.wfile.write(data)
                        return
                    if "/batches/" in path:
                        self._json(200, server.poll(parts[-1]))
                        return
                except KeyError:
                    self._json(404, {"error": {"message": "not found"}})
                    return
                super().do_GET()

            def do_POST(self) -> None:
                path = self.path.split("?")[0].rstrip("/")
                length = int(self.headers.get("Content-Length") or 0)
                if path.endswith("/files"):
                    raw = self.rfile.read(length)
                    head = f"Content-Type: {self.headers.get('Content-Type')}\r\n\r\n".encode()
                    message = BytesParser(policy=HTTP).parsebytes(head + raw)
                    data = next((p.get_payload(decode=True) for p in message.iter_parts()
                                 if p.get_param("name", header="content-disposition") == "file"), b"")
                    self._json(200, server.upload(data))
                    return
                if path.endswith("/batches"):
                    body = json.loads(self.rfile.read(length) or b"{}")
                    try:
                        self._json(200, server.create_batch(body))
                    except KeyError:
                        self._json(400, {"error": {"message": "unknown input file"}})
                    return
                if path.endswith("/cancel") and "/batches/" in path:
                    self.rfile.read(length)
                    self._json(200, server.cancel(path.split("/")[-2]))
                    return
                super().do_POST()

        return Handler
