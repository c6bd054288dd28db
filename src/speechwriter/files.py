"""File I/O at the edges: bounded, regular-file-only reads and atomic writes.

Reads never block and never run away: only regular files are opened (a symlink to ``/dev/zero``,
a FIFO or a socket is refused before it is opened), and at most the size limit plus one byte is
read, whatever the file's stat size says. Writes go through a temporary file in the same folder
and a rename, get the mode any editor would give them (``0666`` less the umask, or the mode of the
file they replace), and turn a full disk, a size limit or a read-only folder into one line.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import stat
import tempfile
from pathlib import Path

from .errors import InputError, WriteError

__all__ = ["CONTROL_CHARACTERS", "MAX_INPUT_BYTES", "STDIN", "check_writable_dir", "ensure_parent", "folder_problem",
           "inside_folder", "is_stdio", "read_problem", "read_stdin", "read_text", "special_kind", "write_bytes_atomic",
           "write_problem", "write_text_atomic"]

MAX_INPUT_BYTES = 1024 * 1024

CONTROL_CHARACTERS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")
"""Characters no speech text holds: C0/C1 controls but tab and line ends, and bidi overrides/isolates."""

_KINDS = ((stat.S_ISCHR, "字符设备"), (stat.S_ISBLK, "块设备"), (stat.S_ISFIFO, "命名管道（FIFO）"),
          (stat.S_ISSOCK, "套接字"))


_READ_PROBLEMS = {
    errno.ELOOP: "符号链接循环（链接最终指回自身）",
    errno.ENAMETOOLONG: "路径过长",
    errno.EACCES: "没有读取权限",
    errno.EPERM: "没有读取权限",
    errno.EIO: "读取时发生 I/O 错误（磁盘或网络文件系统故障）",
    errno.ENOTDIR: "路径中有一段不是目录",
    errno.ENOENT: "不存在",
}


def read_problem(exc: OSError) -> str:
    """A Chinese phrase for why a path could not be read (a link loop, no permission …), never English."""
    return _READ_PROBLEMS.get(exc.errno or 0) or f"无法读取（系统错误码 {exc.errno}）"


def inside_folder(folder: str | os.PathLike[str], path: str | os.PathLike[str]) -> bool:
    """True when ``path``, links followed, lies inside ``folder`` (links followed): a link out of it is not."""
    try:
        return Path(path).resolve().is_relative_to(Path(folder).resolve())
    except (OSError, RuntimeError):  # a link loop
        return False


def folder_problem(path: str | os.PathLike[str], what: str = "目录") -> str | None:
    """Why ``path`` cannot be used as a folder to read from, in Chinese; None when it can."""
    try:
        info = os.stat(path)
    except FileNotFoundError:
        return f"{what}不存在"
    except OSError as exc:
        return f"{what}无法访问：{read_problem(exc)}"
    if not stat.S_ISDIR(info.st_mode):
        kind = "普通文件" if stat.S_ISREG(info.st_mode) else _not_regular(info.st_mode)
        return f"这是{kind}，不是{what}"
    if not os.access(path, os.R_OK | os.X_OK):
        return f"{what}没有读取权限"
    return None


def special_kind(mode: int) -> str:
    """What a file that is not a regular file is (命名管道（FIFO）, 字符设备 …), from its stat mode."""
    return _not_regular(mode)


def _not_regular(mode: int) -> str:
    return next((label for test, label in _KINDS if test(mode)), "特殊文件")


def read_text(path: str | os.PathLike[str], *, max_bytes: int = MAX_INPUT_BYTES,
              what: str = "文件") -> str:
    """Read a UTF-8 text file, turning every failure into one :class:`InputError` line."""
    name = str(path)
    try:
        info = os.stat(path)
    except (FileNotFoundError, NotADirectoryError):
        raise InputError(f"{what}不存在", path=name) from None
    except PermissionError:
        raise InputError("没有读取权限", path=name) from None
    except OSError as exc:
        raise InputError(f"无法读取：{read_problem(exc)}", path=name) from None
    if stat.S_ISDIR(info.st_mode):
        raise InputError(f"这是一个目录，不是{what}", path=name)
    if not stat.S_ISREG(info.st_mode):
        raise InputError(f"这是{_not_regular(info.st_mode)}，不是普通文件，拒绝读取", path=name)
    if info.st_size > max_bytes:
        raise InputError(f"{what}过大（{info.st_size} 字节，上限 {max_bytes} 字节）", path=name)
    data = _read_bounded(path, name, max_bytes)
    if len(data) > max_bytes:
        raise InputError(f"{what}过大（超过上限 {max_bytes} 字节）", path=name)
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise InputError(f"不是 UTF-8 编码（第 {exc.start} 字节），请另存为 UTF-8",
                         path=name, line=line) from None


STDIN = "-"
"""The path that means standard input (or, for an output, standard output), as in most Unix tools."""


def is_stdio(path: str | os.PathLike[str] | None) -> bool:
    """Whether ``path`` is ``-`` (standard input or output)."""
    return path is not None and str(path) == STDIN


def read_stdin(*, max_bytes: int = MAX_INPUT_BYTES, what: str = "输入") -> str:
    """Standard input as UTF-8 text, bounded like a file (``-`` given as a path)."""
    import sys

    data = sys.stdin.buffer.read(max_bytes + 1) if hasattr(sys.stdin, "buffer") else \
        sys.stdin.read(max_bytes + 1).encode("utf-8")
    if len(data) > max_bytes:
        raise InputError(f"{what}过大（超过上限 {max_bytes} 字节）", path="<标准输入>")
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(f"不是 UTF-8 编码（第 {exc.start} 字节）", path="<标准输入>") from None


def _read_bounded(path: str | os.PathLike[str], name: str, max_bytes: int) -> bytes:
    """At most ``max_bytes + 1`` bytes of a file that is still a regular file once opened.

    O_NONBLOCK keeps the open from waiting for a writer should the path have been swapped for a
    FIFO between the stat and the open; the fstat then refuses it.
    """
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(path, flags)
    except PermissionError:
        raise InputError("没有读取权限", path=name) from None
    except OSError as exc:
        raise InputError(f"无法读取：{read_problem(exc)}", path=name) from None
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise InputError(f"这是{_not_regular(mode)}，不是普通文件，拒绝读取", path=name)
        chunks: list[bytes] = []
        left = max_bytes + 1
        while left > 0:
            chunk = os.read(fd, min(left, 1 << 16))
            if not chunk:
                break
            chunks.append(chunk)
            left -= len(chunk)
        return b"".join(chunks)
    except OSError as exc:
        raise InputError(f"无法读取：{read_problem(exc)}", path=name) from None
    finally:
        os.close(fd)


_WRITE_PROBLEMS = {
    errno.ENOSPC: "磁盘空间不足",
    errno.EFBIG: "文件超过系统允许的大小（磁盘配额或 ulimit -f 限制）",
    errno.EDQUOT: "超出磁盘配额",
    errno.EROFS: "文件系统是只读的",
    errno.EACCES: "没有写入权限",
    errno.EPERM: "没有写入权限",
    errno.ENOTDIR: "路径中有一段不是目录",
    errno.ENOENT: "目录不存在",
    errno.EISDIR: "这是一个目录",
}


def write_problem(exc: OSError) -> str:
    """A Chinese phrase for why a write failed (full disk, read-only, no permission …)."""
    return _WRITE_PROBLEMS.get(exc.errno or 0) or (exc.strerror or type(exc).__name__)


def _umask() -> int:
    """The process umask, read without changing it where the platform allows."""
    with contextlib.suppress(OSError, ValueError), open("/proc/self/status", encoding="ascii",
                                                         errors="replace") as fh:
        for line in fh:
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def check_writable_dir(folder: str | os.PathLike[str], what: str = "输出目录") -> Path:
    """Prove ``folder`` takes a new file by creating and removing one (``os.access`` lies to root)."""
    target = Path(folder) if str(folder) else Path(".")
    if not target.is_dir():
        try:
            os.stat(target)
        except FileNotFoundError:
            raise WriteError(f"{what}不存在", path=str(target)) from None
        except OSError as exc:  # a link loop, a name too long …: say which, not 「不存在」
            raise WriteError(f"{what}无法访问：{read_problem(exc)}", path=str(target)) from None
        raise WriteError(f"{what}不是目录", path=str(target))
    try:
        fd, tmp = tempfile.mkstemp(prefix=".speechwriter-probe.", dir=target)
    except OSError as exc:
        raise WriteError(f"{what}不可写：{write_problem(exc)}", path=str(target)) from None
    os.close(fd)
    with contextlib.suppress(OSError):
        os.unlink(tmp)
    return target


def ensure_parent(path: str | os.PathLike[str]) -> Path:
    """Create the missing folders above ``path`` (``-o build/x`` with no ``build/`` yet), as ``mkdir -p``."""
    target = Path(path)
    folder = target.parent if str(target.parent) else Path(".")
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        raise WriteError("输出目录不是目录（路径中有一段是文件）", path=str(folder)) from None
    except OSError as exc:
        raise WriteError(f"无法创建输出目录：{write_problem(exc)}", path=str(folder)) from None
    return target


def write_text_atomic(path: str | os.PathLike[str], text: str, *, mode: int | None = None) -> Path:
    """Write ``text`` to ``path`` via a temporary file in the same folder and a rename.

    A reader never sees a half-written file, and a crash or a full disk leaves the old file intact.
    ``mode`` (e.g. ``0o600`` for a file that may hold a key) replaces the usual mode.
    """
    return write_bytes_atomic(path, text.encode("utf-8"), mode=mode)


def write_bytes_atomic(path: str | os.PathLike[str], data: bytes, *, mode: int | None = None) -> Path:
    """Bytes version of :func:`write_text_atomic`; failures are one :class:`WriteError` line."""
    chosen = mode
    target = Path(path)
    folder = target.parent if str(target.parent) else Path(".")
    if not folder.is_dir():
        raise WriteError(folder_problem(folder, "输出目录") or "输出目录不是目录", path=str(folder))
    try:
        mode = stat.S_IMODE(os.stat(target).st_mode) if chosen is None else chosen
    except OSError:
        mode = 0o666 & ~_umask()
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=folder)
    except OSError as exc:
        raise WriteError(f"无法写入：{write_problem(exc)}", path=str(target)) from None
    try:
        with os.fdopen(fd, "wb") as fh:
            os.fchmod(fh.fileno(), mode)
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        if isinstance(exc, OSError):
            raise WriteError(f"无法写入（未留下不完整的文件）：{write_problem(exc)}", path=str(target)) from None
        raise
    return target
