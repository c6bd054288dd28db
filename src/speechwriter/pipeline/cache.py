"""A persistent cache of LLM replies (SQLite), so a rerun with the same inputs costs nothing.

The key is a hash of the endpoint, model, messages and parameters. The API key is never part of
the key, and nothing but the reply, its finish reason and token counts is stored.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import threading
from pathlib import Path
from typing import Any

from ..engines.base import Completion
from ..redact import redact

__all__ = ["ReplyCache", "cache_key"]


def cache_key(identity: dict[str, Any], messages: list[dict[str, str]], params: dict[str, Any]) -> str:
    """Stable hash of what determines a reply."""
    blob = json.dumps({"endpoint": identity, "messages": messages, "params": params},
                      ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(blob.encode()).hexdigest()


class ReplyCache:
    """``get``/``put`` completions by key; safe to share between threads."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("CREATE TABLE IF NOT EXISTS replies (key TEXT PRIMARY KEY, text TEXT NOT NULL, "
                         "finish_reason TEXT, model TEXT, usage TEXT, created REAL DEFAULT (julianday('now')))")

    def get(self, key: str) -> Completion | None:
        with self._lock:
            row = self._db.execute("SELECT text, finish_reason, model, usage FROM replies WHERE key = ?",
                                   (key,)).fetchone()
        if row is None:
            return None
        return Completion(text=row[0], finish_reason=row[1] or "stop", model=row[2],
                          usage=json.loads(row[3] or "{}"), cached=True)

    def put(self, key: str, completion: Completion) -> None:
        with self._lock:
            self._db.execute("INSERT OR REPLACE INTO replies (key, text, finish_reason, model, usage) "
                             "VALUES (?, ?, ?, ?, ?)",
                             (key, redact(completion.text), completion.finish_reason, completion.model,
                              json.dumps(completion.usage)))

    def __len__(self) -> int:
        with self._lock:
            return int(self._db.execute("SELECT COUNT(*) FROM replies").fetchone()[0])

    def close(self) -> None:
        with self._lock:
            self._db.close()
