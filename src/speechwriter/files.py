"""File I/O at the edges: size- and encoding-checked reads, atomic writes."""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

from .errors import InputError

MAX_INPUT_BYTES = 1024 * 1024


def read_text(path: str | os.PathLike[str], *, max_bytes: int = MAX_INPUT_BYTES,
              what: str = "文件") -> str:
    """Read a UTF-8 text file, turning every failure into one :class:`InputError` line."""
    p = Path(path)
    name = str(path)
    if not p.exists():
        raise InputError(f"{what}不存在", path=name)
    if p.is_dir():
        raise InputError(f"这是一个目录，不是{what}", path=name)
    try:
        size = p.stat().st_size
        if size > max_bytes:
            raise InputError(f"{what}过大（{size} 字节，上限 {max_bytes} 字节）", path=name)
        data = p.read_bytes()
    except PermissionError:
        raise InputError("没有读取权限", path=name) from None
    except OSError as exc:
        raise InputError(f"无法读取：{exc.strerror}", path=name) from None
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise InputError(f"不是 UTF-8 编码（第 {exc.start} 字节），请另存为 UTF-8",
                         path=name, line=line) from None


def write_text_atomic(path: str | os.PathLike[str], text: str) -> Path:
    """Write ``text`` to ``path`` via a temporary file in the same folder and a rename.

    A reader never sees a half-written file, and a crash leaves the old file intact.
    """
    return write_bytes_atomic(path, text.encode("utf-8"))


def write_bytes_atomic(path: str | os.PathLike[str], data: bytes) -> Path:
    """Bytes version of :func:`write_text_atomic`."""
    target = Path(path)
    folder = target.parent if str(target.parent) else Path(".")
    if not folder.is_dir():
        raise InputError("输出目录不存在", path=str(folder))
    if not os.access(folder, os.W_OK):
        raise InputError("输出目录不可写", path=str(folder))
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    return target
