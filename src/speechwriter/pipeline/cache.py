"""A persistent cache of LLM replies (SQLite), so a rerun with the same inputs costs nothing.

The key is a hash of the endpoint, model, messages and parameters. The API key is never part of
the key, and nothing but the reply, its finish reason and token counts is stored.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import sqlite3
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..engines.base import Completion
from ..redact import redact

__all__ = ["CacheUnavailable", "ReplyCache", "cache_key"]


def cache_key(identity: dict[str, Any], messages: list[dict[str, str]], params: dict[str, Any]) -> str:
    """Stable hash of what determines a reply."""
    blob = json.dumps({"endpoint": identity, "messages": messages, "params": params},
                      ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(blob.encode()).hexdigest()


class CacheUnavailable(Exception):
    """The cache file cannot be opened or written (read-only, not a database, full disk)."""


class ReplyCache:
    """``get``/``put`` completions by key; safe to share between threads.

    Opening raises :class:`CacheUnavailable` when the file cannot be used. A failure later (the
    disk fills up mid-run) turns the cache off for the rest of the run and tells ``on_error``
    once: a cache only saves money, it must never stop a draft.
    """

    def __init__(self, path: str | Path, *, on_error: Callable[[str], None] | None = None) -> None:
        self.path = Path(path)
        self.on_error = on_error
        self.broken = False
        self._lock = threading.Lock()
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("CREATE TABLE IF NOT EXISTS replies (key TEXT PRIMARY KEY, text TEXT NOT NULL, "
                             "finish_reason TEXT, model TEXT, usage TEXT, created REAL DEFAULT (julianday('now')))")
            # Prove it takes a write now, not halfway through the run.
            self._db.execute("BEGIN IMMEDIATE")
            self._db.execute("ROLLBACK")
        except (OSError, sqlite3.Error) as exc:
            raise CacheUnavailable(_why(exc)) from None

    def _failed(self, exc: Exception) -> None:
        if not self.broken:
            self.broken = True
            if self.on_error is not None:
                self.on_error(f"回复缓存出错，本次运行不再使用缓存（{self.path}：{_why(exc)}）")

    def get(self, key: str) -> Completion | None:
        if self.broken:
            return None
        try:
            with self._lock:
                row = self._db.execute("SELECT text, finish_reason, model, usage FROM replies WHERE key = ?",
                                       (key,)).fetchone()
        except sqlite3.Error as exc:
            self._failed(exc)
            return None
        if row is None:
            return None
        return Completion(text=row[0], finish_reason=row[1] or "stop", model=row[2],
                          usage=json.loads(row[3] or "{}"), cached=True)

    def put(self, key: str, completion: Completion) -> None:
        if self.broken:
            return
        try:
            with self._lock:
                self._db.execute("INSERT OR REPLACE INTO replies (key, text, finish_reason, model, usage) "
                                 "VALUES (?, ?, ?, ?, ?)",
                                 (key, redact(completion.text), completion.finish_reason, completion.model,
                                  json.dumps(completion.usage)))
        except sqlite3.Error as exc:
            self._failed(exc)

    def __len__(self) -> int:
        with self._lock:
            return int(self._db.execute("SELECT COUNT(*) FROM replies").fetchone()[0])

    def close(self) -> None:
        with self._lock, contextlib.suppress(sqlite3.Error):
            self._db.close()


def _why(exc: Exception) -> str:
    """Why the cache failed, in Chinese where we know the cause."""
    text = str(exc)
    for needle, why in (("readonly", "文件只读"), ("not a database", "不是缓存数据库（文件已损坏或被替换）"),
                        ("unable to open", "无法打开（目录不可写或路径不是文件）"), ("disk", "磁盘已满或出错"),
                        ("locked", "被其他进程锁定")):
        if needle in text.lower():
            return why
    if isinstance(exc, OSError):
        from ..files import write_problem

        return write_problem(exc)
    return text
