"""Run records: ``.speechwriter/runs/<run-id>/`` holds everything a draft run did.

- ``run.json``: facts path and hash, genre and blueprint hash, engine (no key), options, prompt
  hashes, status, token totals and cost;
- ``calls/NNNN-<section>-<kind>.json``: every LLM call (messages, reply, tokens, latency,
  attempts, status);
- ``sections/<id>.json``: a checkpoint of each finished section (what ``--resume`` reuses);
- ``rounds/round-N.json``: the findings of each validation round;
- ``draft.json`` and ``report.json``: the final draft and its validation report.

Every file is written atomically, and through :func:`speechwriter.redact.redact`: no key, bearer
token or URL credential reaches a record even when a server echoes one back.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import secrets
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..errors import InputError, WriteError
from ..files import write_problem, write_text_atomic
from ..redact import redact, redact_data

__all__ = ["RunRecorder", "list_runs", "open_run"]


def _dump(data: Any) -> str:
    return json.dumps(redact_data(data), ensure_ascii=False, indent=2, default=str) + "\n"


class RunRecorder:
    """Writes one run's records; thread-safe for concurrent section tasks.

    A record is a by-product: when a write fails (full disk, read-only folder) the recorder tells
    ``on_error`` once and records nothing more, and the drafting goes on.
    """

    def __init__(self, folder: Path, meta: dict[str, Any], *,
                 on_error: Callable[[str], None] | None = None) -> None:
        self.folder = folder
        self.id = folder.name
        self.meta = meta
        self.on_error = on_error
        self.broken = False
        self._lock = threading.Lock()
        try:
            self._calls = len(list((folder / "calls").glob("*.json"))) if (folder / "calls").is_dir() else 0
            for sub in ("calls", "sections", "rounds"):
                (folder / sub).mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise WriteError(f"无法创建运行记录目录：{write_problem(exc)}", path=str(folder)) from None

    @classmethod
    def create(cls, meta: dict[str, Any], root: Path, *,
               on_error: Callable[[str], None] | None = None) -> RunRecorder:
        """A new run folder under ``root``; a :class:`WriteError` when it cannot be made."""
        now = dt.datetime.now()
        run_id = now.strftime("%Y%m%d-%H%M%S-") + secrets.token_hex(2)
        folder = root / run_id
        try:
            folder.mkdir(parents=True, exist_ok=False)
        except OSError as exc:
            raise WriteError(f"无法创建运行记录目录：{write_problem(exc)}", path=str(root)) from None
        rec = cls(folder, {**meta, "run_id": run_id, "created_at": now.isoformat(timespec="seconds"),
                           "status": "running"}, on_error=on_error)
        rec.on_error = None  # the first write must fail loudly: the caller then runs without a record
        rec.save_meta()
        rec.on_error = on_error
        return rec

    def _write(self, path: Path, text: str) -> None:
        if self.broken:
            return
        try:
            write_text_atomic(path, text)
        except WriteError as exc:
            if self.on_error is None:
                raise
            self.broken = True
            self.on_error(f"运行记录写入失败，本次运行不再记录（{exc}）")

    def save_meta(self, **updates: Any) -> None:
        with self._lock:
            self.meta.update(updates)
            self._write(self.folder / "run.json", _dump(self.meta))

    def record_call(self, section: str, kind: str, data: dict[str, Any]) -> None:
        with self._lock:
            self._calls += 1
            name = f"{self._calls:04d}-{section}-{kind}.json"
            self._write(self.folder / "calls" / name, _dump({"section": section, "kind": kind, **data}))

    def save_section(self, section: str, data: dict[str, Any]) -> None:
        self._write(self.folder / "sections" / f"{section}.json", _dump(data))

    def sections(self) -> dict[str, dict[str, Any]]:
        """Checkpointed sections (for resume); a damaged checkpoint is skipped (that section is written again)."""
        out = {}
        for path in sorted((self.folder / "sections").glob("*.json")):
            try:
                data = _read_record(path)
            except InputError:
                continue
            if isinstance(data, dict) and isinstance(data.get("body"), str):
                out[path.stem] = data
        return out

    def calls(self) -> list[dict[str, Any]]:
        """Every recorded call, in order (damaged records left out)."""
        out = []
        for path in sorted((self.folder / "calls").glob("*.json")):
            try:
                data = _read_record(path)
            except InputError:
                continue
            if isinstance(data, dict):
                out.append(data)
        return out

    def report(self) -> dict[str, Any] | None:
        """The final validation report, when the run finished (None when missing or damaged)."""
        path = self.folder / "report.json"
        if not path.is_file():
            return None
        try:
            data = _read_record(path)
        except InputError:
            return None
        return data if isinstance(data, dict) and isinstance(data.get("findings"), list) else None

    def save_round(self, n: int, findings: list[dict[str, Any]]) -> None:
        self._write(self.folder / "rounds" / f"round-{n}.json", _dump(findings))

    def save_final(self, draft_json: str, report_json: str) -> None:
        self._write(self.folder / "draft.json", redact(draft_json))
        self._write(self.folder / "report.json", redact(report_json))


def _read_record(path: Path) -> Any:
    """A record file's JSON; a truncated or unreadable one is one InputError line naming it."""
    from ..files import read_text

    try:
        return json.loads(read_text(path, what="运行记录", max_bytes=64 * 1024 * 1024))
    except (json.JSONDecodeError, RecursionError):
        raise InputError("运行记录已损坏（不是完整的 JSON）", path=str(path)) from None


def _runs_folder(root: Path) -> bool:
    """Whether the runs folder exists; one Chinese line when it cannot be entered or read."""
    try:
        if not root.is_dir():
            return False
        os.listdir(root)  # a folder that may be stat'ed but not listed fails here, not in a glob that hides it
        return True
    except PermissionError:
        raise InputError("没有权限读取运行记录目录（请检查目录权限）", path=str(root)) from None
    except OSError as exc:
        raise InputError(f"无法读取运行记录目录：{exc.strerror or type(exc).__name__}", path=str(root)) from None


def list_runs(root: Path) -> list[dict[str, Any]]:
    """Every recorded run's ``run.json``, newest first."""
    folder = root
    out: list[dict[str, Any]] = []
    if not _runs_folder(folder):
        return out
    for path in sorted(folder.glob("*/run.json"), reverse=True):
        try:
            data = _read_record(path)
        except InputError:
            continue  # a damaged record is left out of the list, not a failure of the list
        if isinstance(data, dict):
            out.append(data)
    return out


def open_run(run_id: str, root: Path) -> RunRecorder:
    """An existing run by id (a unique prefix is enough)."""
    folder = root
    if not run_id or any(c in run_id for c in "/\\*?[]") or run_id.startswith("."):
        raise InputError(f"「{run_id}」不是运行 id（形如 20261128-101500-ab12），可用 speechwriter runs list 查看")
    matches = [p for p in folder.glob(f"{run_id}*") if (p / "run.json").is_file()] if _runs_folder(folder) else []
    if not matches:
        raise InputError(f"找不到运行记录「{run_id}」（位置：{folder}），可用 speechwriter runs list 查看")
    matches = [p for p in matches if p.name == run_id] or matches
    if len(matches) > 1:
        raise InputError(f"运行记录「{run_id}」不唯一：{'、'.join(p.name for p in matches)}")
    meta = _read_record(matches[0] / "run.json")
    if not isinstance(meta, dict):
        raise InputError("运行记录已损坏（run.json 不是对象）", path=str(matches[0] / "run.json"))
    return RunRecorder(matches[0], meta)
