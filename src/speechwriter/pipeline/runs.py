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
        """Checkpointed sections (for resume); a truncated or wrongly typed checkpoint is left out (redrafted)."""
        out = {}
        for path in sorted((self.folder / "sections").glob("*.json")):
            data = _read_record(path)
            if data is not None and isinstance(data.get("body"), str):
                out[path.stem] = data
        return out

    def calls(self) -> list[dict[str, Any]]:
        """Every recorded call, in order (unreadable records left out, fields of the wrong type dropped)."""
        records = (_read_record(p) for p in sorted((self.folder / "calls").glob("*.json")))
        return [_typed(r, _CALL_FIELDS) for r in records if r is not None]

    def report(self) -> dict[str, Any] | None:
        """The final validation report, when the run finished (None when it is missing or unreadable)."""
        data = _read_record(self.folder / "report.json")
        if data is None or not isinstance(data.get("findings", []), list):
            return None
        data["findings"] = [f for f in data.get("findings", []) if isinstance(f, dict)]
        return data

    def save_round(self, n: int, findings: list[dict[str, Any]]) -> None:
        self._write(self.folder / "rounds" / f"round-{n}.json", _dump(findings))

    def save_final(self, draft_json: str, report_json: str) -> None:
        self._write(self.folder / "draft.json", redact(draft_json))
        self._write(self.folder / "report.json", redact(report_json))


_RUN_FIELDS: dict[str, type | tuple[type, ...]] = {
    "run_id": str, "created_at": str, "kind": str, "genre": str, "status": str, "facts_path": str,
    "facts_sha256": str, "usage": dict, "engine": dict, "cost": (int, float)}
_CALL_FIELDS: dict[str, type | tuple[type, ...]] = {
    "section": str, "kind": str, "status": str, "latency_ms": (int, float), "usage": dict, "attempts": list}


def _read_record(path: Path) -> dict[str, Any] | None:
    """A JSON object from a record file; None when it is missing, truncated, not UTF-8 or not an object."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError, RecursionError):
        return None
    return data if isinstance(data, dict) else None


def _typed(data: dict[str, Any], fields: dict[str, type | tuple[type, ...]]) -> dict[str, Any]:
    """``data`` with the known fields that have the wrong type removed (a hand-edited or foreign record)."""
    return {k: v for k, v in data.items()
            if k not in fields or (isinstance(v, fields[k]) and not isinstance(v, bool))}


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
    """Every recorded run's ``run.json``, newest first (unreadable ones left out, wrongly typed fields dropped)."""
    out: list[dict[str, Any]] = []
    if not _runs_folder(root):
        return out
    for path in sorted(root.glob("*/run.json"), reverse=True):
        data = _read_record(path)
        if data is not None:
            out.append(_typed(data, _RUN_FIELDS))
    return out


def open_run(run_id: str, root: Path) -> RunRecorder:
    """An existing run by id (a unique prefix is enough); an id is a name, never a path or a pattern."""
    import glob

    folder = root
    if not run_id or any(c in run_id for c in "/\\*?[]\x00") or run_id.startswith("."):
        raise InputError(f"运行 id「{run_id}」无效：应为 speechwriter runs list 中列出的 id（如 20261128-101500-1234），"
                         f"不是路径或通配符")
    matches = [p for p in folder.glob(f"{glob.escape(run_id)}*") if (p / "run.json").is_file()] \
        if _runs_folder(folder) else []
    if not matches:
        raise InputError(f"找不到运行记录「{run_id}」（位置：{folder}），可用 speechwriter runs list 查看")
    matches = [p for p in matches if p.name == run_id] or matches
    if len(matches) > 1:
        raise InputError(f"运行记录「{run_id}」不唯一：{'、'.join(p.name for p in matches)}")
    meta = _read_record(matches[0] / "run.json")
    if meta is None:
        raise InputError(f"运行记录「{matches[0].name}」已损坏（run.json 不完整或不是 JSON 对象），无法查看或续写；"
                         f"请重新起草", path=str(matches[0] / "run.json"))
    return RunRecorder(matches[0], _typed(meta, _RUN_FIELDS))
